"""Claims matched while the model is still reading: each article's claims, once grounded,
grouped into clusters and searched for in the other articles while a remote endpoint answers
the articles after it, so that little is left to match once the last answer is in.

Nothing here changes what is found: the groups depend only on the claims before each
(`clusters.Grouping`), a claim's supporting passages only on it and the corpus
(`corroboration.Corroboration`), and both are used at the end only when the end would match
the same claims in the same corpus by the same similarity.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from functools import cached_property

from briefing.reconcile import embeddings
from briefing.reconcile.clusters import EXHAUSTIVE_CLAIMS, Grouping
from briefing.reconcile.corpus import Corpus
from briefing.reconcile.corroboration import Corroboration
from briefing.reconcile.similarity import LexicalSimilarity, Meaning, MeaningSimilarity, Similarity
from briefing.types.stages import Article, Claim


class MatchingAhead:
    """Claims matched while the model reads the articles after theirs, an article's claims
    at a time: grouped (`Grouping`) and searched for in the other articles
    (`Corroboration.search`), in the corpus of every article (built at the first match).
    Compared by meaning, claims are matched only once the encoder ahead has encoded them and
    every sentence, in its own slices: a vector's last bits depend on the batch it was
    encoded in, and what is found must not depend on the endpoint's timing."""

    def __init__(self, articles: Sequence[Article], encoder: embeddings.Remembered | None) -> None:
        self._articles = articles
        self._encoder = encoder
        self._waiting: deque[list[Claim]] = deque()
        self._sentences_encoded = encoder is None
        self._matched_articles = 0
        self.grouping: Grouping | None = None

    @cached_property
    def corpus(self) -> Corpus:
        return Corpus.of(self._articles)

    @cached_property
    def similarity(self) -> Similarity:
        if self._encoder is None:
            return LexicalSimilarity(self.corpus.weights)
        return MeaningSimilarity(self._encoder.embed, LexicalSimilarity(self.corpus.weights))

    @property
    def meaning(self) -> Meaning | None:
        """What claims and sentences are compared by besides words."""
        return self.similarity if isinstance(self.similarity, Meaning) else None

    @cached_property
    def corroboration(self) -> Corroboration:
        return Corroboration(self.corpus, self.meaning)

    def add(self, claims: Sequence[Claim]) -> None:
        """Match an article's claims too, after those added before."""
        self._waiting.append(list(claims))

    def match_one(self) -> bool:
        """Match the claims added first, if they can be matched yet; whether they were."""
        if not self._waiting or not self._encoded(self._waiting[0]):
            return False
        claims = self._waiting.popleft()
        self._group(claims)
        self.corroboration.search(claims)
        return True

    def same_similarity(self, corpus: Corpus, similarity: Similarity | None) -> Similarity | None:
        """The similarity the claims were matched by, when it compares what `similarity`
        compares (meaning, or words alone) in `corpus`; else `similarity`."""
        if corpus is not self.corpus or (similarity is None) != (self.meaning is None):
            return similarity
        return self.similarity

    def _group(self, claims: list[Claim]) -> None:
        """Group the claims, every earlier group a candidate until so many claims are
        expected (the articles so far tell) that only the nearest claims' can be."""
        self._matched_articles += 1
        grouped = self.grouping.claims if self.grouping is not None else []
        expected = (len(grouped) + len(claims)) * len(self._articles) / self._matched_articles
        exhaustive = expected <= EXHAUSTIVE_CLAIMS
        if self.grouping is None or (self.grouping.exhaustive and not exhaustive):
            self.grouping = Grouping(self.corpus, self.similarity, exhaustive)
            self.grouping.add(grouped)
        self.grouping.add(claims)

    def _encoded(self, claims: Sequence[Claim]) -> bool:
        if self._encoder is None:
            return True
        if not self._sentences_encoded:
            self._sentences_encoded = self._encoder.knows(self.corpus.unit_texts())
        compared = (text for claim in claims for text in MeaningSimilarity.compared_texts(claim))
        return self._sentences_encoded and self._encoder.knows(compared)
