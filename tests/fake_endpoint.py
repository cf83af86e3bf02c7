"""A fake OpenAI-compatible server on 127.0.0.1 for CLI tests that need a whole run.

It is not a model: it answers a summary request with the article's first sentences as claims
(citing their numbers, so every claim verifies) and a composition request with the first
claims it is shown. That is enough to drive the real entry point through every stage, count
the requests a run makes, and inject faults (`fail_next`). Tests that use it are marked
`loopback`; it stops when the `with` block ends.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"
_SENTENCE = re.compile(r"^\[(\d+)\] (.+)$", re.M)
_CLAIM = re.compile(r"^\[(\d+)\] \((\d+) sources?\) (.+)$", re.M)


@dataclass
class FakeEndpoint:
    base_url: str = ""
    chat_requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if path.endswith("/models"):
            return 200, {}, {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
        with self._lock:
            if self.fail_next:
                status, headers = self.fail_next.pop(0)
                return status, headers, {"error": {"message": f"fake failure {status}"}}
            self.chat_requests.append(body)
        prompt = body["messages"][-1]["content"] if body["messages"] else ""
        first_user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        answer = _summary(first_user) if "<article>" in first_user else _composition(first_user)
        return 200, {}, _completion(json.dumps(answer), prompt)


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


def _completion(content: str, prompt: str) -> dict[str, Any]:
    prompt_tokens, completion_tokens = len(prompt) // 4, len(content) // 4
    return {
        "id": "fake",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }  # fmt: skip


@contextmanager
def fake_endpoint() -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._reply(*fake.answer(self.path, {}))

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake._lock:
                fake.in_flight += 1
                fake.most_in_flight = max(fake.most_in_flight, fake.in_flight)
            try:
                if fake.delay:
                    threading.Event().wait(fake.delay)
                self._reply(*fake.answer(self.path, body))
            finally:
                with fake._lock:
                    fake.in_flight -= 1

        def _reply(self, status: int, headers: dict[str, str], payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
