"""A wall-clock deadline for the whole of one HTTP exchange: connecting, the answer's headers
and all of its body. An edge, like the modules that use it (`fetch`, `llm`, `deliver`).

httpx's timeouts bound each network operation, so a server that sends one byte a second, or a
reply that never ends, is never timed out. A `Watch` rides along with a request as httpx's
`trace` extension: when the connection opens it keeps a duplicate of its socket (and lets
`on_connect` look at the address actually connected to), and a timer shuts that socket down at
the deadline, which ends whatever read or write is waiting. The failure that follows is raised
as `httpx2.ReadTimeout`, so callers, and the OpenAI SDK's retries, see a timeout.

A reused connection never reports its socket, so every request a `Watch` follows asks the
server to close the connection after its answer (`Connection: close`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx2

from briefing.closing import Closing

OnConnect = Callable[[str, str], None]
"""Called with the host a connection was opened to and the address it reached; raises to
refuse the connection before anything is sent on it."""


class Watch(Closing):
    """The deadline of one exchange, `seconds` from now (httpcore's `trace` callback)."""

    def __init__(
        self,
        seconds: float,
        *,
        on_connect: OnConnect | None = None,
        ends_with_response: bool = False,
    ) -> None:
        """`ends_with_response`: the watch ends when the first response is closed (one request);
        otherwise it lasts until `close` (a fetch that follows redirects)."""
        self.seconds = seconds
        self._deadline = time.monotonic() + seconds
        self._on_connect = on_connect
        self._ends_with_response = ends_with_response
        self._host = ""
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._deadline

    def __call__(self, event: str, info: Mapping[str, Any]) -> None:
        stage, _, phase = event.rpartition(".")
        closing = stage.endswith("response_closed")
        # what failed once the deadline passed failed because of it; a connection that could
        # not be made in time stays a connect timeout
        failed = phase == "failed" and not stage.endswith("connect_tcp")
        if self.expired and (phase == "started" or failed) and not closing:
            raise httpx2.ReadTimeout(f"no complete answer within {self.seconds:g} s")
        if stage.endswith("connect_tcp") and phase == "started":
            self._host = str(info.get("host", ""))
        elif stage.endswith("connect_tcp") and phase == "complete":
            self._connected(info["return_value"])
        elif closing:
            self._release_sockets()
            if self._ends_with_response:
                self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
        self._release_sockets()

    def _connected(self, stream: Any) -> None:
        """Check the new connection's address, then watch its socket."""
        if self._on_connect is not None:
            peer = stream.get_extra_info("server_addr")
            try:
                self._on_connect(self._host, str(peer[0]))
            except BaseException:
                stream.close()
                raise
        sock = stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            self._watch(sock)

    def _watch(self, sock: socket.socket) -> None:
        # A duplicate, because TLS detaches the original socket object from its descriptor;
        # shutting down either one ends the connection.
        with self._lock:
            if self._closed:
                return
            self._sockets.append(sock.dup())
            if self._timer is None:
                self._timer = threading.Timer(
                    max(self._deadline - time.monotonic(), 0.0), self._shut_down
                )
                self._timer.daemon = True
                self._timer.start()

    def _shut_down(self) -> None:
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _release_sockets(self) -> None:
        """Close the duplicates once their exchange is over (each keeps its connection open)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()


def whole_response_within_timeout(request: httpx2.Request) -> None:
    """An httpx request hook: the whole response must come within the request's own timeout
    (the longest of its connect, read, write and pool timeouts), not only each read."""
    limits = request.extensions.get("timeout") or {}
    seconds = max((value for value in limits.values() if value is not None), default=None)
    if seconds is None:
        return
    request.headers["connection"] = "close"
    request.extensions["trace"] = Watch(seconds, ends_with_response=True)
