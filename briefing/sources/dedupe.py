"""Find near-duplicate articles (the same story syndicated twice). Pure.

Word 5-gram shingles compared by Jaccard similarity: a copy with a new headline, a dateline
or a trimmed tail still matches, while two reports of the same event in different words do
not. The earlier article is kept; the later one is recorded as its duplicate.

An article is compared only with the kept articles that share one of its rarest shingles
(prefix filtering): two sets with a Jaccard similarity of at least t share one of the first
|A| - ceil(t|A|) + 1 shingles of each, rarest first. So the result is the one comparing every
pair would give, without comparing hundreds of look-alike articles pairwise.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from briefing.types.stages import Article

DUPLICATE_THRESHOLD = 0.7
_SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    words = _WORD.findall(text.lower())
    if len(words) < _SHINGLE_WORDS:
        return frozenset({hash(" ".join(words))}) if words else frozenset()
    return frozenset(
        hash(" ".join(words[i : i + _SHINGLE_WORDS]))
        for i in range(len(words) - _SHINGLE_WORDS + 1)
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_duplicates(
    articles: Sequence[Article], threshold: float = DUPLICATE_THRESHOLD
) -> dict[str, tuple[str, float]]:
    """Map each duplicate's id to (id of the article it repeats, similarity)."""
    shingled = [shingles(article.text) for article in articles]
    frequency = Counter(shingle for own in shingled for shingle in own)
    kept: list[tuple[Article, frozenset[int]]] = []
    holding: dict[int, list[int]] = {}  # a shingle -> kept articles with it in their prefix
    duplicates: dict[str, tuple[str, float]] = {}
    for article, own in zip(articles, shingled, strict=True):
        prefix = _prefix(own, frequency, threshold)
        candidates = sorted(
            {position for shingle in prefix for position in holding.get(shingle, ())}
        )
        best = max(
            ((jaccard(own, kept[position][1]), kept[position][0]) for position in candidates),
            default=None,
            key=lambda x: x[0],
        )
        if best is not None and best[0] >= threshold:
            duplicates[article.id] = (best[1].id, round(best[0], 3))
        else:
            for shingle in prefix:
                holding.setdefault(shingle, []).append(len(kept))
            kept.append((article, own))
    return duplicates


def _prefix(own: frozenset[int], frequency: Counter[int], threshold: float) -> list[int]:
    """The shingles, rarest first, that a set at least `threshold` similar to `own` must
    share one of (one more than a rounding error could need)."""
    length = len(own) - math.ceil(threshold * len(own) - 1e-9) + 1
    return sorted(own, key=lambda shingle: (frequency[shingle], shingle))[: max(length, 0)]
