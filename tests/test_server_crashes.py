"""A dying embedded model server, through the real entry point.

The embedded server is replaced by a stand-in `llama_cpp.server` placed first on PYTHONPATH:
the fake OpenAI-compatible endpoint (`fake_endpoint`) in a child process that dies on cue:
SIGILL on its first chat request (a CPU that faults on an instruction), exit code 1 in the
middle of an answer, or SIGKILL between two requests. Each test checks the one-line error
(how it died, the last log line, what to do), exit code 3, and that the answers received
before the crash are cached, so that the next run resumes from them. A server that lives
shows what the run does while it starts.
"""

from __future__ import annotations

import signal
import textwrap
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.errors import ServerCrashError
from briefing.local.runtime import (
    Configuration,
    RuntimeChoice,
    RuntimeRecord,
    Trial,
    cpu_name,
    llama_cpp_version,
    read_record,
    record_path,
    write_record,
)
from briefing.local.server import OnDemandServer, ServerOptions, run_in_foreground
from briefing.model.cache import CallCache
from briefing.reconcile import embeddings

from .support.paths import SEED_FILES
from .support.stand_in import stand_in_server

pytestmark = pytest.mark.loopback

REPO = Path(__file__).resolve().parent.parent

STAND_IN = textwrap.dedent(
    """
    import argparse, os, signal, sys, threading, time
    sys.path.insert(0, os.environ["FAKE_REPO"])
    from tests.support.endpoint import Reply, fake_endpoint

    parser = argparse.ArgumentParser()
    parser.add_argument("--port")
    args, _ = parser.parse_known_args()
    mode = os.environ["FAKE_SERVER_MODE"]
    print("llama_model_loader: loaded meta data with 26 key-value pairs", flush=True)

    def die_with(signum):
        def edit(own):
            os.kill(os.getpid(), signum)
            time.sleep(5)
        return edit

    def exit_mid_answer(own):
        print("GGML_ASSERT(n_tokens <= n_batch) failed", flush=True)
        os._exit(1)

    def kill_after_first_answer(fake):
        while not (fake.chat_requests and fake.in_flight == 0):
            time.sleep(0.005)
        os.kill(os.getpid(), signal.SIGKILL)

    def sigill_once_ready(fake):
        while not any(path.endswith("/models") for path in fake.paths):
            time.sleep(0.005)  # the run's readiness check has been answered
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGILL)

    with fake_endpoint(int(args.port)) as fake:
        print(f"INFO:     Uvicorn running on http://127.0.0.1:{args.port}", flush=True)
        if mode == "sigill_on_first_chat":
            fake.replies = [Reply(edit=die_with(signal.SIGILL))]
        elif mode == "exit_mid_answer":
            fake.replies = [Reply(), Reply(edit=exit_mid_answer)]
        elif mode == "sigkill_between_requests":
            threading.Thread(target=kill_after_first_answer, args=(fake,), daemon=True).start()
        elif mode == "sigill_after_ready":
            threading.Thread(target=sigill_once_ready, args=(fake,), daemon=True).start()
        threading.Event().wait()
    """
)


@pytest.fixture
def stand_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_cache: Path, loopback: None
) -> Path:
    """A stand-in server on PYTHONPATH, a GGUF to serve, and a runtime record for this CPU
    (so that no self-test runs: there is no llama.cpp behind the stand-in)."""
    stand_in_server(tmp_path, monkeypatch, STAND_IN)
    monkeypatch.setenv("FAKE_REPO", str(REPO))
    write_record(record_path(own_cache), record_with(ok=set(Configuration)))
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    return model


def record_with(ok: set[Configuration]) -> RuntimeRecord:
    trials = [
        Trial(configuration=c, ok=True, prompt_tps=100.0, generated_tps=20.0 - i,
              sampler="favourite-first")
        if c in ok
        else Trial(configuration=c, ok=False, failure="illegal instruction (SIGILL)")
        for i, c in enumerate(Configuration)
    ]  # fmt: skip
    return RuntimeRecord(llama_cpp_version=llama_cpp_version(), cpu=cpu_name(), trials=trials)


