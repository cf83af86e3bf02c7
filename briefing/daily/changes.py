"""What is new since the previous briefing: today's clusters against the last run's JSON. Pure.

`load_previous` reads only what the comparison needs from the previous run's `briefing.json`
(lenient: an older version's extra or missing optional fields are fine), `compare` matches
today's clusters with the previous ones, `since_last_section` states the result, and
`with_since_last` adds both to a briefing. The caller does that only when there is a previous
run: with none there is nothing to compare with, and `Briefing.since_last` stays None.

Source ids (S1, S2, …) are numbered per run, so a source is known by its path or URL.
Today's cluster T and a previous cluster P say the same thing when some claim of T and some
claim of P

- word for word, or nearly (rapidfuzz, as in `similarity.LexicalSimilarity`), or
- share at least `SAME_CLAIM` of their word weight (`StemWeights.overlap`, stems weighed by
  how rare they are across both runs' claims and passages, so topic words such as "Japan"
  and "alliance" count for little), or
- rest on passages that share that much weight, or on the very same passage (same path, same
  quote), provided their own words share at least `SAME_PASSAGE_WORDING`: one sentence can
  state two facts, and two claims cut from it about different facts are not the same item.

Matching is not one to one, since clustering may merge or split a claim from one run to the
next. A today's cluster that matches nothing is **new**. One that matches is **changed** when
no matching previous cluster gives the same figures and dates (`merge.differing_amounts`,
`dates.dates_agree`) with the same number of independent sources; what it is compared with
is then the closest match. A previous cluster that nothing today matches is **dropped**: it
cannot cite today's sources, so it is named in the section's note, never stated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rapidfuzz import fuzz, utils

from briefing.claims.dates import dates_agree, isos_in
from briefing.compose.sections import statement_for
from briefing.errors import OutputError
from briefing.reconcile.corroboration import differing_amounts
from briefing.reconcile.similarity import LexicalSimilarity, StemWeights
from briefing.types.contract import (
    Briefing,
    Change,
    ChangeKind,
    Section,
    SectionKind,
    SinceLast,
    SourceInfo,
    Statement,
)
from briefing.types.stages import Cluster

SAME_CLAIM = LexicalSimilarity.same_claim
"""Word-weight overlap at which two claims say the same thing (as within one run)."""
NEAR_IDENTICAL = LexicalSimilarity.near_identical
_NEAR_IDENTICAL = NEAR_IDENTICAL * 100  # rapidfuzz scores 0-100
SAME_PASSAGE_WORDING = 0.3
"""Word-weight overlap two claims need for their shared passages to make them one item."""

MAX_CHANGED = 8
MAX_NEW = 8
MAX_DROPPED_NAMED = 5
_NAMED_LENGTH = 100

HEADING = "New since the last briefing"


# --- the previous run's JSON, read leniently ---------------------------------------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PreviousPassage(_Lenient):
    source: str
    quote: str


class PreviousClaim(_Lenient):
    text: str
    source: str | None = None
    evidence: tuple[PreviousPassage, ...] = ()


class PreviousCluster(_Lenient):
    id: str
    canonical: str
    claims: tuple[PreviousClaim, ...] = ()
    support: tuple[PreviousPassage, ...] = ()
    sources: tuple[str, ...] = Field(
        default=(), description="Independent sources; worked out from the claims when missing."
    )

    @property
    def independent(self) -> tuple[str, ...]:
        if self.sources:
            return self.sources
        claimed = [claim.source for claim in self.claims if claim.source]
        cited = [e.source for claim in self.claims for e in claim.evidence]
        return tuple(dict.fromkeys([*claimed, *cited, *(e.source for e in self.support)]))


class PreviousSource(_Lenient):
    id: str
    path: str
    title: str = ""
    published: date | None = None

    @field_validator("published", mode="before")
    @classmethod
    def _unknown_when_unreadable(cls, value: object) -> object:
        """A date this version cannot read is unknown, not an error."""
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None


class PreviousBriefing(_Lenient):
    """What the comparison needs from the previous run's `briefing.json`."""

    title: str = ""
    generated_at: datetime
    sources: tuple[PreviousSource, ...] = ()
    clusters: tuple[PreviousCluster, ...]


