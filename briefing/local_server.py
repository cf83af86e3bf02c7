"""Run the embedded model behind llama-cpp-python's OpenAI-compatible server on loopback.

The server is a child process on a free 127.0.0.1 port. `running_server` waits until it
answers and stops it on success, error, Ctrl-C and SIGTERM alike; it never outlives the run.
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelSetupError
from .llm import Endpoint, ModelClient
from .local_model import LOCAL_EXTRA_HINT

LOOPBACK = "127.0.0.1"
_STOP_GRACE_SECONDS = 10.0
_LOG_TAIL_LINES = 5


@dataclass(frozen=True)
class ServerOptions:
    model_path: Path
    alias: str
    log_path: Path
    context_window: int = 8192
    threads: int = max(1, os.cpu_count() or 1)
    startup_timeout: float = 180.0
    port: int | None = None


def server_command(options: ServerOptions, port: int) -> list[str]:
    return [
        sys.executable, "-m", "briefing.embedded_server",
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
        # Read the weights into memory rather than map them: the CPU backend repacks most of
        # them into a copy, and the mapped originals would stay resident beside it.
        "--use_mmap", "False",
    ]  # fmt: skip


@contextmanager
def running_server(options: ServerOptions) -> Iterator[str]:
    """Start the server, yield its base URL once it answers, and always stop it."""
    _require_llama_cpp_server()
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
        probe = ModelClient(Endpoint(base_url=base_url, model=options.alias))
        if not _wait_until(probe.is_ready, lambda: process.poll() is None, options.startup_timeout):
            raise _startup_failure(process, options)
        yield base_url
    finally:
        stop(process)


def run_in_foreground(options: ServerOptions, on_ready: Callable[[str], None]) -> None:
    """`briefing serve`: run until interrupted."""
    with running_server(options) as base_url:
        on_ready(base_url)
        while True:
            time.sleep(3600)


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


def _require_llama_cpp_server() -> None:
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
        time.sleep(0.5)
    return False


def _startup_failure(process: subprocess.Popen[bytes], options: ServerOptions) -> ModelSetupError:
    try:
        tail = options.log_path.read_text(errors="replace").strip().splitlines()[-_LOG_TAIL_LINES:]
    except OSError:
        tail = []
    what = (
        f"exited with code {process.returncode}"
        if process.poll() is not None
        else f"did not answer within {options.startup_timeout:.0f} s"
    )
    last = tail[-1].strip() if tail else "no output"
    return ModelSetupError(
        f"the embedded model server {what}; last log line: {last}",
        hint=f"see {options.log_path}",
    )
