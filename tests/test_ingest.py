"""Reading files, folders, HTML pages, article URLs and feeds; one bad source never sinks a run.

URL and feed tests fetch from an HTTP server the test runs on 127.0.0.1, so they allow private
addresses explicitly (`private_ok=True`); by default such a URL is refused (test_fetch_limits).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx2
import pytest

from briefing.errors import InputError, SourceError
from briefing.sources.clean import clean
from briefing.sources.ingest import read_documents, sources_from_file

from .support.paths import FIXTURES
from .support.reading import read_with_warnings
from .support.site import FixtureSite

# --- HTML --------------------------------------------------------------------------------------


def test_html_file_gives_article_text_and_metadata() -> None:
    (document,), warnings = read_with_warnings([FIXTURES / "article.html"])

    assert warnings == []
    assert "restructure the US military command in Japan" in document.text
    assert "2% of GDP by 2027" in document.text
    for junk in (
        "tracking",
        "ignore previous",
        "You May Also Like",
        "Ten recipes",
        "Copyright",
        "Home",
    ):
        assert junk not in document.text
    assert document.title == "Allies agree new command"
    assert document.outlet == "Daily Planet"
    assert document.author == "Jane Roe"
    assert document.published == date(2024, 4, 11)


def test_a_page_without_a_date_keeps_it_unknown() -> None:
    (document,) = read_documents([FIXTURES / "undated.html"])
    assert document.published is None
    assert document.title == "Talks continue in Tokyo"


@pytest.mark.loopback
def test_article_url_is_fetched_and_extracted(site: FixtureSite, client: httpx2.Client) -> None:
    (document,) = read_documents([site.url("article.html")], client=client, private_ok=True)
    assert document.path == site.url("article.html")
    assert document.outlet == "Daily Planet"
    article = clean(document, "S1")
    assert article.text.startswith("The United States and Japan agreed")
    assert "Allies agree new command" not in article.text  # the headline is the title


# --- feeds -------------------------------------------------------------------------------------


def test_feed_entries_that_carry_the_article_become_articles() -> None:
    documents, warnings = read_with_warnings([FIXTURES / "full_feed.xml"])

    assert warnings == []
    assert [d.title for d in documents] == [
        "Allies restructure command",
        "Budget to double by 2027",
    ]
    assert [d.published for d in documents] == [date(2024, 4, 11), date(2024, 4, 12)]
    assert {d.outlet for d in documents} == {"Pacific Wire"}
    assert documents[0].path == "http://example.invalid/a1"
    assert "2% of GDP by 2027" in documents[1].text


@pytest.mark.loopback
def test_feed_entries_with_only_a_link_are_fetched(
    site: FixtureSite, client: httpx2.Client
) -> None:
    documents, warnings = read_with_warnings(
        [site.url("links_feed.xml")], client=client, private_ok=True
    )

    assert [d.path for d in documents] == [site.url("article.html")]
    assert documents[0].title == "Allies agree new command"
    assert documents[0].published == date(2024, 4, 13)  # the feed's date wins over the page's
    assert documents[0].outlet == "Links Only"
    assert "restructure the US military command" in documents[0].text
    assert warnings == [f"skipped {site.url('missing')}: HTTP 404 (check the URL or drop it)"]
    assert site.requests == ["/links_feed.xml", "/article.html", "/missing"]


def test_a_feed_with_no_entries_is_reported() -> None:
    with pytest.raises(SourceError, match="the feed has no entries"):
        read_documents([FIXTURES / "empty_feed.xml"])


# --- one bad source among good ones ------------------------------------------------------------


@pytest.mark.loopback
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing", "HTTP 404"),
        ("slow", "sent its page too slowly: no complete answer in 0.5 s"),
        ("huge", "larger than 5 MB"),
        ("nav_only.html", "no article text found"),
    ],
)
def test_a_failing_url_is_a_warning_and_the_rest_still_run(
    site: FixtureSite, client: httpx2.Client, path: str, message: str
) -> None:
    documents, warnings = read_with_warnings(
        [site.url(path), FIXTURES / "undated.html"], client=client, private_ok=True
    )

    assert [d.title for d in documents] == ["Talks continue in Tokyo"]
    assert len(warnings) == 1 and message in warnings[0] and site.url(path) in warnings[0]

    with pytest.raises(SourceError, match=message):
        read_documents(
            [site.url(path), FIXTURES / "undated.html"], client=client, private_ok=True, strict=True
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file"),
    ],
)
def test_bad_files_in_a_folder_are_skipped_with_a_warning(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "a_bad.txt").write_bytes(content)
    (tmp_path / "b_good.txt").write_text("Officials met in Tokyo on Tuesday to agree a plan.")

    documents, warnings = read_with_warnings([tmp_path])

    assert [Path(d.path).name for d in documents] == ["b_good.txt"]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"skipped {tmp_path / 'a_bad.txt'}: {message}")


def test_invalid_utf8_is_read_with_replacements_and_a_warning(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes(
        "Officials met in Tōkyō café on Tuesday.".encode("latin-1", "replace")
    )
    (document,), warnings = read_with_warnings([tmp_path / "latin1.txt"])
    assert "Officials met in" in document.text
    assert warnings == [
        f"{tmp_path / 'latin1.txt'}: not valid UTF-8; undecodable bytes were replaced"
    ]


def test_a_file_over_5_mb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "huge.txt").write_text("word " * (1024 * 1024 + 1))
    with pytest.raises(SourceError, match="larger than 5 MB"):
        read_documents([tmp_path / "huge.txt"])


def test_a_single_missing_source_is_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        read_documents([tmp_path / "nowhere"])


def test_all_sources_failing_lists_every_failure(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="none of the sources") as raised:
        read_documents([tmp_path / "one", tmp_path / "two"])
    assert "one" in raised.value.hint and "two" in raised.value.hint


# --- lists of sources --------------------------------------------------------------------------


@pytest.mark.loopback
def test_sources_file_mixes_folders_files_urls_and_feeds(
    tmp_path: Path, site: FixtureSite, client: httpx2.Client
) -> None:
    listing = tmp_path / "sources.txt"
    listing.write_text(
        f"# morning sources\n\n{FIXTURES / 'undated.html'}\n  {site.url('article.html')}\n"
        f"{FIXTURES / 'full_feed.xml'}\n"
    )
    sources = sources_from_file(listing)
    assert len(sources) == 3

    documents, warnings = read_with_warnings(sources, client=client, private_ok=True)
    assert warnings == []
    assert [d.title for d in documents] == [
        "Talks continue in Tokyo",
        "Allies agree new command",
        "Allies restructure command",
        "Budget to double by 2027",
    ]