def load_previous(text: str) -> PreviousBriefing:
    """Parse the previous run's `briefing.json`; an `OutputError` with one line when it can't
    be."""
    try:
        return PreviousBriefing.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        problem = f"{where}: {first['msg']}" if where else first["msg"]
        more = error.error_count() - 1
        also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise OutputError(
            f"the previous briefing cannot be read: {problem}{also}",
            hint="it must be a briefing.json written by briefing",
        ) from error


# --- the comparison ---------------------------------------------------------------------------


class _Passage(Protocol):
    """A passage of either run: `Evidence` today, `PreviousPassage` before."""

    source: str
    quote: str


def _passages(evidence: Iterable[_Passage], paths: dict[str, str]) -> frozenset[tuple[str, str]]:
    """Passages by path and quote: source ids are numbered per run, paths are not."""
    return frozenset((paths.get(e.source, e.source), e.quote) for e in evidence)


@dataclass(frozen=True)
class _Said:
    """One claim of a cluster: its words, the passages it cites (as text, and as path and
    quote), and when its source was published (to place dates such as "April 10")."""

    text: str
    cited: str
    passages: frozenset[tuple[str, str]]
    published: date | None
    wording: str = ""
    """The text lowercased, punctuation out: what rapidfuzz compares."""

    @classmethod
    def of(
        cls, text: str, evidence: Iterable[_Passage], paths: dict[str, str], published: date | None
    ) -> _Said:
        evidence = list(evidence)
        return cls(
            text=text,
            cited=" ".join(e.quote for e in evidence),
            passages=_passages(evidence, paths),
            published=published,
            wording=utils.default_process(text),
        )


@dataclass(frozen=True)
class _Item:
    """A cluster of either run, in the terms both runs share."""

    id: str
    text: str
    said: tuple[_Said, ...]
    passages: frozenset[tuple[str, str]]
    paths: tuple[str, ...]

    @property
    def corroboration(self) -> int:
        return len(self.paths)


@dataclass(frozen=True)
class _Match:
    previous: _Item
    position: int
    score: float
    values_differ: bool

    def key(self, today: _Item) -> tuple[bool, bool, float, int, int]:
        """Best first: same facts, then same source count, then the closest."""
        return (
            not self.values_differ,
            self.previous.corroboration == today.corroboration,
            self.score,
            len(self.previous.passages & today.passages),
            -self.position,
        )


def compare(
    clusters: Sequence[Cluster], sources: Sequence[SourceInfo], previous: PreviousBriefing
) -> SinceLast:
    """Today's clusters (`sources` are today's) against the previous briefing's."""
    today = [_today(cluster, sources) for cluster in clusters]
    before = _previous(previous)
    overlap = Overlap(StemWeights(_texts([*today, *before])))
    new: list[Change] = []
    changed: list[Change] = []
    unchanged = 0
    seen: set[int] = set()
    for item in today:
        matches = [
            _Match(candidate, position, score, _values_differ(item, candidate))
            for position, candidate in enumerate(before)
            if (score := _score(item, candidate, overlap)) >= SAME_CLAIM
        ]
        seen.update(match.position for match in matches)
        if not matches:
            new.append(_new(item))
            continue
        best = max(matches, key=lambda match: match.key(item))
        if best.values_differ or best.previous.corroboration != item.corroboration:
            changed.append(_changed(item, best))
        else:
            unchanged += 1
    dropped = [_dropped(item) for position, item in enumerate(before) if position not in seen]
    return SinceLast(
        previous_generated_at=previous.generated_at,
        previous_title=previous.title,
        changed=tuple(_most_corroborated(changed)),
        new=tuple(_most_corroborated(new)),
        dropped=tuple(sorted(dropped, key=lambda change: -change.previous_corroboration)),
        unchanged=unchanged,
    )


