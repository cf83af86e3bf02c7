"""The sections the program writes from reconciled data, and the statements they hold. Pure.

Every statement carries the exact passages it rests on. The model writes only the bottom
line and the key developments (`compose`); what the sources disagree on, the timeline and
the single-source items are stated here from the clusters, conflicts and timeline, in the
sources' own words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import zip_longest
from typing import TypeVar

from briefing.claims.verify import numbers_in
from briefing.types.contract import Section, SectionKind, Statement
from briefing.types.stages import (
    Citation,
    Cluster,
    Conflict,
    ConflictKind,
    ConflictSide,
    Event,
    Evidence,
    Figure,
    Quote,
    QuoteKind,
    TimelineEntry,
)

T = TypeVar("T")

MAX_SINGLE_SOURCE_ITEMS = 12
MAX_DISAGREEMENTS = 50
MAX_TIMELINE_ENTRIES = 60
MAX_EVENTS = 12
"""The most items these sections list (those most sources give, in their usual order); the
rest are counted in the section's note and stay in briefing.json. Hundreds of look-alike
articles can disagree in thousands of ways, which no reader can use."""
MAX_NAMED_SOURCES = 12
MAX_EVENT_PASSAGES = 12
"""Sources an occasion names, and passages it quotes; the rest are counted."""

_CONFLICT_LABELS = {
    ConflictKind.number: "Numbers differ",
    ConflictKind.date: "Dates differ",
    ConflictKind.actor: "Who is named differs",
    ConflictKind.framing: "Framed differently",
    ConflictKind.source_error: "A source contradicts itself",
}


def statement_for(cluster: Cluster, composed: bool = False) -> Statement:
    """The cluster's own claim, citing every passage behind it."""
    return Statement(
        text=cluster.canonical,
        citations=citations(cluster.evidence),
        clusters=(cluster.id,),
        corroboration=len(cluster.sources),
        composed=composed,
    )


def every_passage(evidence: Iterable[Evidence]) -> tuple[Citation, ...]:
    """Each passage once: a disagreement quotes every side's words, even two passages of one
    source (an article contradicting itself)."""
    return tuple(dict.fromkeys(evidence))


def citations(evidence: Iterable[Evidence]) -> tuple[Citation, ...]:
    """One citation per source, its first passage (a claim's own before support found for
    it): a reader needs one place to check each source, not a footnote per sentence."""
    first: dict[str, Citation] = {}
    for e in evidence:
        first.setdefault(e.source, e)
    return tuple(first.values())


def disagreements_section(conflicts: Sequence[Conflict], left_out: int = 0) -> Section:
    """Every disagreement, or the `MAX_DISAGREEMENTS` with most sources; `left_out` more were
    found and only counted (briefing.json lists `conflicts`)."""
    shown = _most_sourced(conflicts, MAX_DISAGREEMENTS, _conflict_sources)
    note = "" if conflicts else "No disagreement between the sources was found."
    if len(shown) < len(conflicts) or left_out:
        note = _more_disagreements(conflicts, shown, left_out)
    return Section(
        heading="Where sources disagree",
        kind=SectionKind.disagreements,
        statements=tuple(_conflict_statement(conflict) for conflict in shown),
        note=note,
    )


def _more_disagreements(
    conflicts: Sequence[Conflict], shown: Sequence[Conflict], left_out: int
) -> str:
    listed = {id(conflict) for conflict in shown}
    rest = [conflict for conflict in conflicts if id(conflict) not in listed]
    clusters = {cluster for conflict in rest for cluster in conflict.clusters}
    on = f", on {_count(len(clusters), 'claim')}," if clusters else ""
    note = f"The {len(shown)} with the most sources are listed; {len(rest):,} more{on} "
    note += "are in briefing.json"
    if left_out:
        note += f", and {left_out:,} more were found and only counted"
    return note + "."


def _conflict_sources(conflict: Conflict) -> int:
    return len({source for side in conflict.sides for source in side.sources})


def _conflict_statement(conflict: Conflict) -> Statement:
    sides = "; ".join(f"{_side_sources(side)}: {side.says}" for side in conflict.sides)
    if conflict.more_sides:
        sides += (
            f"; and {_count(conflict.more_sides, 'other value')} from "
            f"{_count(conflict.more_sides_sources, 'more source')}"
        )
    if conflict.kind is ConflictKind.source_error:
        text = f"{_CONFLICT_LABELS[conflict.kind]}: {conflict.subject}."
    else:
        text = f"{_CONFLICT_LABELS[conflict.kind]} on {conflict.subject.rstrip('.')}: {sides}."
    sources = {source for side in conflict.sides for source in side.sources}
    return Statement(
        text=text,
        citations=every_passage(e for side in conflict.sides for e in side.evidence),
        clusters=conflict.clusters,
        corroboration=len(sources),
        conflict=conflict.kind,
    )


