"""Run settings: defaults, overridden by the environment, then by a config file (`config`),
then by explicit values (command-line flags)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from briefing.local.weights import default_cache_dir
from briefing.model.costs import Price

# environment variable -> setting, first match wins for a setting
ENVIRONMENT = (
    ("BRIEFING_BASE_URL", "base_url"),
    ("OPENAI_BASE_URL", "base_url"),
    ("BRIEFING_MODEL", "model"),
    ("OPENAI_API_KEY", "api_key"),
    ("BRIEFING_MODEL_PATH", "model_path"),
    ("BRIEFING_CACHE_DIR", "cache_dir"),
)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint; none: embedded model"
    )
    model: str | None = Field(None, description="Model name at the endpoint; none: its first model")
    api_key: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    model_path: Path | None = Field(None, description="A GGUF to serve instead of the embedded one")
    cache_dir: Path = Field(default_factory=default_cache_dir)
    title: str | None = None
    strict: bool = Field(False, description="Any source that fails stops the run")
    allow_private_addresses: bool = Field(
        False,
        description="Fetch article and feed URLs on this machine or a private network "
        "(loopback, link-local, private addresses), refused by default",
    )
    context_window: int = Field(8192, description="Tokens the endpoint's model can attend to")
    max_chunks: int = Field(8, description="Longest article read, in context-window chunks")
    embedding_model: str | None = Field(
        None, description="Cluster claims by this embedding model's vectors; none: lexically"
    )
    match_by: Literal["meaning", "words"] = Field(
        "meaning",
        description="Match claims across articles by meaning (the embedded sentence encoder) "
        "or by their words only",
    )
    timeout: float = Field(600.0, gt=0, description="Seconds to wait for one model answer")
    max_retries: int = Field(
        3, ge=0, description="Retries of a failed request (429 honours Retry-After, 5xx, timeouts)"
    )
    max_reasks: int = 2
    server_startup_timeout: float = 180.0
    concurrency: int = Field(
        4, ge=1, le=64, description="Requests in flight at a remote endpoint; the embedded one: 1"
    )
    use_cache: bool = Field(
        True,
        description="Reuse and store model answers and sentence vectors in cache_dir/calls and "
        "cache_dir/vectors",
    )
    max_cost: float | None = Field(None, ge=0, description="US dollars a run may spend")
    run_deadline_minutes: float = Field(
        120.0,
        gt=0,
        description="Minutes a daily run should take at most; a run that finds the folder's "
        "lock held for longer reports its holder as probably hung",
    )
    prices: dict[str, Price] = Field(
        default_factory=dict, description="US dollars per million tokens, by model name"
    )

    @property
    def calls_dir(self) -> Path:
        return self.cache_dir / "calls"

    @property
    def vectors_dir(self) -> Path:
        """Where the sentence encoder's vectors are kept (`embeddings.StoredVectors`)."""
        return self.cache_dir / "vectors"

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        file: Mapping[str, Any] | None = None,
        **explicit: Any,
    ) -> Settings:
        """Settings from `environ` (default: the process environment), then a config `file`'s
        values, then `explicit` values that are not None. The API key is read from the
        variable `api_key_env` names, unless given explicitly."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for variable, setting in ENVIRONMENT:
            if environ.get(variable) and setting not in values:
                values[setting] = environ[variable]
        values.update(file or {})
        values.update({key: value for key, value in explicit.items() if value is not None})
        key_variable = values.get("api_key_env")
        if key_variable and explicit.get("api_key") is None:
            values["api_key"] = environ.get(key_variable) or None
        return cls(**values)
