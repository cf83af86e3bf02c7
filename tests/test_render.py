"""render: Markdown its text cannot hijack, footnotes in order, and the JSON contract."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from markdown_it import MarkdownIt

from briefing.output.markdown import escape, to_json, to_markdown
from briefing.types.contract import Briefing, Section, SectionKind, SourceInfo, Statement
from briefing.types.stages import Citation

from .support.builders import briefing as built

HOSTILE = "<script>alert(1)</script> *x* [y](z)"

ALPHA = Citation(source="s1", quote="Japan will double its defense budget.", start=0, end=37)
BETA = Citation(source="s2", quote="Drones go to Kanoya Air Base.", start=10, end=39)
GAMMA = Citation(source="s1", quote="Talks were held in Washington.", start=40, end=70)


def source(id: str, title: str = "A title", published: date | None = None) -> SourceInfo:
    return SourceInfo(
        id=id,
        path=f"seeds/{id}.txt",
        title=title,
        published=published,
        sentences=10,
        claims_extracted=3,
        claims_verified=2,
    )


def statement(text: str, *citations: Citation, corroboration: int = 1) -> Statement:
    return Statement(text=text, citations=citations, corroboration=corroboration)


def summary(*statements: Statement) -> Section:
    return Section(heading="Bottom line", kind=SectionKind.summary, statements=statements)


def developments(*statements: Statement) -> Section:
    return Section(heading="Key developments", kind=SectionKind.developments, statements=statements)


def briefing(
    *sections: Section,
    title: str = "US and Japan upgrade their alliance",
    sources: tuple[SourceInfo, ...] = (source("s1"), source("s2")),
    warnings: tuple[str, ...] = ("one bottom-line sentence replaced",),
) -> Briefing:
    return built(*sections, title=title, sources=sources, warnings=warnings)


def footnote_definitions(markdown: str) -> list[str]:
    return re.findall(r"^\[\^\d+\]: .*$", markdown, flags=re.M)


# --- escaping ----------------------------------------------------------------------------------


def test_hostile_title_and_statements_are_escaped() -> None:
    markdown = to_markdown(
        briefing(
            summary(statement(HOSTILE, ALPHA)),
            developments(statement(f"Developments {HOSTILE}", BETA)),
            title=HOSTILE,
            sources=(source("s1", title=HOSTILE), source("s2")),
        )
    )
    for raw in ("<script>", "</script>", "*x*", "[y](z)"):
        assert raw not in markdown
    assert markdown.startswith("# " + escape(HOSTILE) + "\n")


def test_escaped_text_renders_as_literal_text() -> None:
    text = "<b>bold</b> *em* _u_ `code` [link](http://x.example) ![img](y.png)"
    markdown = to_markdown(
        briefing(summary(statement(text, ALPHA)), developments(statement(text, BETA)), title=text)
    )
    html = MarkdownIt("commonmark").render(markdown)
    for markup in ("<b>bold", "<em>em</em>", "<em>u</em>", "<code>", "<a href", "<img"):
        assert markup not in html
    assert html.count("&lt;b&gt;bold&lt;/b&gt; *em* _u_ `code` [link](http://x.example)") == 3


def test_escape_collapses_newlines_so_text_cannot_start_new_blocks() -> None:
    assert escape("first line\n\n## Injected heading\n- item") == (
        r"first line \#\# Injected heading - item"
    )


@pytest.mark.parametrize("text", ["- Japan will double its budget.", "1. Japan will double it."])
def test_leading_list_marker_does_not_start_a_list(text: str) -> None:
    markdown = to_markdown(briefing(summary(statement(text, ALPHA))))
    html = MarkdownIt("commonmark").render(markdown)
    assert "<ul>" not in html.split("<h2>Sources</h2>")[0]
    assert "<ol>" not in html


# --- footnotes and sources ---------------------------------------------------------------------


def test_footnotes_are_numbered_by_first_appearance_and_reused() -> None:
    markdown = to_markdown(
        briefing(
            summary(statement("First.", BETA, ALPHA)),
            developments(
                statement("Second.", ALPHA, GAMMA, corroboration=2),
                statement("Third.", BETA),
            ),
        )
    )
    assert "First. *(1 source)*[^1][^2]" in markdown
    assert "- Second. *(2 sources)*[^2][^3]" in markdown
    assert "- Third. *(single source)*[^1]" in markdown
    assert footnote_definitions(markdown) == [
        "[^1]: “Drones go to Kanoya Air Base.” — A title",
        "[^2]: “Japan will double its defense budget.” — A title",
        "[^3]: “Talks were held in Washington.” — A title",
    ]


def test_same_citation_twice_in_one_statement_gets_one_mark() -> None:
    markdown = to_markdown(briefing(developments(statement("Once.", ALPHA, ALPHA))))
    assert "Once. *(single source)*[^1]\n" in markdown
    assert len(footnote_definitions(markdown)) == 1


def test_footnotes_name_the_source_title() -> None:
    sources = (source("s1", title="Alliance *upgrade*"), source("s2", title="Drones"))
    markdown = to_markdown(
        briefing(developments(statement("A.", ALPHA), statement("B.", BETA)), sources=sources)
    )
    assert footnote_definitions(markdown) == [
        "[^1]: “Japan will double its defense budget.” — Alliance \\*upgrade\\*",
        "[^2]: “Drones go to Kanoya Air Base.” — Drones",
    ]


def test_every_source_is_listed_even_when_never_cited() -> None:
    sources = (
        source("s1", title="Cited one", published=date(2024, 4, 12)),
        source("s2", title="Never cited"),
        source("s3", title="Also never cited", published=date(2024, 3, 25)),
    )
    markdown = to_markdown(briefing(developments(statement("A.", ALPHA)), sources=sources))
    listed = markdown.split("## Sources\n", 1)[1]
    assert "- **s1** Cited one, 2024-04-12 (seeds/s1.txt)" in listed
    assert "- **s2** Never cited, date unknown (seeds/s2.txt)" in listed
    assert "- **s3** Also never cited, 2024-03-25 (seeds/s3.txt)" in listed
    assert "from 3 sources with test-model" in markdown


def test_empty_sections_are_left_out() -> None:
    markdown = to_markdown(
        briefing(summary(statement("Only this.", ALPHA)), developments(), title="T")
    )
    assert "## Bottom line" in markdown
    assert "## Key developments" not in markdown
    assert markdown.endswith("\n") and not markdown.endswith("\n\n")


# --- JSON --------------------------------------------------------------------------------------


def test_json_round_trips_and_has_the_contract_keys() -> None:
    original = briefing(
        summary(statement(HOSTILE, ALPHA, BETA, corroboration=2)),
        developments(statement("Third.", GAMMA)),
        sources=(source("s1", published=date(2024, 4, 12)), source("s2")),
    )
    text = to_json(original)
    assert Briefing.model_validate_json(text) == original
    data = json.loads(text)
    assert {"title", "generated_at", "model", "sources", "sections", "usage"} <= data.keys()
    assert data["sources"][0]["published"] == "2024-04-12"
    assert data["sections"][0]["kind"] == "summary"
    assert data["sections"][0]["statements"][0]["text"] == HOSTILE