def _side_sources(side: ConflictSide) -> str:
    more = [f"{side.more_sources:,} more"] if side.more_sources else []
    return _joined([*side.sources, *more])


def timeline_section(entries: Sequence[TimelineEntry], undated: Sequence[str]) -> Section:
    note = ""
    if undated:
        which = "gives" if len(undated) == 1 else "give"
        note = (
            f"{_joined(undated)} {which} no publication date: their events are listed as "
            "undated, and dates relative to publication in them are not guessed."
        )
    shown = _most_sourced(entries, MAX_TIMELINE_ENTRIES, lambda entry: len(entry.sources))
    if len(shown) < len(entries):
        more = (
            f"The {len(shown)} entries most sources give are listed; "
            f"{len(entries) - len(shown):,} more are in briefing.json."
        )
        note = f"{note} {more}".strip()
    return Section(
        heading="Timeline",
        kind=SectionKind.timeline,
        statements=tuple(
            Statement(
                text=entry.text + (" (target)" if entry.target else ""),
                citations=citations(entry.evidence),
                corroboration=len(entry.sources),
                when=entry.when,
            )
            for entry in shown
        ),
        note=note,
    )


def grouped_by_event(developments: Section, events: Sequence[Event]) -> Section:
    """Key developments under the occasion they belong to, when the sources report more than
    one: each development goes to the event most of its sources are mainly about, and one
    whose sources split evenly between occasions comes last, as reported across them.
    Within a group the order stays most sources first."""
    if len(events) < 2 or not developments.statements:
        return developments
    order = {event.id: position for position, event in enumerate(events, start=1)}
    placed = [
        statement.model_copy(update={"event": event_of(statement, events)})
        for statement in developments.statements
    ]
    placed.sort(key=lambda statement: order.get(statement.event or "", len(order) + 1))
    return developments.model_copy(update={"statements": tuple(placed)})


def event_of(statement: Statement, events: Sequence[Event]) -> str | None:
    """The event most of the statement's sources are mainly about (none on a tie)."""
    sources = {citation.source for citation in statement.citations}
    shares = sorted(((len(sources & set(e.sources)), e.id) for e in events), reverse=True)
    best, runner_up = shares[0][0], shares[1][0]
    return shares[0][1] if best > runner_up else None


def event_heading(event: Event | None) -> str:
    """How a group of key developments is introduced: the occasion, its date and place, and
    the sources mainly about it."""
    if event is None:
        return "Reported across occasions"
    details = ", ".join(detail for detail in (event.when, event.where) if detail)
    return (
        f"{event.what.rstrip('.')}{f' ({details})' if details else ''}: "
        f"reported mainly by {_joined(_first_sources(event.sources))}"
    )


def events_section(events: Sequence[Event]) -> Section:
    """Which source reports which occasion; shown only when there is more than one."""
    if len(events) < 2:
        return Section(heading="Occasions reported", kind=SectionKind.events, statements=())
    listed = [event for event in events if event.evidence]
    note = (
        "The sources report different occasions; each is listed with the sources that are "
        "mainly about it."
    )
    if len(listed) > MAX_EVENTS:
        note += (
            f" The {MAX_EVENTS} most sources report are listed; "
            f"{len(listed) - MAX_EVENTS:,} more are in briefing.json."
        )
    return Section(
        heading="Occasions reported",
        kind=SectionKind.events,
        statements=tuple(
            Statement(
                text=f"{event_heading(event)}.",
                citations=citations(event.evidence[:MAX_EVENT_PASSAGES]),
                corroboration=len(event.sources),
                when=event.when,
            )
            for event in listed[:MAX_EVENTS]
        ),
        note=note,
    )


MAX_QUOTES = 16


