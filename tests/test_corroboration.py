"""corroboration: other articles stating a claim count as its sources, and what the search
finds ahead, claim by claim while the model still reads other articles, is exactly what the
search at the end finds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.reconcile.corpus import Corpus
from briefing.reconcile.corroboration import Corroboration
from briefing.reconcile.similarity import LexicalSimilarity, MeaningSimilarity

from .support.builders import BACKGROUND, A, article, claim, hashed_words

B = article(
    "B",
    "Japan is doubling its defense budget to 2% of GDP by 2027.",
    "Officials said the MQ-9 drones will fly from Kanoya.",
    *BACKGROUND,
)
C = article(
    "C",
    "MQ-9 drones are going to Kanoya Air Base, the U.S. said.",
    "Japan's defense spending will reach 2% of GDP by 2027, doubling it.",
    "Seoul watched the talks closely.",
)
CORPUS = Corpus.of([A, B, C])
CLAIMS = [claim(a, s.text, s.number) for a in (A, B, C) for s in a.sentences[:3]]


MEANINGS = {
    "by words": None,
    "by meaning": MeaningSimilarity(hashed_words, LexicalSimilarity(CORPUS.weights)),
}


def test_another_article_stating_a_claim_in_its_own_words_supports_it() -> None:
    budget = CLAIMS[0]
    found = Corroboration(CORPUS, None).support([budget])
    assert [(e.source, e.sentence) for e in found] == [("B", 1), ("C", 2)]


@settings(deadline=None, max_examples=60)
@given(
    labels=st.lists(st.integers(0, 3), min_size=len(CLAIMS), max_size=len(CLAIMS)),
    searched=st.lists(st.sampled_from(range(len(CLAIMS))), unique=True),
)
@pytest.mark.parametrize("compared", MEANINGS)
def test_what_is_searched_ahead_is_what_the_end_finds(
    compared: str, labels: list[int], searched: list[int]
) -> None:
    meaning = MEANINGS[compared]
    groups = [[c for c, label in zip(CLAIMS, labels, strict=True) if label == n] for n in range(4)]
    ahead = Corroboration(CORPUS, meaning)
    ahead.search([CLAIMS[n] for n in searched])
    at_the_end = Corroboration(CORPUS, meaning)
    for group in filter(None, groups):
        assert ahead.support(group) == at_the_end.support(group)


def test_a_group_is_never_supported_by_its_own_articles() -> None:
    everything = Corroboration(CORPUS, MEANINGS["by meaning"])
    everything.search(CLAIMS)
    budget_a, budget_b = CLAIMS[0], CLAIMS[3]
    assert {e.source for e in everything.support([budget_a, budget_b])} == {"C"}
