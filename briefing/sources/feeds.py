"""RSS and Atom feeds to entries with feedparser. Pure: feed text in, `FeedEntry`s out."""

from __future__ import annotations

from datetime import date

import feedparser
from pydantic import BaseModel


class FeedEntry(BaseModel):
    """One entry: its link, declared metadata, and its own text when it carries the article."""

    link: str | None
    title: str | None
    published: date | None
    author: str | None
    html: str | None


def looks_like_feed(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    if head.startswith("<?xml"):
        return any(tag in head for tag in ("<rss", "<feed", "<rdf"))
    return head.startswith(("<rss", "<feed"))


def feed_entries(text: str) -> tuple[str | None, list[FeedEntry]]:
    """The feed's title and its entries, in feed order."""
    parsed = feedparser.parse(text)
    outlet = parsed.feed.get("title") or None
    return outlet, [_entry(raw) for raw in parsed.entries]


def _entry(raw: feedparser.FeedParserDict) -> FeedEntry:
    contents = raw.get("content") or []
    html = contents[0].get("value") if contents else raw.get("summary")
    stamp = raw.get("published_parsed") or raw.get("updated_parsed")
    return FeedEntry(
        link=raw.get("link"),
        title=raw.get("title"),
        published=date(*stamp[:3]) if stamp else None,
        author=raw.get("author"),
        html=html or None,
    )
