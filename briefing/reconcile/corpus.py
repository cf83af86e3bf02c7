"""The articles being reconciled, with what every comparison between them needs: which
sentences may be quoted, their words, names and numbers indexed once, and the topic every
article shares. Clustering, conflicts, events and the timeline all search the articles
through one `Corpus`.

Pure: built from the articles alone (so before the model reads them), and filled lazily as
asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np

from briefing.claims.dates import dates_agree, dates_in, isos_of
from briefing.claims.verify import amounts, names_in, numbers_in, word_keys
from briefing.reconcile.candidates import MeaningIndex, StemIndex
from briefing.reconcile.similarity import Meaning, StemWeights, Vectors
from briefing.sources.checks import addressed_to_model, self_contradictions
from briefing.sources.sentences import clauses
from briefing.types.stages import Article, Claim, Sentence

SEARCHED_BY_MEANING = 300
_SHARED_KEPT = 64
"""Claims whose stem overlap with every citable sentence is kept (`Corpus.best_covering`)."""
MIN_ARTICLES_FOR_TOPIC = 3


@dataclass(frozen=True)
class Corpus:
    """The articles being reconciled, with what every comparison between them needs."""

    articles: tuple[Article, ...]
    weights: StemWeights
    names: frozenset[str]
    flagged: frozenset[tuple[str, int]] = frozenset()
    _citable: dict[str, list[Sentence]] = field(default_factory=dict, compare=False)
    _published: dict[str, date | None] = field(default_factory=dict, compare=False)
    _units: dict[str, list[tuple[Sentence, str]]] = field(default_factory=dict, compare=False)
    _values: dict[tuple[str, str], Values] = field(default_factory=dict, compare=False)
    _meanings: dict[object, MeaningIndex] = field(default_factory=dict, compare=False)
    _shared: dict[str, np.ndarray[Any, Any]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Corpus:
        """The articles' corpus, withholding the passages each contradicts itself on (a
        reading reports them too, as the source issues of its claims)."""
        sentences = [s.text for article in articles for s in article.sentences]
        names = frozenset().union(*(names_in(text) for text in sentences))
        flagged = frozenset(
            (article.id, issue.sentence)
            for article in articles
            for issue in self_contradictions(article)
        )
        return cls(tuple(articles), StemWeights(sentences), names, flagged)

    def citable(self, article: Article) -> list[Sentence]:
        """Sentences a passage may be quoted from: not addressed to a model, and not a
        passage the article contradicts itself on."""
        if article.id not in self._citable:
            withheld = addressed_to_model(article.sentences)
            self._citable[article.id] = [
                s
                for s in article.sentences
                if s.number not in withheld and (article.id, s.number) not in self.flagged
            ]
        return self._citable[article.id]

    def searchable(self, article: Article) -> list[Sentence]:
        """The citable sentences compared by meaning: the first `SEARCHED_BY_MEANING`, which
        bounds the sentence encoder's work on a huge article (a news article has far fewer)."""
        return self.citable(article)[:SEARCHED_BY_MEANING]

    def units(self, article: Article) -> list[tuple[Sentence, str]]:
        """The searchable sentences and their clauses, each with the sentence it lies in: a
        fact another source states may be one clause of a long sentence here."""
        if article.id not in self._units:
            self._units[article.id] = [
                (sentence, text)
                for sentence in self.searchable(article)
                for text in searched_texts(sentence)
            ]
        return self._units[article.id]

    def unit_texts(self) -> list[str]:
        """Every article's `units`, as texts, in order: what comparing by meaning encodes."""
        return [text for article in self.articles for _, text in self.units(article)]

    def in_order(self, ids: set[str]) -> list[Article]:
        """The articles with these ids, in the corpus's order."""
        return [self.articles[n] for n in sorted(self._positions(ids))]

    def _positions(self, ids: set[str]) -> list[int]:
        return [self._position[i] for i in ids if i in self._position]

    @cached_property
    def _position(self) -> dict[str, int]:
        return {article.id: n for n, article in enumerate(self.articles)}

    def near(
        self, text: str, meaning: Meaning, at_least: float, most: int | None = None
    ) -> list[Article]:
        """The articles, in order, whose closest sentence or clause to `text` may reach
        `at_least` in meaning (`closest` decides), with `most` only that many, the closest;
        every article when `meaning` cannot hand out its vectors for one matrix product."""
        if not isinstance(meaning, Vectors):
            return list(self.articles)
        near = self._meaning_index(meaning).near(text, at_least, most)
        return [self.articles[int(position)] for position in near]

    def near_each(self, texts: Sequence[str], meaning: Meaning, at_least: float) -> list[set[str]]:
        """For each of `texts`, the ids of the articles `near` it with no `most`, found
        together."""
        if not isinstance(meaning, Vectors):
            return [{article.id for article in self.articles} for _ in texts]
        near = self._meaning_index(meaning).near_each(texts, at_least)
        return [{self.articles[int(position)].id for position in found} for found in near]

    def _meaning_index(self, meaning: Vectors) -> MeaningIndex:
        """Every article's `units` as one matrix, built once per similarity."""
        if meaning not in self._meanings:
            owners = [[text for _, text in self.units(a)] for a in self.articles]
            self._meanings[meaning] = MeaningIndex(owners, meaning.vectors)
        return self._meanings[meaning]

    def forget_meanings(self) -> None:
        """Drop the indexes built for comparing by meaning, and with them each similarity,
        its vectors and its encoder: held by the corpus, they would outlive the matching."""
        self._meanings.clear()

    def covering(self, claim: str, at_least: float, within: set[str] | None = None) -> set[str]:
        """Ids of the articles (of those `within`, if given) with a citable sentence that may
        carry `at_least` of the claim's word weight (`StemWeights.coverage` decides)."""
        index, owners = self._citable_index
        found = np.unique(owners[index.covering(claim, at_least)])
        if within is not None:
            found = np.intersect1d(found, self._positions(within))
        return {self.articles[int(position)].id for position in found}

    @cached_property
    def _citable_index(self) -> tuple[StemIndex, np.ndarray[Any, Any]]:
        """Every citable sentence by its stems, with the position of its article."""
        owned = [(n, s.text) for n, a in enumerate(self.articles) for s in self.citable(a)]
        owners = np.asarray([owner for owner, _ in owned], dtype=np.int64)
        return StemIndex([text for _, text in owned], self.weights), owners

    def values(self, claim: Claim) -> Values:
        """What the claim counts and dates, worked out once per claim text and source."""
        key = (claim.source, claim.text)
        if key not in self._values:
            written = dates_in(claim.text)
            self._values[key] = Values(
                amounts(claim.text, skip=written),
                isos_of(written, self.published(claim.source)),
            )
        return self._values[key]

    def stating(self, claim: str) -> set[str] | None:
        """Ids of the articles with a citable sentence that gives every number of the claim
        and at least half its names, as any passage stating it must (`supporting_passage`);
        None when the claim gives neither, so that any article may."""
        numbers, names = numbers_in(claim), names_in(claim, self.names)
        if not numbers and not names:
            return None
        keys = self._sentence_keys
        need = len(names) - len(names) // 2
        if numbers:
            found = set.intersection(*(keys.by_number.get(number, set()) for number in numbers))
            if names:
                found = {
                    p for p in found if sum(p in keys.by_key.get(n, ()) for n in names) >= need
                }
            return {self.articles[keys.owners[position]].id for position in found}
        holders = np.concatenate([keys.holding(name) for name in names])
        counts = np.bincount(holders, minlength=len(keys.owners))  # a topic's names: thousands
        return {self.articles[keys.owners[p]].id for p in np.flatnonzero(counts >= need)}

    @cached_property
    def _sentence_keys(self) -> _SentenceKeys:
        return _SentenceKeys([self.citable(article) for article in self.articles])

    def closest(
        self, text: str, article: Article, meaning: Meaning
    ) -> tuple[Sentence, float] | None:
        """The article's sentence closest in meaning to `text` (through its best clause)."""
        units = self.units(article)
        if not units:
            return None
        index = self._meanings.get(meaning)  # asked for one article after another: no isinstance
        if index is None and isinstance(meaning, Vectors):
            index = self._meaning_index(meaning)
        if index is not None and article.id in self._position:
            sentence, unit = units[index.closest_of(text, self._position[article.id]) or 0]
        else:
            sentence, unit = max(units, key=lambda u: meaning.texts(text, u[1]))
        return sentence, meaning.texts(text, unit)

    def best_covering(self, claim: str, article: Article) -> Sentence | None:
        """The article's citable sentence that carries most of the claim's word weight
        (`StemWeights.coverage`), the first of equals; None when it has none."""
        sentences = self.citable(article)
        if not sentences:
            return None
        index, owners = self._citable_index
        first = int(np.searchsorted(owners, self._position[article.id]))
        shared = self._shared_with(claim, index)[first : first + len(sentences)]
        return sentences[int(np.argmax(shared))]

    def _shared_with(self, claim: str, index: StemIndex) -> np.ndarray[Any, Any]:
        """`StemIndex.shared` for the claims searched last: the same claim is looked for in
        one article after another."""
        if claim not in self._shared:
            if len(self._shared) >= _SHARED_KEPT:
                del self._shared[next(iter(self._shared))]
            self._shared[claim] = index.shared(claim)
        return self._shared[claim]

    @cached_property
    def topic_names(self) -> frozenset[str]:
        """Names every article uses: the topic itself, which tells one claim about it from
        another no more than "the" does."""
        return self._in_every_article(lambda text: names_in(text, self.names))

    @cached_property
    def topic_stems(self) -> frozenset[str]:
        """Word stems every article uses ("alliance" on a topic every article calls one)."""
        return self._in_every_article(self.weights.stems)

    def _in_every_article(self, found_in: Callable[[str], Iterable[str]]) -> frozenset[str]:
        """What every article's text holds; nothing when two articles share too little to
        tell a topic."""
        if len(self.articles) < MIN_ARTICLES_FOR_TOPIC:
            return frozenset()
        return frozenset.intersection(
            *(frozenset().union(*(found_in(s.text) for s in a.sentences)) for a in self.articles)
        )

    def concrete(self, text: str) -> bool:
        """The text pins something down: a number, a date, or someone beyond the topic's
        names (commentary about the topic names no one the topic does not)."""
        return bool(
            numbers_in(text) or dates_in(text) or names_in(text, self.names) - self.topic_names
        )

    def anchored(self, claim: str, passage: str) -> bool:
        """The passage shares something specific with the claim, beyond the topic every
        article is about: a number, or a name or word not every article uses."""
        if numbers_in(claim) & numbers_in(passage):
            return True
        if (names_in(claim, self.names) & names_in(passage, self.names)) - self.topic_names:
            return True
        return bool(self.weights.stems(claim) & self.weights.stems(passage) - self.topic_stems)

    def same_doing(self, claim: str, passage: str) -> bool:
        """The passage shares a number with the claim, or a word for what happens beyond
        the names and the topic ("emergency" in "X placed the region under a state of
        emergency"): sharing only who is involved ("Ibáñez was due to meet officials") is
        another fact about the same people."""
        if numbers_in(claim) & numbers_in(passage):
            return True
        named = self.weights.stems(" ".join(names_in(claim, self.names)))
        doing = self.weights.stems(claim) - named - self.topic_stems
        return bool(doing & self.weights.stems(passage))

    def published(self, source: str) -> date | None:
        if not self._published:
            self._published.update({a.id: a.published for a in self.articles})
        return self._published.get(source)


