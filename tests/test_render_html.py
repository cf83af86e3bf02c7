"""output.html: one self-contained page, escaped text, and citations linked both ways."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

from markupsafe import escape

from briefing.output.html import to_html
from briefing.types.contract import Briefing, Section, SectionKind, SourceInfo, Statement
from briefing.types.stages import Citation, SourceIssue

from .support.builders import briefing as built

HOSTILE = '<script>alert(1)</script> "onmouseover=alert(2) & more'
ESCAPED = str(escape(HOSTILE))  # as the page's template escapes it

ALPHA = Citation(source="s1", quote="Japan will double its defense budget.", start=0, end=37)
BETA = Citation(source="s2", quote="Drones go to Kanoya Air Base.", start=10, end=39)
GAMMA = Citation(source="s1", quote="Talks were held in Washington.", start=40, end=70)
EVIL = Citation(source="s2", quote=HOSTILE, start=120, end=245)

VOID = {"meta", "br", "hr", "img", "input", "link"}


class Page(HTMLParser):
    """Parses a page strictly enough to catch broken nesting; records ids, links and the
    text inside each element that has an id."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str | None]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.text: dict[str, str] = {}
        self.feed(document)
        self.close()
        assert not self.open, f"unclosed elements: {self.open}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        id = attributes.get("id")
        if id is not None:
            assert id not in self.ids, f"duplicate id {id}"
            self.ids.append(id)
            self.text[id] = ""
        if tag not in VOID:
            self.open.append((tag, id))

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        for _, id in self.open:
            if id is not None:
                self.text[id] += data

    def hrefs(self) -> list[str]:
        return [a["href"] or "" for tag, a in self.tags if tag == "a" and "href" in a]


def source(
    id: str,
    title: str = "A title",
    published: date | None = None,
    path: str | None = None,
    **extra: object,
) -> SourceInfo:
    return SourceInfo.model_validate(
        {
            "id": id,
            "path": path or f"seeds/{id}.txt",
            "title": title,
            "published": published,
            "sentences": 10,
            "claims_extracted": 3,
            "claims_verified": 2,
            **extra,
        }
    )


def statement(
    text: str, *citations: Citation, corroboration: int = 1, when: str | None = None
) -> Statement:
    return Statement(text=text, citations=citations, corroboration=corroboration, when=when)


def section(kind: SectionKind, *statements: Statement, note: str = "") -> Section:
    return Section(heading=kind.value.title(), kind=kind, statements=statements, note=note)


def briefing(
    *sections: Section,
    title: str = "US and Japan upgrade their alliance",
    sources: tuple[SourceInfo, ...] = (source("s1"), source("s2")),
    warnings: tuple[str, ...] = (),
) -> Briefing:
    return built(*sections, title=title, sources=sources, warnings=warnings)


def full() -> Briefing:
    return briefing(
        section(SectionKind.summary, statement("First.", BETA, ALPHA), statement("Then.", GAMMA)),
        section(
            SectionKind.developments,
            statement("Second.", ALPHA, GAMMA, corroboration=2),
            statement("Third.", BETA, EVIL),
        ),
        section(SectionKind.disagreements, note="The sources agree on everything."),
        section(
            SectionKind.timeline,
            statement("Budget doubles.", ALPHA, when="2027", corroboration=3),
            statement("Talks resume.", GAMMA),
        ),
        section(SectionKind.single_source, statement("Only s2 says so.", EVIL)),
        sources=(
            source("s1", published=date(2024, 4, 12), outlet="Kyodo"),
            source("s2", duplicate_of="s1"),
        ),
        warnings=("one bottom-line sentence replaced", "s3 could not be read"),
    )


