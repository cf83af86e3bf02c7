"""HTML pages to article text and metadata with trafilatura. Pure: markup in, `Document` out.

Scripts, navigation, asides and footers are dropped by trafilatura; the text cleaner then
handles what is left. Dates come only from the page's own metadata, never from a guess.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from briefing.types.stages import Document

_DATE_PARAMETERS = {"extensive_search": False, "original_date": True}


def html_document(html: str, path: str, url: str | None = None) -> Document | None:
    """The article in `html`, or None when the page holds no article text."""
    import trafilatura  # here: a fifth of a second at start-up, and most runs read no HTML

    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        date_extraction_params=_DATE_PARAMETERS,
    )
    if extracted is None:
        return None
    found: dict[str, Any] = (
        extracted.as_dict() if hasattr(extracted, "as_dict") else dict(extracted)
    )
    text = (found.get("text") or "").strip()
    if not text:
        return None
    return Document(
        path=path,
        text=text,
        title=_clean_value(found.get("title")),
        published=_iso_date(found.get("date")),
        outlet=_clean_value(found.get("sitename")) or _clean_value(found.get("hostname")),
        author=_clean_value(found.get("author")),
    )


def _clean_value(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
