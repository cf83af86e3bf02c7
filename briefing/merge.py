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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from .article_checks import addressed_to_model
from .dates import dates_agree, dates_in, isos_in
from .models import Article, ArticleClaims, Claim, ClaimType, Cluster, Evidence, Sentence
from .sentences import clauses
from .similarity import LexicalSimilarity, Meaning, Similarity, StemWeights
from .verify import (
    amounts,
    evidence_problems,
    names_in,
    numbers_in,
    polarity_problems,
    word_keys,
)

SUPPORT_COVERAGE = 0.6
"""Share of a claim's word weight another article's sentence must carry to corroborate it."""
SEARCHED_BY_MEANING = 300
MIN_ARTICLES_FOR_TOPIC = 3
SUPPORT_MEANING = 0.6
"""Cosine between a claim and another article's sentence (or clause) at which, with every
number and most names of the claim in it and something specific in common, the sentence
states the claim in other words."""

_TYPE_RANK = {
    ClaimType.event: 0,
    ClaimType.decision: 0,
    ClaimType.figure: 1,
    ClaimType.quote: 2,
    ClaimType.assessment: 3,
    ClaimType.background: 4,
}


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

    @classmethod
    def of(cls, articles: Sequence[Article], extracted: Sequence[ArticleClaims] = ()) -> Corpus:
        sentences = [s.text for article in articles for s in article.sentences]
        names = frozenset().union(*(names_in(text) for text in sentences))
        flagged = frozenset(
            (issue.source, issue.sentence) for claims in extracted for issue in claims.source_issues
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
                for text in (sentence.text, *clauses(sentence.text))
            ]
        return self._units[article.id]

    def closest(
        self, text: str, article: Article, meaning: Meaning
    ) -> tuple[Sentence, float] | None:
        """The article's sentence closest in meaning to `text` (through its best clause)."""
        units = self.units(article)
        if not units:
            return None
        sentence, unit = max(units, key=lambda u: meaning.texts(text, u[1]))
        return sentence, meaning.texts(text, unit)

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


def values_differ(a: Claim, b: Claim, corpus: Corpus) -> bool:
    """The claims count something in the same unit differently, or date it differently."""
    dates_a = isos_in(a.text, corpus.published(a.source))
    dates_b = isos_in(b.text, corpus.published(b.source))
    return bool(differing_amounts(a.text, b.text)) or not dates_agree(dates_a, dates_b)


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
    similarity.prepare([claim for article in extracted for claim in article.verified])
    if isinstance(similarity, Meaning):  # every sentence may support a claim: one batch
        similarity.prepare_texts([text for a in corpus.articles for _, text in corpus.units(a)])
    groups: list[list[Claim]] = []
    for article in extracted:
        for claim in article.verified:
            best = _closest_group(claim, groups, similarity, corpus)
            if best is not None:
                best.append(claim)
            else:
                groups.append([claim])
    clusters = [
        Cluster(
            id=f"c{number}",
            canonical=_canonical(group, similarity).text,
            claims=tuple(group),
            support=tuple(_support(group, corpus, similarity)),
        )
        for number, group in enumerate(groups, start=1)
    ]
    return ranked(clusters)


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
    sentences = corpus.citable(article)
    best = max(sentences, key=lambda s: corpus.weights.coverage(claim, s.text), default=None)
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


def _support(group: list[Claim], corpus: Corpus, similarity: Similarity) -> list[Evidence]:
    meaning = similarity if isinstance(similarity, Meaning) else None
    claimed = {claim.source for claim in group}
    found: list[Evidence] = []
    for article in corpus.articles:
        if article.id in claimed:
            continue
        for claim in group:
            passage = supporting_passage(claim.text, article, corpus, meaning)
            if passage is not None:
                found.append(Evidence.of(article.id, passage))
                break
    return found


def _closest_group(
    claim: Claim, groups: list[list[Claim]], similarity: Similarity, corpus: Corpus
) -> list[Claim] | None:
    """The most similar group that takes the claim: none of its members is from the same
    article (one article saying a thing twice is still one source) or gives a different
    figure or date (sources that disagree do not corroborate each other)."""
    scored = [
        (max(similarity(claim, member) for member in group), position)
        for position, group in enumerate(groups)
        if all(member.source != claim.source for member in group)
    ]
    for score, position in sorted(scored, key=lambda item: (-item[0], item[1])):
        if score < similarity.same_claim:
            break
        if not any(values_differ(claim, member, corpus) for member in groups[position]):
            return groups[position]
    return None


def _canonical(group: list[Claim], similarity: Similarity) -> Claim:
    """The member most like all the others (ties: the earliest)."""
    if len(group) == 1:
        return group[0]
    return max(
        group,
        key=lambda claim: sum(similarity(claim, other) for other in group if other is not claim),
    )
