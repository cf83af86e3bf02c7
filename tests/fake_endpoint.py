"""A fake OpenAI-compatible server on 127.0.0.1 for CLI tests that need a whole run.

It is not a model: it answers a summary request with the article's first sentences as claims
(citing their numbers, so every claim verifies) and a composition request with the first
claims it is shown. That is enough to drive the real entry point through every stage, count
the requests a run makes, and inject faults: `replies` (scripted answers: raw content, finish
reason, an HTTP error status, an edit of the fake's own answer, or an answer that trickles in
forever), `delay`, `api_key` (any other key is refused with a 401), `page` (a web page instead
of the API) and `stop_after` (the server goes away after that many answers, as if killed).
Tests that use it are marked `loopback`; it stops when the `with` block ends. `port` reopens a
stopped fake's address, so a second run finds the same endpoint (and its cached answers) again.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"
_SENTENCE = re.compile(r"^\[(\d+)\] (.+)$", re.M)
_CLAIM = re.compile(r"^\[(\d+)\] \((\d+) sources?\) (.+)$", re.M)


@dataclass(frozen=True)
class Reply:
    """A scripted answer to one chat request, instead of the fake's own.

    `content` is the raw answer (None: the fake's own, changed by `edit` when given); a
    `status` other than 200 answers with that HTTP error instead; `delay` holds
    this answer back that many seconds; `trickle` sends the headers of an answer that never
    ends, then one byte of it every `trickle` seconds until the client hangs up."""

    content: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    edit: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    delay: float = 0.0
    trickle: float = 0.0


@dataclass(frozen=True)
class _Trickle:
    """An answer that never finishes: one byte every `seconds`."""

    seconds: float


TRICKLE_LIMIT = 120.0  # seconds a trickle goes on, so a client that never gives up cannot
# keep the fake's thread alive long after the test


class _Dropped(Exception):
    """The server is gone: the connection closes without an answer."""


@dataclass
class FakeEndpoint:
    base_url: str = ""
    chat_requests: list[dict[str, Any]] = field(default_factory=list)  # those answered 200
    received: int = 0  # chat requests that reached the fake, answered or failed
    in_flight: int = 0
    most_in_flight: int = 0
    replies: list[Reply] = field(default_factory=list)
    delay: float = 0.0
    api_key: str | None = None
    stop_after: int | None = None
    page: str | None = None  # answer every request with this web page, as a wrong URL might
    stopped: bool = False
    stop: Callable[[], None] = lambda: None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(
        self, path: str, body: dict[str, Any], key: str | None = None
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            if self.stopped:
                raise _Dropped
            if self.api_key is not None and key != self.api_key:
                return 401, {}, {"error": {"message": "Incorrect API key provided"}}
            if self.page is not None:
                return 200, {}, self.page
            if path.endswith("/models"):
                return 200, {}, {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
            self.received += 1
            reply = self.replies.pop(0) if self.replies else Reply()
            if reply.status != 200:
                return reply.status, reply.headers, _error(reply.status)
            if reply.trickle:
                return 200, reply.headers, _Trickle(reply.trickle)
            self.chat_requests.append(body)
            if self.stop_after is not None and len(self.chat_requests) >= self.stop_after:
                self.stopped = True  # this answer is the last one; then the server goes away
                threading.Thread(target=self.stop, daemon=True).start()
        if reply.delay:
            threading.Event().wait(reply.delay)
        prompt = body["messages"][-1]["content"] if body["messages"] else ""
        content = reply.content
        if content is None:
            first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
            own = _summary(first_user) if "<article>" in first_user else _composition(first_user)
            content = json.dumps(reply.edit(own) if reply.edit else own)
        return 200, reply.headers, _completion(content, prompt, reply.finish_reason)


def _error(status: int) -> dict[str, Any]:
    return {"error": {"message": f"fake failure {status}"}}


def _summary(prompt: str) -> dict[str, Any]:
    sentences = _SENTENCE.findall(prompt.split("<article>", 1)[1])
    claims = [
        {"text": text, "sentences": [int(number)], "type": "event"}
        for number, text in sentences[:6]
    ]
    return {"main_event": claims[0]["text"], "claims": claims, "actors": [], "dates": [],
            "figures": []}  # fmt: skip


def _composition(prompt: str) -> dict[str, Any]:
    claims = _CLAIM.findall(prompt)
    statements = [{"text": text, "clusters": [int(number)]} for number, _, text in claims[:2]]
    developments = [
        {"text": text, "clusters": [int(number)]}
        for number, sources, text in claims
        if int(sources) > 1
    ][:3]
    return {"title": "", "statements": statements, "developments": developments}


def _completion(content: str, prompt: str, finish_reason: str = "stop") -> dict[str, Any]:
    prompt_tokens, completion_tokens = len(prompt) // 4, len(content) // 4
    return {
        "id": "fake",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }  # fmt: skip


@contextmanager
def fake_endpoint(port: int = 0) -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer({})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake._lock:
                fake.in_flight += 1
                fake.most_in_flight = max(fake.most_in_flight, fake.in_flight)
            try:
                if fake.delay:
                    threading.Event().wait(fake.delay)
                self._answer(body)
            finally:
                with fake._lock:
                    fake.in_flight -= 1

        def _answer(self, body: dict[str, Any]) -> None:
            authorization = self.headers.get("authorization") or ""
            key = authorization.removeprefix("Bearer ") or None
            try:
                self._reply(*fake.answer(self.path, body, key))
            except _Dropped:
                self.close_connection = True

        def _reply(self, status: int, headers: dict[str, str], payload: Any) -> None:
            if isinstance(payload, _Trickle):
                return self._trickle(payload.seconds)
            page = isinstance(payload, str)  # a web page, not the API's JSON
            data = payload.encode() if page else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "text/html" if page else "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _trickle(self, seconds: float) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(10**9))
            self.end_headers()
            self.wfile.write(b'{"id": "fake", "choices": [')
            ends = time.monotonic() + TRICKLE_LIMIT
            try:
                while time.monotonic() < ends and not fake.stopped:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(seconds)
            except OSError:  # the client hung up, as it should
                pass
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            return None

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            return None  # a client that gave up (a timeout) is not the fake's problem

    server = Server(("127.0.0.1", port), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)

    def stop() -> None:
        server.shutdown()
        server.server_close()

    fake.stop = stop
    thread.start()
    try:
        yield fake
    finally:
        stop()
        thread.join()
