"""Near-duplicate detection: a syndicated copy is one source, different reports are not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from briefing.dedupe import find_duplicates, jaccard, shingles
from briefing.ingest import read_documents
from briefing.models import Article
from briefing.pipeline import prepare

from .conftest import SEEDS


def seed_articles() -> list[Article]:
    return prepare(read_documents([SEEDS])[0])[0]


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
