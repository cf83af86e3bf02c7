"""Hand-built articles and claims for the pure reconciliation tests."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, date, datetime

import numpy as np

from briefing.claims.verify import content_stems, numbers_in
from briefing.reconcile.corpus import Corpus
from briefing.sources.clean import clean
from briefing.sources.sentences import segment
from briefing.types.answers import ClaimType
from briefing.types.contract import Briefing, Section, SourceInfo, Usage
from briefing.types.stages import Article, ArticleClaims, Claim, Document, Evidence, Figure


def article(source: str, *sentences: str, published: date | None = None) -> Article:
    """An article whose sentences are exactly `sentences`, numbered from 1."""
    text = " ".join(sentences)
    made = segment(clean(Document(path=f"{source}.txt", text=text, published=published), source))
    assert [s.text for s in made.sentences] == list(sentences), "a fixture sentence was split"
    return made


BACKGROUND = (
    "The United States and Japan held security talks this week.",
    "The alliance between the United States and Japan is decades old.",
)
A = article(
    "A",
    "Japan will double its defense budget to 2% of GDP by 2027.",
    "The U.S. will deploy MQ-9 drones to Kanoya Air Base.",
    *BACKGROUND,
)
"""A budget and a deployment, with the background every article on the topic gives."""


def hashed_words(texts: Sequence[str]) -> np.ndarray:
    """A stand-in sentence encoder: each word stem and number hashed into 64 dimensions, so
    texts sharing them point the same way."""
    vectors = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in content_stems(text) | numbers_in(text):
            vectors[row, zlib.crc32(word.encode()) % 64] += 1.0
    return vectors


def evidence(article: Article, number: int) -> Evidence:
    return Evidence.of(article.id, article.sentences[number - 1])


def claim(
    article: Article,
    text: str,
    *numbers: int,
    type: ClaimType = ClaimType.event,
    verified: bool = True,
) -> Claim:
    return Claim(
        id=f"{article.id}-{text[:12]}",
        source=article.id,
        text=text,
        type=type,
        evidence=tuple(evidence(article, n) for n in numbers or (1,)),
        verified=verified,
    )


def claims_of(
    article: Article,
    *claims: Claim,
    figures: Sequence[Figure] = (),
) -> ArticleClaims:
    return ArticleClaims(
        source=article.id,
        main_event="",
        claims=claims,
        figures=tuple(figures),
    )


def corpus(*articles: Article) -> Corpus:
    return Corpus.of(articles)


def briefing(
    *sections: Section,
    title: str = "US and Japan upgrade their alliance",
    sources: tuple[SourceInfo, ...] = (),
    warnings: tuple[str, ...] = (),
) -> Briefing:
    """A rendered run's result, with fixed time, model and usage."""
    return Briefing(
        title=title,
        generated_at=datetime(2024, 4, 12, 9, 30, tzinfo=UTC),
        model="test-model",
        sources=sources,
        sections=sections,
        usage=Usage(llm_calls=3, prompt_tokens=1200, completion_tokens=300, seconds=1.5),
        warnings=warnings,
    )
