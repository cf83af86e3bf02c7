"""The fake OpenAI-compatible endpoint every test that needs one uses.

It is not a model: it answers a summary request with the article's first sentences as claims
(citing their numbers, so every claim verifies), a composition request with the first claims
it is shown (or, with `respond`, with what that function makes of the request), an embeddings
request with `vectors` (a 404 without them), and a model listing with `model`. That is enough
to drive the real client and entry point through every stage, count the requests a run makes,
and inject faults: `replies` (scripted answers to the next requests in order: raw content, a
finish reason, an HTTP error status, a raw JSON body, an edit of the fake's own answer, a
dropped connection, or an answer that trickles in forever), `fails` (an HTTP error status
for the requests it picks by their body, 0 for the others), `delay`, `api_key` (any other key
is refused with a 401), `page` (a web page instead of the API) and `stop_after` (the server
goes away after that many answers, as if killed).

It is served two ways: on 127.0.0.1 by `fake_endpoint()` (tests that use it are marked
`loopback`; `port` reopens a stopped fake's address, so a second run finds the same endpoint,
and its cached answers, again), or in process through `FakeEndpoint.transport()`, an
`httpx2.MockTransport` (`client_for` builds a `ModelClient` on it; a trickle needs the
loopback fake, where the client's deadline applies).
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

import httpx2

from briefing.model.client import ModelClient
from briefing.model.structured import OutputMode
from briefing.model.transport import Endpoint

MODEL = "fake-model"
IN_PROCESS_URL = "http://model.test/v1"
TRICKLE_LIMIT = 120.0  # seconds a trickle goes on, so a client that never gives up cannot
# keep the fake's thread alive long after the test
_SENTENCE = re.compile(r"^\[(\d+)\] (.+)$", re.M)
_CLAIM = re.compile(r"^\[(\d+)\] \((\d+) sources?\) (.+)$", re.M)


@dataclass(frozen=True)
class Reply:
    """A scripted answer to one request (chat or embeddings), instead of the fake's own.

    `content` is the raw chat answer (None: the fake's own, changed by `edit` when given);
    `body` is a whole JSON answer sent as it is; a `status` other than 200 answers with that
    HTTP error instead; `dropped` closes the connection without an answer; `delay` holds this
    answer back that many seconds; `trickle` sends the headers of an answer that never ends,
    then one byte of it every `trickle` seconds until the client hangs up."""

    content: str | None = None
    finish_reason: str = "stop"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    edit: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    dropped: bool = False
    delay: float = 0.0
    trickle: float = 0.0


@dataclass(frozen=True)
class _Trickle:
    """An answer that never finishes: one byte every `seconds`."""

    seconds: float


class _Dropped(Exception):
    """The server is gone: the connection closes without an answer."""


@dataclass
class FakeEndpoint:
    base_url: str = IN_PROCESS_URL
    model: str = MODEL
    paths: list[str] = field(default_factory=list)  # of every request that reached the fake
    requests: list[dict[str, Any]] = field(default_factory=list)  # every POST body, any answer
    chat_requests: list[dict[str, Any]] = field(default_factory=list)  # those answered 200
    received: int = 0  # chat requests that reached the fake, answered or failed
    in_flight: int = 0
    most_in_flight: int = 0
    replies: list[Reply] = field(default_factory=list)
    fails: Callable[[dict[str, Any]], int] | None = None  # an error status for a request body
    respond: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # own answer to a chat
    vectors: dict[str, list[float]] | None = None  # the embedding of each text
    delay: float = 0.0
    api_key: str | None = None
    stop_after: int | None = None
    page: str | None = None  # answer every request with this web page, as a wrong URL might
    stopped: bool = False
    stop: Callable[[], None] = lambda: None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def answering(self, post: bool) -> Iterator[None]:
        """Count a POST as in flight, after `delay`, until its answer is sent."""
        if not post:
            yield
            return
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                threading.Event().wait(self.delay)
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def transport(self) -> httpx2.MockTransport:
        """The fake in process: no socket, no server thread."""

        def handle(request: httpx2.Request) -> httpx2.Response:
            body = json.loads(request.content) if request.content else {}
            key = request.headers.get("authorization", "").removeprefix("Bearer ") or None
            try:
                with self.answering(post=request.method == "POST"):
                    status, headers, payload = self.serve(request.url.path, body, key)
            except _Dropped as dropped:
                raise httpx2.ConnectError("the fake endpoint is gone", request=request) from dropped
            if isinstance(payload, _Trickle):  # in process no deadline ends it: it would hang
                raise AssertionError("a trickle needs the fake on loopback (`fake_endpoint`)")
            if isinstance(payload, str):
                return httpx2.Response(
                    status, headers={"content-type": "text/html", **headers}, text=payload
                )
            return httpx2.Response(status, headers=headers, json=payload)

        return httpx2.MockTransport(handle)

    def serve(
        self, path: str, body: dict[str, Any], key: str | None
    ) -> tuple[int, dict[str, str], Any]:
        """The status, headers and payload (JSON, a page's text or a `_Trickle`) answering
        one request; raises `_Dropped` when there is no answer."""
        chat = path.endswith("/chat/completions")
        with self._lock:
            if self.stopped:
                raise _Dropped
            self.paths.append(path)
            if self.api_key is not None and key != self.api_key:
                return 401, {}, {"error": {"message": "Incorrect API key provided"}}
            if self.page is not None:
                return 200, {}, self.page
            if path.endswith("/models"):
                return 200, {}, {"object": "list", "data": [{"id": self.model, "object": "model"}]}
            self.requests.append(body)
            self.received += chat
            reply = self.replies.pop(0) if self.replies else Reply()
            if self.fails is not None and (status := self.fails(body)):
                reply = Reply(status=status)
            if reply.dropped:
                raise _Dropped
            if reply.status != 200:
                return reply.status, reply.headers, _error(reply.status)
            if reply.trickle:
                return 200, reply.headers, _Trickle(reply.trickle)
            if chat:
                self.chat_requests.append(body)
                if self.stop_after is not None and len(self.chat_requests) >= self.stop_after:
                    self.stopped = True  # this answer is the last one; then the server goes away
                    threading.Thread(target=self.stop, daemon=True).start()
        if reply.delay:
            threading.Event().wait(reply.delay)
        if reply.body is not None:
            return 200, reply.headers, reply.body
        if not chat:
            return self._embeddings(body)
        prompt = body["messages"][-1]["content"] if body["messages"] else ""
        content = reply.content
        if content is None:
            own = self._own_answer(body)
            content = json.dumps(reply.edit(own) if reply.edit else own)
        usage = (len(prompt) // 4, len(content) // 4)
        return 200, reply.headers, completion(content, reply.finish_reason, usage=usage)

    def _own_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.respond is not None:
            return self.respond(body)
        first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        return _summary(first_user) if "<article>" in first_user else _composition(first_user)

    def _embeddings(self, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if self.vectors is None:
            return 404, {}, {"error": {"message": "no embeddings here"}}
        data = [
            {"object": "embedding", "index": index, "embedding": self.vectors[text]}
            for index, text in enumerate(body["input"])
        ]
        return 200, {}, {"object": "list", "model": body["model"], "data": data}

    def _trickled(self, seconds: float) -> Iterator[bytes]:
        yield b'{"id": "fake", "choices": ['
        ends = time.monotonic() + TRICKLE_LIMIT
        while time.monotonic() < ends and not self.stopped:
            yield b" "
            time.sleep(seconds)


def completion(
    content: str, finish_reason: str = "stop", *, usage: tuple[int, int] | None = (10, 4)
) -> dict[str, Any]:
    """A chat completion's JSON answering `content`; `usage` (prompt and completion tokens)
    None leaves usage out, as some servers do."""
    answer: dict[str, Any] = {
        "id": "fake",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish_reason}],
    }  # fmt: skip
    if usage is not None:
        prompt_tokens, completion_tokens = usage
        answer["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                           "total_tokens": prompt_tokens + completion_tokens}  # fmt: skip
    return answer


def client_for(
    fake: FakeEndpoint,
    *,
    model: str | None = "m",
    mode: OutputMode | None = None,
    retries: int = 0,
    **options: Any,
) -> ModelClient:
    """A client of `fake` in process (its `transport`), naming `model` (None: the fake's)."""
    return ModelClient(
        Endpoint(base_url=fake.base_url, model=model, max_retries=retries),
        http_client=httpx2.Client(transport=fake.transport()),
        mode=mode,
        **options,
    )


def _error(status: int) -> dict[str, Any]:
    return {"error": {"message": f"fake failure {status}"}}


def _summary(prompt: str) -> dict[str, Any]:
    sentences = _SENTENCE.findall(prompt.split("<article>", 1)[1])
    claims = [
        {"text": text, "sentences": [int(number)], "type": "event"}
        for number, text in sentences[:6]
    ]
    return {"main_event": claims[0]["text"], "claims": claims}


def _composition(prompt: str) -> dict[str, Any]:
    claims = _CLAIM.findall(prompt)
    statements = [{"text": text, "clusters": [int(number)]} for number, _, text in claims[:2]]
    developments = [
        {"text": text, "clusters": [int(number)]}
        for number, sources, text in claims
        if int(sources) > 1
    ][:3]
    return {"title": "", "statements": statements, "developments": developments}


@contextmanager
def fake_endpoint(port: int = 0) -> Iterator[FakeEndpoint]:
    """A fake served on 127.0.0.1 (`port` 0: a free one), stopped when the block ends."""
    fake = FakeEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer({}, post=False)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self._answer(json.loads(self.rfile.read(length) or b"{}"), post=True)

        def _answer(self, body: dict[str, Any], *, post: bool) -> None:
            authorization = self.headers.get("authorization") or ""
            key = authorization.removeprefix("Bearer ") or None
            try:
                with fake.answering(post):  # until the answer is written, as a server would
                    self._reply(*fake.serve(self.path, body, key))
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
            try:
                for chunk in fake._trickled(seconds):
                    self.wfile.write(chunk)
                    self.wfile.flush()
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
