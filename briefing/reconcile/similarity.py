"""How alike two claims are, on a 0–1 scale: the one interface clustering relies on.

`LexicalSimilarity` (pure) weighs shared word stems by how rare they are across the articles,
so "Japan" and "alliance", which every article on the topic uses, count for little and
"Kanoya" or "doubling" for a lot; shared names and figures count through the same weights.
It compares both the claims' own words and the sentences they cite, and rapidfuzz catches
near-identical wording. `EmbeddingSimilarity` is cosine of embeddings from any function that
returns them: the embedded sentence encoder's (`sentence_embeddings`) or the model
endpoint's (`--embedding-model`). `MeaningSimilarity`, the default when the encoder is
installed, joins both views: two claims are the same when their meaning is close (their own
words or the sentences they cite), or when they share rare words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from rapidfuzz import fuzz

from briefing.claims.verify import frozen_content_stems
from briefing.types.stages import Claim

_NON_WORD = re.compile(r"[^\w\s%]+")


class Similarity(Protocol):
    same_claim: float
    """Scores at or above this mean the two claims say the same thing."""

    def prepare(self, claims: Sequence[Claim]) -> None:
        """Called once with every claim before any pair is scored."""

    def __call__(self, a: Claim, b: Claim) -> float: ...


@runtime_checkable
class Meaning(Protocol):
    """A similarity that can also compare any two texts by meaning (0–1)."""

    def prepare_texts(self, texts: Sequence[str]) -> None:
        """Called with many texts at once before they are compared (one batch, not many)."""

    def texts(self, a: str, b: str) -> float: ...


@runtime_checkable
class Vectors(Protocol):
    """A similarity whose comparisons are cosines of unit vectors it can hand out, so many
    comparisons can be made as one matrix product (`candidates.MeaningIndex`)."""

    def vectors(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """One unit-length row per text, embedded if not yet."""
        ...


class StemWeights:
    """Inverse document frequency of word stems over a set of sentences."""

    def __init__(self, sentences: Iterable[str]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for sentence in sentences:
            total += 1
            counts.update(frozen_content_stems(sentence))
        self._counts = counts
        self._total = total
        self._stems: dict[str, frozenset[str]] = {}
        self._weights: dict[str, float] = {}
        self._totals: dict[str, float] = {}

    def weight(self, stem: str) -> float:
        if stem not in self._weights:
            self._weights[stem] = math.log((self._total + 1) / (self._counts.get(stem, 0) + 1))
        return self._weights[stem]

    def stems(self, text: str) -> frozenset[str]:
        """`content_stems`, computed once per text (clustering compares each text often),
        each stem's weight with them."""
        if text not in self._stems:
            stems = frozen_content_stems(text)
            for stem in stems:
                self.weight(stem)
            self._stems[text] = stems
        return self._stems[text]

    def total(self, text: str) -> float:
        """The weight of all of the text's stems, computed once per text."""
        if text not in self._totals:
            self._totals[text] = self._total_weight(self.stems(text))
        return self._totals[text]

    def overlap(self, a: str, b: str) -> float:
        """Weight of the stems `a` and `b` share, over the weight of the lighter of the two."""
        stems_a, stems_b = self.stems(a), self.stems(b)
        lighter = min(self.total(a), self.total(b))
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
        weight = self.total(claim)
        if weight <= 0:
            return 0.0
        return self._total_weight(stems & self.stems(passage)) / weight

    def _total_weight(self, stems: Iterable[str]) -> float:
        """The weight of `stems`, each one of a text `stems()` has split (so weighed)."""
        # fsum: a set's order changes with the hash seed, and a plain sum's last bits with the
        # order, which tipped comparisons at a threshold from one run to the next.
        return math.fsum(map(self._weights.__getitem__, stems))


