"""The options `generate` and `run` share, defined once as typed dataclasses.

`@run_options` adds every field of `RunOptions` (and of its nested `SettingsFlags`) to a
command as a CLI parameter and hands the command one `RunOptions`, as simonw/llm shares its
option groups. `SettingsFlags` fields are named after `Settings` fields, so the flags reach
the settings without a list that mirrors them; `RunOptions.plan` resolves them over the
config file, the environment and the defaults (`Settings.from_env`).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from briefing import config as config_file
from briefing.config import Format, Loaded
from briefing.errors import InputError
from briefing.settings import Settings
from briefing.sources.ingest import sources_from_file

Sources = Annotated[
    list[str] | None,
    typer.Argument(help="Article files (.txt .md .html), folders, article URLs, RSS/Atom feeds"),
]
SourcesFile = Annotated[
    Path | None,
    typer.Option("--sources-file", "-f", help="A file listing sources, one per line (# comments)"),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="A briefing.toml (env BRIEFING_CONFIG; default: "
                 "./briefing.toml if present). Flags override it"),
]  # fmt: skip
Strict = Annotated[bool | None, typer.Option("--strict", help="Stop when any source fails")]
AllowPrivate = Annotated[
    bool | None,
    typer.Option("--allow-private-addresses",
                 help="Fetch URLs on this machine or your own network (loopback, link-local, "
                 "private addresses); refused by default"),
]  # fmt: skip
Title = Annotated[str | None, typer.Option(help="Title instead of the model's headline")]
BaseUrl = Annotated[
    str | None,
    typer.Option(help="OpenAI-compatible endpoint (env BRIEFING_BASE_URL, OPENAI_BASE_URL); "
                 "default: the embedded model on 127.0.0.1"),
]  # fmt: skip
Model = Annotated[str | None, typer.Option(help="Model name at the endpoint (env BRIEFING_MODEL)")]
ApiKey = Annotated[
    str | None,
    typer.Option(help="API key (default: the variable endpoint.api_key_env names, "
                 "OPENAI_API_KEY)", show_default=False),
]  # fmt: skip
ModelPath = Annotated[
    Path | None, typer.Option(help="A GGUF file to serve instead of the embedded model")
]
ContextWindow = Annotated[
    int | None,
    typer.Option(min=512, show_default=False,
                 help="Tokens the model attends to; longer articles are read in chunks "
                 "\\[default: 8192]"),
]  # fmt: skip
EmbeddingModel = Annotated[
    str | None,
    typer.Option(help="Cluster claims by this model's embeddings at the endpoint; "
                 "default: lexically"),
]  # fmt: skip
CacheDir = Annotated[
    Path | None,
    typer.Option(help="Where the model, its server log and cached answers live "
                 "(env BRIEFING_CACHE_DIR)"),
]  # fmt: skip
NoCache = Annotated[bool, typer.Option("--no-cache", help="Neither reuse nor store model answers")]
Concurrency = Annotated[
    int | None,
    typer.Option(min=1, max=64, show_default=False,
                 help="Requests in flight at a remote endpoint \\[default: 4]; the embedded "
                 "model takes one at a time"),
]  # fmt: skip
MaxCost = Annotated[
    float | None,
    typer.Option(min=0, help="US dollars this run may spend; it stops before a call that "
                 "could pass it, keeping what was done"),
]  # fmt: skip
DryRun = Annotated[
    bool,
    typer.Option("--dry-run", help="Estimate calls, tokens and cost; call no model, write nothing"),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only warnings and the result")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Also log every model call")]
LogFile = Annotated[Path | None, typer.Option(help="Append the run's log to this file")]


@dataclasses.dataclass(frozen=True)
class SettingsFlags:
    """Flags that set a `Settings` field of the same name; None: not given."""

    strict: Strict = None
    allow_private_addresses: AllowPrivate = None
    title: Title = None
    base_url: BaseUrl = None
    model: Model = None
    api_key: ApiKey = None
    model_path: ModelPath = None
    context_window: ContextWindow = None
    embedding_model: EmbeddingModel = None
    cache_dir: CacheDir = None
    concurrency: Concurrency = None
    max_cost: MaxCost = None


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What `generate` and `run` accept alike."""

    sources: Sources = None
    sources_file: SourcesFile = None
    config: ConfigOption = None
    settings: SettingsFlags = SettingsFlags()
    no_cache: NoCache = False
    dry_run: DryRun = False
    quiet: Quiet = False
    verbose: Verbose = False
    log_file: LogFile = None

    def plan(self) -> RunPlan:
        """The run these options ask for: settings resolved flags > config file >
        environment > defaults, and the sources named (by the flags, else the config)."""
        loaded = config_file.load(config_file.config_path(self.config))
        flags = dataclasses.asdict(self.settings)
        settings = Settings.from_env(
            file=loaded.settings_values(), use_cache=False if self.no_cache else None, **flags
        )
        named = [
            *(self.sources or []),
            *(sources_from_file(self.sources_file) if self.sources_file else []),
        ]
        named = named or loaded.sources()
        if not named:
            raise InputError(
                "no sources given",
                hint="name article files, folders, URLs or feeds, or list them under [sources] "
                "in briefing.toml",
            )
        return RunPlan(loaded, settings, named, loaded.config.output.formats)


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """One `generate` or `run` invocation resolved: its config, settings and sources."""

    loaded: Loaded
    settings: Settings
    sources: list[str]
    formats: tuple[Format, ...]


def run_options(command: Callable[..., int]) -> Callable[..., int]:
    """`command(options: RunOptions, **own)` as a typer command whose parameters are every
    `RunOptions` field and the command's own (placed after the sources)."""
    shared = _parameters(RunOptions)
    own = list(inspect.signature(command, eval_str=True).parameters.values())[1:]
    names = {parameter.name for parameter in shared}

    @functools.wraps(command)
    def with_options(**values: Any) -> int:
        options: RunOptions = _build(RunOptions, {name: values.pop(name) for name in names})
        return command(options, **values)

    mine = [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in own]
    after = [parameter.name for parameter in shared].index("sources_file") + 1
    parameters = [*shared[:after], *mine, *shared[after:]]
    with_options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    with_options.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_options


def _parameters(group: type) -> list[inspect.Parameter]:
    """The CLI parameters of a dataclass of options, nested option groups flattened."""
    hints = typing.get_type_hints(group, include_extras=True)
    parameters: list[inspect.Parameter] = []
    for field in dataclasses.fields(group):
        hint = hints[field.name]
        if _is_group(hint):
            parameters += _parameters(hint)
        else:
            parameters.append(
                inspect.Parameter(
                    field.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    default=field.default,
                    annotation=hint,
                )
            )
    return parameters


def _build(group: type, values: Mapping[str, Any]) -> Any:
    """An instance of the options dataclass `group` from the flat CLI `values`."""
    hints = typing.get_type_hints(group, include_extras=True)
    fields = {
        field.name: (
            _build(hints[field.name], values)
            if _is_group(hints[field.name])
            else values[field.name]
        )
        for field in dataclasses.fields(group)
    }
    return group(**fields)


def _is_group(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)
