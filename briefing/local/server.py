"""Run the embedded model behind llama-cpp-python's OpenAI-compatible server on loopback.

The server is a child process on a free 127.0.0.1 port. `running_server` waits until it
answers and stops it on success, error, Ctrl-C and SIGTERM alike; it never outlives the run.
A server that dies (a signal, an exit) is reported as a crash with its last log line, never
as an endpoint that cannot be reached: `LocalServer.crash()` says whether and how it died.
`OnDemandServer` starts it for a run only when the first request needs it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from briefing.closing import Closing
from briefing.errors import ModelSetupError, ServerCrashError
from briefing.local.runtime import (
    Configuration,
    RuntimeChoice,
    describe_exit,
    last_meaningful_line,
    mark_crashed,
)
from briefing.local.weights import LOCAL_EXTRA_HINT
from briefing.model.client import ModelClient
from briefing.model.transport import Endpoint
from briefing.progress import Progress, silent

LOOPBACK = "127.0.0.1"
_STOP_GRACE_SECONDS = 10.0
_LOG_TAIL_LINES = 40
_EXIT_GRACE_SECONDS = 2.0  # a dropped connection can arrive before the exit status
# Signals that mean the CPU or the runtime faulted, rather than someone stopping the server.
FAULTS = frozenset({signal.SIGILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGABRT})


@dataclass(frozen=True)
class ServerOptions:
    model_path: Path
    alias: str
    log_path: Path
    context_window: int = 8192
    threads: int = max(1, os.cpu_count() or 1)
    startup_timeout: float = 180.0
    port: int | None = None
    runtime: RuntimeChoice | None = None  # None: llama-cpp-python's defaults


@dataclass(frozen=True)
class LocalServer:
    """A started server: where it answers, and whether it is still alive."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def crash(self, wait: float = _EXIT_GRACE_SECONDS) -> ServerCrashError | None:
        """The crash error when the process has ended (waiting up to `wait` seconds for an
        exit that a dropped connection announces), else None."""
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None
        return crash_error(self.process.returncode, self.log_path)


def crash_error(returncode: int, log_path: Path) -> ServerCrashError:
    how = describe_exit(returncode)
    verb = "crashed" if returncode < 0 else "stopped"
    last = last_meaningful_line(_log_tail(log_path)) or "the server's log has no error line"
    faulted = returncode < 0 and -returncode in FAULTS
    hint = (
        "the next run tries a safer runtime configuration; run briefing doctor to see it, "
        if faulted
        else "run briefing doctor; "
    ) + f"the log is {log_path}; answers received so far are cached and the next run resumes"
    error = ServerCrashError(f"the embedded model server {verb}: {how}; last log line: {last}",
                             hint=hint)  # fmt: skip
    error.faulted = faulted
    error.failure = how
    return error


def server_command(options: ServerOptions, port: int) -> list[str]:
    return [
        sys.executable, "-m", "briefing.local.embedded_server",
        "--model", str(options.model_path),
        "--model_alias", options.alias,
        "--host", LOOPBACK,
        "--port", str(port),
        "--n_ctx", str(options.context_window),
        "--n_threads", str(options.threads),
        "--n_threads_batch", str(options.threads),
        # The server's default keeps every prompt token's logits (600 KB each for this
        # vocabulary) and computes them too; only the last token's are ever used.
        "--logits_all", "False",
        # Where the CPU backend repacks most weights into a copy (the native build), read
        # them into memory: mapped originals would stay resident beside the copy. Without
        # repacking, mapping them is the same resident memory, ready 1.6 s sooner.
        "--use_mmap", str(not repacks_weights(options.runtime)),
        *(options.runtime.server_flags if options.runtime else []),
    ]  # fmt: skip


def repacks_weights(runtime: RuntimeChoice | None) -> bool:
    return runtime is None or runtime.configuration is Configuration.native


@contextmanager
def running_server(options: ServerOptions) -> Iterator[LocalServer]:
    """Start the server, yield it once it answers, and always stop it."""
    require_llama_cpp_server()
    if not options.model_path.is_file():
        raise ModelSetupError(
            f"model file not found: {options.model_path}", hint="check --model-path"
        )
    port = options.port or free_port()
    base_url = f"http://{LOOPBACK}:{port}/v1"
    options.log_path.parent.mkdir(parents=True, exist_ok=True)
    with options.log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(options, port),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal reaches us, not the server
        )
    try:
        with ModelClient(Endpoint(base_url=base_url, model=options.alias)) as probe:
            ready = _wait_until(
                probe.is_ready, lambda: process.poll() is None, options.startup_timeout
            )
        if not ready:
            raise _startup_failure(process, options)
        yield LocalServer(base_url, process, options.log_path)
    finally:
        stop(process)


class OnDemandServer(Closing):
    """The embedded model's server for one run: started by the first request that needs it
    (`start`, which returns its base URL), stopped when the run ends. `crash` says whether it
    has died; a CPU or runtime fault is remembered in the runtime record, so the next run
    chooses a configuration that works."""

    def __init__(
        self,
        options: Callable[[], ServerOptions],
        cache_dir: Path,
        progress: Progress = silent,
    ) -> None:
        self._options = options
        self._cache_dir = cache_dir
        self._progress = progress
        self._servers = ExitStack()
        self._started: tuple[ServerOptions, LocalServer] | None = None

    def close(self) -> None:
        self._servers.close()

    def start(self) -> str:
        options = self._options()
        self._progress(f"starting the model server for {options.model_path.name}")
        server = self._servers.enter_context(running_server(options))
        self._started = (options, server)
        return server.base_url

    def crash(self) -> ServerCrashError | None:
        if self._started is None:
            return None
        options, server = self._started
        error = server.crash()
        if error is not None and error.faulted and options.runtime is not None:
            mark_crashed(self._cache_dir, options.runtime.configuration, error.failure)
        return error


def run_in_foreground(
    options: ServerOptions, on_ready: Callable[[str], None], poll_seconds: float = 1.0
) -> None:
    """`briefing serve`: run until interrupted; a server that dies ends it with its crash."""
    with running_server(options) as server:
        on_ready(server.base_url)
        while (crash := server.crash(wait=poll_seconds)) is None:
            pass
        raise crash


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def require_llama_cpp_server() -> None:
    try:
        found = importlib.util.find_spec("llama_cpp") and importlib.util.find_spec("uvicorn")
    except (ImportError, ValueError):
        found = None
    if not found:
        raise ModelSetupError(
            "llama-cpp-python's server is not installed, so the embedded model cannot run",
            hint=f"{LOCAL_EXTRA_HINT}, or pass --base-url to use another endpoint",
        )


def _wait_until(ready: Callable[[], bool], alive: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        if ready():
            return True
        time.sleep(_LOOK_AGAIN_SECONDS)
    return False


_LOOK_AGAIN_SECONDS = 0.05
"""Between two asks whether the server answers yet: a refused connection costs next to
nothing, and every tenth of a second waited is one the whole run waits."""


def _startup_failure(process: subprocess.Popen[bytes], options: ServerOptions) -> ModelSetupError:
    if process.poll() is not None:
        return crash_error(process.returncode, options.log_path)
    last = last_meaningful_line(_log_tail(options.log_path)) or "no output"
    return ModelSetupError(
        f"the embedded model server did not answer within {options.startup_timeout:.0f} s; "
        f"last log line: {last}",
        hint=f"see {options.log_path}; run briefing doctor",
    )


def _log_tail(log_path: Path) -> list[str]:
    try:
        with log_path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 16_384))
            return log.read().decode(errors="replace").splitlines()[-_LOG_TAIL_LINES:]
    except OSError:
        return []
