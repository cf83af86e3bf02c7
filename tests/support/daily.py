"""Running `briefing run` through the real entry point, with a config naming the fake endpoint."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from briefing.cli.app import app

from .endpoint import MODEL, FakeEndpoint
from .paths import SEED_FILES


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def write_config(
    folder: Path, fake: FakeEndpoint, *extra: str, articles: int = 2, retries: int = 0
) -> Path:
    """A config with `articles` seeds copied into folder/articles and the fake endpoint."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    for seed in SEED_FILES[:articles]:
        shutil.copy(seed, folder / "articles" / seed.name)
    config = folder / "briefing.toml"
    config.write_text(
        "\n".join(
            [
                "[sources]",
                'paths = ["articles"]',
                "[endpoint]",
                f'base_url = "{fake.base_url}"',
                f'model = "{MODEL}"',
                f"max_retries = {retries}",
                *extra,
            ]
        )
        + "\n"
    )
    return config


def daily(config: Path, *args: str) -> Any:
    return cli("run", "--config", config, *args)
