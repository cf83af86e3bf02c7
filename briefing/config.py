"""`briefing.toml`: what a scheduled run reads, where it writes and how it reaches the model.

Found by `--config`, else `BRIEFING_CONFIG`, else `./briefing.toml` when it exists. Relative
paths in the file are relative to the file's own folder, so a cron job finds the same files
from any working directory. Values from the file override the environment and are overridden
by command-line flags (see `settings.Settings.from_env`). `EXAMPLE` is what `briefing init`
writes.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefing.daily.deliver import Delivery
from briefing.errors import ConfigError, InputError
from briefing.model.costs import Price
from briefing.sources.named_files import read_named

CONFIG_ENV = "BRIEFING_CONFIG"
DEFAULT_NAME = "briefing.toml"
Format = Literal["md", "json", "html"]
FORMATS: tuple[Format, ...] = ("md", "json", "html")


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourcesTable(_Table):
    paths: tuple[str, ...] = Field(default=(), description="Files and folders of articles")
    urls: tuple[str, ...] = Field(default=(), description="Article URLs")
    feeds: tuple[str, ...] = Field(default=(), description="RSS or Atom feed URLs")
    strict: bool | None = None
    allow_private_addresses: bool | None = None


class EndpointTable(_Table):
    base_url: str | None = None
    model: str | None = None
    api_key_env: str | None = None
    model_path: str | None = None
    embedding_model: str | None = None
    match_by: Literal["meaning", "words"] | None = None
    concurrency: int | None = Field(default=None, ge=1, le=64)
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)


class OutputTable(_Table):
    dir: str = "briefings"
    formats: tuple[Format, ...] = Field(default=FORMATS, min_length=1)


class LimitsTable(_Table):
    context_window: int | None = Field(default=None, ge=512)
    max_chunks: int | None = Field(default=None, ge=1)
    max_cost: float | None = Field(default=None, ge=0)
    run_deadline_minutes: float | None = Field(default=None, gt=0)


class CacheTable(_Table):
    dir: str | None = None
    enabled: bool | None = None


class Config(_Table):
    """The file, as read. Every table and key is optional."""

    title: str | None = None
    sources: SourcesTable = SourcesTable()
    endpoint: EndpointTable = EndpointTable()
    output: OutputTable = OutputTable()
    limits: LimitsTable = LimitsTable()
    cache: CacheTable = CacheTable()
    prices: dict[str, Price] = Field(default_factory=dict)
    delivery: Delivery = Delivery()


class Loaded(BaseModel):
    """A config file resolved against its folder."""

    path: Path | None
    config: Config

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def sources(self) -> list[str]:
        table = self.config.sources
        return [*(self._path(p) for p in table.paths), *table.urls, *table.feeds]

    @property
    def out_dir(self) -> Path:
        return Path(self._path(self.config.output.dir))

    def settings_values(self) -> dict[str, Any]:
        """The file's values under `Settings` field names; absent keys are left out."""
        endpoint, limits, cache = self.config.endpoint, self.config.limits, self.config.cache
        values: dict[str, Any] = {
            "title": self.config.title,
            "strict": self.config.sources.strict,
            "allow_private_addresses": self.config.sources.allow_private_addresses,
            "base_url": endpoint.base_url,
            "model": endpoint.model,
            "api_key_env": endpoint.api_key_env,
            "model_path": self._path(endpoint.model_path) if endpoint.model_path else None,
            "embedding_model": endpoint.embedding_model,
            "match_by": endpoint.match_by,
            "concurrency": endpoint.concurrency,
            "timeout": endpoint.timeout,
            "max_retries": endpoint.max_retries,
            "context_window": limits.context_window,
            "max_chunks": limits.max_chunks,
            "max_cost": limits.max_cost,
            "run_deadline_minutes": limits.run_deadline_minutes,
            "cache_dir": self._path(cache.dir) if cache.dir else None,
            "use_cache": cache.enabled,
            "prices": self.config.prices or None,
        }
        return {key: value for key, value in values.items() if value is not None}

    def _path(self, value: str) -> str:
        expanded = Path(os.path.expanduser(value))
        return str(expanded if expanded.is_absolute() else self.folder / expanded)


