"""Which of many texts can come near one text, found for all of them at once. Pure.

Reconciliation compares claims with claims and with every other article's sentences. On a few
articles that is cheap; on hundreds of look-alike articles, comparing every pair in Python
grows with the square of the articles (issue #19). These indexes answer "which of these texts
could reach the bar?" with one numpy pass, so only those are compared in full:

- `StemIndex`: the weight of the word stems a text shares with each indexed text. That bounds
  the weighted overlap and coverage `StemWeights` computes, so a text it leaves out cannot
  reach the bar, and pruning with it changes no result.
- `MeaningIndex`: the best cosine between a text and each owner's texts (an article's
  sentences and clauses), from the similarity's own vectors. Again only a bound is used, with
  a margin for rounding, and the comparison that decides is the usual one.
- `Stars`: pairs covered by groups instead of one by one. A disagreement between many look-alike
  claims is one item listing every side, not one item per pair of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from briefing.reconcile.similarity import StemWeights

Array = np.ndarray[Any, Any]

STEM_MARGIN = 1e-9
"""Slack for summing the same weights in another order."""
MEANING_MARGIN = 1e-4
"""Slack for a float32 matrix product against one dot product of the same vectors."""
SCORES_AT_ONCE = 1 << 22
"""Cosines `MeaningIndex.near_each` holds at a time (16 MB of float32)."""


class StemIndex:
    """Many texts by their word stems, weighted as `weights` weighs them."""

    def __init__(self, texts: Sequence[str], weights: StemWeights) -> None:
        postings: dict[str, list[int]] = {}
        for position, text in enumerate(texts):
            for stem in weights.stems(text):
                postings.setdefault(stem, []).append(position)
        self._postings = {
            stem: np.asarray(found, dtype=np.int64) for stem, found in postings.items()
        }
        self._weights = weights
        self.size = len(texts)
        self.totals = np.array([weights.total(text) for text in texts], dtype=np.float64)

    def shared(self, text: str) -> Array:
        """For each indexed text, the weight of the stems it shares with `text`."""
        # Sorted: the sums below must not depend on a set's order (the hash seed).
        stems = sorted(stem for stem in self._weights.stems(text) if stem in self._postings)
        if not stems:
            return np.zeros(self.size)
        hits = [self._postings[stem] for stem in stems]
        weights = np.repeat([self._weights.weight(stem) for stem in stems], [len(h) for h in hits])
        return np.bincount(np.concatenate(hits), weights=weights, minlength=self.size)

    def overlaps(self, text: str) -> Array:
        """`StemWeights.overlap` of `text` with each indexed text (to rounding)."""
        lighter = np.minimum(self.totals, self._weights.total(text))
        shared = self.shared(text)
        return np.divide(shared, lighter, out=np.zeros(self.size), where=lighter > 0)

    def overlapping(self, text: str, at_least: float) -> Array:
        """Positions whose weighted overlap with `text` may reach `at_least` (0 < at_least <= 1):
        every position whose `StemWeights.overlap` does is among them."""
        lighter = np.minimum(self.totals, self._weights.total(text))
        shared = self.shared(text)
        return np.flatnonzero((lighter > 0) & (shared >= at_least * lighter - STEM_MARGIN))

    def covering(self, claim: str, at_least: float) -> Array:
        """Positions that may carry `at_least` of the claim's stem weight: every position whose
        `StemWeights.coverage` of the claim does is among them."""
        total = self._weights.total(claim)
        if total <= 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.shared(claim) >= at_least * total - STEM_MARGIN)


Vectorize = Callable[[Sequence[str]], Array]


class MeaningIndex:
    """The texts of many owners (say, each article's sentences and clauses) as one matrix of
    unit vectors, from `vectors` (the similarity's own, so nothing is encoded twice)."""

    def __init__(self, owners: Sequence[Sequence[str]], vectors: Vectorize) -> None:
        texts = [text for own in owners for text in own]
        self._vectors = vectors
        self._matrix = vectors(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        self._sizes = np.array([len(own) for own in owners], dtype=np.int64)
        self._firsts = np.cumsum(self._sizes) - self._sizes
        self._owners = np.flatnonzero(self._sizes > 0)  # reduceat needs every segment non-empty
        self._starts = self._firsts[self._owners]
        self.size = len(owners)

    def best(self, text: str) -> Array:
        """For each owner, the highest cosine between `text` and its texts (-inf: it has none)."""
        found = np.full(self.size, -np.inf)
        if len(self._owners):
            scores = self._matrix @ self._vectors([text])[0]
            found[self._owners] = np.maximum.reduceat(scores, self._starts)
        return found

    def _best_of_each(self, queries: Array) -> Array:
        """`best` for each row of unit vectors in `queries`: a column per row."""
        found = np.full((self.size, len(queries)), -np.inf)
        if len(self._owners):
            scores = self._matrix @ queries.T
            found[self._owners] = np.maximum.reduceat(scores, self._starts, axis=0)
        return found

    def closest_of(self, text: str, owner: int) -> int | None:
        """Which of `owner`'s texts (its position among them) is closest to `text`; the first
        of equals, None when it has none."""
        first, size = int(self._firsts[owner]), int(self._sizes[owner])
        if not size:
            return None
        scores = self._matrix[first : first + size] @ self._vectors([text])[0]
        return int(np.argmax(scores))

    def near(self, text: str, at_least: float, most: int | None = None) -> Array:
        """Owners (positions, in order) holding a text whose cosine with `text` may reach
        `at_least`; with `most`, only that many, the closest."""
        best = self.best(text)
        near = np.flatnonzero(best >= at_least - MEANING_MARGIN)
        return near if most is None else np.sort(top(best, near, most))

    def near_each(self, texts: Sequence[str], at_least: float) -> list[Array]:
        """`near` for each of `texts`, by a few matrix products rather than one per text
        (hundreds of claims each look for the articles that may state them)."""
        if not texts:
            return []
        queries = self._vectors(texts)
        step = max(1, SCORES_AT_ONCE // max(1, len(self._matrix)))
        found: list[Array] = []
        for begin in range(0, len(texts), step):
            best = self._best_of_each(queries[begin : begin + step])
            found.extend(np.flatnonzero(column >= at_least - MEANING_MARGIN) for column in best.T)
        return found


class Stars:
    """Covers pairs with groups of a leader and its later mates, taken in order. Two items in
    one group count as compared (they stand on the sides of one disagreement), so items that
    all pair with one another make one group, not one per pair: an item leads a group only
    with those of its later mates it shares no group with yet."""

    def __init__(self, count: int) -> None:
        self._first = np.full(count, -1, dtype=np.int64)  # the first group each item joined
        self._groups: list[set[int]] = [set() for _ in range(count)]

    def uncovered(self, leader: int, mates: Array) -> list[int]:
        """The mates (positions) that share no group with `leader` yet."""
        if self._first[leader] < 0 or not len(mates):
            every: list[int] = mates.tolist()
            return every
        together = self._first[mates] == self._first[leader]  # the common case, at numpy speed
        own = self._groups[leader]
        return [int(m) for m in mates[~together] if not own & self._groups[m]]

    def add(self, leader: int, members: Iterable[int]) -> None:
        for item in (leader, *members):
            self._groups[item].add(leader)
            if self._first[item] < 0:
                self._first[item] = leader


def top(scores: Array, positions: Array, count: int) -> Array:
    """Up to `count` of `positions`, highest `scores` first (ties: the earlier position)."""
    if len(positions) > count:
        chosen = np.argpartition(-scores[positions], count - 1)[:count]
        positions = positions[chosen]
    order = np.lexsort((positions, -scores[positions]))
    return positions[order]
