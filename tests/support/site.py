"""A web site on 127.0.0.1 serving the test fixtures: pages, feeds, slow and trickling answers."""

from __future__ import annotations

import contextlib
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from .paths import FIXTURES

SLOW_SECONDS = 2.0


TRICKLE_SECONDS = 0.05  # between the bytes of a page that trickles in


TRICKLE_LIMIT = 60.0  # how long it trickles, so a client that never gives up fails, not hangs


class FixtureSite:
    """Serves tests/fixtures plus a few misbehaving routes: /slow, /huge, /redirect?to=URL,
    /trickle-headers and /trickle-body (one byte every TRICKLE_SECONDS)."""

    def __init__(self) -> None:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("location", unquote(self.path.partition("=")[2]))
                    self.send_header("content-length", "0")
                    return self.end_headers()
                if self.path.startswith("/trickle-"):
                    return self._trickle(self.path == "/trickle-headers")
                if self.path == "/slow":
                    time.sleep(SLOW_SECONDS)
                    return self._send(200, "text/html", b"<html></html>")
                if self.path == "/huge":
                    return self._send(200, "text/plain", b"x" * (5 * 1024 * 1024 + 1))
                if self.path == "/links_feed.xml":
                    body = (FIXTURES / "links_feed.xml.tmpl").read_text().format(base=site.base)
                    return self._send(200, "application/atom+xml", body.encode())
                file = FIXTURES / self.path.lstrip("/")
                if not file.is_file() or ".." in self.path:
                    return self._send(404, "text/plain", b"not found")
                kind = (
                    "application/rss+xml" if file.suffix == ".xml" else "text/html; charset=utf-8"
                )
                return self._send(200, kind, file.read_bytes())

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                # the client may have given up first, as the timeout test intends
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def _trickle(self, headers_too: bool) -> None:
                head = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n"
                body = b"content-length: 1000000\r\n\r\n<html>"
                began = time.monotonic()
                with contextlib.suppress(OSError):  # the client hung up, as it should
                    self.wfile.write(head if headers_too else head + body)
                    while time.monotonic() < began + TRICKLE_LIMIT:
                        self.wfile.write(b"x" if headers_too else b" ")  # a header never ends
                        time.sleep(TRICKLE_SECONDS)
                site.trickled[self.path] = time.monotonic() - began
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                return None

        self.requests: list[str] = []
        self.trickled: dict[str, float] = {}  # seconds each trickle went on, once it ended
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def trickled_for(self, path: str) -> float:
        """Seconds the trickle of `path` went on, once the client hung up (or it gave up)."""
        ends = time.monotonic() + TRICKLE_LIMIT + 10
        while path not in self.trickled and time.monotonic() < ends:
            time.sleep(TRICKLE_SECONDS)
        return self.trickled[path]
