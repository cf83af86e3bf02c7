"""Read the sources a user names into raw `Document`s: files, folders, URLs and feeds.

An edge: it touches the file system and, through `fetch`, the network. Sources may mix
`.txt`/`.md` text, `.html` pages, RSS/Atom feeds (files or URLs; an entry that carries only
a link is fetched) and article URLs. A source that fails is a `SourceError`: reported as a
warning while the others still run, or raised at once with `strict`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import httpx2

from briefing.diagnostics import Diagnostics
from briefing.errors import InputError, SourceError
from briefing.redact import escaped_name
from briefing.sources.feeds import FeedEntry, feed_entries, looks_like_feed
from briefing.sources.fetch import MAX_BYTES, Page, fetch, http_client, is_url
from briefing.sources.html_text import html_document
from briefing.sources.named_files import read_named, what_is
from briefing.types.stages import Document

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FEED_SUFFIXES
MIN_ENTRY_WORDS = 120  # a feed entry with less text than this is a teaser: fetch its link
MIN_PAGE_WORDS = 25  # less than this from a whole page: navigation or a paywall, not an article
_BINARY_SNIFF_BYTES = 8192


def read_documents(
    sources: Sequence[str | Path],
    diagnostics: Diagnostics | None = None,
    *,
    strict: bool = False,
    client: httpx2.Client | None = None,
    private_ok: bool = False,
) -> list[Document]:
    """All documents the sources name, in order; each source skipped, and each file read
    with replacements, is told to `diagnostics`. URLs on this machine or a private network
    are refused unless `private_ok`."""
    if not sources:
        raise InputError("no sources given", hint="name article files, folders, URLs or feeds")
    reader = _Reader(
        Diagnostics() if diagnostics is None else diagnostics, strict, client, private_ok
    )
    try:
        for source in sources:
            reader.read(str(source))
    finally:
        reader.close()
    if not reader.documents:
        if len(reader.failures) == 1:
            raise reader.failures[0]
        raise InputError(
            "none of the sources holds any article text",
            hint="; ".join(str(failure) for failure in reader.failures) or "check them",
        )
    return reader.documents


MAX_SOURCES_FILE_BYTES = 1024 * 1024


def sources_from_file(path: Path) -> list[str]:
    """One source per line; blank lines and `#` comments are ignored."""
    raw = read_named(path, "the sources file", MAX_SOURCES_FILE_BYTES, hint="fix --sources-file")
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise InputError(
            f"cannot read the sources file {path}: {error}", hint="check the path"
        ) from error
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class _Reader:
    def __init__(
        self,
        diagnostics: Diagnostics,
        strict: bool,
        client: httpx2.Client | None,
        private_ok: bool,
    ) -> None:
        self.diagnostics = diagnostics
        self.strict = strict
        self.private_ok = private_ok
        self._client = client
        self._owns_client = client is None
        self.documents: list[Document] = []
        self.failures: list[SourceError] = []  # to say why, should every source fail

    def read(self, source: str) -> None:
        self._guarded(partial(self._source, source))

    def close(self) -> None:
        if self._owns_client and self._client is not None:
            self._client.close()

    def _fetch(self, url: str) -> Page:
        if self._client is None:
            self._client = http_client()  # made only when a URL is actually read
        return fetch(url, self._client, private_ok=self.private_ok)

    def _guarded(self, read: Callable[[], None]) -> None:
        try:
            read()
        except SourceError as failure:
            if self.strict:
                raise
            self.failures.append(failure)
            self.diagnostics.skip(str(failure))

    def _source(self, source: str) -> None:
        if is_url(source):
            self._url(source)
            return
        path = Path(source).expanduser()
        if path.is_dir():
            files = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
            )
            if not files:
                raise SourceError(
                    f"{path} holds no article files",
                    hint=f"put {', '.join(sorted(ARTICLE_SUFFIXES))} files in it",
                )
            for file in files:
                self._guarded(partial(self._file, file))
        elif path.is_file():
            self._file(path)
        elif (problem := what_is(path)) in {None, "not there"}:
            raise SourceError(f"no such file or folder: {source}", hint="check the path")
        else:
            raise SourceError(f"{source} is {problem}", hint="give an article file or folder")

    def _file(self, path: Path) -> None:
        text = self._file_text(path)
        suffix = path.suffix.lower()
        if suffix in FEED_SUFFIXES or looks_like_feed(text):
            self._feed(text, escaped_name(str(path)))
        elif suffix in HTML_SUFFIXES:
            self._add(_html(text, escaped_name(str(path))))
        else:
            self._add(Document(path=escaped_name(str(path)), text=text))

    def _file_text(self, path: Path) -> str:
        try:
            if path.stat().st_size > MAX_BYTES:
                raise SourceError(
                    f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB, not an article",
                    hint="split it into articles",
                )
            data = read_named(path, "the article", MAX_BYTES, hint="give a regular file")
        except OSError as error:
            raise SourceError(
                f"{path}: cannot read ({error.strerror})", hint="check permissions"
            ) from error
        except InputError as error:
            raise SourceError(error.message, hint=error.hint) from error
        if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
            raise SourceError(f"{path}: looks like a binary file", hint="give text, HTML or a feed")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            self.diagnostics.warn(
                f"{escaped_name(str(path))}: not valid UTF-8; undecodable bytes were replaced",
                source=escaped_name(str(path)),
            )
        if not text.strip():
            raise SourceError(f"{path}: empty", hint="remove it or fill it")
        return text

    def _url(self, url: str) -> None:
        page = self._fetch(url)
        if "xml" in page.content_type or looks_like_feed(page.text):
            self._feed(page.text, url)
        elif "html" in page.content_type or page.text.lstrip().startswith("<"):
            self._add(_html(page.text, url, url))
        else:
            self._add(Document(path=url, text=page.text))

    def _feed(self, text: str, where: str) -> None:
        outlet, entries = feed_entries(text)
        if not entries:
            raise SourceError(f"{where}: the feed has no entries", hint="check the feed address")
        for entry in entries:
            self._guarded(partial(self._entry, entry, outlet, where))

    def _entry(self, entry: FeedEntry, outlet: str | None, feed: str) -> None:
        path = entry.link or f"{feed}#{entry.title or 'entry'}"
        document = _entry_document(entry, path)
        if document is None:
            if not entry.link or not is_url(entry.link):
                raise SourceError(
                    f"{feed}: entry {entry.title or '(untitled)'!r} has no text and no link",
                    hint="the feed only carries headlines",
                )
            page = self._fetch(entry.link)
            document = _html(page.text, entry.link, entry.link)
        self._add(
            document.model_copy(
                update={
                    "title": entry.title or document.title,
                    "published": entry.published or document.published,
                    "author": entry.author or document.author,
                    "outlet": outlet or document.outlet,
                }
            )
        )

    def _add(self, document: Document) -> None:
        self.documents.append(document)


def _html(html: str, path: str, url: str | None = None) -> Document:
    document = html_document(html, path, url)
    if document is None or len(document.text.split()) < MIN_PAGE_WORDS:
        raise SourceError(f"{path}: no article text found", hint="is it an article page?")
    return document


def _entry_document(entry: FeedEntry, path: str) -> Document | None:
    """The entry's own text when it carries the whole article, else None."""
    if not entry.html:
        return None
    document = html_document(f"<html><body><article>{entry.html}</article></body></html>", path)
    if document is None or len(document.text.split()) < MIN_ENTRY_WORDS:
        return None
    return document
