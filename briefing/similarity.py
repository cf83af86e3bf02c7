"""How alike two claims are, on a 0–1 scale: the one interface clustering relies on.

`LexicalSimilarity` (the default, pure) weighs shared word stems by how rare they are across
the articles, so "Japan" and "alliance", which every article on the topic uses, count for
little and "Kanoya" or "doubling" for a lot; shared names and figures count through the same
weights. It compares both the claims' own words and the sentences they cite, and rapidfuzz
catches near-identical wording. `EmbeddingSimilarity` is the optional backend: cosine of
embeddings from any function that returns them (the model endpoint's, in `llm`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from rapidfuzz import fuzz

from .models import Claim
from .verify import content_stems

_NON_WORD = re.compile(r"[^\w\s%]+")


class Similarity(Protocol):
    same_claim: float
    """Scores at or above this mean the two claims say the same thing."""

    def prepare(self, claims: Sequence[Claim]) -> None:
        """Called once with every claim before any pair is scored."""

    def __call__(self, a: Claim, b: Claim) -> float: ...


class StemWeights:
    """Inverse document frequency of word stems over a set of sentences."""

    def __init__(self, sentences: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for sentence in sentences:
            total += 1
            counts.update(content_stems(sentence))
        self._counts = counts
        self._total = total
        self._stems: dict[str, frozenset[str]] = {}
        self._weights: dict[str, float] = {}

    def weight(self, stem: str) -> float:
        if stem not in self._weights:
            self._weights[stem] = math.log((self._total + 1) / (self._counts.get(stem, 0) + 1))
        return self._weights[stem]

    def stems(self, text: str) -> frozenset[str]:
        """`content_stems`, computed once per text: clustering compares each text often."""
        if text not in self._stems:
            self._stems[text] = frozenset(content_stems(text))
        return self._stems[text]

    def overlap(self, a: str, b: str) -> float:
        """Weight of the stems `a` and `b` share, over the weight of the lighter of the two."""
        stems_a, stems_b = self.stems(a), self.stems(b)
        lighter = min(self._total_weight(stems_a), self._total_weight(stems_b))
        if lighter <= 0:
            return 0.0
        return min(1.0, self._total_weight(stems_a & stems_b) / lighter)

    def jaccard(self, a: str, b: str) -> float:
        """Weight of the stems `a` and `b` share, over the weight of all their stems."""
        stems_a, stems_b = self.stems(a), self.stems(b)
        union = self._total_weight(stems_a | stems_b)
        return self._total_weight(stems_a & stems_b) / union if union > 0 else 0.0

    def coverage(self, claim: str, passage: str) -> float:
        """Share of the claim's weight that the passage carries."""
        stems = self.stems(claim)
        weight = self._total_weight(stems)
        if weight <= 0:
            return 0.0
        return self._total_weight(stems & self.stems(passage)) / weight

    def _total_weight(self, stems: Iterable[str]) -> float:
        return sum(self.weight(stem) for stem in stems)


class LexicalSimilarity:
    same_claim = 0.6
    near_identical = 0.85
    """rapidfuzz scores unrelated sentences around 0.5, so wording counts only when nearly
    the same; paraphrases are caught by the weighted stems."""

    def __init__(self, weights: StemWeights) -> None:
        self.weights = weights

    def prepare(self, claims: Sequence[Claim]) -> None:
        return None

    def __call__(self, a: Claim, b: Claim) -> float:
        wording = fuzz.token_sort_ratio(_normalised(a.text), _normalised(b.text)) / 100
        return max(
            wording if wording >= self.near_identical else 0.0,
            self.weights.overlap(a.text, b.text),
            self.weights.overlap(_cited(a), _cited(b)),
        )


Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]


class EmbeddingSimilarity:
    """Cosine similarity of claim embeddings, computed once per distinct text."""

    def __init__(self, embed: Embed, same_claim: float = 0.8) -> None:
        self._embed = embed
        self._vectors: dict[str, Sequence[float]] = {}
        self.same_claim = same_claim

    def prepare(self, claims: Sequence[Claim]) -> None:
        """Embed every claim text in one call (otherwise each pair costs a call)."""
        missing = list(dict.fromkeys(c.text for c in claims if c.text not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self._embed(missing), strict=True))

    def __call__(self, a: Claim, b: Claim) -> float:
        self.prepare([a, b])
        return _cosine(self._vectors[a.text], self._vectors[b.text])


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0


def _cited(claim: Claim) -> str:
    return " ".join(e.quote for e in claim.evidence)


def _normalised(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower())
