"""The sections the program writes from reconciled data, and the statements they hold. Pure.

Every statement carries the exact passages it rests on. The model writes only the bottom
line and the key developments (`compose`); what the sources disagree on, the timeline and
the single-source items are stated here from the clusters, conflicts and timeline, in the
sources' own words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .models import (
    Citation,
    Cluster,
    Conflict,
    ConflictKind,
    Event,
    Evidence,
    Figure,
    Section,
    SectionKind,
    Statement,
    TimelineEntry,
)
from .verify import evidence_problems, numbers_in

MAX_SINGLE_SOURCE_ITEMS = 15

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


def citations(evidence: Iterable[Evidence]) -> tuple[Citation, ...]:
    return tuple(
        dict.fromkeys(
            Citation(source=e.source, quote=e.quote, start=e.start, end=e.end) for e in evidence
        )
    )


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
        citations=citations(e for side in conflict.sides for e in side.evidence),
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


def events_section(events: Sequence[Event]) -> Section:
    """Which source reports which occasion; shown only when there is more than one."""
    if len(events) < 2:
        return Section(heading="Occasions reported", kind=SectionKind.events, statements=())
    return Section(
        heading="Occasions reported",
        kind=SectionKind.events,
        statements=tuple(
            Statement(
                text=f"{event.what.rstrip('.')}{f' ({event.when})' if event.when else ''}: "
                f"reported mainly by {_joined(list(event.sources))}.",
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


def single_source_section(
    clusters: Sequence[Cluster], figures: Sequence[Figure], shown_elsewhere: set[str]
) -> Section:
    """Claims and figures only one source gives, each marked as such."""
    single = [c for c in clusters if len(c.sources) == 1 and c.id not in shown_elsewhere]
    statements = [statement_for(cluster) for cluster in single[:MAX_SINGLE_SOURCE_ITEMS]]
    cited = {c for statement in statements for c in statement.citations}
    statements += [
        Statement(text=_figure_text(figure), citations=citations([figure.evidence]))
        for figure in figures
        if not cited & set(citations([figure.evidence]))
    ]
    left = len(single) - MAX_SINGLE_SOURCE_ITEMS
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


def _figure_text(figure: Figure) -> str:
    """The model's description of the figure when the passage bears it out, else the passage."""
    unit = f" {figure.unit}" if figure.unit and figure.unit not in figure.value else ""
    text = f"{figure.measures[:1].upper()}{figure.measures[1:]}: {figure.value}{unit}."
    if evidence_problems(text, [figure.evidence.quote]):
        return figure.evidence.quote
    return text


def _joined(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
