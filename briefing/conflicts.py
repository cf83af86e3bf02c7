"""Find where the sources disagree, and say which sources stand on each side. Pure.

- number, date, actor: two sources make the same claim in the same words, names, numbers
  and dates aside, but with different numbers, dates or named people and organisations; or
  report the same measure (a figure) with different values.
- framing: sources set the same development against different historical benchmarks
  ("the first of its kind since 1960" against "the first war-fighting headquarters since
  WWII"). A briefing covers one topic, so every such benchmark is a framing of that topic.
- source_error: an article contradicts itself (`article_checks.self_contradictions`); one
  side is the flagged passage, the other the article's own sentences that say otherwise.

Each side quotes its sources, so a reader can check both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import combinations

from rapidfuzz import fuzz

from .article_checks import contradicting
from .dates import dates_in, normalise
from .merge import Corpus
from .models import (
    ArticleClaims,
    Claim,
    Cluster,
    Conflict,
    ConflictKind,
    ConflictSide,
    Evidence,
    Figure,
    Sentence,
)
from .verify import content_stems, names_as_written, numbers_in, word_keys

SAME_MEASURE = 80.0
"""rapidfuzz score above which two figures measure the same thing."""
SAME_FRAME = 0.7
"""Weighted overlap of two claims' words, names and numbers aside, that makes them one claim."""
MIN_FRAME_WORDS = 3