def _today(cluster: Cluster, sources: Sequence[SourceInfo]) -> _Item:
    paths = {source.id: source.path for source in sources}
    published = {source.id: source.published for source in sources}
    claims = sorted(cluster.claims, key=lambda claim: claim.text != cluster.canonical)
    return _Item(
        id=cluster.id,
        text=cluster.canonical,
        said=tuple(
            _Said.of(claim.text, claim.evidence, paths, published.get(claim.source))
            for claim in claims
        ),
        passages=_passages(cluster.evidence, paths),
        paths=tuple(paths.get(source, source) for source in cluster.sources),
    )


def _previous(previous: PreviousBriefing) -> list[_Item]:
    paths = {source.id: source.path for source in previous.sources}
    published = {source.id: source.published for source in previous.sources}
    items = []
    for cluster in previous.clusters:
        claims = sorted(cluster.claims, key=lambda claim: claim.text != cluster.canonical)
        said = [
            _Said.of(claim.text, claim.evidence, paths, published.get(claim.source or ""))
            for claim in claims
        ]
        if not any(claim.text == cluster.canonical for claim in claims):
            said.insert(0, _Said.of(cluster.canonical, (), paths, None))
        evidence = [*(e for claim in claims for e in claim.evidence), *cluster.support]
        items.append(
            _Item(
                id=cluster.id,
                text=cluster.canonical,
                said=tuple(said),
                passages=_passages(evidence, paths),
                paths=tuple(paths.get(source, source) for source in cluster.independent),
            )
        )
    return items


class Overlap:
    """`StemWeights.overlap`, with each text's total weight worked out once: a comparison
    scores every claim of one run against every claim of the other."""

    def __init__(self, weights: StemWeights) -> None:
        self._weights = weights
        self._totals: dict[str, float] = {}

    def __call__(self, a: str, b: str) -> float:
        lighter = min(self._total(a), self._total(b))
        if lighter <= 0:
            return 0.0
        shared = self._weights.stems(a) & self._weights.stems(b)
        return min(1.0, sum(self._weights.weight(stem) for stem in shared) / lighter)

    def _total(self, text: str) -> float:
        if text not in self._totals:
            stems = self._weights.stems(text)
            self._totals[text] = sum(self._weights.weight(stem) for stem in stems)
        return self._totals[text]


def _texts(items: Iterable[_Item]) -> list[str]:
    """Every distinct claim and passage of both runs: the documents stems are weighed over."""
    texts = [said.text for item in items for said in item.said]
    texts += [quote for item in items for _, quote in item.passages]
    return list(dict.fromkeys(texts))


def _score(today: _Item, previous: _Item, overlap: Overlap) -> float:
    """How surely the two clusters say the same thing (see the module's docstring)."""
    best = 0.0
    for a in today.said:
        for b in previous.said:
            wording = fuzz.token_sort_ratio(a.wording, b.wording, score_cutoff=_NEAR_IDENTICAL)
            words = overlap(a.text, b.text)
            score = max(wording / 100, words)
            if words >= SAME_PASSAGE_WORDING:
                same_passage = bool(a.passages & b.passages)
                score = max(score, 1.0 if same_passage else overlap(a.cited, b.cited))
            best = max(best, score)
    return best


def _values_differ(today: _Item, previous: _Item) -> bool:
    """Some claim of each counts something in the same unit differently, or dates it
    differently."""
    return _differing_pair(today, previous) is not None


def _differing_pair(today: _Item, previous: _Item) -> tuple[_Said, _Said] | None:
    for a in today.said:
        for b in previous.said:
            if differing_amounts(a.text, b.text):
                return a, b
            if not dates_agree(isos_in(a.text, a.published), isos_in(b.text, b.published)):
                return a, b
    return None


def _new(item: _Item) -> Change:
    return Change(
        kind=ChangeKind.new, text=item.text, cluster=item.id, corroboration=item.corroboration
    )