def config_path(flag: Path | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: the flag's, the environment's, or ./briefing.toml if present."""
    environ = os.environ if environ is None else environ
    if flag is not None:
        return flag
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    local = Path(DEFAULT_NAME)
    return local if local.is_file() else None


MAX_CONFIG_BYTES = 1024 * 1024


def load(path: Path | None) -> Loaded:
    """Read and check the config at `path` (None: no file, every default)."""
    if path is None:
        return Loaded(path=None, config=Config())
    if not path.exists() and not path.is_symlink():
        raise ConfigError(
            f"no config file {path}", hint="write one with `briefing init`, or fix --config"
        )
    try:
        raw = read_named(path, "the config file", MAX_CONFIG_BYTES, hint="fix --config")
    except InputError as error:
        raise ConfigError(error.message, hint=error.hint) from error
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"cannot read the config {path}: {error}", hint="check the file"
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}", hint="fix the file") from error
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {_first_problem(error)}", hint=_hint_for(error)) from error
    return Loaded(path=path.resolve(), config=config)


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"])
    if problem["type"] == "extra_forbidden":
        return f"unknown setting {where}"
    return f"{where}: {problem['msg']}"


def _hint_for(error: ValidationError) -> str:
    if error.errors()[0]["type"] == "extra_forbidden":
        return "check the spelling against `briefing init`'s example"
    return "fix the value"


EXAMPLE = """\
# briefing.toml: a daily briefing. Every setting is optional; command-line flags override it,
# and it overrides the environment. Relative paths are relative to this file's folder.

# The briefing's title; without it the model writes a headline.
# title = "US-Japan alliance: morning briefing"

[sources]
# Files (.txt .md .html) and folders of them.
paths = ["articles/"]
# Article pages to fetch.
urls = []
# RSS or Atom feeds: each entry's page is fetched.
feeds = []
# Stop when any source fails (default: skip it, warn, and exit 2 at the end).
# strict = false
# Fetch URLs on this machine or your own network (loopback, link-local and private
# addresses, also when a redirect leads there); refused by default.
# allow_private_addresses = false

[endpoint]
# Any OpenAI-compatible endpoint. Leave base_url out to run the embedded model on 127.0.0.1.
# base_url = "https://api.openai.com/v1"
# model = "gpt-4.1-mini"
# The name of the environment variable holding the API key (never the key itself).
# api_key_env = "OPENAI_API_KEY"
# A GGUF file to serve instead of the embedded model.
# model_path = "~/models/qwen2.5-7b-instruct-q4_k_m.gguf"
# Cluster claims by this endpoint embedding model's vectors (default: the embedded sentence
# encoder, when installed).
# embedding_model = "text-embedding-3-small"
# Match claims across articles by "meaning" (default) or by their "words" only.
# match_by = "meaning"
# Requests in flight at a remote endpoint (the embedded model always takes one at a time).
# concurrency = 4
# Seconds to wait for one answer, and retries of a failed request (429 honours Retry-After).
# timeout = 600
# max_retries = 3

[output]
# Each run writes DIR/YYYY-MM-DD/briefing.* and points DIR/latest at it.
dir = "briefings"
formats = ["md", "json", "html"]

[limits]
# Tokens the model attends to; longer articles are read in chunks.
# context_window = 8192
# Longest article read, in chunks.
# max_chunks = 8
# US dollars a run may spend; it stops before a call that could pass it (cached work is kept).
# max_cost = 0.50
# Minutes a daily run should take at most. Each run holds a lock on the output folder; a run
# that finds it held longer than this names the holder's pid as probably hung.
# run_deadline_minutes = 120

[cache]
# Model answers are cached by content, so an unchanged re-run makes no model calls.
# dir = "~/.cache/briefing"
# enabled = true

# Prices in US dollars per million tokens, for models the built-in table lacks.
# [prices."my-model"]
# input = 0.20
# output = 0.80

# Post the title and bottom line to a Slack-compatible webhook.
# [delivery.webhook]
# url = "https://hooks.slack.com/services/T000/B000/XXXX"
# link = "https://intranet.example/briefings/"

# Email the briefing: Markdown as text, HTML as the alternative part.
# [delivery.email]
# host = "smtp.example.com"
# port = 587
# security = "starttls"
# sender = "briefing@example.com"
# to = ["me@example.com"]
# username = "briefing"
# password_env = "BRIEFING_SMTP_PASSWORD"
"""
