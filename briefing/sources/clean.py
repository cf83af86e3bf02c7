"""Clean one raw document into article text: metadata out, boilerplate gone, facts kept.

Pure: takes a `Document`, returns an `Article`. Everything the model sees and every quote the
briefing prints comes from the cleaned text this module produces.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import PurePath

from briefing.redact import without_controls
from briefing.types.stages import Article, Document

_BULLET = re.compile(r"^(?:[•·▪◦‣*–-]|\d{1,2}[.)])\s+")
_TERMINAL = re.compile(r"[.!?:;…\"”’')\]]$")

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_WRITTEN_DATE = (
    rf"(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
)
_DATE_PREFIX = re.compile(rf"^(?:date|published|updated|posted)\s*:?\s*({_ISO_DATE})\s*", re.I)
_DATE_LINE = re.compile(
    rf"^(?:[-–•]\s*)?(?:(?:published|updated|posted)(?:\s+on)?\s*:?\s*)?({_ISO_DATE}|{_WRITTEN_DATE})$",
    re.I,
)

_JUNK_LINE = re.compile(
    r"""^(?:
        \d[\d,.]*\s*k?\s*views?\b.*                     # "317 views 3 min 0 Comment"
      | \d+\s*(?:min|minute)s?(?:\s+read)?$
      | \d+\s*comments?$
      | (?:copyright|©|\(c\))\b.*
      | .*\ball\ rights\ reserved\b.*
      | exit\ mobile\ version
      | (?:photo|image|picture|credit|credits|getty\ images)\s*:.*
      | (?:key\ points|key\ takeaways|highlights|in\ brief|tags?|share(?:\ this)?(?:\ article)?
          |advertisement|sponsored|subscribe\b.*|sign\ up\b.*|follow\ us\b.*)
      | (?:read\ more|continue\ reading|click\ here)\b.*
      | (?:we|this\ (?:web)?site)\b[^.]{0,40}?\buses?\ cookies\b.*   # cookie banners
      | by\ (?:clicking|continuing|using)\b.*\bcookies\b.*
      | (?:▶\s*)?listen(?:\ to)?\ (?:this|the)\ (?:article|story|report)\b.*   # audio players
      | this\ (?:report|story|article)\b.{0,80}?\bwas\ (?:first|originally)\ published\b.*
      | \(?(?:reporting|writing|editing|additional\ reporting)\ by\b.*  # wire credits
      | join\ the\ conversation\b.*
      | (?:sign\ in|log\ in|register|cookie\ settings|privacy(?:\ policy)?
          |terms\ of\ (?:use|service)|contact\ us|about(?:\ us)?|advertise)$
    )$""",
    re.I | re.X,
)
_BYLINE = re.compile(
    r"^(?:[Bb]y|BY|[Ww]ritten\s+by|[Ww]ords\s+by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}"
    r"(?:\s*(?:,|and|&|\||-|–|—)\s*[^.!?]*)?$"
)
_CAPTION = re.compile(
    r",\s+(?:left|right|centre|center|front|rear|top|bottom|pictured|(?:second|third)\s+from\s+"
    r"(?:left|right))(?:\s+to\s+right)?,|^(?:file\s+photo|photo|photograph)\b|"
    r"\b(?:photo|photograph|picture)\s*(?::|by\b)[^.]*\.?$",
    re.I,
)
_PROMPT = re.compile(
    r"^(?:sign\s+up|subscribe|never\s+miss)\b|\bnewsletter\b|\bin\s+your\s+inbox\b"
    r"|^get\b.*\b(?:briefing|digest|bulletin)\b",
    re.I,
)
_PROMPT_MAX_WORDS = 20
_DATELINE_PREFIX = re.compile(
    r"^[A-Z][A-Z.'’ -]{1,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*(?:\([A-Za-z .&-]{2,40}\))?"
    r"\s*[-–—]{1,2}\s+(?=[A-Z\"“])"
)
"""A wire dateline before the first sentence: "RENSBERG, March 10 (VPA) - ", "US (Agency) – "."""
_HEADER_DATE_MAX_WORDS = 12
# Every line break Unicode knows, so no line of a prompt can start inside a sentence.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_LOREM = re.compile(r"lorem ipsum|sed ut perspiciatis|consectetur adipiscing", re.I)
_TAIL_MARKER = re.compile(
    r"""^(?:you\ may\ also\ like|related(?:\ (?:stories|articles|posts|news|coverage|reading))?
      |more\ (?:stories|from\b.*)|recommended(?:\ for\ you)?|read\ (?:next|also)|also\ read
      |trending(?:\ now)?|most\ popular|popular\ posts|latest\ news)\s*:?$""",
    re.I | re.X,
)

_TITLE_MIN_WORDS = 4
_HEADING_MAX_WORDS = 16
_TITLE_FALLBACK_WORDS = 12


def clean(document: Document, source_id: str) -> Article:
    """Return the article text of `document` with its title and publication date."""
    lines = _normalised_lines(document.text)
    published, lines = _take_published_date(lines)
    lines = _cut_tail(lines)
    lines = [line for line in lines if not _is_junk(line)]
    title = _normalised_lines(document.title or "")[0] or _title(lines)
    body = _without_dateline([line for line in lines if _is_body(line) and line != title])
    title = title or _title_from_body(body) or _title_from_path(document.path)
    return Article(
        id=source_id,
        path=document.path,
        title=title,
        published=document.published or published,
        outlet=document.outlet,
        author=document.author,
        text=_join_paragraphs(body),
    )


def clean_text(text: str) -> str:
    """The cleaned body of `text` alone (handy for checks and tests)."""
    return clean(Document(path="text", text=text), "text").text


def _normalised_lines(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\t", " ")
    text = text.replace("\ufeff", "")
    lines = (without_controls(line) for line in _LINE_BREAK.split(text))
    return [re.sub(r" {2,}", " ", line).strip() for line in lines]


def _take_published_date(lines: list[str]) -> tuple[date | None, list[str]]:
    """The first publication date stated on its own line or as a line prefix; every such
    statement is removed (a bare date is metadata wherever it stands)."""
    published: date | None = None
    kept: list[str] = []
    for line in lines:
        header = _header_date(line)
        if header is not None:
            published = published or header
            continue
        stated = _DATE_PREFIX.match(line) or _DATE_LINE.match(line)
        if stated is None:
            kept.append(line)
            continue
        published = published or _parse_date(stated.group(1))
        rest = line[stated.end() :].strip()
        if rest:
            kept.append(rest)
    return published, kept


def _header_date(line: str) -> date | None:
    """The date of a page's header line ("<Outlet> - Wednesday, March 11, 2026"): a short
    line, not a sentence, whose date has a year. The line itself is metadata."""
    if len(line.split()) > _HEADER_DATE_MAX_WORDS or _TERMINAL.search(line):
        return None
    found = re.search(rf"\b({_WRITTEN_DATE}|{_ISO_DATE})\b", line, re.I)
    return _parse_date(found.group(1)) if found else None


def _parse_date(text: str) -> date | None:
    cleaned = re.sub(r"[.,]", "", text).strip()
    for layout in ("%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(cleaned, layout).date()
        except ValueError:
            continue
    return None


def _cut_tail(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _TAIL_MARKER.match(line):
            return lines[:index]
    return lines


def _is_junk(line: str) -> bool:
    """Page furniture: widgets, credits, bylines, captions, prompts to subscribe."""
    return bool(
        _JUNK_LINE.match(line)
        or _LOREM.search(line)
        or _BYLINE.match(line)
        or _CAPTION.search(line)
        or (_PROMPT.search(line) and len(line.split()) <= _PROMPT_MAX_WORDS)
        or (not re.search(r"\w", line) and bool(line))
    )


def _is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def _is_heading(line: str) -> bool:
    """Section labels, tag lists, headlines: short lines that do not end like a sentence."""
    return (
        not _is_bullet(line)
        and not _TERMINAL.search(line)
        and len(line.split()) <= _HEADING_MAX_WORDS
    )


def _is_body(line: str) -> bool:
    return bool(line) and not _is_heading(line)


def _title(lines: list[str]) -> str:
    """The first headline-like line before the body starts, if there is one."""
    for line in lines:
        if not line:
            continue
        if _is_body(line):
            return ""
        if len(line.split()) >= _TITLE_MIN_WORDS:
            return line
    return ""


def _without_dateline(body: list[str]) -> list[str]:
    """The first paragraph without its wire dateline: the place and agency are not news."""
    if body and (dateline := _DATELINE_PREFIX.match(body[0])):
        return [body[0][dateline.end() :], *body[1:]]
    return body


def _title_from_body(body: list[str]) -> str:
    words = " ".join(body[:1]).split()
    if len(words) <= _TITLE_FALLBACK_WORDS:
        return " ".join(words)
    return " ".join(words[:_TITLE_FALLBACK_WORDS]).rstrip(",;:") + "…"


def _title_from_path(path: str) -> str:
    stem = PurePath(path.rstrip("/")).stem
    return re.sub(r"[_-]+", " ", stem).strip() or path


def _join_paragraphs(lines: list[str]) -> str:
    """One paragraph per line, with consecutive bullets kept together as a list."""
    parts: list[str] = []
    for line in lines:
        if parts and _is_bullet(line) and _is_bullet(parts[-1].rsplit("\n", 1)[-1]):
            parts[-1] += "\n" + line
        else:
            parts.append(line)
    return "\n\n".join(parts)
