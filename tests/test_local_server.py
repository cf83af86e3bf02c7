"""The embedded server's lifecycle, with a stand-in `llama_cpp.server` on 127.0.0.1.

The stand-in is a tiny HTTP server placed first on PYTHONPATH, so `running_server` starts,
probes and stops it exactly as it does the real one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from briefing.errors import ModelSetupError
from briefing.local.runtime import Configuration, RuntimeChoice
from briefing.local.server import ServerOptions, running_server, server_command

from .support.stand_in import stand_in_server

FAKE_SERVER = textwrap.dedent(
    """
    import argparse, http.server, json, os, pathlib, sys, time

    parser = argparse.ArgumentParser()
    for flag in ("--model", "--model_alias", "--host", "--port", "--n_ctx", "--n_threads",
                 "--n_threads_batch", "--logits_all", "--use_mmap"):
        parser.add_argument(flag)
    args = parser.parse_args()
    pathlib.Path(os.environ["FAKE_SERVER_PID_FILE"]).write_text(str(os.getpid()))
    mode = os.environ["FAKE_SERVER_MODE"]
    if mode == "crash":
        print("error: failed to load model", flush=True)
        sys.exit(1)
    if mode == "silent":
        time.sleep(600)

    class Models(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"object": "list", "data": [
                {"id": args.model_alias, "object": "model", "created": 0, "owned_by": "me"}]})
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

    http.server.HTTPServer((args.host, int(args.port)), Models).serve_forever()
    """
)


@pytest.fixture
def fake_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loopback: None) -> Path:
    stand_in_server(tmp_path, monkeypatch, FAKE_SERVER)
    monkeypatch.setenv("FAKE_SERVER_MODE", "ok")
    monkeypatch.setenv("FAKE_SERVER_PID_FILE", str(tmp_path / "server.pid"))
    return tmp_path


def options(root: Path, timeout: float = 30.0) -> ServerOptions:
    model = root / "model.gguf"
    model.write_bytes(b"GGUF")
    return ServerOptions(
        model_path=model, alias="test-model", log_path=root / "server.log", startup_timeout=timeout
    )


def server_pid(root: Path) -> int:
    return int((root / "server.pid").read_text())


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.loopback
def test_server_answers_then_stops(fake_server: Path) -> None:
    with running_server(options(fake_server)) as server:
        base_url = server.base_url
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        pid = server_pid(fake_server)
        assert is_running(pid)
    assert not is_running(pid)


@pytest.mark.loopback
def test_server_stops_when_the_run_fails(fake_server: Path) -> None:
    with pytest.raises(RuntimeError), running_server(options(fake_server)):
        raise RuntimeError("a stage failed")
    assert not is_running(server_pid(fake_server))


@pytest.mark.loopback
def test_server_stops_on_ctrl_c(fake_server: Path) -> None:
    with pytest.raises(KeyboardInterrupt), running_server(options(fake_server)):
        raise KeyboardInterrupt
    assert not is_running(server_pid(fake_server))


@pytest.mark.loopback
def test_a_crashing_server_is_reported_with_its_log(
    fake_server: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "crash")

    with (
        pytest.raises(ModelSetupError, match="stopped: exit code 1") as raised,
        running_server(options(fake_server)),
    ):
        pytest.fail("a crashed server must not be used")
    assert "last log line: error: failed to load model" in str(raised.value)
    assert str(fake_server / "server.log") in str(raised.value)


@pytest.mark.loopback
def test_a_silent_server_times_out_and_is_killed(
    fake_server: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_SERVER_MODE", "silent")

    with (
        pytest.raises(ModelSetupError, match="did not answer within 2 s"),
        running_server(options(fake_server, timeout=2.0)),
    ):
        pytest.fail("a silent server must not be used")
    assert not is_running(server_pid(fake_server))


def test_a_missing_model_file_is_named(fake_server: Path) -> None:
    missing = ServerOptions(
        model_path=fake_server / "nope.gguf", alias="x", log_path=fake_server / "server.log"
    )
    with (
        pytest.raises(ModelSetupError, match=r"model file not found: .*nope\.gguf"),
        running_server(missing),
    ):
        pytest.fail("no server without a model")


_ORPHAN = """
import os, time
from briefing.local.embedded_server import exit_when_orphaned
exit_when_orphaned(os.getppid(), every=0.1)
print(os.getpid(), flush=True)
time.sleep(60)
"""
_STARTER = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE,
                         start_new_session=True)
print(child.stdout.readline().decode().strip(), flush=True)
time.sleep(60)
"""


def test_the_server_process_ends_when_the_run_that_started_it_is_killed_outright() -> None:
    starter = subprocess.Popen(
        [sys.executable, "-c", _STARTER, _ORPHAN], stdout=subprocess.PIPE, text=True
    )
    server = int(starter.stdout.readline()) if starter.stdout else 0
    assert _alive(server)
    starter.kill()  # SIGKILL: the run gets no chance to stop its server
    starter.wait()
    deadline = time.monotonic() + 10
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(server)


def _alive(pid: int) -> bool:
    """Running, not exited (a zombie nobody has reaped yet has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize(
    ("configuration", "mapped"),
    [(Configuration.native, "False"), (Configuration.no_extra_buffers, "True")],
)
def test_weights_are_mapped_unless_the_runtime_repacks_them(
    tmp_path: Path, configuration: Configuration, mapped: str
) -> None:
    runtime = RuntimeChoice(configuration, "favourite-first", None)
    options = ServerOptions(tmp_path / "m.gguf", "m", tmp_path / "log", runtime=runtime)
    command = server_command(options, 8080)
    assert command[command.index("--use_mmap") + 1] == mapped


def test_the_server_process_starts_without_importing_the_pipeline() -> None:
    """`python -m briefing.local.embedded_server` imports the `briefing` package first: its
    public names are imported when used, so the server's start does not wait 0.45 s for the
    pipeline, the output writers and the SDK it never runs."""
    probe = (
        "import sys, briefing.local.embedded_server; "
        "print(sorted(m for m in ('briefing.pipeline', 'briefing.output.markdown', 'openai') "
        "if m in sys.modules))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert imported.stdout.strip() == "[]"
