"""The HTML page in a real headless browser (Debian's chromium driven by playwright): every
footnote's passage appears on hover and on keyboard focus, the development x source matrix
and the occasions' headings are on screen, and the page asks for nothing beyond itself.
Skipped where chromium or playwright is not installed (`.ci/run` installs both)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing.compose.sections import grouped_by_event
from briefing.output.html import to_html
from briefing.types.contract import Section, SectionKind, SourceInfo, Statement
from briefing.types.stages import Citation, Event

from .support.builders import briefing

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
]
# Headless as root in a closed network: no sandbox, no GPU, no background connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUDGET = Citation(
    source="S1", quote="Japan will double its defense budget by 2027.", start=0, end=45
)
DRONES = Citation(source="S2", quote="MQ-9 drones go to <Kanoya> Air Base.", start=5, end=41)
BUDGET_2 = Citation(source="S2", quote="Tokyo plans to double defence spending.", start=50, end=89)
CEREMONY = Citation(
    source="S3", quote="Hegseth attended the ceremony on Iwo Jima.", start=0, end=42
)
TALKS = Event(id="e1", what="Talks in Washington", sources=("S1", "S2"), where="Washington")
VISIT = Event(id="e2", what="A visit to Iwo Jima", sources=("S3",), when="2025-03-29")


def source(id: str) -> SourceInfo:
    return SourceInfo(
        id=id, path=f"seeds/{id}.txt", title=f"Story {id}", published=None,
        sentences=9, claims_extracted=3, claims_verified=3,
    )  # fmt: skip


def page_html() -> str:
    developments = Section(
        heading="Key developments",
        kind=SectionKind.developments,
        statements=(
            Statement(text="Japan doubles its defense budget.", citations=(BUDGET, BUDGET_2),
                      corroboration=2, clusters=("c1",)),
            Statement(text="Hegseth visits Iwo Jima.", citations=(CEREMONY,), clusters=("c2",)),
        ),
    )  # fmt: skip
    single = Section(
        heading="Reported by one source",
        kind=SectionKind.single_source,
        statements=(Statement(text="Drones go to Kanoya.", citations=(DRONES,)),),
    )
    built = briefing(
        grouped_by_event(developments, [TALKS, VISIT]),
        single,
        sources=(source("S1"), source("S2"), source("S3")),
    )
    return to_html(built.model_copy(update={"events": (TALKS, VISIT)}))


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    document = tmp_path / "briefing.html"
    document.write_text(page_html(), encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1000, "height": 900})
            requested: list[str] = []
            tab.on("request", lambda request: requested.append(request.url))
            tab.goto(document.as_uri())
            tab.requested = requested
            yield tab
        finally:
            browser.close()


def test_a_footnotes_passage_shows_on_hover_and_hides_again(page: Any) -> None:
    footnote = page.locator("sup a.fn").first
    passage = footnote.locator(".passage")
    assert passage.is_hidden()
    footnote.hover()
    assert passage.is_visible()
    assert passage.inner_text() == f"S1: {BUDGET.quote}"
    page.mouse.move(0, 0)
    assert passage.is_hidden()


def test_a_footnotes_passage_shows_on_keyboard_focus_escaped(page: Any) -> None:
    drones = page.locator("sup a.fn", has_text="Kanoya")
    drones.focus()
    assert drones.locator(".passage").is_visible()
    assert drones.locator(".passage").inner_text() == f"S2: {DRONES.quote}"


def test_the_matrix_and_the_occasions_are_on_screen(page: Any) -> None:
    matrix = page.locator("table.matrix")
    assert matrix.is_visible()
    assert matrix.locator("thead th").all_inner_texts() == ["Development", "S1", "S2", "S3"]
    assert matrix.locator(".states").count() == 3
    headings = page.locator("#developments h3").all_inner_texts()
    assert headings == [
        "Talks in Washington (Washington): reported mainly by S1 and S2",
        "A visit to Iwo Jima (2025-03-29): reported mainly by S3",
    ]


def test_the_page_requests_nothing_beyond_itself_and_renders(page: Any, tmp_path: Path) -> None:
    assert [url for url in page.requested if not url.startswith("file://")] == []
    shot = tmp_path / "briefing.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
