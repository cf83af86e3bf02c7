"""The options `generate` and `run` share, config precedence through the real entry point,
the exit table, and the one diagnostics channel the JSON, the terminal and the log read."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.core
import typer.main
from typer.testing import CliRunner

from briefing import errors
from briefing.cli.app import app
from briefing.cli.exits import EXIT_CODES, exit_code
from briefing.cli.options import RunOptions, SettingsFlags
from briefing.config import load
from briefing.diagnostics import Diagnostics
from briefing.local.weights import EMBEDDED_MODEL
from briefing.settings import Settings

from .support.daily import write_config
from .support.endpoint import FakeEndpoint
from .support.paths import SEED_FILES


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def options_of(name: str) -> dict[str, tuple[str, ...]]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    command = group.commands[name]
    return {param.name or "": tuple(param.opts) for param in command.params}


# --- one options object ---------------------------------------------------------------------


def test_generate_and_run_accept_the_same_shared_options() -> None:
    generate, run = options_of("generate"), options_of("run")
    shared = {name: opts for name, opts in generate.items() if name in run}
    assert {name: run[name] for name in shared} == shared
    assert set(generate) - set(shared) == set()  # --out is in both, with its own help
    assert set(run) - set(shared) == {"day", "deliver_it"}
    flags = {field.name for field in dataclasses.fields(SettingsFlags)}
    others = {field.name for field in dataclasses.fields(RunOptions)} - {"settings"}
    assert flags | others <= set(shared)


def test_every_settings_flag_names_a_settings_field() -> None:
    flags = {field.name for field in dataclasses.fields(SettingsFlags)}
    assert flags <= set(Settings.model_fields)


@pytest.mark.parametrize("command", ["generate", "run"])
def test_flags_beat_the_file_which_beats_the_environment_which_beats_the_defaults(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("BRIEFING_BASE_URL", "OPENAI_BASE_URL", "BRIEFING_MODEL", "BRIEFING_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)  # no ./briefing.toml
    config = tmp_path / "endpoint.toml"
    config.write_text('[endpoint]\nbase_url = "http://127.0.0.1:9/v1"\nmodel = "file-model"\n')

    def model_used(*args: str | Path) -> str:
        result = cli(command, str(SEED_FILES[0]), "--dry-run", *args)
        assert result.exit_code == 0, result.output
        return re.search(r"Dry run with (\S+)", result.stdout)[1]  # type: ignore[index]

    assert model_used() == EMBEDDED_MODEL.name
    monkeypatch.setenv("BRIEFING_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("BRIEFING_MODEL", "env-model")
    assert model_used() == "env-model"
    assert model_used("--config", config) == "file-model"
    assert model_used("--config", config, "--model", "flag-model") == "flag-model"


# --- the exit table -------------------------------------------------------------------------


def test_every_error_class_has_its_exit_code() -> None:
    codes = {
        kind.__name__: exit_code(kind("x"))
        for kind in vars(errors).values()
        if isinstance(kind, type) and issubclass(kind, errors.BriefingError)
    }
    assert codes == {
        "BriefingError": 1,
        "InputError": 1,
        "SourceError": 1,
        "ConfigError": 1,
        "OutputError": 1,
        "BusyError": 1,
        "ScheduleError": 1,
        "ModelSetupError": 3,
        "ServerCrashError": 3,
        "EndpointError": 3,
        "RequestFailedError": 3,
        "ModelOutputError": 3,
        "BudgetError": 2,
    }
    assert set(EXIT_CODES) <= {getattr(errors, name) for name in codes}


def test_config_output_schedule_and_input_errors_exit_1_with_one_line(tmp_path: Path) -> None:
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[endpoint\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cases = {
        "config": ("generate", SEED_FILES[0], "--config", bad_config),
        "output folder": ("generate", SEED_FILES[0], "--base-url", "http://127.0.0.1:9/v1",
                          "--out", blocker / "out"),
        "schedule": ("schedule", "--at", "25:00"),
        "input": ("generate", tmp_path / "nowhere", "--base-url", "http://127.0.0.1:9/v1"),
    }  # fmt: skip
    for what, args in cases.items():
        result = cli(*args)
        assert result.exit_code == 1, what
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: "), what
        assert "Traceback" not in result.output


def test_a_config_error_keeps_its_cause(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[endpoint\n")
    with pytest.raises(errors.ConfigError) as raised:
        load(bad)
    assert isinstance(raised.value.__cause__, tomllib.TOMLDecodeError)


# --- one diagnostics channel ----------------------------------------------------------------


def test_diagnostics_keep_their_order_and_say_what_is_partial() -> None:
    diagnostics = Diagnostics()
    diagnostics.warn("S2 repeats S1")
    assert not diagnostics.partial
    diagnostics.skip("a.txt: empty (remove it or fill it)", source="a.txt")
    diagnostics.fail("S3 (c.txt): the model failed", source="S3")
    later = Diagnostics()
    later.warn("kept the top")
    diagnostics.extend(later)
    diagnostics.error("webhook delivery failed", source="webhook")

    assert diagnostics.warnings == (
        "S2 repeats S1",
        "skipped a.txt: empty (remove it or fill it)",
        "S3 (c.txt): the model failed",
        "kept the top",
    )
    assert diagnostics.failures == (
        "a.txt: empty (remove it or fill it)",
        "S3 (c.txt): the model failed",
    )
    assert diagnostics.errors == ("webhook delivery failed",)
    assert diagnostics.partial
    assert [d.kind for d in diagnostics] == ["warning", "skipped", "failure", "warning", "error"]


@pytest.mark.loopback
def test_the_json_the_terminal_and_the_log_read_the_same_warnings(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, 'match_by = "words"', articles=1)
    (tmp_path / "articles" / "broken.txt").write_bytes(b"\x00binary\x00" * 50)
    log = tmp_path / "run.log"

    result = cli("generate", "--config", config, "--out", tmp_path / "out", "--log-file", log)

    assert result.exit_code == 2, result.output
    warnings = json.loads((tmp_path / "out" / "briefing.json").read_text())["warnings"]
    assert warnings and warnings[0].startswith("skipped ") and "broken.txt" in warnings[0]
    printed = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert printed == [f"warning: {warning}" for warning in warnings]
    logged = re.findall(r"WARNING (warning: .*)", log.read_text())
    assert logged == printed
