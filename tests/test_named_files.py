"""Files read by name: only regular files, under a size cap, never hanging on a pipe; a pipe,
device or symlink loop is named as what it is. Through the real entry point."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.config import load
from briefing.diagnostics import Diagnostics
from briefing.errors import ConfigError, InputError
from briefing.sources.ingest import read_documents, sources_from_file


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def failures_reading(sources: list[str]) -> tuple[str, ...]:
    """The sources skipped while reading `sources`, as the run's diagnostics hold them."""
    diagnostics = Diagnostics()
    read_documents(sources, diagnostics)
    return diagnostics.failures


def good(folder: Path) -> Path:
    path = folder / "good.txt"
    path.write_text("Officials met in Tokyo on Tuesday to discuss the alliance.\n")
    return path


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)  # nobody ever writes to it: reading it would hang forever
    return path


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def test_a_device_as_the_config_or_sources_file_is_refused_at_once() -> None:
    for flag in ("--config", "--sources-file"):
        result = cli("generate", "--dry-run", flag, "/dev/zero", "seeds")
        assert result.exit_code == 1, result.output
        assert "/dev/zero: a character device, not a file" in result.output
        assert "Traceback" not in result.output


def test_a_fifo_as_config_or_sources_file_or_source_is_named_and_never_waited_on(
    fifo: Path,
) -> None:
    with pytest.raises(ConfigError, match="a named pipe"):
        load(fifo)
    with pytest.raises(InputError, match="a named pipe"):
        sources_from_file(fifo)
    failures = failures_reading([str(fifo), str(good(fifo.parent))])
    assert failures and "is a named pipe (FIFO), not a file" in failures[0]


def test_a_symlink_loop_is_named_as_one(loop: Path) -> None:
    failures = failures_reading([str(loop), str(good(loop.parent))])
    assert failures and "is a symlink loop" in failures[0]
    with pytest.raises(InputError, match="symlink loop"):
        sources_from_file(loop)


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text("# x\n" * 400_000)
    with pytest.raises(ConfigError, match="larger than"):
        load(big)
