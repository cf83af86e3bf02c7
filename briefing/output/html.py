"""Render a `Briefing` as one self-contained HTML5 page: the Markdown layout, with numbered
links from every sentence to the exact passages it quotes. Every piece of briefing text is
HTML-escaped and nothing is fetched (no scripts, fonts or live links). Pure: briefing in,
string out.
"""

from __future__ import annotations

from html import escape as _escape

from briefing.output.markdown import CHANGE_LABELS, by_event, byline
from briefing.types.contract import Briefing, Section, SectionKind, SourceInfo, Statement
from briefing.types.stages import Citation, Conflict, Event, SourceIssue

_STYLE = """
body { font-family: Georgia, serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }
.byline, .where { color: #555; font-size: 0.9rem; }
.sources { color: #555; }
sup a { text-decoration: none; }
.fn { position: relative; }
.fn .passage { display: none; position: absolute; left: 0; top: 1.4em; z-index: 2; width: 22rem;
               background: #fffef5; border: 1px solid #bbb; padding: 0.4rem 0.6rem;
               font-size: 0.85rem; line-height: 1.35; color: #222; }
.fn:hover .passage, .fn:focus .passage, .fn:focus-within .passage { display: block; }
table.matrix { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
table.matrix th, table.matrix td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; }
table.matrix td.mark { text-align: center; }
.states { color: #1a6b1a; } .differs { color: #a61b1b; font-weight: bold; }
blockquote { margin: 0.3rem 0; padding-left: 0.8rem; border-left: 3px solid #ccc; }
code { font-size: 0.85rem; word-break: break-all; }
""".strip()


def to_html(briefing: Briefing) -> str:
    citations = _Citations()
    body = [f"<h1>{esc(briefing.title)}</h1>", _byline(briefing)]
    events = {event.id: event for event in briefing.events}
    for section_id, section in _section_ids(briefing.sections):
        body += _section(section, section_id, citations, events)
        if section.kind is SectionKind.developments:
            body += _matrix(section, briefing)
    body += _sources(briefing.sources)
    body += citations.passages(briefing.sources)
    body += _warnings(briefing.warnings)
    return "\n".join([*_head(briefing.title), *body, "</body>", "</html>"]) + "\n"


def esc(text: str) -> str:
    """Make briefing- or article-supplied text inert in HTML, in text and in attributes."""
    return _escape(text, quote=True)


class _Citations:
    """Numbers citations in order of first appearance; the same passage keeps its number.
    Each reference to a passage gets its own anchor id so the passage can link back."""

    def __init__(self) -> None:
        self._numbers: dict[Citation, int] = {}
        self._references: dict[int, int] = {}

    def marks(self, statement: Statement) -> str:
        numbered = {
            self._numbers.setdefault(c, len(self._numbers) + 1): c for c in statement.citations
        }
        return "".join(self._mark(number, citation) for number, citation in numbered.items())

    def _mark(self, number: int, citation: Citation) -> str:
        """A footnote whose passage shows on hover or keyboard focus, and links to it below."""
        occurrence = self._references.get(number, 0) + 1
        self._references[number] = occurrence
        ref = f"ref-{number}-{occurrence}"
        shown = f"{esc(citation.source)}: {esc(citation.quote)}"
        passage = f'<span class="passage" role="tooltip">{shown}</span>'
        return f'<sup><a href="#q{number}" id="{ref}" class="fn">[{number}]{passage}</a></sup>'

    def passages(self, sources: tuple[SourceInfo, ...]) -> list[str]:
        if not self._numbers:
            return []
        titles = {source.id: source.title for source in sources}
        items = [self._passage(c, n, titles) for c, n in self._numbers.items()]
        head = ['<section id="quoted-passages">', "<h2>Quoted passages</h2>", "<ol>"]
        return [*head, *items, "</ol>", "</section>"]

    @staticmethod
    def _passage(citation: Citation, number: int, titles: dict[str, str]) -> str:
        title = titles.get(citation.source, citation.source)
        where = f"{esc(citation.source)}, {esc(title)}, characters {citation.start}–{citation.end}"
        back = f'<a href="#ref-{number}-1" aria-label="Back to the first reference">↩</a>'
        return (
            f'<li id="q{number}"><blockquote>{esc(citation.quote)}</blockquote>'
            f'<p class="where">{where} {back}</p></li>'
        )


def _head(title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
    ]


def _byline(briefing: Briefing) -> str:
    return f'<p class="byline"><em>{esc(byline(briefing))}</em></p>'


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


def _section(
    section: Section, section_id: str, citations: _Citations, events: dict[str, Event]
) -> list[str]:
    if not section.statements and not section.note:
        return []
    lines = [f'<section id="{esc(section_id)}">', f"<h2>{esc(section.heading)}</h2>"]
    if section.note:
        lines.append(f'<p class="note"><em>{esc(section.note)}</em></p>')
    if section.kind is SectionKind.summary and section.statements:
        lines.append("<p>" + " ".join(_running(s, citations) for s in section.statements) + "</p>")
    elif section.statements:
        for heading, statements in by_event(section.statements, events):
            if heading:
                lines.append(f"<h3>{esc(heading)}</h3>")
            lines += ["<ul>", *(_item(section.kind, s, citations) for s in statements), "</ul>"]
    return [*lines, "</section>"]


