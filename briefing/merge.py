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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .article_checks import addressed_to_model
from .models import Article, ArticleClaims, Claim, ClaimType, Cluster, Evidence, Sentence
from .similarity import LexicalSimilarity, Similarity, StemWeights
from .verify import evidence_problems, names_in

SUPPORT_COVERAGE = 0.6
"""Share of a claim's word weight another article's sentence must carry to corroborate it."""

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

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Corpus:
        sentences = [s.text for article in articles for s in article.sentences]
        names = frozenset().union(*(names_in(text) for text in sentences))
        return cls(tuple(articles), StemWeights(sentences), names)

    def citable(self, article: Article, skip: Iterable[int] = ()) -> list[Sentence]:
        """Sentences a passage may be quoted from: not addressed to a model, not flagged."""
        withheld = addressed_to_model(article.sentences) | set(skip)
        return [s for s in article.sentences if s.number not in withheld]


def cluster_claims(
    extracted: Sequence[ArticleClaims],
    corpus: Corpus,
    similarity: Similarity | None = None,
) -> list[Cluster]:
    """Clusters of verified claims, each with its corroborating passages, best first."""
    similarity = similarity or LexicalSimilarity(corpus.weights)
    similarity.prepare([claim for article in extracted for claim in article.verified])
    groups: list[list[Claim]] = []
    for article in extracted:
        for claim in article.verified:
            best, score = _closest_group(claim, groups, similarity)
            if best is not None and score >= similarity.same_claim:
                best.append(claim)
            else:
                groups.append([claim])
    flagged = {(issue.source, issue.sentence) for a in extracted for issue in a.source_issues}
    clusters = [
        Cluster(
            id=f"c{number}",
            canonical=_canonical(group, similarity).text,
            claims=tuple(group),
            support=tuple(_support(group, corpus, flagged)),
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
    claim: str, sentences: Sequence[Sentence], corpus: Corpus
) -> Sentence | None:
    """The sentence that states `claim` best, if one states it at all."""
    best = max(sentences, key=lambda s: corpus.weights.coverage(claim, s.text), default=None)
    if best is None or corpus.weights.coverage(claim, best.text) < SUPPORT_COVERAGE:
        return None
    if evidence_problems(claim, [best.text], corpus.names):
        return None
    return best


def _support(group: list[Claim], corpus: Corpus, flagged: set[tuple[str, int]]) -> list[Evidence]:
    claimed = {claim.source for claim in group}
    found: list[Evidence] = []
    for article in corpus.articles:
        if article.id in claimed:
            continue
        skip = [number for source, number in flagged if source == article.id]
        sentences = corpus.citable(article, skip)
        for claim in group:
            passage = supporting_passage(claim.text, sentences, corpus)
            if passage is not None:
                found.append(Evidence.of(article.id, passage))
                break
    return found


def _closest_group(
    claim: Claim, groups: list[list[Claim]], similarity: Similarity
) -> tuple[list[Claim] | None, float]:
    best: list[Claim] | None = None
    best_score = 0.0
    for group in groups:
        if any(member.source == claim.source for member in group):
            continue  # one article saying a thing twice is still one source
        score = max(similarity(claim, member) for member in group)
        if score > best_score:
            best, best_score = group, score
    return best, best_score


def _canonical(group: list[Claim], similarity: Similarity) -> Claim:
    """The member most like all the others (ties: the earliest)."""
    if len(group) == 1:
        return group[0]
    return max(
        group,
        key=lambda claim: sum(similarity(claim, other) for other in group if other is not claim),
    )
