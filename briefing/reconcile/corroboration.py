"""Which other articles state a claim too, and in which sentence. Pure.

Each article is searched for a sentence that states a claim: in its words (every name and
number of the claim occurs in it and it carries most of the claim's weight of words) or, with
a sentence encoder, in other words (the sentence or one of its clauses is close in meaning,
has every number and most names of the claim, and shares something with it beyond the topic
every article is about). Such a passage counts its article as a source of the claim's cluster
even when the model did not pick that fact out of it. Duplicates never reach this stage, so a
syndicated copy cannot count twice.

What a claim's text finds in an article depends on nothing but the two, so the search can
run claim by claim while the model is still reading other articles (`Corroboration.search`);
a cluster's support is then put together from what its members found.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from briefing.claims.dates import dates_in
from briefing.claims.verify import (
    amounts,
    evidence_problems,
    names_in,
    numbers_in,
    polarity_problems,
    word_keys,
)
from briefing.reconcile.corpus import Corpus
from briefing.reconcile.similarity import Meaning
from briefing.types.stages import Article, Claim, Evidence, Sentence

SUPPORT_COVERAGE = 0.6
"""Share of a claim's word weight another article's sentence must carry to corroborate it."""
SUPPORT_MEANING = 0.6
"""Cosine between a claim and another article's sentence (or clause) at which, with every
number and most names of the claim in it and something specific in common, the sentence
states the claim in other words."""


class Corroboration:
    """The passages of a corpus's articles that state each claim, searched once per claim
    text and article, compared by `meaning` besides words when given."""

    def __init__(self, corpus: Corpus, meaning: Meaning | None) -> None:
        self.corpus = corpus
        self.meaning = meaning
        self._possible: dict[tuple[str, str], set[str]] = {}
        self._searched: dict[tuple[str, str], Sentence | None] = {}

    def narrow(self, claims: Iterable[Claim]) -> None:
        """Find, for each claim not yet narrowed, the other articles that may state it: all
        of them together, which comparing by meaning does as a few matrix products."""
        new = list(
            dict.fromkeys(_key(claim) for claim in claims if _key(claim) not in self._possible)
        )
        texts = list(dict.fromkeys(text for text, _ in new))
        near = dict(zip(texts, self._near(texts), strict=True))
        for text, source in new:
            self._possible[text, source] = _may_support(text, self.corpus, near[text], source)

    def search(self, claims: Sequence[Claim]) -> None:
        """Search every other article that may state each claim, ahead of `support`."""
        self.narrow(claims)
        for claim in claims:
            for article in self.corpus.in_order(self._possible[_key(claim)]):
                key = (claim.text, article.id)
                if key not in self._searched:
                    self._searched[key] = self._passage(claim.text, article)

    def support(self, group: Sequence[Claim]) -> list[Evidence]:
        """Per article not in the group, in order, the first passage that states one of its
        claims. Only the articles that may hold one are searched (`narrow`); in the others
        `supporting_passage` finds nothing."""
        self.narrow(group)
        claimed = {claim.source for claim in group}
        possible = {key: self._possible[key] - claimed for key in map(_key, group)}
        found: list[Evidence] = []
        for article in self.corpus.in_order(set().union(*possible.values())):
            for claim in group:
                if article.id not in possible[_key(claim)]:
                    continue
                passage = self._found(claim.text, article)
                if passage is not None:
                    found.append(Evidence.of(article.id, passage))
                    break
        return found

    def _found(self, text: str, article: Article) -> Sentence | None:
        """What `search` found, or else what searching now finds (not kept: a search at the
        end asks each pair once)."""
        key = (text, article.id)
        return self._searched[key] if key in self._searched else self._passage(text, article)

    def _passage(self, text: str, article: Article) -> Sentence | None:
        return supporting_passage(text, article, self.corpus, self.meaning)

    def _near(self, texts: Sequence[str]) -> list[set[str]]:
        """For each text, the articles with a sentence or clause that may come close enough
        in meaning to state it; none without a meaning to compare by."""
        if self.meaning is None:
            return [set() for _ in texts]
        return self.corpus.near_each(texts, self.meaning, SUPPORT_MEANING)


def supporting_passage(
    claim: str, article: Article, corpus: Corpus, meaning: Meaning | None = None
) -> Sentence | None:
    """The article's sentence that states `claim` best, if one states it at all: one that
    carries most of its rare words and every name and number of the claim, or (with
    `meaning`) one whose sentence or clause is close in meaning and `restated` holds."""
    best = corpus.best_covering(claim, article)
    if (
        best is not None
        and corpus.weights.coverage(claim, best.text) >= SUPPORT_COVERAGE
        and not evidence_problems(claim, [best.text], corpus.names)
    ):
        return best
    closest = corpus.closest(claim, article, meaning) if meaning is not None else None
    if closest is None or closest[1] < SUPPORT_MEANING:
        return None
    passage = closest[0].text
    if not corpus.anchored(claim, passage) or not restated(claim, passage, corpus.names):
        return None
    if not corpus.same_doing(claim, passage):
        return None
    return closest[0]


def restated(claim: str, passage: str, names: frozenset[str]) -> bool:
    """Whether a passage close in meaning to `claim` can state it in other words: it has
    every number of the claim, counts nothing the claim counts differently, negates what
    the claim negates, and names most of whom the claim names."""
    if numbers_in(claim) - numbers_in(passage) or differing_amounts(claim, passage):
        return False
    if polarity_problems(claim, passage):
        return False
    named = names_in(claim, names)
    return len(named - word_keys(passage)) <= len(named) // 2


def differing_amounts(a: str, b: str) -> dict[str, tuple[set[str], set[str]]]:
    """Units both texts count in, with no value in common: {"troop": ({"400"}, {"500"})}."""
    amounts_a = amounts(a, skip=dates_in(a))
    amounts_b = amounts(b, skip=dates_in(b))
    return {
        unit: (amounts_a[unit], amounts_b[unit])
        for unit in amounts_a.keys() & amounts_b.keys()
        if not amounts_a[unit] & amounts_b[unit]
    }


def _key(claim: Claim) -> tuple[str, str]:
    return claim.text, claim.source


def _may_support(claim: str, corpus: Corpus, near: set[str], source: str) -> set[str]:
    """Articles besides `source` that may state `claim`: one sentence there gives every
    number and half the names of the claim, and a citable sentence carries enough of its
    words or the article is `near` the claim in meaning."""
    stating = corpus.stating(claim)
    if stating is not None:
        stating.discard(source)
        if not stating:  # the common case among look-alike articles: no index search
            return set()
    possible = corpus.covering(claim, SUPPORT_COVERAGE, within=stating) | near
    possible.discard(source)
    return possible if stating is None else possible & stating
