"""Build a corpus of any size by repeating and perturbing the seed articles.

Article k is seed k mod n keeping its lede and headings and a random half of its other
paragraphs, the rest swapped for paragraphs of the other seeds (a generator seeded with k
chooses both). A draw too close to an earlier article (60% shingle overlap, against the
near-duplicate check's 70%) is drawn again, so every article is read: the same story told with
different supporting detail.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from pathlib import Path

from briefing.sources.dedupe import jaccard, shingles

_MIN_BODY_WORDS = 8  # shorter paragraphs are headings or datelines: kept in place
_MAX_OVERLAP = 0.6
_MIN_SWAP_WORDS = 40  # swapped-in paragraphs are full ones, not boilerplate or captions


def perturbed_corpus(seeds: Sequence[Path], count: int, folder: Path) -> Path:
    paragraphs = [_paragraphs(seed) for seed in seeds]
    folder.mkdir(parents=True)
    written: list[frozenset[int]] = []
    for k in range(count):
        base = k % len(seeds)
        others = [
            p for i, own in enumerate(paragraphs) if i != base for p in own
            if len(p.split()) >= _MIN_SWAP_WORDS
        ]  # fmt: skip
        for attempt in itertools.count():
            rng = random.Random(f"{k}:{attempt}")
            text = "\n\n".join(_perturbed(paragraphs[base], others, rng))
            own = shingles(text)
            if all(jaccard(own, earlier) < _MAX_OVERLAP for earlier in written):
                break
        written.append(own)
        (folder / f"{k:03d}_{seeds[base].stem}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def _perturbed(own: list[str], others: list[str], rng: random.Random) -> list[str]:
    after_lede = [position for position, paragraph in enumerate(own) if _body(paragraph)][1:]
    swapped = set(rng.sample(after_lede, k=len(after_lede) - len(after_lede) // 2))
    return [
        rng.choice(others) if position in swapped else paragraph
        for position, paragraph in enumerate(own)
    ]


def _paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [paragraph.strip() for paragraph in text.split("\n\n") if paragraph.strip()]


def _body(paragraph: str) -> bool:
    return len(paragraph.split()) >= _MIN_BODY_WORDS
