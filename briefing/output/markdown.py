"""Render a `Briefing` as Markdown and as the JSON contract. Pure: strings in, strings out."""

from __future__ import annotations

import re

from briefing.compose.sections import event_heading
from briefing.types.contract import (
    Briefing,
    ChangeKind,
    Section,
    SectionKind,
    SourceInfo,
    Statement,
)
from briefing.types.stages import Citation, Event

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
_LEADING_LIST_MARKER = re.compile(r"^(\d+)([.)])(?=\s|$)|^([-=])")

CHANGE_LABELS = {
    ChangeKind.new: "New",
    ChangeKind.changed: "Changed",
    ChangeKind.dropped: "No longer reported",
}


def to_json(briefing: Briefing) -> str:
    return briefing.model_dump_json(indent=2) + "\n"


def to_markdown(briefing: Briefing) -> str:
    footnotes = _Footnotes()
    lines = [f"# {escape(briefing.title)}", "", f"*{escape(byline(briefing))}*", ""]
    events = {event.id: event for event in briefing.events}
    for section in briefing.sections:
        lines += _section(section, footnotes, events)
    lines += _sources(briefing.sources)
    lines += footnotes.definitions(briefing.sources)
    return "\n".join(lines).rstrip() + "\n"


def escape(text: str) -> str:
    """Make model- or article-supplied text inert in Markdown."""
    inert = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _LEADING_LIST_MARKER.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", inert)


class _Footnotes:
    """Numbers citations in order of first appearance; the same passage keeps its number."""

    def __init__(self) -> None:
        self._numbers: dict[Citation, int] = {}

    def marks(self, statement: Statement) -> str:
        numbers = [self._numbers.setdefault(c, len(self._numbers) + 1) for c in statement.citations]
        return "".join(f"[^{number}]" for number in dict.fromkeys(numbers))

    def definitions(self, sources: tuple[SourceInfo, ...]) -> list[str]:
        titles = {source.id: source.title for source in sources}
        lines = [""] if self._numbers else []
        for citation, number in self._numbers.items():
            where = escape(titles.get(citation.source, citation.source))
            lines.append(f"[^{number}]: “{escape(citation.quote)}” — {where}")
        return lines


def byline(briefing: Briefing) -> str:
    """When, from how many sources and with which model, as plain text."""
    when = briefing.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    count = len(briefing.sources)
    return (
        f"Generated {when} from {count} source{'s' if count != 1 else ''} "
        f"with {briefing.model}. Every sentence cites the passages it rests on."
    )


def by_event(
    statements: tuple[Statement, ...], events: dict[str, Event]
) -> list[tuple[str | None, list[Statement]]]:
    """Consecutive statements of one event under its heading; no headings (None) when the
    statements carry no event."""
    if not any(statement.event for statement in statements):
        return [(None, list(statements))]
    groups: list[tuple[str | None, list[Statement]]] = []
    for statement in statements:
        heading = event_heading(events.get(statement.event or ""))
        if not groups or groups[-1][0] != heading:
            groups.append((heading, []))
        groups[-1][1].append(statement)
    return groups


def _section(section: Section, footnotes: _Footnotes, events: dict[str, Event]) -> list[str]:
    if not section.statements and not section.note:
        return []
    lines = [f"## {escape(section.heading)}", ""]
    if section.note:
        lines += [f"*{escape(section.note)}*", ""]
    if section.kind is SectionKind.summary:
        lines.append(
            " ".join(
                escape(s.text) + _stated_by(s) + footnotes.marks(s) for s in section.statements
            )
        )
    else:
        for heading, statements in by_event(section.statements, events):
            if heading:
                lines += [""] if lines[-1] else []
                lines += [f"### {escape(heading)}", ""]
            lines += [_item(section.kind, s, footnotes) for s in statements]
    return [*lines, ""] if section.statements else lines


def _stated_by(statement: Statement) -> str:
    count = statement.corroboration
    return f" *({count} source{'s' if count != 1 else ''})*"


def _item(kind: SectionKind, statement: Statement, footnotes: _Footnotes) -> str:
    text, marks = escape(statement.text), footnotes.marks(statement)
    count = statement.corroboration
    if kind is SectionKind.timeline:
        sources = f" *({count} sources)*" if count > 1 else ""
        return f"- **{statement.when or 'Undated'}** {text}{sources}{marks}"
    if kind in {SectionKind.developments, SectionKind.single_source}:
        sources = f" *({count} sources)*" if count > 1 else " *(single source)*"
        return f"- {text}{sources}{marks}"
    if kind is SectionKind.since_last:
        label = f"**{CHANGE_LABELS[statement.change]}:** " if statement.change else ""
        sources = f" *({count} sources)*" if count > 1 else " *(single source)*"
        was = f" *was: {escape(statement.previously)}*" if statement.previously else ""
        return f"- {label}{text}{sources}{marks}{was}"
    return f"- {text}{marks}"


def _sources(sources: tuple[SourceInfo, ...]) -> list[str]:
    lines = ["## Sources", ""]
    for source in sources:
        details = [escape(source.outlet)] if source.outlet else []
        details.append(source.published.isoformat() if source.published else "date unknown")
        if source.duplicate_of:
            details.append(f"same story as {source.duplicate_of}, counted once")
        title = escape(source.title)
        lines.append(f"- **{source.id}** {title}, {', '.join(details)} ({escape(source.path)})")
        lines += [
            f"  - *Possible error in this source:* sentence {issue.sentence} "
            f"“{escape(issue.quote)}” {escape(issue.problem)}."
            for issue in source.possible_errors
        ]
    return lines