class LexicalSimilarity:
    same_claim = 0.6
    near_identical = 0.85
    """rapidfuzz scores unrelated sentences around 0.5, so wording counts only when nearly
    the same; paraphrases are caught by the weighted stems."""

    def __init__(self, weights: StemWeights) -> None:
        self.weights = weights
        self._normal: dict[str, str] = {}

    def prepare(self, claims: Sequence[Claim]) -> None:
        return None

    def __call__(self, a: Claim, b: Claim) -> float:
        wording = fuzz.token_sort_ratio(self._normalised(a.text), self._normalised(b.text)) / 100
        return max(
            wording if wording >= self.near_identical else 0.0,
            self.weights.overlap(a.text, b.text),
            self.weights.overlap(a.cited, b.cited),
        )

    def _normalised(self, text: str) -> str:
        if text not in self._normal:
            self._normal[text] = _normalised(text)
        return self._normal[text]


Embed = Callable[[Sequence[str]], Sequence[Sequence[float]]]


class EmbeddingSimilarity:
    """Cosine similarity of claim embeddings, computed once per distinct text."""

    def __init__(self, embed: Embed, same_claim: float = 0.8) -> None:
        self._embed = embed
        self._vectors: dict[str, np.ndarray[Any, Any]] = {}
        self.same_claim = same_claim

    def prepare(self, claims: Sequence[Claim]) -> None:
        """Embed every claim text in one call (otherwise each pair costs a call)."""
        self.embed_all([c.text for c in claims])

    def embed_all(self, texts: Sequence[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            vectors = np.asarray(self._embed(missing), dtype=np.float32)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.maximum(norms, 1e-12)
            self._vectors.update(zip(missing, vectors, strict=True))

    def __call__(self, a: Claim, b: Claim) -> float:
        return self.cosine(a.text, b.text)

    def cosine(self, a: str, b: str) -> float:
        if a not in self._vectors or b not in self._vectors:
            self.embed_all([a, b])
        return float(self._vectors[a] @ self._vectors[b])

    def vectors(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        self.embed_all(texts)
        if len(texts) == 1:  # one claim at a time, thousands of times
            return self._vectors[texts[0]][np.newaxis]
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.stack([self._vectors[text] for text in texts])


SAME_CLAIM_MEANING = 0.7
"""Cosine of two claims' texts at which they say the same thing."""
SAME_PASSAGE_MEANING = 0.75
"""Cosine of the sentences two claims cite at which they say the same thing: higher, since a
sentence carries more than the one fact."""


class MeaningSimilarity:
    """The higher of the embeddings' view and the lexical view of a pair of claims.

    The embeddings compare the claims' texts and, at a higher bar, the sentences they cite
    (a cited sentence carries more than the one fact, so only near-paraphrases count)."""

    def __init__(
        self,
        embed: Embed,
        lexical: LexicalSimilarity,
        same_claim: float | None = None,
        same_passage: float | None = None,
    ) -> None:
        same_claim = SAME_CLAIM_MEANING if same_claim is None else same_claim
        same_passage = SAME_PASSAGE_MEANING if same_passage is None else same_passage
        self._texts = EmbeddingSimilarity(embed)
        self._lexical = lexical
        self._passage_margin = same_passage - same_claim
        self.same_claim = same_claim

    def prepare(self, claims: Sequence[Claim]) -> None:
        self._texts.embed_all([*(c.text for c in claims), *(_passage_of(c) for c in claims)])

    @staticmethod
    def compared_texts(claim: Claim) -> tuple[str, str]:
        """What is encoded of a claim to compare it: its words, and the sentences it cites."""
        return claim.text, _passage_of(claim)

    def prepare_texts(self, texts: Sequence[str]) -> None:
        self._texts.embed_all(texts)

    def texts(self, a: str, b: str) -> float:
        return self._texts.cosine(a, b)

    def vectors(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return self._texts.vectors(texts)

    def __call__(self, a: Claim, b: Claim) -> float:
        passages = self._texts.cosine(_passage_of(a), _passage_of(b)) - self._passage_margin
        return max(self._texts(a, b), passages, self._lexical(a, b))


def _passage_of(claim: Claim) -> str:
    return claim.cited or claim.text


def _normalised(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower())
