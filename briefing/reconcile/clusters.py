"""Group the same claim made by different articles into clusters, and count its sources.

Pure. Two steps:
1. Clustering: a verified claim joins the cluster whose members it resembles most, if that
   resemblance clears the similarity's `same_claim` bar (`similarity.py`; lexical by default).
2. Corroboration: for every cluster, each other article is searched for a sentence that
   states one of its claims (`corroboration.py`), which counts that article as a source too.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from briefing.claims.verify import numbers_in
from briefing.reconcile.candidates import MEANING_MARGIN, StemIndex, top
from briefing.reconcile.corpus import Corpus, Values
from briefing.reconcile.corroboration import Corroboration
from briefing.reconcile.similarity import LexicalSimilarity, Meaning, Similarity, Vectors
from briefing.types.answers import ClaimType
from briefing.types.stages import ArticleClaims, Claim, Cluster

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
    look-alike cluster give the same few); and how alike the members its canonical claim is
    chosen among were found as they joined."""

    claims: list[Claim] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    values: dict[object, Values] = field(default_factory=dict)
    alike: dict[tuple[int, int], float] = field(default_factory=dict)
    """(id of a member, id of an earlier one): their similarity, for the first
    `TYPICAL_AMONG` members."""

    def add(self, claim: Claim, values: Values, alike: dict[int, float]) -> None:
        """Add `claim`, `alike` each earlier member (by id) it was compared with."""
        if len(self.claims) < TYPICAL_AMONG:
            self.alike.update(((id(claim), member), score) for member, score in alike.items())
        self.claims.append(claim)
        self.sources.add(claim.source)
        self.values.setdefault(values.key, values)


def cluster_claims(
    extracted: Sequence[ArticleClaims],
    corpus: Corpus,
    similarity: Similarity | None = None,
    corroboration: Corroboration | None = None,
    grouping: Grouping | None = None,
) -> list[Cluster]:
    """Clusters of verified claims, each with its corroborating passages, best first.
    `corroboration` and `grouping` hold what was worked out ahead (while the model read),
    used when they worked on `corpus` with `similarity` and on these claims."""
    similarity = similarity or LexicalSimilarity(corpus.weights)
    meaning = similarity if isinstance(similarity, Meaning) else None
    corroboration = _searching(corpus, meaning, corroboration)
    claims = [claim for article in extracted for claim in article.verified]
    exhaustive = len(claims) <= EXHAUSTIVE_CLAIMS
    if grouping is None or not grouping.continues(corpus, similarity, claims, exhaustive):
        grouping = Grouping(corpus, similarity, exhaustive)
    grouping.add(claims[len(grouping.claims) :])
    corroboration.narrow(claims)
    clusters = [
        Cluster(
            id=f"c{number}",
            canonical=_canonical(group, similarity).text,
            claims=tuple(group.claims),
            support=tuple(corroboration.support(group.claims)),
        )
        for number, group in enumerate(grouping.groups, start=1)
    ]
    return ranked(clusters)


def _searching(
    corpus: Corpus, meaning: Meaning | None, searched: Corroboration | None
) -> Corroboration:
    """What was `searched` ahead when it searched this corpus by this meaning, else a new
    search."""
    if searched is not None and searched.corpus is corpus and searched.meaning is meaning:
        return searched
    return Corroboration(corpus, meaning)


class Grouping:
    """Claims grouped in the order they are added: each joins the closest group formed
    before it that takes it, or starts one. Its groups depend only on the claims added, so
    claims can be added an article's at a time while the model reads later articles, and
    grouping them all at once gives the same groups. `exhaustive`: each claim is compared
    with every earlier group (see `EXHAUSTIVE_CLAIMS`), else with those of its nearest
    earlier claims."""

    def __init__(self, corpus: Corpus, similarity: Similarity, exhaustive: bool) -> None:
        self.corpus = corpus
        self.similarity = similarity
        self.exhaustive = exhaustive
        self.claims: list[Claim] = []
        self.groups: list[_Group] = []
        self._group_of: list[int] = []
        self._nearest = None if exhaustive else _Nearest(similarity, corpus)
        self._compared_texts = False

    def add(self, claims: Sequence[Claim]) -> None:
        if not claims:
            return
        self.similarity.prepare(claims)
        meaning = self.similarity if isinstance(self.similarity, Meaning) else None
        if meaning is not None and not self._compared_texts:  # every sentence: one batch
            meaning.prepare_texts(self.corpus.unit_texts())
            self._compared_texts = True
        if self._nearest is not None:
            self._nearest.add(claims)
        for claim in claims:
            self._join(claim)

    def continues(
        self, corpus: Corpus, similarity: Similarity, claims: Sequence[Claim], exhaustive: bool
    ) -> bool:
        """Whether these groups are those of `claims` begun: the same corpus, similarity and
        way of comparing, and the claims grouped so far are the first of them."""
        done = len(self.claims)
        return (
            self.corpus is corpus
            and self.similarity is similarity
            and self.exhaustive == exhaustive
            and done <= len(claims)
            and all(a is b for a, b in zip(self.claims, claims[:done], strict=True))
        )

    def _join(self, claim: Claim) -> None:
        position = len(self.claims)
        self.claims.append(claim)
        candidates: list[tuple[int, Sequence[Claim]]]
        if self._nearest is None:
            candidates = [(number, group.claims) for number, group in enumerate(self.groups)]
        else:
            candidates = self._nearest.candidates(position, self.groups, self._group_of)
        best, alike = _closest_group(claim, candidates, self.groups, self.similarity, self.corpus)
        if best is None:
            best = len(self.groups)
            self.groups.append(_Group())
        self.groups[best].add(claim, self.corpus.values(claim), alike)
        self._group_of.append(best)