class _SentenceKeys:
    """Every citable sentence, numbered across the articles: the article each lies in, and
    which sentences give each number and hold each word (as a name key)."""

    def __init__(self, citable: Sequence[Sequence[Sentence]]) -> None:
        self.owners: list[int] = []
        self.by_number: dict[str, set[int]] = {}
        self.by_key: dict[str, set[int]] = {}
        for owner, sentences in enumerate(citable):
            for sentence in sentences:
                for number in numbers_in(sentence.text):
                    self.by_number.setdefault(number, set()).add(len(self.owners))
                for key in word_keys(sentence.text):
                    self.by_key.setdefault(key, set()).add(len(self.owners))
                self.owners.append(owner)
        self._holding: dict[str, np.ndarray[Any, Any]] = {}

    def holding(self, key: str) -> np.ndarray[Any, Any]:
        """The sentences holding the word `key`, as an array (kept: asked once per claim)."""
        if key not in self._holding:
            self._holding[key] = np.fromiter(self.by_key.get(key, ()), dtype=np.int64)
        return self._holding[key]


@dataclass(frozen=True)
class Values:
    """What a claim counts, by unit ({"troop": {"400"}}), and the ISO dates it gives."""

    amounts: dict[str, set[str]]
    dates: set[str]

    def differ(self, other: Values) -> bool:
        """Some unit is counted by both with no value in common, or the dates disagree."""
        mine, theirs = self.amounts, other.amounts
        if any(not mine[unit] & theirs[unit] for unit in mine.keys() & theirs.keys()):
            return True
        return not dates_agree(self.dates, other.dates)

    @property
    def key(self) -> tuple[frozenset[tuple[str, frozenset[str]]], frozenset[str]]:
        counted = frozenset((unit, frozenset(values)) for unit, values in self.amounts.items())
        return counted, frozenset(self.dates)


def searched_texts(sentence: Sentence) -> tuple[str, ...]:
    """A sentence and its clauses: where a fact another source states is looked for (a fact
    may be one clause of a long sentence)."""
    return (sentence.text, *clauses(sentence.text))
