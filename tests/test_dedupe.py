"""Near-duplicate detection: a syndicated copy is one source, different reports are not."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from briefing.diagnostics import Diagnostics
from briefing.pipeline import prepare
from briefing.sources.dedupe import find_duplicates, jaccard, shingles
from briefing.sources.ingest import read_documents
from briefing.types.stages import Article

from .conftest import SEEDS
from .lookalikes import lookalike_article


def seed_articles() -> list[Article]:
    return prepare(read_documents([SEEDS]), Diagnostics())


def syndicated_copy(original: Article, new_id: str) -> Article:
    """What a wire re-publisher does: new headline, a dateline, the last paragraph cut."""
    paragraphs = original.text.split("\n\n")
    text = "TOKYO (Pacific Wire) — " + "\n\n".join(paragraphs[:-1])
    return original.model_copy(update={"id": new_id, "title": "Allies upgrade ties", "text": text})


def test_the_seeds_are_five_different_stories() -> None:
    assert find_duplicates(seed_articles()) == {}


def test_a_syndicated_copy_is_recorded_against_the_original() -> None:
    articles = seed_articles()
    copy = syndicated_copy(articles[2], "S6")

    duplicates = find_duplicates([*articles, copy])

    assert list(duplicates) == ["S6"]
    original, similarity = duplicates["S6"]
    assert original == "S3"
    assert 0.7 <= similarity < 1.0


def test_the_earlier_article_is_the_one_kept() -> None:
    articles = seed_articles()
    copy = syndicated_copy(articles[0], "S0")
    duplicates = find_duplicates([copy, articles[0]])
    assert list(duplicates) == ["S1"]
    assert duplicates["S1"][0] == "S0"


@given(st.text(min_size=1), st.text(min_size=1))
def test_jaccard_is_symmetric_and_bounded(a: str, b: str) -> None:
    first, second = shingles(a), shingles(b)
    assert jaccard(first, second) == jaccard(second, first)
    assert 0.0 <= jaccard(first, second) <= 1.0


def test_identical_texts_are_fully_similar_and_empty_ones_not_at_all() -> None:
    text = "The allies agreed to restructure the command in Japan on Wednesday."
    assert jaccard(shingles(text), shingles(text.upper())) == 1.0
    assert jaccard(shingles(""), shingles(text)) == 0.0


# --- many articles: compared through their rarest shingles, with the same result ---


def test_copies_are_found_as_comparing_every_pair_finds_them() -> None:
    rng = random.Random(5)
    texts = [lookalike_article(n) for n in range(60)]
    texts += [_edited(rng.choice(texts), rng) for _ in range(40)]
    articles = [Article(id=f"S{n}", path=f"{n}.txt", title="", text=text)
                for n, text in enumerate(texts)]  # fmt: skip

    assert find_duplicates(articles) == _duplicates_by_every_pair(articles)
    assert find_duplicates(articles)  # some copies were made


def _edited(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(0, 4)):
        words[rng.randrange(len(words))] = rng.choice(["new", "old", "the", "big"])
    return " ".join(words)


def _duplicates_by_every_pair(articles: list[Article]) -> dict[str, tuple[str, float]]:
    kept: list[tuple[Article, frozenset[int]]] = []
    found: dict[str, tuple[str, float]] = {}
    for candidate in articles:
        own = shingles(candidate.text)
        best = max(((jaccard(own, other), a) for a, other in kept), default=None,
                   key=lambda x: x[0])  # fmt: skip
        if best is not None and best[0] >= 0.7:
            found[candidate.id] = (best[1].id, round(best[0], 3))
        else:
            kept.append((candidate, own))
    return found