class _Nearest:
    """Which groups formed before a claim it is compared with, when not every one: those of
    its nearest earlier claims. Near means sharing enough weighty words (the lexical view's
    bar) or, when the similarity hands out vectors, close in meaning; the nearest come first,
    and the similarity itself decides. Its indexes cover the claims added so far, built
    again when a claim beyond them is asked about (a claim is scored against earlier ones
    only, the same however many come after)."""

    def __init__(self, similarity: Similarity, corpus: Corpus) -> None:
        self._similarity = similarity
        self._corpus = corpus
        self._bar = similarity.same_claim
        self._claims: list[Claim] = []
        self._indexed = 0

    def add(self, claims: Sequence[Claim]) -> None:
        self._claims.extend(claims)

    def candidates(
        self, position: int, groups: Sequence[_Group], group_of: Sequence[int]
    ) -> list[tuple[int, Sequence[Claim]]]:
        """The groups formed before the claim at `position` to compare it with, in their
        order, each with the members whose similarity to it counts: its first and those
        among the claim's nearest."""
        if position >= self._indexed:
            self._index()
        scores = self._scores(position)
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

    def _index(self) -> None:
        claims, weights = self._claims, self._corpus.weights
        texts = [claim.text for claim in claims]
        cited = [claim.cited or claim.text for claim in claims]
        self._words = [StemIndex(texts, weights), StemIndex(cited, weights)]
        self._views = [texts, cited]
        self._numbers = _NumberIndex(texts)
        self._same_text: dict[str, list[int]] = {}  # worded alike, however common the words
        for j, text in enumerate(texts):
            self._same_text.setdefault(text, []).append(j)
        similarity = self._similarity
        self._meanings = (
            [similarity.vectors(texts), similarity.vectors(cited)]
            if isinstance(similarity, Vectors)
            else []
        )
        self._indexed = len(claims)

    def _scores(self, position: int) -> np.ndarray[Any, Any]:
        """For each earlier claim, the highest of its views' closeness to the claim at
        `position`."""
        scores = np.zeros(position)
        for index, view in zip(self._words, self._views, strict=True):
            scores = np.maximum(scores, index.overlaps(view[position])[:position])
        for matrix in self._meanings:
            scores = np.maximum(scores, matrix[:position] @ matrix[position])
        same = [j for j in self._same_text[self._views[0][position]] if j < position]
        scores[same] = 1.0
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


def _closest_group(
    claim: Claim,
    candidates: Sequence[tuple[int, Sequence[Claim]]],
    groups: Sequence[_Group],
    similarity: Similarity,
    corpus: Corpus,
) -> tuple[int | None, dict[int, float]]:
    """The most similar group that takes the claim: none of its members is from the same
    article (one article saying a thing twice is still one source) or gives a different
    figure or date (sources that disagree do not corroborate each other); with the claim's
    similarity to each of its members compared (by id). `candidates` are (group position,
    the members whose similarity to the claim counts)."""
    values = corpus.values(claim)
    takers = [
        (position, members)
        for position, members in candidates
        if claim.source not in groups[position].sources
        and not any(values.differ(given) for given in groups[position].values.values())
    ]  # checked first: cheaper than the similarity, and look-alike claims mostly fail it
    alike = [{id(member): similarity(claim, member) for member in members} for _, members in takers]
    scored = [(max(each.values()), n) for n, each in enumerate(alike)]
    best = min(scored, key=lambda item: (-item[0], takers[item[1]][0]), default=None)
    if best is None or best[0] < similarity.same_claim:
        return None, {}
    return takers[best[1]][0], alike[best[1]]


def _canonical(group: _Group, similarity: Similarity) -> Claim:
    """The member most like all the others (ties: the earliest), among the first
    `TYPICAL_AMONG`: by the similarities found as they joined, the rest worked out now."""
    if len(group.claims) == 1:
        return group.claims[0]
    pool = group.claims[:TYPICAL_AMONG]
    scores = np.zeros((len(pool), len(pool)))
    for i, j in itertools.combinations(range(len(pool)), 2):  # a similarity is symmetric
        found = group.alike.get((id(pool[j]), id(pool[i])))
        scores[i, j] = scores[j, i] = similarity(pool[i], pool[j]) if found is None else found
    totals = [sum(row) for row in scores.tolist()]  # the diagonal is 0: each with the others
    return pool[totals.index(max(totals))]