def _changed(item: _Item, match: _Match) -> Change:
    before = match.previous
    count = _sources(before.corroboration)
    pair = _differing_pair(item, before)
    previously = f"“{pair[1].text}” ({count})" if pair else count
    return Change(
        kind=ChangeKind.changed,
        text=item.text,
        cluster=item.id,
        previous_cluster=before.id,
        corroboration=item.corroboration,
        previous_corroboration=before.corroboration,
        values_differ=match.values_differ,
        previously=previously,
        previous_sources=before.paths,
    )


def _dropped(item: _Item) -> Change:
    return Change(
        kind=ChangeKind.dropped,
        text=item.text,
        previous_cluster=item.id,
        previous_corroboration=item.corroboration,
        previous_sources=item.paths,
    )


def _most_corroborated(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda change: -change.corroboration)


# --- the section ------------------------------------------------------------------------------


def with_since_last(briefing: Briefing, previous: PreviousBriefing) -> Briefing:
    """`briefing` compared with `previous`: its section follows the key developments (or the
    bottom line), and `since_last` holds the whole comparison."""
    since = compare(briefing.clusters, briefing.sources, previous)
    sections = list(briefing.sections)
    kinds = [section.kind for section in sections]
    after = SectionKind.developments if SectionKind.developments in kinds else SectionKind.summary
    at = kinds.index(after) + 1 if after in kinds else 0
    sections.insert(at, since_last_section(since, briefing.clusters))
    return briefing.model_copy(update={"sections": tuple(sections), "since_last": since})


def since_last_section(since: SinceLast, clusters: Sequence[Cluster]) -> Section:
    """Changed items first, then new ones, each citing today's passages; what is no longer
    reported, and how many more items the JSON holds, are said in the note."""
    by_id = {cluster.id: cluster for cluster in clusters}
    shown = [*since.changed[:MAX_CHANGED], *since.new[:MAX_NEW]]
    statements = tuple(_statement(change, by_id) for change in shown)
    return Section(
        heading=HEADING, kind=SectionKind.since_last, statements=statements, note=_note(since)
    )


def _statement(change: Change, clusters: dict[str, Cluster]) -> Statement:
    if change.cluster not in clusters:
        raise ValueError(f"cluster {change.cluster} is not among today's clusters")
    statement = statement_for(clusters[change.cluster])
    return statement.model_copy(update={"change": change.kind, "previously": change.previously})


def _note(since: SinceLast) -> str:
    when = since.previous_generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    if not since.new and not since.changed:
        nothing = "new" if not since.dropped else "new or changed"
        parts = [f"Nothing is {nothing} since the briefing of {when}."]
    else:
        counts = [
            (len(since.changed), "changed"),
            (len(since.new), "new"),
            (len(since.dropped), "no longer reported"),
            (since.unchanged, "unchanged"),
        ]
        said = [f"{count} {what}" for count, what in counts if count]
        parts = [f"{_listed(said)} since the briefing of {when}."]
    more = [
        f"{left} more changed" if (left := len(since.changed) - MAX_CHANGED) > 0 else "",
        f"{left} more new" if (left := len(since.new) - MAX_NEW) > 0 else "",
    ]
    if any(more):
        parts.append(f"{_listed([m for m in more if m])} items are in briefing.json.")
    if since.dropped:
        parts.append(_dropped_note(since.dropped))
    return " ".join(parts)


def _dropped_note(dropped: Sequence[Change]) -> str:
    named = "; ".join(f"“{_shortened(change.text)}”" for change in dropped[:MAX_DROPPED_NAMED])
    left = len(dropped) - MAX_DROPPED_NAMED
    rest = f"; and {left} more in briefing.json" if left > 0 else ""
    return f"No longer reported: {named}{rest}."


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _NAMED_LENGTH:
        return text
    return text[:_NAMED_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _sources(count: int) -> str:
    return f"{count} source{'s' if count != 1 else ''}"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
