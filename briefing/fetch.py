"""Fetch article pages and feeds over HTTP(S). An edge: the only module that reads URLs.

Every failure becomes a `SourceError` naming the URL and what to do, so one bad source is
reported and the others still run.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2

from .errors import SourceError

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
USER_AGENT = "briefing/0.1 (+news briefing tool)"


@dataclass(frozen=True)
class Page:
    url: str
    content_type: str
    text: str


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetch(url: str, client: httpx2.Client) -> Page:
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise SourceError(
                    f"{url}: HTTP {response.status_code}", hint="check the URL or drop it"
                )
            body = _read_capped(response, url)
            content_type = response.headers.get("content-type", "")
            return Page(
                url=str(response.url), content_type=content_type, text=_decoded(body, response)
            )
    except httpx2.TimeoutException:
        raise SourceError(
            f"{url}: no answer within {TIMEOUT_SECONDS:.0f} s", hint="try again later or drop it"
        ) from None
    except httpx2.HTTPError as error:
        raise SourceError(
            f"{url}: {error.__class__.__name__}: {error}", hint="check the URL"
        ) from None


def http_client() -> httpx2.Client:
    return httpx2.Client(
        timeout=TIMEOUT_SECONDS, follow_redirects=True, headers={"user-agent": USER_AGENT}
    )


def _read_capped(response: httpx2.Response, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise SourceError(
                f"{url}: larger than {MAX_BYTES // (1024 * 1024)} MB, not an article page",
                hint="link the article itself",
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _decoded(body: bytes, response: httpx2.Response) -> str:
    encoding = response.charset_encoding or "utf-8"
    try:
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return body.decode("utf-8", errors="replace")
