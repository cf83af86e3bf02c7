"""`briefing doctor` through the real entry point: one line per check, exit 1 on a failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.local.server import free_port

from .support.endpoint import MODEL, FakeEndpoint


def doctor(*args: str) -> Result:
    return CliRunner().invoke(app, ["doctor", *args])


@pytest.mark.loopback
def test_doctor_reports_an_endpoint_its_dialect_and_round_trip(fake: FakeEndpoint) -> None:
    result = doctor("--base-url", fake.base_url)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok  python: ")
    assert any(line.startswith("ok  packages: briefing ") for line in lines)
    assert any(line.startswith("ok  cache folder: ") for line in lines)
    assert f"ok  endpoint: {fake.base_url} answers; model {MODEL} (" in result.stdout
    assert "ok  structured output: dialect json_schema; a short structured answer took " in (
        result.stdout
    )
    assert len(fake.chat_requests) == 1


@pytest.mark.loopback
def test_doctor_fails_with_the_fix_when_the_endpoint_is_down() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = doctor("--base-url", url)

    assert result.exit_code == 1, result.output
    failing = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failing == [
        f"FAIL  endpoint: cannot reach the model endpoint at {url} (fix: start the server, or "
        "fix --base-url, BRIEFING_BASE_URL or endpoint.base_url in the config)"
    ]


def test_doctor_fails_on_a_model_file_that_is_not_a_gguf(tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_text("not a model")

    result = doctor("--model-path", str(model))

    assert result.exit_code == 1, result.output
    assert f"FAIL  model: {model} is not a GGUF file (fix: check --model-path)" in (result.stdout)


def test_doctor_fails_when_the_cache_folder_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    result = doctor("--cache-dir", str(blocker / "cache"), "--model-path", str(blocker))

    assert result.exit_code == 1, result.output
    assert "FAIL  cache folder: " in result.stdout
    assert "(fix: choose another --cache-dir or BRIEFING_CACHE_DIR)" in result.stdout
