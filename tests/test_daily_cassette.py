"""The daily job against the recorded embedded model: a re-run of the day is answered by the
cache (no recorded interaction is used again), and the next day lists what is new."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing.cli.app import app
from briefing.local.weights import EMBEDDED_MODEL

from .support.cassettes import RECORDING
from .support.paths import SEED_FILES


def interactions_used(cassette: Any) -> int:
    """Interactions recorded so far (recording) or replayed so far (replaying)."""
    return len(cassette) if RECORDING else int(cassette.play_count)


def daily(config: Path, day: str) -> Any:
    return CliRunner().invoke(app, ["run", "--config", str(config), "--date", day])


@pytest.mark.real_model
def test_a_rerun_uses_no_recorded_interaction_and_the_next_day_lists_the_new(
    model_base_url: str, cassette: Any, tmp_path: Path
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for seed in (SEED_FILES[3], SEED_FILES[4]):
        shutil.copy(seed, articles)
    config = tmp_path / "briefing.toml"
    config.write_text(
        f'[sources]\npaths = ["articles"]\n[endpoint]\nbase_url = "{model_base_url}"\n'
        f'model = "{EMBEDDED_MODEL.name}"\nconcurrency = 1\n'
    )

    first = daily(config, "2026-11-20")
    assert first.exit_code == 0, first.output
    played = interactions_used(cassette)
    assert played >= 3  # two articles and the composition (plus any ladder probe)

    again = daily(config, "2026-11-20")
    assert again.exit_code == 0, again.output
    assert interactions_used(cassette) == played
    assert "0 model calls (3 answered by the cache)" in again.stdout

    shutil.copy(SEED_FILES[2], articles)
    next_day = daily(config, "2026-11-21")
    assert next_day.exit_code == 0, next_day.output
    data = json.loads((tmp_path / "briefings" / "latest" / "briefing.json").read_text())
    new_source = next(s["id"] for s in data["sources"] if s["path"].endswith(SEED_FILES[2].name))
    (since,) = [section for section in data["sections"] if section["kind"] == "since_last"]
    new = [s for s in since["statements"] if s.get("change") == "new"]
    assert new and all(
        any(c["source"] == new_source for c in statement["citations"]) for statement in new
    )
    assert data["since_last"]["dropped"] == []
