"""Find where the sources disagree, and say which sources stand on each side. Pure.

- number, date, actor: two sources make the same claim in the same words, names, numbers
  and dates aside, but with different numbers, dates or named people and organisations.
- number and date, in other words: a clause with one count (or day) in a claim's passage is
  close in meaning to a clause of another source's that gives one too ("Fourteen people were
  injured", "injuring seventeen passengers") while the values cannot both be true. Running
  totals "by" different days are a series, not a disagreement.
- framing: sources set the same development against different historical benchmarks
  ("the first of its kind since 1960" against "the first war-fighting headquarters since
  WWII"). A briefing covers one topic, so every such benchmark is a framing of that topic.
- source_error: an article contradicts itself (`article_checks.self_contradictions`); one
  side is the flagged passage, the other the article's own sentences that say otherwise.

Each side quotes its sources, so a reader can check both. Many sources that differ from one
claim make one disagreement listing every side (grouped with `candidates.Stars`), not one per
pair of them; a disagreement lists at most `MAX_SIDES` sides of at most `MAX_SIDE_SOURCES`
sources each and counts the rest, so hundreds of look-alike articles cannot blow it up.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from briefing.claims.dates import dates_agree, dates_in, isos_in
from briefing.claims.quantities import Quantity, quantities
from briefing.claims.verify import (
    content_stems,
    name_key,
    names_as_written,
    word_keys,
)
from briefing.reconcile.candidates import STEM_MARGIN, MeaningIndex, Stars, StemIndex
from briefing.reconcile.corpus import Corpus
from briefing.reconcile.similarity import Meaning, Vectors
from briefing.sources.checks import contradicting
from briefing.types.stages import (
    ArticleClaims,
    Claim,
    Cluster,
    Conflict,
    ConflictKind,
    ConflictSide,
    Evidence,
    Sentence,
)

SAME_SUBJECT_MEANING = 0.65
"""Cosine of a claim and another article's sentence at which the sentence is about the same
thing (a count there that cannot be true with the claim's is a disagreement)."""
SAME_VALUE_MEANING = 0.65
"""Cosine of two clauses, each with one count (or day), at which they count (or date) the same
thing. Masking the values was measured too: recall 0.39 at precision 0.58 against 0.33 at
0.70 unmasked, for encoding every masked clause again."""
COMPARED_BY_VALUE = 200
"""Clusters (best first) whose counts and days are compared with every source's: bounds the
work on hundreds of look-alike articles."""
SAME_SUBJECT = 0.1
"""Weighted overlap of two benchmark sentences (benchmark words aside) that links them."""
SAME_FRAME = 0.7
"""Weighted overlap of two claims' words, names and numbers aside, that makes them one claim."""
MIN_FRAME_WORDS = 3
PASSAGES_COMPARED = 60
"""Other sources whose passage about a claim (the closest in meaning) is compared with it by
value: on hundreds of look-alike articles, every one is about the same thing."""
_TEXTS_CACHED = 32_768  # texts whose counts and days are remembered (an LRU cache)
MAX_CONFLICTS = 500
"""Disagreements a briefing keeps (briefing.json; its section lists fewer); the rest are
counted."""
MAX_SIDES = 8
"""Sides one disagreement lists (its own claim's, then those most sources give); the rest
are counted."""
MAX_SIDE_SOURCES = 10
"""Sources one side lists with their passages; the rest are counted."""

_SUPERLATIVE = (
    r"(?:first|biggest|largest|greatest|highest|lowest|strongest|deepest|worst|best|"
    r"most\s+[a-z]+)"
)
_BENCHMARK = re.compile(
    rf"\b(?:the\s+)?{_SUPERLATIVE}\b[^.;:!?]{{0,80}}?\bsince\s+"
    r"(?P<anchor>[^.,;:!?()]{1,40}?)(?=[.,;:!?)]|\s+(?:and|but|when|as|which|while)\b|$)",
    re.IGNORECASE,
)
_BENCHMARK_WORDS = re.compile(rf"\b(?:{_SUPERLATIVE}|since|first|kind)\b", re.IGNORECASE)
_SECOND_WORLD_WAR = re.compile(
    r"^(?:the\s+)?(?:end\s+of\s+)?(?:ww\s?ii|ww2|world\s+war\s+(?:ii|2|two)|second\s+world\s+war)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_RUNNING_TOTAL = re.compile(r"\b(?:by|as of|as at|so far|until|through)\s+(?:the\s+)?$", re.I)
_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
_MONTH_KEYS = frozenset(
    word_keys(
        "January February March April May June July August September October November December "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    )
)

# A capital named as an actor stands for its government: "London said" is "Britain said".
_SEATS = {
    name_key(city): name_key(country)
    for city, country in {
        "London": "UK", "Washington": "US", "Tokyo": "Japan", "Beijing": "China",
        "Moscow": "Russia", "Paris": "France", "Berlin": "Germany", "Seoul": "Korea",
        "Pyongyang": "Korea", "Taipei": "Taiwan", "Manila": "Philippines", "Canberra": "Australia",
        "Delhi": "India", "Kyiv": "Ukraine", "Tehran": "Iran", "Brussels": "EU",
        "Ottawa": "Canada", "Hanoi": "Vietnam", "Jerusalem": "Israel",
    }.items()
}  # fmt: skip


def find_conflicts(
    clusters: Sequence[Cluster],
    extracted: Sequence[ArticleClaims],
    corpus: Corpus,
    meaning: Meaning | None = None,
) -> list[Conflict]:
    conflicts = _told_differently(clusters, corpus)
    if meaning is not None:
        conflicts += _counted_differently(clusters, corpus, meaning)
        conflicts += _told_in_other_words(clusters, corpus, meaning)
        conflicts += _dated_differently(clusters, corpus, meaning)
    conflicts += _framing_conflicts(corpus)
    conflicts += _source_errors(corpus, extracted)
    return [_bounded(conflict) for conflict in _each_once(conflicts)]


def _each_once(conflicts: Sequence[Conflict]) -> list[Conflict]:
    """One conflict per kind, clusters and sources involved: two finders may see the same."""
    seen: set[tuple[ConflictKind, tuple[str, ...], frozenset[str]]] = set()
    kept = []
    for conflict in conflicts:
        key = (
            conflict.kind,
            conflict.clusters,
            frozenset(s for side in conflict.sides for s in side.sources),
        )
        if key not in seen:
            seen.add(key)
            kept.append(conflict)
    return kept


def _bounded(conflict: Conflict) -> Conflict:
    """At most `MAX_SIDES` sides (the first, then those most sources give, in their order) of
    at most `MAX_SIDE_SOURCES` sources each; what is left out is counted."""
    sides = conflict.sides
    if len(sides) > MAX_SIDES:
        ranked = sorted(range(1, len(sides)), key=lambda i: -len(sides[i].sources))
        kept = sorted([0, *ranked[: MAX_SIDES - 1]])
        left = [side for i, side in enumerate(sides) if i not in kept]
        shown = {source for i in kept for source in sides[i].sources}
        conflict = conflict.model_copy(
            update={
                "sides": tuple(sides[i] for i in kept),
                "more_sides": len(left),
                "more_sides_sources": len({s for side in left for s in side.sources} - shown),
            }
        )
    if all(len(side.sources) <= MAX_SIDE_SOURCES for side in conflict.sides):
        return conflict
    return conflict.model_copy(update={"sides": tuple(map(_bounded_side, conflict.sides))})


def _bounded_side(side: ConflictSide) -> ConflictSide:
    if len(side.sources) <= MAX_SIDE_SOURCES:
        return side
    listed = side.sources[:MAX_SIDE_SOURCES]
    return side.model_copy(
        update={
            "sources": listed,
            "evidence": tuple(e for e in side.evidence if e.source in listed),
            "more_sources": len(side.sources) - len(listed),
        }
    )


# --- the same claim, told differently -----------------------------------------------------


def _told_differently(clusters: Sequence[Cluster], corpus: Corpus) -> list[Conflict]:
    """Claims from different sources that say the same thing in the same words (leaving
    names, numbers and dates aside) but differ in a name, number or date: one conflict per
    claim and kind, listing every later claim that differs from it, each value once. Later
    claims giving exactly its values stand on its side."""
    cluster_of = {claim.id: cluster for cluster in clusters for claim in cluster.claims}
    claims = [claim for cluster in clusters for claim in cluster.claims]
    mates = _FrameMates(claims, corpus)
    stars = Stars(len(claims))
    told: dict[int, _Told] = {}  # worked out for the claims that have a mate
    found: list[Conflict] = []
    for position, claim in enumerate(claims):
        differing, agreeing = [], []
        for mate in stars.uncovered(position, mates.later(position)):
            for known in (position, mate):
                if known not in told:
                    told[known] = _Told.of(claims[known], corpus)
            differences = _differences(told[position], told[mate])
            if differences:
                differing.append((mate, differences))
            elif told[mate].gives_as(told[position]):
                agreeing.append(mate)
        if differing:
            stars.add(position, [*(mate for mate, _ in differing), *agreeing])
            own = [claim, *(claims[m] for m in agreeing)]
            found += _told_conflicts(own, [(claims[m], d) for m, d in differing], cluster_of)
    return found


class _FrameMates:
    """For each claim, the later claims of other sources with the same frame (`_same_frame`).
    Claims are compared by their distinct frames, each pair of frames once: look-alike
    articles share a handful of frames between thousands of claims."""

    def __init__(self, claims: Sequence[Claim], corpus: Corpus) -> None:
        frames = [" ".join(_frame(claim.text)) for claim in claims]
        distinct = list(dict.fromkeys(frames))
        number = {frame: i for i, frame in enumerate(distinct)}
        self._frame_of = [number[frame] for frame in frames]
        self._by_frame = np.asarray(self._frame_of, dtype=np.int64)
        sources = {source: i for i, source in enumerate(dict.fromkeys(c.source for c in claims))}
        self._source_of = np.asarray([sources[c.source] for c in claims], dtype=np.int64)
        self._distinct = distinct
        self._corpus = corpus
        self._index = StemIndex(distinct, corpus.weights)
        self._same: dict[int, np.ndarray[Any, Any]] = {}

    def later(self, position: int) -> np.ndarray[Any, Any]:
        same = self._claims_framed_like(self._frame_of[position])
        same = same[np.searchsorted(same, position, side="right") :]
        later: np.ndarray[Any, Any] = same[self._source_of[same] != self._source_of[position]]
        return later

    def _claims_framed_like(self, frame: int) -> np.ndarray[Any, Any]:
        """Positions, in order, of the claims whose frame is the same as frame `frame`."""
        if frame not in self._same:
            text = self._distinct[frame]
            near = self._index.overlapping(text, SAME_FRAME)
            alike = [int(i) for i in near if _same_frame(text, self._distinct[i], self._corpus)]
            self._same[frame] = np.flatnonzero(np.isin(self._by_frame, alike))
        return self._same[frame]


def _told_conflicts(
    own: Sequence[Claim],
    differing: Sequence[tuple[Claim, list[tuple[ConflictKind, set[str], set[str]]]]],
    cluster_of: dict[str, Cluster],
) -> list[Conflict]:
    """Per kind, the side of the first of `own` (and the rest, which give its values) against
    the later claims that differ from it, those that say the same thing on one side (at most
    `MAX_SIDES` sides, the rest counted)."""
    says_own: dict[ConflictKind, set[str]] = {}
    others: dict[ConflictKind, dict[str, list[Claim]]] = {}
    for other, differences in differing:
        for kind, values_own, values_other in differences:
            says_own.setdefault(kind, set()).update(values_own)
            others.setdefault(kind, {}).setdefault(_listed(values_other), []).append(other)
    conflicts = []
    for kind, sides in others.items():
        shown, left = _most_claimed(list(sides.items()), MAX_SIDES - 1)
        listed = [*own, *(other for _, group in shown for other in group)]
        named = {c.source for c in listed}
        conflicts.append(
            Conflict(
                kind=kind,
                subject=cluster_of[own[0].id].canonical,
                sides=(
                    _claims_side(own, _listed(says_own[kind])),
                    *(_claims_side(group, says) for says, group in shown),
                ),
                clusters=tuple(dict.fromkeys(cluster_of[c.id].id for c in listed)),
                more_sides=len(left),
                more_sides_sources=len({o.source for _, g in left for o in g} - named),
            )
        )
    return conflicts


def _most_claimed(
    sides: list[tuple[str, list[Claim]]], count: int
) -> tuple[list[tuple[str, list[Claim]]], list[tuple[str, list[Claim]]]]:
    """The `count` sides most claims give (ties: the earlier), in order, and the others."""
    if len(sides) <= count:
        return sides, []
    kept = set(sorted(range(len(sides)), key=lambda i: (-len(sides[i][1]), i))[:count])
    return (
        [side for i, side in enumerate(sides) if i in kept],
        [side for i, side in enumerate(sides) if i not in kept],
    )


def _frame(text: str) -> set[str]:
    """The claim's content words without its names, numbers and dates (capitalised words
    are left out whole: a sentence's first word may be a name no other rule knows)."""
    lowercase = " ".join(word for word in _WORD.findall(text) if word[0].islower())
    return content_stems(lowercase) - _MONTH_KEYS


def _same_frame(a: str, b: str, corpus: Corpus) -> bool:
    if min(len(a.split()), len(b.split())) < MIN_FRAME_WORDS:
        return False
    return corpus.weights.overlap(a, b) >= SAME_FRAME


@dataclass(frozen=True)
class _Told:
    """What one claim counts, dates and names, worked out once: a claim is compared with
    every later claim of its frame."""

    amounts: dict[str, set[str]]
    dates: set[str]
    names: dict[str, str]
    """Keys of the names in the claim, each as written there."""
    cited: frozenset[str]
    """Keys of the words of the passages it cites, capitals also as their countries."""

    @classmethod
    def of(cls, claim: Claim, corpus: Corpus) -> _Told:
        cited = word_keys(claim.cited)
        values = corpus.values(claim)
        return cls(
            values.amounts,
            values.dates,
            names_as_written(claim.text, corpus.names),
            frozenset({_SEATS.get(key, key) for key in cited} | cited),
        )

    def gives_as(self, other: _Told) -> bool:
        """The same counts, dates and names as the other claim."""
        return (self.amounts, self.dates, self.names.keys()) == (
            other.amounts,
            other.dates,
            other.names.keys(),
        )

    def actors(self, other: _Told) -> set[str]:
        """Names in the claim (months and weekdays aside) that the other's passages do not
        name, a capital and its country counting as one name."""
        return {
            written
            for key, written in self.names.items()
            if key not in _MONTH_KEYS and _SEATS.get(key, key) not in other.cited
        }


def _differences(a: _Told, b: _Told) -> list[tuple[ConflictKind, set[str], set[str]]]:
    """What the two claims give differently, per kind: (kind, a's values, b's values)."""
    found = []
    units = [u for u in a.amounts.keys() & b.amounts.keys() if not a.amounts[u] & b.amounts[u]]
    if units:
        found.append(
            (
                ConflictKind.number,
                {_amount(v, unit) for unit in units for v in a.amounts[unit]},
                {_amount(v, unit) for unit in units for v in b.amounts[unit]},
            )
        )
    if not dates_agree(a.dates, b.dates):
        found.append((ConflictKind.date, a.dates, b.dates))
    actors_a, actors_b = a.actors(b), b.actors(a)
    if actors_a and actors_b:
        found.append((ConflictKind.actor, actors_a, actors_b))
    return found


def _amount(value: str, unit: str) -> str:
    return f"{value}%" if unit == "%" else value


def _claims_side(claims: Sequence[Claim], says: str) -> ConflictSide:
    """Claims that give the same value, in the first one's words."""
    return ConflictSide(
        says=f"{says} — {claims[0].text}",
        sources=tuple(dict.fromkeys(claim.source for claim in claims)),
        evidence=tuple(dict.fromkeys(e for claim in claims for e in claim.evidence)),
    )


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


# --- the same thing counted differently, wherever each source says it ----------------------------


def _counted_differently(
    clusters: Sequence[Cluster], corpus: Corpus, meaning: Meaning
) -> list[Conflict]:
    """For each claim that counts something, the passage of every source that is about the
    same thing (its own cited sentence, or the other article's sentence closest in meaning);
    sources whose counts of the same unit cannot both be true stand on different sides."""
    found: dict[tuple[str, frozenset[tuple[str, ...]]], Conflict] = {}
    for cluster in clusters:
        counted = {q.unit: q for q in _counts(cluster.canonical)}
        if not counted:
            continue
        own = cluster.claims[0].evidence[0]
        passages = {
            source: passage
            for source, passage in _passages_about(cluster, corpus, meaning).items()
            if not _on_different_days(own, passage)  # a series, not a disagreement
        }
        for unit in counted:
            conflict = _count_conflict(cluster, unit, passages)
            if conflict is not None:
                key = (unit, frozenset(side.sources for side in conflict.sides))
                found.setdefault(key, conflict)
    return list(found.values())


def _passages_about(cluster: Cluster, corpus: Corpus, meaning: Meaning) -> dict[str, Evidence]:
    passages = {e.source: e for claim in cluster.claims for e in claim.evidence[:1]}
    passages.update({e.source: e for e in cluster.support if e.source not in passages})
    near = corpus.near(cluster.canonical, meaning, SAME_SUBJECT_MEANING, most=PASSAGES_COMPARED)
    for article in near:
        if article.id in passages:
            continue
        closest = corpus.closest(cluster.canonical, article, meaning)
        if closest is not None and closest[1] >= SAME_SUBJECT_MEANING:
            passages[article.id] = Evidence.of(article.id, closest[0])
    return passages


def _count_conflict(cluster: Cluster, unit: str, passages: dict[str, Evidence]) -> Conflict | None:
    """Sources grouped by the count of `unit` they give, counts that can both be true
    together; a conflict when two or more groups remain."""
    groups: list[tuple[list[Quantity], list[Evidence]]] = []
    for _, evidence in sorted(passages.items()):
        counts = [q for q in _counts(evidence.quote) if q.unit == unit]
        if len(counts) != 1:
            continue  # none, or several counts of the unit: which one is meant is unclear
        for agreeing, evidences in groups:
            if all(counts[0].meets(other) for other in agreeing):
                agreeing.append(counts[0])
                evidences.append(evidence)
                break
        else:
            groups.append(([counts[0]], [evidence]))
    if len(groups) < 2:
        return None
    return Conflict(
        kind=ConflictKind.number,
        subject=cluster.canonical,
        sides=tuple(
            ConflictSide(
                says=" / ".join(dict.fromkeys(q.text for q in counts)),
                sources=tuple(e.source for e in evidences),
                evidence=tuple(evidences),
            )
            for counts, evidences in groups
        ),
        clusters=(cluster.id,),
    )


@dataclass(frozen=True)
class _Mention:
    """A count or a day given in a clause of an article, with the clause's words around it."""

    evidence: Evidence
    value: Quantity | str
    """A count's range, or a day as ISO."""
    says: str
    context: str
    """The sentence or clause it is given in (already embedded for the support search, so
    comparing mentions costs no encoding)."""

    def agrees(self, other: _Mention) -> bool:
        if isinstance(self.value, Quantity) and isinstance(other.value, Quantity):
            return self.value.meets(other.value)
        return self.value == other.value

    def comparable(self, other: _Mention) -> bool:
        """Money against money in one currency, shares against shares, counts against
        counts, days against days."""
        if isinstance(self.value, str) or isinstance(other.value, str):
            return isinstance(self.value, str) and isinstance(other.value, str)
        kinds = {"$", "€", "£", "¥", "%"}
        units = {self.value.unit, other.value.unit}
        return len(units) == 1 if units & kinds else True


def _mentions(article_id: str, units: Sequence[tuple[Sentence, str]], published: date | None
              ) -> list[_Mention]:  # fmt: skip
    found = []
    for sentence, text in units:
        evidence = Evidence.of(article_id, sentence)
        counted = _counts(text)
        if len(counted) == 1:
            found.append(_Mention(evidence, counted[0], counted[0].text, text))
        written = dates_in(text)
        days = _days(text, published)
        if len(written) == 1 and len(days) == 1:
            (day,) = days
            found.append(_Mention(evidence, day, day, text))
    return found


def _told_in_other_words(
    clusters: Sequence[Cluster], corpus: Corpus, meaning: Meaning
) -> list[Conflict]:
    """Counts and days of the same thing however each source words it ("14 people were
    injured", "injuring seventeen passengers"): the clauses that give them close in meaning;
    sources whose values cannot both be true stand on different sides.
    Counts dated to different days are a series, not a disagreement."""
    mentions = {
        a.id: _mentions(a.id, corpus.units(a), corpus.published(a.id)) for a in corpus.articles
    }
    meaning.prepare_texts([m.context for found in mentions.values() for m in found])
    near = _MentionsNear(mentions, meaning)
    found: dict[frozenset[tuple[str, ...]], Conflict] = {}
    for cluster in clusters[:COMPARED_BY_VALUE]:
        cited = {e.sentence for e in cluster.claims[0].evidence}
        source = cluster.claims[0].source
        for own in (m for m in mentions.get(source, []) if m.evidence.sentence in cited):
            passages = {source: own}
            for article_id in near.articles(own.context):
                match = _same_mention(own, mentions[article_id], meaning)
                if article_id != source and match is not None:
                    passages[article_id] = match
            conflict = _mention_sides(cluster, passages)
            if conflict is not None:
                found.setdefault(frozenset(side.sources for side in conflict.sides), conflict)
    return list(found.values())


class _MentionsNear:
    """The articles, in order, with a mention whose clause may be close enough in meaning to
    a given clause (`_same_mention` decides); all of them when `meaning` has no vectors."""

    def __init__(self, mentions: dict[str, list[_Mention]], meaning: Meaning) -> None:
        self._ids = list(mentions)
        self._index = (
            MeaningIndex([[m.context for m in found] for found in mentions.values()],
                         meaning.vectors)
            if isinstance(meaning, Vectors)
            else None
        )  # fmt: skip

    def articles(self, context: str) -> list[str]:
        if self._index is None:
            return self._ids
        near = self._index.near(context, SAME_VALUE_MEANING, most=PASSAGES_COMPARED)
        return [self._ids[int(i)] for i in near]


def _same_mention(own: _Mention, others: Sequence[_Mention], meaning: Meaning) -> _Mention | None:
    candidates = [m for m in others if own.comparable(m)]
    if not candidates:
        return None
    best = max(candidates, key=lambda m: meaning.texts(own.context, m.context))
    if meaning.texts(own.context, best.context) < SAME_VALUE_MEANING:
        return None
    if isinstance(own.value, Quantity) and _on_different_days(own.evidence, best.evidence):
        return None
    return best


def _on_different_days(a: Evidence, b: Evidence) -> bool:
    """Both passages give a running total "by" or "as of" a day, and not the same day: a
    series of counts, not a disagreement. (A count of one event dated differently is still
    compared: the date may be what the sources disagree on.)"""
    days_a = _running_total_days(a.quote)
    days_b = _running_total_days(b.quote)
    return bool(days_a and days_b and not days_a & days_b)


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _running_total_days(text: str) -> frozenset[str]:
    return frozenset(
        when.lower() for when in dates_in(text) if _RUNNING_TOTAL.search(text[: text.find(when)])
    )


def _mention_sides(cluster: Cluster, passages: dict[str, _Mention]) -> Conflict | None:
    groups: list[list[_Mention]] = []
    for _, mention in sorted(passages.items()):
        for group in groups:
            if all(mention.agrees(other) for other in group):
                group.append(mention)
                break
        else:
            groups.append([mention])
    if len(groups) < 2:
        return None
    kind = ConflictKind.number if isinstance(groups[0][0].value, Quantity) else ConflictKind.date
    return Conflict(
        kind=kind,
        subject=cluster.canonical,
        sides=tuple(
            ConflictSide(
                says=" / ".join(dict.fromkeys(m.says for m in group)),
                sources=tuple(m.evidence.source for m in group),
                evidence=tuple(m.evidence for m in group),
            )
            for group in groups
        ),
        clusters=(cluster.id,),
    )


def _dated_differently(
    clusters: Sequence[Cluster], corpus: Corpus, meaning: Meaning
) -> list[Conflict]:
    """For each claim that dates something to a day, every source's passage about the same
    thing that dates it to one day too; sources giving different days stand apart."""
    found: dict[frozenset[tuple[str, ...]], Conflict] = {}
    for cluster in clusters:
        source = cluster.claims[0].source
        if len(_days(cluster.canonical, corpus.published(source))) != 1:
            continue
        by_day: dict[str, list[Evidence]] = {}
        for evidence in _passages_about(cluster, corpus, meaning).values():
            days = _days(evidence.quote, corpus.published(evidence.source))
            if len(days) == 1:
                by_day.setdefault(next(iter(days)), []).append(evidence)
        if len(by_day) < 2:
            continue
        sides = tuple(
            ConflictSide(says=day, sources=tuple(e.source for e in evidences),
                         evidence=tuple(evidences))
            for day, evidences in sorted(by_day.items())
        )  # fmt: skip
        found.setdefault(
            frozenset(side.sources for side in sides),
            Conflict(kind=ConflictKind.date, subject=cluster.canonical, sides=sides,
                     clusters=(cluster.id,)),
        )  # fmt: skip
    return list(found.values())


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _days(text: str, published: date | None) -> frozenset[str]:
    """The days (ISO, to the day) the text names; months and years alone are left out."""
    return frozenset(iso for iso in isos_in(text, published) if len(iso) == len("YYYY-MM-DD"))


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _counts(text: str) -> tuple[Quantity, ...]:
    """`quantities`, worked out once per text: every claim compares the passages of every
    source about it."""
    return tuple(quantities(text))


# --- different historical benchmarks ------------------------------------------------------------


@dataclass(frozen=True)
class _Benchmark:
    phrase: str
    anchor: str
    subject: str
    evidence: Evidence


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
    words = re.sub(r"\b(?:the|end|ended|of)\b", " ", anchor.lower())
    return " ".join(sorted(words.split()))


def _framing_conflicts(corpus: Corpus) -> list[Conflict]:
    """Benchmarks about the same subject (their sentences share weighty words, through any
    chain of them) with different anchors, from two or more sources."""
    found = [
        _Benchmark(phrase, anchor, _subject(sentence.text), Evidence.of(article.id, sentence))
        for article in corpus.articles
        for sentence in corpus.citable(article)
        for phrase, anchor in benchmarks(sentence)
    ]
    conflicts = []
    for group in _linked(found, corpus):
        conflict = _framing_conflict(group)
        if conflict is not None:
            conflicts.append(conflict)
    return conflicts


def _subject(sentence: str) -> str:
    """The sentence without its benchmark words: what is being measured against history."""
    return _BENCHMARK_WORDS.sub(" ", sentence)


def _linked(found: list[_Benchmark], corpus: Corpus) -> list[list[_Benchmark]]:
    """The benchmarks grouped through any chain of subjects that share enough weighty words:
    each joins every group holding one it links to, and the joined group goes last. Which
    earlier benchmarks link to one is found for all of them at once (`StemIndex`)."""
    index = StemIndex([b.subject for b in found], corpus.weights)
    groups: dict[int, list[int]] = {}  # members by group id, the groups in order
    placed: dict[int, int] = {}  # when each group was last put at the end
    group_of = np.zeros(len(found), dtype=np.int64)
    for position, benchmark in enumerate(found):
        linked = _linking(benchmark.subject, index, position, found, corpus)
        joined = sorted(set(group_of[linked].tolist()), key=placed.__getitem__)
        # The largest joined group keeps its id: only the others' members are relabelled.
        kept = max(joined, key=lambda group: len(groups[group]), default=position)
        for group in joined:
            if group != kept:
                group_of[groups[group]] = kept
        merged = [member for group in joined for member in groups.pop(group)] + [position]
        group_of[position] = kept
        groups[kept] = merged
        placed[kept] = position
    return [[found[member] for member in group] for group in groups.values()]


def _linking(
    subject: str, index: StemIndex, position: int, found: list[_Benchmark], corpus: Corpus
) -> np.ndarray[Any, Any]:
    """The earlier benchmarks whose subject's overlap with `subject` reaches `SAME_SUBJECT`."""
    overlaps = index.overlaps(subject)[:position]
    certain = overlaps >= SAME_SUBJECT + STEM_MARGIN
    close = np.flatnonzero(~certain & (overlaps >= SAME_SUBJECT - STEM_MARGIN))
    exact = [
        int(j)
        for j in close
        if corpus.weights.overlap(subject, found[int(j)].subject) >= SAME_SUBJECT
    ]
    return np.union1d(np.flatnonzero(certain), np.asarray(exact, dtype=np.int64))


def _framing_conflict(group: list[_Benchmark]) -> Conflict | None:
    # One side per set of sources giving an anchor: S4's two benchmarks stand together
    # against S2's one.
    by_anchor: dict[str, list[_Benchmark]] = {}
    for benchmark in sorted(group, key=lambda b: (b.evidence.source, b.evidence.start)):
        by_anchor.setdefault(benchmark.anchor, []).append(benchmark)
    by_sources: dict[tuple[str, ...], list[_Benchmark]] = {}
    for mentions in by_anchor.values():
        sources = tuple(dict.fromkeys(m.evidence.source for m in mentions))
        by_sources.setdefault(sources, []).extend(mentions)
    if len(by_anchor) < 2 or len(by_sources) < 2:
        return None
    return Conflict(
        kind=ConflictKind.framing,
        subject="what the development is the first or biggest since",
        sides=tuple(
            ConflictSide(
                says=" and ".join(dict.fromkeys(f"“{m.phrase}”" for m in mentions)),
                sources=sources,
                evidence=tuple(dict.fromkeys(m.evidence for m in mentions)),
            )
            for sources, mentions in by_sources.items()
        ),
    )


# --- an article against itself ----------------------------------------------------------------


def _source_errors(corpus: Corpus, extracted: Sequence[ArticleClaims]) -> list[Conflict]:
    articles = {article.id: article for article in corpus.articles}
    found: list[Conflict] = []
    for claims in extracted:
        for issue in claims.source_issues:
            article = articles.get(issue.source)
            if article is None:
                continue
            others = contradicting(article, issue)
            if not others:
                continue
            passage = Evidence.of(issue.source, article.sentences[issue.sentence - 1])
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