def generate(tmp_path: Path, model: Path, mode: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("FAKE_SERVER_MODE", mode)
    args = [*map(str, SEED_FILES[1:3]), "--out", str(tmp_path / "out"), "--model-path", str(model)]
    return CliRunner().invoke(app, ["generate", *args, "--quiet"])


def error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def cached_answers(cache_dir: Path) -> int:
    return CallCache(cache_dir / "calls").stats().entries


def test_a_server_that_faults_on_its_first_chat_request_is_reported_as_a_crash(
    tmp_path: Path, stand_in: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = generate(tmp_path, stand_in, "sigill_on_first_chat", monkeypatch)

    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(
        "error: the embedded model server crashed: illegal instruction (SIGILL); "
        "last log line: the server's log has no error line ("
    ), line
    assert "cannot reach" not in line
    assert "the next run tries a safer runtime configuration" in line
    assert str(own_cache / "server.log") in line
    assert cached_answers(own_cache) == 0
    record = read_record(record_path(own_cache))
    assert record is not None and record.chosen is not None
    # The configuration that faulted is remembered as failed; the next run uses the other.
    assert record.chosen.configuration is Configuration.no_extra_buffers
    assert "SIGILL" in (record.trials[0].failure or "")


def test_a_server_that_exits_mid_answer_names_the_exit_code_and_its_last_words(
    tmp_path: Path, stand_in: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = generate(tmp_path, stand_in, "exit_mid_answer", monkeypatch)

    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(
        "error: the embedded model server stopped: exit code 1; "
        "last log line: GGML_ASSERT(n_tokens <= n_batch) failed"
    ), line
    assert "answers received so far are cached" in line
    assert cached_answers(own_cache) == 1  # the first article's answer
    record = read_record(record_path(own_cache))
    assert record is not None and all(trial.ok for trial in record.trials)  # not a CPU fault


def test_a_server_killed_between_requests_is_reported_and_the_next_run_resumes(
    tmp_path: Path, stand_in: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = generate(tmp_path, stand_in, "sigkill_between_requests", monkeypatch)

    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith("error: the embedded model server crashed: killed (SIGKILL)"), line
    assert cached_answers(own_cache) == 1

    resumed = generate(tmp_path, stand_in, "ok", monkeypatch)
    assert resumed.exit_code == 0, resumed.output
    assert "(1 answered by the cache)" in resumed.stdout


class ApartEncoder:
    """Stands in for the sentence encoder: every text its own direction."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.random.default_rng(zlib.crc32(text.encode())).normal(size=384) for text in texts]
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), 384)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def test_sentences_are_encoded_while_the_server_starts_and_not_once_it_is_up(
    tmp_path: Path, stand_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frees: list[threading.Event | None] = []
    free_while_starting: list[bool] = []
    on_one_core: list[bool] = []

    class Watched(embeddings.Ahead):
        def __init__(
            self,
            encoder: embeddings.Remembered,
            texts: Sequence[str],
            free: threading.Event | None = None,
            *,
            one_core: bool = False,
        ) -> None:
            frees.append(free)
            on_one_core.append(one_core)
            super().__init__(encoder, texts, free, one_core=one_core)

    def start(server: OnDemandServer) -> str:
        free_while_starting.extend(free is not None and free.is_set() for free in frees)
        return starting(server)

    starting = OnDemandServer.start
    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "encoder", lambda cache_dir=None: ApartEncoder())
    monkeypatch.setattr(embeddings, "Ahead", Watched)
    monkeypatch.setattr(OnDemandServer, "start", start)
    result = generate(tmp_path, stand_in, "ok", monkeypatch)

    assert result.exit_code == 0, result.output
    (free,) = frees
    assert free_while_starting == [True] and free is not None and not free.is_set()
    assert on_one_core == [True]  # the server loads on the other core


def test_serve_stops_and_says_so_when_its_server_dies(
    tmp_path: Path, stand_in: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "sigill_after_ready")
    result = CliRunner().invoke(app, ["serve", "--model-path", str(stand_in), "--port", "0"])

    assert result.exit_code == 3, result.output
    assert "Serving" in result.stdout
    line = error_line(result)
    assert line.startswith("error: the embedded model server crashed: illegal instruction"), line


def test_run_in_foreground_raises_the_crash_it_sees(
    tmp_path: Path, stand_in: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "sigill_after_ready")
    options = ServerOptions(
        model_path=stand_in,
        alias="m",
        log_path=tmp_path / "server.log",
        runtime=RuntimeChoice(Configuration.native, "favourite-first", None),
    )
    ready: list[str] = []
    with pytest.raises(ServerCrashError) as crash:
        run_in_foreground(options, ready.append, poll_seconds=0.1)
    assert ready and ready[0].startswith("http://127.0.0.1:")
    assert crash.value.faulted and crash.value.failure == "illegal instruction (SIGILL)"
    assert signal.SIGILL.name in str(crash.value)
