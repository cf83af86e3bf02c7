"""The sections the program writes from reconciled data, and the statements they hold. Pure.

Every statement carries the exact passages it rests on. The model writes only the bottom
line and the key developments (`compose`); what the sources disagree on, the timeline and
the single-source items are stated here from the clusters, conflicts and timeline, in the
sources' own words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .models import (
    Citation,
    Cluster,
    Conflict,
    ConflictKind,
    Event,
    Evidence,
    Figure,
    Quote,
    QuoteKind,
    Section,
    SectionKind,
    Statement,
    TimelineEntry,
)
from .verify import numbers_in

MAX_SINGLE_SOURCE_ITEMS = 12

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
    return tuple(
        dict.fromkeys(
            Citation(source=e.source, quote=e.quote, start=e.start, end=e.end) for e in evidence
        )
    )


def citations(evidence: Iterable[Evidence]) -> tuple[Citation, ...]:
    """One citation per source, its first passage (a claim's own before support found for
    it): a reader needs one place to check each source, not a footnote per sentence."""
    first: dict[str, Citation] = {}
    for e in evidence:
        first.setdefault(
            e.source, Citation(source=e.source, quote=e.quote, start=e.start, end=e.end)
        )
    return tuple(first.values())


def disagreements_section(conflicts: Sequence[Conflict]) -> Section:
    return Section(
        heading="Where sources disagree",
        kind=SectionKind.disagreements,
        statements=tuple(_conflict_statement(conflict) for conflict in conflicts),
        note="" if conflicts else "No disagreement between the sources was found.",
    )


def _conflict_statement(conflict: Conflict) -> Statement:
    sides = "; ".join(f"{_joined(side.sources)}: {side.says}" for side in conflict.sides)
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


def timeline_section(entries: Sequence[TimelineEntry], undated: Sequence[str]) -> Section:
    note = ""
    if undated:
        which = "gives" if len(undated) == 1 else "give"
        note = (
            f"{_joined(undated)} {which} no publication date: their events are listed as "
            "undated, and dates relative to publication in them are not guessed."
        )
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
            for entry in entries
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
        f"reported mainly by {_joined(list(event.sources))}"
    )


def events_section(events: Sequence[Event]) -> Section:
    """Which source reports which occasion; shown only when there is more than one."""
    if len(events) < 2:
        return Section(heading="Occasions reported", kind=SectionKind.events, statements=())
    return Section(
        heading="Occasions reported",
        kind=SectionKind.events,
        statements=tuple(
            Statement(
                text=f"{event_heading(event)}.",
                citations=citations(event.evidence),
                corroboration=len(event.sources),
                when=event.when,
            )
            for event in events
            if event.evidence
        ),
        note="The sources report different occasions; each is listed with the sources that "
        "are mainly about it.",
    )


MAX_QUOTES = 16


def quotes_section(quotes: Sequence[Quote]) -> Section:
    """Who said what, in their own words: quotations first, then positions the articles
    attribute; grouped by speaker, most-reported speakers first."""
    reported: dict[str, set[str]] = {}
    for quote in quotes:
        reported.setdefault(quote.speaker, set()).update(e.source for e in quote.evidence)
    ordered = sorted(
        quotes,
        key=lambda q: (-len(reported[q.speaker]), list(reported).index(q.speaker),
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
    shown = [c for c in single if concrete(c.canonical)]
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


def single_source_figures(figures: Sequence[Figure], texts: dict[str, str]) -> list[Figure]:
    """Figures whose number no other source's text gives."""
    return [
        figure
        for figure in figures
        if not any(
            numbers_in(figure.value) <= numbers_in(text)
            for source, text in texts.items()
            if source != figure.evidence.source
        )
    ]


def _joined(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
