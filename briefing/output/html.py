"""Render a `Briefing` as one self-contained HTML5 page: the Markdown layout, with numbered
links from every sentence to the exact passages it quotes. Nothing is fetched (no scripts,
fonts or live links). Pure: briefing in, string out.

The page is the Jinja2 template `templates/briefing.html.j2`, with autoescape on, so every
piece of briefing text is escaped wherever it appears. What a template cannot work out well
is prepared here: the footnote numbers in order of first appearance, each section's id and
the source-by-development matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import jinja2

from briefing.output.markdown import CHANGE_LABELS, by_event, byline
from briefing.types.contract import Briefing, Section, SectionKind, SourceInfo, Statement
from briefing.types.stages import Citation, Conflict, Event

MATRIX_LABEL_CHARS = 70
MAX_MATRIX_SOURCES = 20
"""Source columns in the matrix; beyond, those stating or differing on most developments."""


def to_html(briefing: Briefing) -> str:
    footnotes = _Footnotes()
    events = {event.id: event for event in briefing.events}
    sections = [
        _SectionView(
            section_id,
            section,
            _groups(section, footnotes, events),
            _matrix(section, briefing) if section.kind is SectionKind.developments else None,
        )
        for section_id, section in _section_ids(briefing.sections)
    ]
    return _template().render(
        briefing=briefing,
        byline=byline(briefing),
        sections=sections,
        passages=footnotes.passages(briefing.sources),
        change_labels=CHANGE_LABELS,
        kinds=SectionKind,
    )


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing.output", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("briefing.html.j2")


@dataclass(frozen=True)
class _Mark:
    """One reference to a quoted passage: its number, and which reference to it this is."""

    number: int
    occurrence: int
    citation: Citation


@dataclass(frozen=True)
class _Item:
    statement: Statement
    marks: tuple[_Mark, ...]


@dataclass(frozen=True)
class _Group:
    """Consecutive statements under one event's heading (None: no heading)."""

    heading: str | None
    items: tuple[_Item, ...]


@dataclass(frozen=True)
class _SectionView:
    id: str
    section: Section
    groups: tuple[_Group, ...]
    matrix: _Matrix | None


@dataclass(frozen=True)
class _Passage:
    number: int
    citation: Citation
    title: str


class _Footnotes:
    """Numbers citations in order of first appearance; the same passage keeps its number.
    Each reference to a passage is counted, so the passage can link back to the first."""

    def __init__(self) -> None:
        self._numbers: dict[Citation, int] = {}
        self._references: dict[int, int] = {}

    def marks(self, statement: Statement) -> tuple[_Mark, ...]:
        numbered = {
            self._numbers.setdefault(c, len(self._numbers) + 1): c for c in statement.citations
        }
        return tuple(self._mark(number, citation) for number, citation in numbered.items())

    def _mark(self, number: int, citation: Citation) -> _Mark:
        occurrence = self._references.get(number, 0) + 1
        self._references[number] = occurrence
        return _Mark(number, occurrence, citation)

    def passages(self, sources: tuple[SourceInfo, ...]) -> list[_Passage]:
        titles = {source.id: source.title for source in sources}
        return [
            _Passage(number, citation, titles.get(citation.source, citation.source))
            for citation, number in self._numbers.items()
        ]


def _section_ids(sections: tuple[Section, ...]) -> list[tuple[str, Section]]:
    """Pair each section with a unique id based on its kind (`timeline`, `timeline-2`, …)."""
    seen: dict[str, int] = {}
    paired = []
    for section in sections:
        count = seen.get(section.kind.value, 0) + 1
        seen[section.kind.value] = count
        suffix = f"-{count}" if count > 1 else ""
        paired.append((f"{section.kind.value}{suffix}", section))
    return paired


def _groups(
    section: Section, footnotes: _Footnotes, events: dict[str, Event]
) -> tuple[_Group, ...]:
    """The section's statements with their footnote marks, numbered in page order; the
    running text of the summary is one group."""
    if section.kind is SectionKind.summary or not section.statements:
        return (_Group(None, tuple(_Item(s, footnotes.marks(s)) for s in section.statements)),)
    return tuple(
        _Group(heading, tuple(_Item(s, footnotes.marks(s)) for s in statements))
        for heading, statements in by_event(section.statements, events)
    )


@dataclass(frozen=True)
class _Row:
    label: str
    cells: tuple[str, ...]  # per source shown: "states", "differs" or ""


@dataclass(frozen=True)
class _Matrix:
    """Key developments by source at a glance: which outlet states each, which gives it
    differently (a disagreement about the same claim)."""

    sources: tuple[str, ...]
    rows: tuple[_Row, ...]
    left_out: int


def _matrix(developments: Section, briefing: Briefing) -> _Matrix | None:
    sources = [s.id for s in briefing.sources if not s.duplicate_of]
    if not developments.statements or len(sources) < 2:
        return None
    marks = [_marks(statement, briefing.conflicts) for statement in developments.statements]
    shown = _matrix_sources(sources, marks)
    rows = tuple(
        _Row(_label(statement.text), tuple(_cell(source, *marked) for source in shown))
        for statement, marked in zip(developments.statements, marks, strict=True)
    )
    return _Matrix(tuple(shown), rows, len(sources) - len(shown))


def _label(text: str) -> str:
    if len(text) <= MATRIX_LABEL_CHARS:
        return text
    return text[: MATRIX_LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _marks(statement: Statement, conflicts: tuple[Conflict, ...]) -> tuple[set[str], set[str]]:
    """The sources stating the development, and those giving it differently."""
    stating = {c.source for c in statement.citations}
    differing = {
        source
        for conflict in conflicts
        if set(conflict.clusters) & set(statement.clusters)
        for side in conflict.sides
        for source in side.sources
    } - stating
    return stating, differing


def _matrix_sources(sources: list[str], marks: Sequence[tuple[set[str], set[str]]]) -> list[str]:
    """Every source, or the `MAX_MATRIX_SOURCES` marked most often, in their order."""
    if len(sources) <= MAX_MATRIX_SOURCES:
        return sources
    counts = {source: 0 for source in sources}
    for stating, differing in marks:
        for source in stating | differing:
            if source in counts:
                counts[source] += 1
    ranked = sorted(range(len(sources)), key=lambda i: (-counts[sources[i]], i))
    return [sources[i] for i in sorted(ranked[:MAX_MATRIX_SOURCES])]


def _cell(source: str, stating: set[str], differing: set[str]) -> str:
    if source in stating:
        return "states"
    return "differs" if source in differing else ""