def _running(statement: Statement, citations: _Citations) -> str:
    return esc(statement.text) + _count(statement.corroboration) + citations.marks(statement)


def _item(kind: SectionKind, statement: Statement, citations: _Citations) -> str:
    text, count = esc(statement.text), statement.corroboration
    if kind is SectionKind.timeline:
        when = f"<strong>{esc(statement.when or 'Undated')}</strong> "
        sources = _count(count) if count > 1 else ""
        return f"<li>{when}{text}{sources}{citations.marks(statement)}</li>"
    if kind in {SectionKind.developments, SectionKind.single_source}:
        return f"<li>{text}{_count(count)}{citations.marks(statement)}</li>"
    if kind is SectionKind.since_last:
        change, previously = statement.change, statement.previously
        label = f"<strong>{CHANGE_LABELS[change]}:</strong> " if change else ""
        was = f' <em class="was">was: {esc(previously)}</em>' if previously else ""
        return f"<li>{label}{text}{_count(count)}{citations.marks(statement)}{was}</li>"
    return f"<li>{text}{citations.marks(statement)}</li>"


MATRIX_LABEL_CHARS = 70
MAX_MATRIX_SOURCES = 20
"""Source columns in the matrix; beyond, those stating or differing on most developments."""


def _matrix(developments: Section, briefing: Briefing) -> list[str]:
    """Key developments by source at a glance: which outlet states each, which gives it
    differently (a disagreement about the same claim)."""
    sources = [s.id for s in briefing.sources if not s.duplicate_of]
    if not developments.statements or len(sources) < 2:
        return []
    marks = [_marks(statement, briefing.conflicts) for statement in developments.statements]
    shown = _matrix_sources(sources, marks)
    head = "".join(f'<th scope="col">{esc(source)}</th>' for source in shown)
    rows = [
        '<table class="matrix" aria-label="Which source states which key development">',
        f'<thead><tr><th scope="col">Development</th>{head}</tr></thead>',
        "<tbody>",
    ]
    for statement, (stating, differing) in zip(developments.statements, marks, strict=True):
        label = statement.text
        if len(label) > MATRIX_LABEL_CHARS:
            label = label[: MATRIX_LABEL_CHARS - 1].rsplit(" ", 1)[0] + "…"
        cells = "".join(_cell(source, stating, differing) for source in shown)
        rows.append(f'<tr><th scope="row">{esc(label)}</th>{cells}</tr>')
    rows += ["</tbody>", "</table>"]
    if len(shown) < len(sources):
        rows.append(
            f'<p class="note"><em>The {len(shown)} sources that state or dispute most of these '
            f"are shown; {len(sources) - len(shown):,} more are left out.</em></p>"
        )
    return rows


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


def _matrix_sources(sources: list[str], marks: list[tuple[set[str], set[str]]]) -> list[str]:
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
        return '<td class="mark"><span class="states" title="states it">✓</span></td>'
    if source in differing:
        return '<td class="mark"><span class="differs" title="gives it differently">≠</span></td>'
    return '<td class="mark"></td>'


def _count(count: int) -> str:
    label = f"{count} sources" if count > 1 else "single source"
    return f' <em class="sources">({label})</em>'


def _sources(sources: tuple[SourceInfo, ...]) -> list[str]:
    lines = ['<section id="sources">', "<h2>Sources</h2>", "<ul>"]
    lines += [_source(source) for source in sources]
    return [*lines, "</ul>", "</section>"]


def _source(source: SourceInfo) -> str:
    details = [esc(source.outlet)] if source.outlet else []
    details.append(source.published.isoformat() if source.published else "date unknown")
    if source.duplicate_of:
        details.append(f"same story as {esc(source.duplicate_of)}, counted once")
    line = (
        f"<strong>{esc(source.id)}</strong> {esc(source.title)}, {', '.join(details)} "
        f"(<code>{esc(source.path)}</code>)"
    )
    if source.possible_errors:
        issues = "".join(_issue(issue) for issue in source.possible_errors)
        line += f"<ul>{issues}</ul>"
    return f"<li>{line}</li>"


def _issue(issue: SourceIssue) -> str:
    return (
        f"<li><em>Possible error in this source:</em> sentence {issue.sentence} "
        f"“{esc(issue.quote)}” {esc(issue.problem)}.</li>"
    )


def _warnings(warnings: tuple[str, ...]) -> list[str]:
    if not warnings:
        return []
    items = [f"<li>{esc(warning)}</li>" for warning in warnings]
    summary = f"<details><summary>Warnings ({len(warnings)})</summary>"
    return [summary, "<ul>", *items, "</ul>", "</details>"]
