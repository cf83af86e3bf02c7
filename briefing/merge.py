"""Group the same claim made by different articles into clusters, and count its sources.

Pure. Two steps:
1. Clustering: a verified claim joins the cluster whose members it resembles most, if that
   resemblance clears the similarity's `same_claim` bar (`similarity.py`; lexical by default).
2. Corroboration: for every cluster, each other article is searched for a sentence that
   states the claim too: every name and number of the claim occurs in it and it carries most
   of the claim's weight of words. Such a passage counts its article as a source even when
   the model did not pick that fact out of it. Duplicates never reach this stage, so a
   syndicated copy cannot count twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .article_checks import addressed_to_model
from .dates import dates_agree, dates_in, isos_in
from .models import Article, ArticleClaims, Claim, ClaimType, Cluster, Evidence, Sentence
from .similarity import LexicalSimilarity, Meaning, Similarity, StemWeights
from .verify import amounts, evidence_problems, names_in

SUPPORT_COVERAGE = 0.6
"""Share of a claim's word weight another article's sentence must carry to corroborate it."""
SEARCHED_BY_MEANING = 300
SUPPORT_MEANING = 0.5
"""Cosine between a claim and another article's sentence at which, with every name and number
of the claim in it, the sentence states the claim in other words."""

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
        similarity.prepare_texts([s.text for a in corpus.articles for s in corpus.searchable(a)])
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
    claim: str, sentences: Sequence[Sentence], corpus: Corpus, meaning: Meaning | None = None
) -> Sentence | None:
    """The sentence that states `claim` best, if one states it at all: one that carries most
    of its rare words, or (with `meaning`) one close in meaning; either way, every name and
    number of the claim must be in it."""
    best = max(sentences, key=lambda s: corpus.weights.coverage(claim, s.text), default=None)
    if (
        best is not None
        and corpus.weights.coverage(claim, best.text) >= SUPPORT_COVERAGE
        and not evidence_problems(claim, [best.text], corpus.names)
    ):
        return best
    searched = sentences[:SEARCHED_BY_MEANING]
    if meaning is None or not searched:
        return None
    best = max(searched, key=lambda s: meaning.texts(claim, s.text))
    if meaning.texts(claim, best.text) < SUPPORT_MEANING:
        return None
    if evidence_problems(claim, [best.text], corpus.names):
        return None
    return best


def _support(group: list[Claim], corpus: Corpus, similarity: Similarity) -> list[Evidence]:
    meaning = similarity if isinstance(similarity, Meaning) else None
    claimed = {claim.source for claim in group}
    found: list[Evidence] = []
    for article in corpus.articles:
        if article.id in claimed:
            continue
        sentences = corpus.citable(article)
        for claim in group:
            passage = supporting_passage(claim.text, sentences, corpus, meaning)
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
