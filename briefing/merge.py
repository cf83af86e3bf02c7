"""Group the same claim made by different articles into clusters.

Pure. Lexical similarity (rapidfuzz) decides; a claim joins the cluster whose members it
resembles most, if that resemblance clears the threshold. Only verified claims take part.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from .models import ArticleClaims, Claim, Cluster

SAME_CLAIM_THRESHOLD = 72.0
_NON_WORD = re.compile(r"[^\w\s%]+")


def cluster_claims(
    articles: Sequence[ArticleClaims], threshold: float = SAME_CLAIM_THRESHOLD
) -> list[Cluster]:
    groups: list[list[Claim]] = []
    for article in articles:
        for claim in article.verified:
            best, score = _closest_group(claim, groups)
            if best is not None and score >= threshold:
                best.append(claim)
            else:
                groups.append([claim])
    return [
        Cluster(id=f"c{number}", canonical=_canonical(group).text, claims=tuple(group))
        for number, group in enumerate(groups, start=1)
    ]


def similarity(a: str, b: str) -> float:
    return float(fuzz.token_set_ratio(_normalised(a), _normalised(b)))


def _closest_group(claim: Claim, groups: list[list[Claim]]) -> tuple[list[Claim] | None, float]:
    best: list[Claim] | None = None
    best_score = 0.0
    for group in groups:
        score = max(similarity(claim.text, member.text) for member in group)
        if score > best_score:
            best, best_score = group, score
    return best, best_score


def _canonical(group: list[Claim]) -> Claim:
    """The member most like all the others (ties: the earliest)."""
    if len(group) == 1:
        return group[0]
    return max(
        group,
        key=lambda claim: sum(
            similarity(claim.text, other.text) for other in group if other is not claim
        ),
    )


def _normalised(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower())
