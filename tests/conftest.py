"""Test harness: recorded model HTTP (vcrpy) and a guard against real network use.

- Tests marked `real_model` replay HTTP recorded from a real OpenAI-compatible server from
  `cassettes/<test module>/<test name>.yaml`, matched on method, path and JSON body, so a
  changed prompt fails instead of replaying a stale answer. Every recorded interaction must
  be played. `BRIEFING_RECORD=1 pytest -m real_model` re-records them against the embedded
  model (it needs the `local` extra) or against `BRIEFING_RECORD_BASE_URL`.
- Any other attempt to open a network connection fails the test. Tests marked `loopback`
  may talk to servers they run themselves on 127.0.0.1.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from briefing.local.weights import EMBEDDED_MODEL
from briefing.model.client import ModelClient
from briefing.model.structured import OutputMode
from briefing.model.transport import Endpoint

from .support.cassettes import RECORDING, REPLAY_BASE_URL, vcr_for
from .support.endpoint import FakeEndpoint, fake_endpoint
from .support.paths import CASSETTES
from .support.site import SLOW_SECONDS, FixtureSite


class RealNetworkError(AssertionError):
    """A test tried to reach the network without saying so."""


# --- the network guard ------------------------------------------------------------------------


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.cache
def loopback_works() -> bool:
    """False where even 127.0.0.1 is unreachable, as under `unshare -n`."""
    try:
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            with socket.create_connection(listener.getsockname(), timeout=1):
                return True
    except OSError:
        return False


@pytest.fixture
def loopback() -> None:
    """Request this in tests that run their own server on 127.0.0.1."""
    if not loopback_works():
        pytest.skip("needs a server on 127.0.0.1, and loopback is down here (unshare -n?)")


@pytest.fixture
def fake(loopback: None) -> Iterator[FakeEndpoint]:
    """The fake OpenAI-compatible endpoint (`fake_endpoint`), stopped after the test."""
    with fake_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test caches model answers in its own folder, so no test is answered by another's
    (or a user's) cache instead of its cassette. The embedded model for recording is found
    before this applies (`model_base_url` is session-scoped)."""
    folder = tmp_path / "briefing-cache"
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def network_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    allow_loopback = request.node.get_closest_marker("loopback") is not None or (
        RECORDING and request.node.get_closest_marker("real_model") is not None
    )
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family == socket.AF_UNIX:
            return
        if allow_loopback and _is_loopback(address):
            return
        raise RealNetworkError(
            f"{request.node.nodeid} tried to connect to {address!r}; mark it `real_model` "
            "(cassette) or `loopback` (own server on 127.0.0.1)"
        )

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


# --- cassettes ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def model_base_url() -> Iterator[str]:
    """Where cassette tests send requests: a real server when recording, else a dummy URL."""
    if not RECORDING:
        yield REPLAY_BASE_URL
        return
    if configured := os.environ.get("BRIEFING_RECORD_BASE_URL"):
        yield configured
        return
    from briefing.local.server import running_server
    from briefing.model.endpoint import resolve
    from briefing.settings import Settings

    with running_server(resolve(Settings.from_env()).server_options()) as server:
        yield server.base_url


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Replay (or, when recording, record) this test's HTTP; fail on unplayed interactions."""
    if request.node.get_closest_marker("real_model") is None:
        pytest.fail("tests that use a cassette must be marked real_model")
    module = Path(request.node.fspath).stem
    path = f"{request.node.name}.yaml"
    if RECORDING:  # vcrpy's "all" mode appends; a re-recording must start from nothing
        (CASSETTES / module / path).unlink(missing_ok=True)
    elif not (CASSETTES / module / path).is_file():
        pytest.fail(f"no cassette {module}/{path}; record it with BRIEFING_RECORD=1")
    with vcr_for(module).use_cassette(path) as recorded:
        yield recorded
        if not RECORDING:
            assert recorded.all_played, "the cassette holds requests this test no longer makes"


@pytest.fixture
def embedded_client(model_base_url: str, cassette: Any) -> Iterator[ModelClient]:
    """A client for the embedded model's server, as `briefing generate` builds it."""
    with ModelClient(
        Endpoint(base_url=model_base_url, model=EMBEDDED_MODEL.name),
        mode=OutputMode.json_object_schema,
    ) as client:
        yield client


@pytest.fixture
def site(loopback: None) -> Iterator[FixtureSite]:
    """The fixture web site on 127.0.0.1."""
    served = FixtureSite()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.server.shutdown()
    served.server.server_close()
    thread.join()


@pytest.fixture
def client() -> Iterator[httpx2.Client]:
    """An HTTP client that gives up on the fixture site's slow answers."""
    with httpx2.Client(timeout=SLOW_SECONDS / 4, follow_redirects=True) as made:
        yield made