def citation_numbers(document: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="#q(\d+)"', document)]


# --- structure and links -----------------------------------------------------------------------


def test_document_is_well_formed_and_every_citation_link_has_its_target() -> None:
    document = to_html(full())
    page = Page(document)
    assert document.startswith("<!DOCTYPE html>\n") and document.endswith("</html>\n")
    assert '<meta charset="utf-8">' in document
    assert "<title>US and Japan upgrade their alliance</title>" in document
    targets = [href[1:] for href in page.hrefs()]
    assert targets and all(target in page.ids for target in targets)
    assert {t for t in targets if t.startswith("q")} == {"q1", "q2", "q3", "q4"}


def test_each_passage_holds_its_exact_quote_and_links_back() -> None:
    document = to_html(full())
    page = Page(document)
    for number, citation in enumerate((BETA, ALPHA, GAMMA, EVIL), start=1):
        assert citation.quote in page.text[f"q{number}"]
        item = re.search(rf'<li id="q{number}">.*?</li>', document)
        assert item is not None
        assert f"<blockquote>{escape(citation.quote)}</blockquote>" in item[0]
        assert f'href="#ref-{number}-1"' in item[0]
    assert "s2, A title, characters 120–245" in page.text["q4"]


def test_a_quote_is_linked_from_every_statement_that_cites_it() -> None:
    document = to_html(full())
    # ALPHA (q2) is cited by "First.", "Second." and "Budget doubles.".
    assert citation_numbers(document).count(2) == 3
    assert all(f'id="ref-2-{n}"' in document for n in (1, 2, 3))


def test_citations_are_numbered_by_first_appearance_and_reused() -> None:
    document = to_html(full())
    assert citation_numbers(document) == [1, 2, 3, 2, 3, 1, 4, 2, 3, 4]
    assert re.search(
        r'First\. <em class="sources">\(single source\)</em><sup><a href="#q1" '
        r'id="ref-1-1" class="fn">\[1\]<span class="passage" role="tooltip">'
        r"s2: Drones go to Kanoya Air Base\.</span></a></sup><sup>",
        document,
    )
    assert document.count('<li id="q') == 4


def test_same_citation_twice_in_one_statement_gets_one_mark() -> None:
    document = to_html(
        briefing(section(SectionKind.developments, statement("Once.", ALPHA, ALPHA)))
    )
    assert citation_numbers(document) == [1]
    assert document.count('<li id="q') == 1


# --- escaping and self-containment ------------------------------------------------------------


def hostile() -> Briefing:
    return briefing(
        section(SectionKind.summary, statement(HOSTILE, EVIL), note=HOSTILE),
        section(SectionKind.developments, statement(f"Developments {HOSTILE}", ALPHA)),
        title=HOSTILE,
        sources=(
            source("s1", title=HOSTILE, path="javascript:alert(1)//<b>"),
            source("s2", title="Drones", path='https://example.com/a?b=1&c="x"'),
        ),
        warnings=(HOSTILE,),
    )


def test_hostile_text_appears_only_escaped() -> None:
    document = to_html(hostile())
    for raw in ("<script", "</script>", '"onmouseover', "& more", "<b>"):
        assert raw not in document
    assert f"<title>{ESCAPED}</title>" in document
    assert f"<h1>{ESCAPED}</h1>" in document
    assert f"<blockquote>{ESCAPED}</blockquote>" in document
    assert escape("javascript:alert(1)//<b>") in document
    # title, h1, note, two statements, the development's row in the matrix, the quote and its
    # footnote's pop-up, the warning, and s1's title in Sources and in the location line of
    # the passage quoted from s1
    assert document.count(ESCAPED) == 11
    assert Page(document).text["q1"].startswith(HOSTILE)


def test_no_external_resources_and_no_live_source_links() -> None:
    document = to_html(hostile())
    page = Page(document)
    assert "src=" not in document
    assert "<link" not in document and "<script" not in document
    assert all(href.startswith("#") for href in page.hrefs())
    assert not any(re.match(r"(https?|javascript):", href) for href in page.hrefs())
    assert escape('https://example.com/a?b=1&c="x"') in document


# --- sections, sources and warnings ----------------------------------------------------------


def test_timeline_items_show_their_date_or_undated() -> None:
    document = to_html(full())
    assert "<li><strong>2027</strong> Budget doubles. <em" in document
    assert "(3 sources)" in document
    assert "<li><strong>Undated</strong> Talks resume.<sup>" in document


def test_corroboration_is_marked_on_developments_and_single_source() -> None:
    document = to_html(full())
    assert '<li>Second. <em class="sources">(2 sources)</em><sup>' in document
    assert '<li>Third. <em class="sources">(single source)</em><sup>' in document
    assert '<li>Only s2 says so. <em class="sources">(single source)</em><sup>' in document


def test_summary_is_one_paragraph_of_running_text() -> None:
    document = to_html(full())
    paragraph = re.search(r'<section id="summary">.*?<p>(.*?)</p>', document, flags=re.S)
    assert paragraph is not None
    assert re.sub(r"<sup>.*?</sup>", "", paragraph[1]) == (
        'First. <em class="sources">(single source)</em> Then. <em class="sources">'
        "(single source)</em>"
    )


def test_note_is_shown_and_an_empty_section_is_skipped() -> None:
    document = to_html(
        briefing(
            section(SectionKind.summary, statement("Only this.", ALPHA)),
            section(SectionKind.developments),
            full().sections[2],
        )
    )
    assert '<p class="note"><em>The sources agree on everything.</em></p>' in document
    assert '<section id="disagreements">' in document
    assert "<h2>Developments</h2>" not in document
    assert '<section id="developments">' not in document


def test_sources_are_listed_with_dates_duplicates_and_possible_errors() -> None:
    issue = SourceIssue(
        source="s3",
        sentence=4,
        quote="Kishida, the US president, said",
        start=0,
        end=31,
        actor="Kishida",
        problem="the article elsewhere calls Kishida Japan's prime minister",
    )
    sources = (*full().sources, source("s3", title="Third", possible_errors=(issue,)))
    document = to_html(
        briefing(section(SectionKind.summary, statement("A.", ALPHA)), sources=sources)
    )
    text = Page(document).text["sources"]
    assert "s1 A title, Kyodo, 2024-04-12 (seeds/s1.txt)" in text
    assert "s2 A title, date unknown, same story as s1, counted once (seeds/s2.txt)" in text
    assert "s3 Third, date unknown (seeds/s3.txt)" in text
    assert (
        "Possible error in this source: sentence 4 “Kishida, the US president, said” "
        "the article elsewhere calls Kishida Japan's prime minister." in text
    )
    assert "from 3 sources with test-model" in document


def test_warnings_are_folded_into_details_at_the_end() -> None:
    document = to_html(full())
    assert document.index("<details><summary>Warnings (2)</summary>") > document.index(
        "Quoted passages"
    )
    assert "<li>s3 could not be read</li>\n</ul>\n</details>\n</body>" in document
    assert "<details" not in to_html(briefing(section(SectionKind.summary, statement("A.", ALPHA))))


def test_rendering_is_deterministic() -> None:
    assert to_html(full()) == to_html(full())
    assert "Generated 2024-04-12 09:30 UTC from 2 sources" in to_html(full())


def test_every_footnote_shows_its_passage_on_hover_or_focus_escaped() -> None:
    document = to_html(hostile())
    assert f'<span class="passage" role="tooltip">s2: {ESCAPED}</span>' in document
    assert ".fn:hover .passage, .fn:focus .passage" in document


def test_a_matrix_shows_which_source_states_each_development_and_which_differs() -> None:
    from briefing.types.stages import Conflict, ConflictKind, ConflictSide, Evidence

    stated = Statement(text="Second.", citations=(ALPHA,), corroboration=1, clusters=("c1",))
    other = Evidence(source="s2", sentence=1, quote="x", start=0, end=1)
    sides = tuple(ConflictSide(says=s, sources=(s,), evidence=(other,)) for s in ("s1", "s2"))
    differs = Conflict(kind=ConflictKind.number, subject="Second.", clusters=("c1",), sides=sides)
    page = briefing(section(SectionKind.developments, stated)).model_copy(
        update={"conflicts": (differs,)}
    )
    document = to_html(page)
    Page(document)
    row = re.search(r'<tr><th scope="row">Second\.</th>(.*?)</tr>', document)
    assert row is not None
    assert re.findall(r'<td class="mark">(.*?)</td>', row[1]) == [
        '<span class="states" title="states it">✓</span>',
        '<span class="differs" title="gives it differently">≠</span>',
    ]
