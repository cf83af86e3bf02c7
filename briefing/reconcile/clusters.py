"""Group the same claim made by different articles into clusters, and count its sources.

Pure. Two steps:
1. Clustering: a verified claim joins the cluster whose members it resembles most, if that
   resemblance clears the similarity's `same_claim` bar (`similarity.py`; lexical by default).
2. Corroboration: for every cluster, each other article is searched for a sentence that
   states the claim too: in its words (every name and number of the claim occurs in it and
   it carries most of the claim's weight of words) or, with a sentence encoder, in other
   words (the sentence or one of its clauses is close in meaning, has every number and most
   names of the claim, and shares something with it beyond the topic every article is
   about). Such a passage counts its article as a source even when the model did not pick
   that fact out of it. Duplicates never reach this stage, so a syndicated copy cannot count
   twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from briefing.claims.dates import dates_in
from briefing.claims.verify import (
    amounts,
    evidence_problems,
    names_in,
    numbers_in,
    polarity_problems,
    word_keys,
)
from briefing.reconcile.candidates import MEANING_MARGIN, StemIndex, top
from briefing.reconcile.corpus import Corpus, Values
from briefing.reconcile.similarity import LexicalSimilarity, Meaning, Similarity, Vectors
from briefing.types.answers import ClaimType
from briefing.types.stages import Article, ArticleClaims, Claim, Cluster, Evidence, Sentence

SUPPORT_COVERAGE = 0.6
"""Share of a claim's word weight another article's sentence must carry to corroborate it."""
SUPPORT_MEANING = 0.6
"""Cosine between a claim and another article's sentence (or clause) at which, with every
number and most names of the claim in it and something specific in common, the sentence
states the claim in other words."""
EXHAUSTIVE_CLAIMS = 400
"""Up to this many claims, each is compared with every cluster formed before it. Beyond, with
the clusters of its `NEAREST_CLAIMS` nearest earlier claims (by shared weighty words and, with
a sentence encoder, by meaning): comparing every pair grows with the square of the claims."""
NEAREST_CLAIMS = 16
NUMBER_BONUS = 0.05
"""How much nearer a claim giving one of the same numbers ranks."""
TYPICAL_AMONG = 24
"""Members (the first) among which a cluster's most typical claim is chosen: comparing every
pair of a cluster of thousands of look-alike claims grows with the square of them."""

_TYPE_RANK = {
    ClaimType.event: 0,
    ClaimType.decision: 0,
    ClaimType.figure: 1,
    ClaimType.quote: 2,
    ClaimType.assessment: 3,
    ClaimType.background: 4,
}


@dataclass
class _Group:
    """Claims becoming one cluster, with what a claim joining it is checked against: their
    sources, and each different set of values they give once (thousands of members of one
    look-alike cluster give the same few)."""

    claims: list[Claim] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    values: dict[object, Values] = field(default_factory=dict)

    def add(self, claim: Claim, values: Values) -> None:
        self.claims.append(claim)
        self.sources.add(claim.source)
        self.values.setdefault(values.key, values)


def differing_amounts(a: str, b: str) -> dict[str, tuple[set[str], set[str]]]:
    """Units both texts count in, with no value in common: {"troop": ({"400"}, {"500"})}."""
    amounts_a = amounts(a, skip=dates_in(a))
    amounts_b = amounts(b, skip=dates_in(b))
    return {
        unit: (amounts_a[unit], amounts_b[unit])
        for unit in amounts_a.keys() & amounts_b.keys()
        if not amounts_a[unit] & amounts_b[unit]
    }


def cluster_claims(
    extracted: Sequence[ArticleClaims],
    corpus: Corpus,
    similarity: Similarity | None = None,
) -> list[Cluster]:
    """Clusters of verified claims, each with its corroborating passages, best first."""
    similarity = similarity or LexicalSimilarity(corpus.weights)
    claims = [claim for article in extracted for claim in article.verified]
    similarity.prepare(claims)
    if isinstance(similarity, Meaning):  # every sentence may support a claim: one batch
        similarity.prepare_texts([text for a in corpus.articles for _, text in corpus.units(a)])
    nearest = _Nearest(claims, similarity, corpus)
    groups: list[_Group] = []
    group_of: list[int] = []
    for position, claim in enumerate(claims):
        candidates = nearest.candidates(position, groups, group_of)
        best = _closest_group(claim, candidates, groups, similarity, corpus)
        if best is None:
            best = len(groups)
            groups.append(_Group())
        groups[best].add(claim, corpus.values(claim))
        group_of.append(best)
    near = _near_in_meaning(claims, corpus, similarity)
    clusters = [
        Cluster(
            id=f"c{number}",
            canonical=_canonical(group.claims, similarity).text,
            claims=tuple(group.claims),
            support=tuple(_support(group.claims, corpus, similarity, near)),
        )
        for number, group in enumerate(groups, start=1)
    ]
    return ranked(clusters)


class _Nearest:
    """The clusters a claim is compared with: every earlier one up to `EXHAUSTIVE_CLAIMS`
    claims, else those of its nearest earlier claims. Near means sharing enough weighty words
    (the lexical view's bar) or, when the similarity hands out vectors, close in meaning;
    the nearest come first, and the similarity itself decides."""

    def __init__(self, claims: Sequence[Claim], similarity: Similarity, corpus: Corpus) -> None:
        self._claims = claims
        self._bar = similarity.same_claim
        self.exhaustive = len(claims) <= EXHAUSTIVE_CLAIMS
        if self.exhaustive:
            return
        texts = [claim.text for claim in claims]
        cited = [" ".join(e.quote for e in claim.evidence) or claim.text for claim in claims]
        self._words = [StemIndex(texts, corpus.weights), StemIndex(cited, corpus.weights)]
        self._views = [texts, cited]
        self._numbers = _NumberIndex(texts)
        self._same_text: dict[str, list[int]] = {}  # worded alike, however common the words
        for j, text in enumerate(texts):
            self._same_text.setdefault(text, []).append(j)
        self._meanings = (
            [similarity.vectors(texts), similarity.vectors(cited)]
            if isinstance(similarity, Vectors)
            else []
        )

    def candidates(
        self, position: int, groups: Sequence[_Group], group_of: Sequence[int]
    ) -> list[tuple[int, Sequence[Claim]]]:
        """The groups formed before the claim at `position` to compare it with, in their
        order, each with the members whose similarity to it counts (all of them, or its
        first and those among the claim's nearest)."""
        if self.exhaustive:
            return [(number, group.claims) for number, group in enumerate(groups)]
        scores = self._scores(position)[:position]
        # Among claims worded alike, those giving one of its numbers first: look-alike claims
        # differ in little else.
        ranks = scores + NUMBER_BONUS * (self._numbers.sharing(position)[:position] > 0)
        near_enough = np.flatnonzero(scores >= self._bar - MEANING_MARGIN)
        nearest = top(ranks, near_enough, NEAREST_CLAIMS)
        near: dict[int, list[Claim]] = {}
        for j in sorted(int(j) for j in nearest):
            first = groups[group_of[j]].claims[0]
            members = near.setdefault(group_of[j], [first])
            if self._claims[j] is not first:
                members.append(self._claims[j])
        return sorted(near.items())

    def _scores(self, position: int) -> np.ndarray[Any, Any]:
        """For every claim, the highest of its views' closeness to the claim at `position`."""
        scores = np.zeros(len(self._claims))
        for index, view in zip(self._words, self._views, strict=True):
            scores = np.maximum(scores, index.overlaps(view[position]))
        for matrix in self._meanings:
            scores = np.maximum(scores, matrix @ matrix[position])
        scores[self._same_text[self._views[0][position]]] = 1.0
        return scores


class _NumberIndex:
    """Which texts give which numbers (a year, a count, a day of the month)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._numbers = [numbers_in(text) for text in texts]
        holders: dict[str, list[int]] = {}
        for position, found in enumerate(self._numbers):
            for number in found:
                holders.setdefault(number, []).append(position)
        self._holders = {number: np.asarray(at, dtype=np.int64) for number, at in holders.items()}
        self._size = len(texts)

    def sharing(self, position: int) -> np.ndarray[Any, Any]:
        """For each text, how many numbers it shares with the one at `position`."""
        hits = [self._holders[number] for number in self._numbers[position]]
        if not hits:
            return np.zeros(self._size, dtype=np.int64)
        return np.bincount(np.concatenate(hits), minlength=self._size)


def ranked(clusters: Sequence[Cluster]) -> list[Cluster]:
    """Most independent sources first, then events and decisions before commentary; ties
    keep the order the articles gave."""
    return sorted(
        clusters,
        key=lambda c: (-len(c.sources), min(_TYPE_RANK[claim.type] for claim in c.claims)),
    )


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


def _near_in_meaning(
    claims: Sequence[Claim], corpus: Corpus, similarity: Similarity
) -> dict[str, set[str]]:
    """For each claim's text, the articles with a sentence or clause that may come close
    enough in meaning to state it; none without a meaning to compare by."""
    if not isinstance(similarity, Meaning):
        return {}
    texts = list(dict.fromkeys(claim.text for claim in claims))
    return dict(zip(texts, corpus.near_each(texts, similarity, SUPPORT_MEANING), strict=True))


def _support(
    group: list[Claim], corpus: Corpus, similarity: Similarity, near: dict[str, set[str]]
) -> list[Evidence]:
    """Per article not in the group, in order, the first passage that states one of its
    claims. Only articles that may hold one are searched (`_may_support`, with the articles
    `near` each claim in meaning); in the others `supporting_passage` finds nothing."""
    meaning = similarity if isinstance(similarity, Meaning) else None
    claimed = {claim.source for claim in group}
    possible = {
        id(claim): _may_support(claim.text, corpus, near.get(claim.text, set()), claimed)
        for claim in group
    }
    searched = set().union(*possible.values())
    found: list[Evidence] = []
    for article in corpus.in_order(searched):
        for claim in group:
            if article.id not in possible[id(claim)]:
                continue
            passage = supporting_passage(claim.text, article, corpus, meaning)
            if passage is not None:
                found.append(Evidence.of(article.id, passage))
                break
    return found


def _may_support(claim: str, corpus: Corpus, near: set[str], claimed: set[str]) -> set[str]:
    """Articles besides `claimed` that may state `claim`: one sentence there gives every
    number and half the names of the claim, and a citable sentence carries enough of its
    words or the article is `near` the claim in meaning."""
    stating = corpus.stating(claim)
    if stating is not None:
        stating -= claimed
        if not stating:
            return set()
    possible = corpus.covering(claim, SUPPORT_COVERAGE, within=stating) | near
    possible -= claimed
    return possible if stating is None else possible & stating


def _closest_group(
    claim: Claim,
    candidates: Sequence[tuple[int, Sequence[Claim]]],
    groups: Sequence[_Group],
    similarity: Similarity,
    corpus: Corpus,
) -> int | None:
    """The most similar group that takes the claim: none of its members is from the same
    article (one article saying a thing twice is still one source) or gives a different
    figure or date (sources that disagree do not corroborate each other). `candidates` are
    (group position, the members whose similarity to the claim counts)."""
    values = corpus.values(claim)
    takers = [
        (position, members)
        for position, members in candidates
        if claim.source not in groups[position].sources
        and not any(values.differ(given) for given in groups[position].values.values())
    ]  # checked first: cheaper than the similarity, and look-alike claims mostly fail it
    scored = [
        (max(similarity(claim, member) for member in members), position)
        for position, members in takers
    ]
    best = min(scored, key=lambda item: (-item[0], item[1]), default=None)
    return best[1] if best is not None and best[0] >= similarity.same_claim else None


def _canonical(group: list[Claim], similarity: Similarity) -> Claim:
    """The member most like all the others (ties: the earliest), among the first
    `TYPICAL_AMONG`."""
    if len(group) == 1:
        return group[0]
    pool = group[:TYPICAL_AMONG]
    return max(
        pool,
        key=lambda claim: sum(similarity(claim, other) for other in pool if other is not claim),
    )
