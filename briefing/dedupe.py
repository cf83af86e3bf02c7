"""Find near-duplicate articles (the same story syndicated twice). Pure.

Word 5-gram shingles compared by Jaccard similarity: a copy with a new headline, a dateline
or a trimmed tail still matches, while two reports of the same event in different words do
not. The earlier article is kept; the later one is recorded as its duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .models import Article

DUPLICATE_THRESHOLD = 0.7
_SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")


def shingles(text: str) -> frozenset[int]:
    words = _WORD.findall(text.lower())
    if len(words) < _SHINGLE_WORDS:
        return frozenset({hash(" ".join(words))}) if words else frozenset()
    return frozenset(
        hash(" ".join(words[i : i + _SHINGLE_WORDS]))
        for i in range(len(words) - _SHINGLE_WORDS + 1)
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def find_duplicates(
    articles: Sequence[Article], threshold: float = DUPLICATE_THRESHOLD
) -> dict[str, tuple[str, float]]:
    """Map each duplicate's id to (id of the article it repeats, similarity)."""
    kept: list[tuple[Article, frozenset[int]]] = []
    duplicates: dict[str, tuple[str, float]] = {}
    for article in articles:
        own = shingles(article.text)
        best = max(
            ((jaccard(own, other), original) for original, other in kept),
            default=None,
            key=lambda x: x[0],
        )
        if best is not None and best[0] >= threshold:
            duplicates[article.id] = (best[1].id, round(best[0], 3))
        else:
            kept.append((article, own))
    return duplicates