_SUPERLATIVE = (
    r"(?:first|biggest|largest|greatest|highest|lowest|strongest|deepest|worst|best|"
    r"most\s+[a-z]+)"
)
_BENCHMARK = re.compile(
    rf"\b(?:the\s+)?{_SUPERLATIVE}\b[^.;:!?]{{0,80}}?\bsince\s+"
    r"(?P<anchor>[^.,;:!?()]{1,40}?)(?=[.,;:!?)]|\s+(?:and|but|when|as|which|while)\b|$)",
    re.IGNORECASE,
)
_SECOND_WORLD_WAR = re.compile(
    r"^(?:the\s+)?(?:end\s+of\s+)?(?:ww\s?ii|ww2|world\s+war\s+(?:ii|2|two)|second\s+world\s+war)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
_MONTH_KEYS = frozenset(
    word_keys(
        "January February March April May June July August September October November December "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    )
)


def find_conflicts(
    clusters: Sequence[Cluster], extracted: Sequence[ArticleClaims], corpus: Corpus
) -> list[Conflict]:
    conflicts = _told_differently(clusters, corpus)
    conflicts += _figure_conflicts(extracted)
    conflicts += _framing_conflicts(corpus, extracted)
    conflicts += _source_errors(corpus, extracted)
    return conflicts


# --- the same claim, told differently -----------------------------------------------------


def _told_differently(clusters: Sequence[Cluster], corpus: Corpus) -> list[Conflict]:
    """Pairs of claims from different sources that say the same thing in the same words
    (leaving names, numbers and dates aside) but differ in a name, number or date."""
    published = {article.id: article.published for article in corpus.articles}
    cluster_of = {claim.id: cluster for cluster in clusters for claim in cluster.claims}
    claims = [claim for cluster in clusters for claim in cluster.claims]
    frames = {claim.id: _frame(claim.text) for claim in claims}
    found: list[Conflict] = []
    seen: set[tuple[ConflictKind, frozenset[str]]] = set()
    for a, b in combinations(claims, 2):
        if a.source == b.source or not _same_frame(frames[a.id], frames[b.id], corpus):
            continue
        for kind, says_a, says_b in _differences(a, b, corpus.names, published):
            key = (kind, frozenset({a.id, b.id}))
            if key in seen:
                continue
            seen.add(key)
            found.append(
                Conflict(
                    kind=kind,
                    subject=cluster_of[a.id].canonical,
                    sides=(_claim_side(a, says_a), _claim_side(b, says_b)),
                    clusters=tuple(dict.fromkeys((cluster_of[a.id].id, cluster_of[b.id].id))),
                )
            )
    return found


def _frame(text: str) -> set[str]:
    """The claim's content words without its names, numbers and dates (capitalised words
    are left out whole: a sentence's first word may be a name no other rule knows)."""
    lowercase = " ".join(word for word in _WORD.findall(text) if word[0].islower())
    return content_stems(lowercase) - _MONTH_KEYS


def _same_frame(a: set[str], b: set[str], corpus: Corpus) -> bool:
    if min(len(a), len(b)) < MIN_FRAME_WORDS:
        return False
    return corpus.weights.overlap(" ".join(a), " ".join(b)) >= SAME_FRAME


def _differences(
    a: Claim, b: Claim, known: frozenset[str], published: dict[str, date | None]
) -> list[tuple[ConflictKind, str, str]]:
    cited_a, cited_b = _cited(a), _cited(b)
    found = []
    numbers_a = _plain_numbers(a.text) - numbers_in(cited_b)
    numbers_b = _plain_numbers(b.text) - numbers_in(cited_a)
    if numbers_a and numbers_b:
        found.append((ConflictKind.number, _listed(numbers_a), _listed(numbers_b)))
    dates_a = _dates(a.text, published[a.source])
    dates_b = _dates(b.text, published[b.source])
    if dates_a and dates_b and not dates_a & dates_b:
        found.append((ConflictKind.date, _listed(dates_a), _listed(dates_b)))
    actors_a = _actors(a.text, known, without=word_keys(cited_b))
    actors_b = _actors(b.text, known, without=word_keys(cited_a))
    if actors_a and actors_b:
        found.append((ConflictKind.actor, _listed(actors_a), _listed(actors_b)))
    return found


def _claim_side(claim: Claim, says: str) -> ConflictSide:
    return ConflictSide(
        says=f"{says} — {claim.text}", sources=(claim.source,), evidence=claim.evidence
    )


def _plain_numbers(text: str) -> set[str]:
    """Numbers that are not years (those are compared as dates)."""
    return {n for n in numbers_in(text) if not _YEAR.fullmatch(n)}


def _dates(text: str, published: date | None) -> set[str]:
    return {iso for when in dates_in(text) if (iso := normalise(when, published))}


def _actors(text: str, known: frozenset[str], without: set[str]) -> set[str]:
    """Names in `text` (as written there), leaving out months, weekdays and `without`."""
    written = names_as_written(text, known)
    return {written[key] for key in written.keys() - _MONTH_KEYS - without}


def _cited(claim: Claim) -> str:
    return " ".join(e.quote for e in claim.evidence)


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


# --- the same measure, different values -------------------------------------------------------


def _figure_conflicts(extracted: Sequence[ArticleClaims]) -> list[Conflict]:
    figures = [(a.source, f) for a in extracted for f in a.figures]
    found: list[Conflict] = []
    for (source_a, a), (source_b, b) in combinations(figures, 2):
        if source_a == source_b or not _same_measure(a, b):
            continue
        if numbers_in(a.value) & numbers_in(b.value) or not numbers_in(a.value):
            continue
        found.append(
            Conflict(
                kind=ConflictKind.number,
                subject=a.measures,
                sides=(_figure_side(source_a, a), _figure_side(source_b, b)),
            )
        )
    return found


def _same_measure(a: Figure, b: Figure) -> bool:
    units_agree = a.unit.strip().lower() == b.unit.strip().lower()
    return (
        units_agree and fuzz.token_set_ratio(a.measures.lower(), b.measures.lower()) >= SAME_MEASURE
    )


def _figure_side(source: str, figure: Figure) -> ConflictSide:
    unit = f" {figure.unit}" if figure.unit and figure.unit not in figure.value else ""
    return ConflictSide(
        says=f"{figure.value}{unit}", sources=(source,), evidence=(figure.evidence,)
    )


# --- different historical benchmarks ------------------------------------------------------------


def benchmarks(sentence: Sentence) -> list[tuple[str, str]]:
    """("the first of its kind since 1960", "1960") for each benchmark the sentence sets."""
    return [
        (" ".join(match[0].split()), _anchor_key(match["anchor"]))
        for match in _BENCHMARK.finditer(sentence.text)
    ]


def _anchor_key(anchor: str) -> str:
    anchor = " ".join(anchor.split())
    if _SECOND_WORLD_WAR.match(anchor):
        return "1945"
    if year := _YEAR.search(anchor):
        return year[0]
    return re.sub(r"^the\s+", "", anchor.lower())


def _framing_conflicts(corpus: Corpus, extracted: Sequence[ArticleClaims]) -> list[Conflict]:
    flagged = _flagged(extracted)
    sides: dict[str, list[tuple[str, str, Evidence]]] = {}
    for article in corpus.articles:
        for sentence in corpus.citable(article, flagged.get(article.id, ())):
            for phrase, anchor in benchmarks(sentence):
                sides.setdefault(anchor, []).append(
                    (phrase, article.id, Evidence.of(article.id, sentence))
                )
    sources = {source for mentions in sides.values() for _, source, _ in mentions}
    if len(sides) < 2 or len(sources) < 2:
        return []
    # One side per set of sources: S4's two benchmarks stand together against S2's one.
    by_sources: dict[tuple[str, ...], list[tuple[str, str, Evidence]]] = {}
    for _, mentions in sorted(sides.items(), key=lambda item: _first_position(item[1])):
        sources_here = tuple(dict.fromkeys(source for _, source, _ in mentions))
        by_sources.setdefault(sources_here, []).extend(mentions)
    if len(by_sources) < 2:
        return []
    return [
        Conflict(
            kind=ConflictKind.framing,
            subject="what the development is the first or biggest since",
            sides=tuple(
                ConflictSide(
                    says=" and ".join(dict.fromkeys(f"“{phrase}”" for phrase, _, _ in mentions)),
                    sources=sources_here,
                    evidence=tuple(dict.fromkeys(evidence for _, _, evidence in mentions)),
                )
                for sources_here, mentions in by_sources.items()
            ),
        )
    ]


def _first_position(mentions: list[tuple[str, str, Evidence]]) -> tuple[str, int]:
    return min((evidence.source, evidence.start) for _, _, evidence in mentions)


# --- an article against itself ----------------------------------------------------------------


def _source_errors(corpus: Corpus, extracted: Sequence[ArticleClaims]) -> list[Conflict]:
    articles = {article.id: article for article in corpus.articles}
    found: list[Conflict] = []
    for claims in extracted:
        for issue in claims.source_issues:
            article = articles.get(issue.source)
            others = contradicting(article, issue) if article else []
            if not others:
                continue
            passage = Evidence(
                source=issue.source,
                sentence=issue.sentence,
                quote=issue.quote,
                start=issue.start,
                end=issue.end,
            )
            found.append(
                Conflict(
                    kind=ConflictKind.source_error,
                    subject=f"{issue.source} sentence {issue.sentence} {issue.problem}",
                    sides=(
                        ConflictSide(
                            says=issue.quote, sources=(issue.source,), evidence=(passage,)
                        ),
                        ConflictSide(
                            says=" ".join(s.text for s in others),
                            sources=(issue.source,),
                            evidence=tuple(Evidence.of(issue.source, s) for s in others),
                        ),
                    ),
                )
            )
    return found


def _flagged(extracted: Sequence[ArticleClaims]) -> dict[str, list[int]]:
    flagged: dict[str, list[int]] = {}
    for claims in extracted:
        for issue in claims.source_issues:
            flagged.setdefault(issue.source, []).append(issue.sentence)
    return flagged