def quotes_section(quotes: Sequence[Quote]) -> Section:
    """Who said what, in their own words: quotations first, then positions the articles
    attribute; grouped by speaker, most-reported speakers first."""
    reported: dict[str, set[str]] = {}
    for quote in quotes:
        reported.setdefault(quote.speaker, set()).update(e.source for e in quote.evidence)
    first = {speaker: position for position, speaker in enumerate(reported)}
    ordered = sorted(
        quotes,
        key=lambda q: (-len(reported[q.speaker]), first[q.speaker],
                       q.kind is QuoteKind.paraphrase),
    )  # fmt: skip
    statements = tuple(_quote_statement(q) for q in ordered[:MAX_QUOTES])
    left = len(quotes) - MAX_QUOTES
    return Section(
        heading="Who said what",
        kind=SectionKind.quotes,
        statements=statements,
        note=f"{left} more are in briefing.json." if left > 0 else "",
    )


def _quote_statement(quote: Quote) -> Statement:
    who = f"{quote.speaker} ({quote.role})" if quote.role else quote.speaker
    said = f"“{quote.words}”" if quote.kind is QuoteKind.direct else f"said {quote.words}."
    sources = {e.source for e in quote.evidence}
    return Statement(
        text=f"{who}: {said}",
        citations=citations(quote.evidence),
        corroboration=len(sources),
        speaker=quote.speaker,
        role=quote.role,
    )


def single_source_section(
    clusters: Sequence[Cluster],
    figures: Sequence[Figure],
    shown_elsewhere: set[str],
    concrete: Callable[[str], bool],
) -> Section:
    """Concrete claims only one source gives (someone doing something, a number, a date),
    each marked as such; commentary and the rest stay in briefing.json."""
    single = [c for c in clusters if len(c.sources) == 1 and c.id not in shown_elsewhere]
    shown = taking_turns([c for c in single if concrete(c.canonical)])
    statements = [statement_for(cluster) for cluster in shown[:MAX_SINGLE_SOURCE_ITEMS]]
    cited = {(c.source, c.start) for statement in statements for c in statement.citations}
    for figure in figures:
        passage = figure.evidence
        if (
            len(statements) < MAX_SINGLE_SOURCE_ITEMS
            and (passage.source, passage.start) not in cited
        ):
            cited.add((passage.source, passage.start))
            statements.append(Statement(text=passage.quote, citations=citations([passage])))
    left = len(single) - len(statements)
    return Section(
        heading="Single-source items",
        kind=SectionKind.single_source,
        statements=tuple(statements),
        note=f"{left} more single-source claims are in briefing.json." if left > 0 else "",
    )


def taking_turns(clusters: Sequence[Cluster]) -> list[Cluster]:
    """Single-source clusters, each source's first, then each one's second, and so on: the
    first article's claims must not fill the section before the others are heard."""
    queues: dict[str, list[Cluster]] = {}
    for cluster in clusters:
        queues.setdefault(cluster.sources[0], []).append(cluster)
    rounds = zip_longest(*queues.values())
    return [cluster for turn in rounds for cluster in turn if cluster is not None]


def single_source_figures(figures: Sequence[Figure], texts: dict[str, str]) -> list[Figure]:
    """Figures whose number no other source's text gives (every number of the figure in one
    other text is enough to count it as given there)."""
    holders: dict[str, set[str]] = {}
    for source, text in texts.items():
        for number in numbers_in(text):
            holders.setdefault(number, set()).add(source)
    return [figure for figure in figures if not _given_elsewhere(figure, holders, texts)]


def _given_elsewhere(figure: Figure, holders: dict[str, set[str]], texts: dict[str, str]) -> bool:
    own = figure.evidence.source
    wanted = numbers_in(figure.value)
    if not wanted:
        return any(source != own for source in texts)
    holding = set.intersection(*(holders.get(number, set()) for number in wanted))
    return bool(holding - {own})


def _most_sourced(items: Sequence[T], count: int, sources: Callable[[T], int]) -> list[T]:
    """All `items`, or the `count` with most sources (ties: the earlier), in their order."""
    if len(items) <= count:
        return list(items)
    ranked = sorted(range(len(items)), key=lambda i: (-sources(items[i]), i))[:count]
    return [items[i] for i in sorted(ranked)]


def _first_sources(sources: Sequence[str]) -> list[str]:
    """The sources to name, the rest counted: an occasion thousands of articles report."""
    if len(sources) <= MAX_NAMED_SOURCES:
        return list(sources)
    return [*sources[:MAX_NAMED_SOURCES], f"{len(sources) - MAX_NAMED_SOURCES:,} more"]


def _count(number: int, what: str) -> str:
    return f"{number:,} {what}{'' if number == 1 else 's'}"


def _joined(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
