"""Keep secrets out of what the tool shows: credentials in URLs, and terminal control
characters in text from elsewhere. Pure.

A URL's user info ("user:key@") and the values of query parameters whose names look secret
("api-key", "token", "sig", ...) become `***` wherever a URL is shown: in error messages, on
the terminal and in the log file.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>()]*[^\s'\"<>().,;:!?]", re.IGNORECASE)
_QUERY_PAIR = re.compile(r"(^|&)([^=&#]*)=([^&#]*)")
_SECRET_NAME = re.compile(
    r"key|token|secret|passw|pwd|sig|auth|credential|session|code", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def redacted_url(url: str) -> str:
    """`url` with its user info and secret-looking query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _URL.sub(MASK, url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = _QUERY_PAIR.sub(
        lambda pair: f"{pair[1]}{pair[2]}={MASK if _SECRET_NAME.search(pair[2]) else pair[3]}",
        parts.query,
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redacted(text: str) -> str:
    """Every URL in `text` redacted."""
    return _URL.sub(lambda match: redacted_url(match.group()), text)


def without_controls(text: str) -> str:
    """`text` without control characters (terminal escapes, BEL, bidi overrides), which
    could rewrite a terminal or hide text; newlines and tabs are kept."""
    return _CONTROL.sub("", text)


def printable(text: str) -> str:
    """`text` as it may be shown anywhere: a file name that is not valid UTF-8 escaped
    ("caf\\xe9.txt"), control characters removed, URL credentials masked."""
    return without_controls(redacted(escaped_name(text)))


def escaped_name(text: str) -> str:
    """Undecodable bytes of a file name (held as lone surrogates) written as \\xNN."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
