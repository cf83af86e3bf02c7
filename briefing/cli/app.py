"""The `briefing` command. Turns `BriefingError`s into one-line messages and exit codes.

Exit codes: 0 ok; 1 a user error (bad input, config, flags; another run holds the folder);
2 partial: the briefing was written but some sources failed, a delivery failed, or the budget
ran out (what was done is kept); 3 the model or its endpoint failed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from briefing import config as config_file
from briefing.cli.doctor import checks as run_checks
from briefing.config import FORMATS, Format, Loaded
from briefing.daily import folders, schedule
from briefing.daily.changes import load_previous, with_since_last
from briefing.daily.deliver import deliver, stale_notice
from briefing.errors import BriefingError, BusyError, InputError
from briefing.local.server import LOOPBACK, run_in_foreground
from briefing.model.cache import CallCache
from briefing.model.costs import dollars
from briefing.model.endpoint import resolve
from briefing.model.estimate import Estimate, estimate
from briefing.output.html import to_html
from briefing.output.markdown import to_markdown
from briefing.pipeline import ensure_writable, read, write_outputs
from briefing.pipeline import generate as generate_briefing
from briefing.progress import Progress, logging_to, record
from briefing.redact import printable
from briefing.settings import Settings
from briefing.sources.ingest import sources_from_file
from briefing.types.contract import Briefing, Usage

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn news articles on one topic into one sourced Markdown briefing.",
)
cache_app = typer.Typer(no_args_is_help=True, help="Inspect or empty the cache of model answers.")
app.add_typer(cache_app, name="cache")
_err = Console(stderr=True, highlight=False, soft_wrap=True)

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
class _Job:
    """What one `generate` or `run` invocation was asked to do, flags over config."""

    loaded: Loaded
    settings: Settings
    sources: list[str]
    formats: tuple[Format, ...]
    dry_run: bool


SETTINGS_FLAGS = (
    "strict", "allow_private_addresses", "title", "base_url", "model", "api_key", "model_path",
    "context_window", "embedding_model", "cache_dir", "concurrency", "max_cost",
)  # fmt: skip


def _job(options: dict[str, Any]) -> _Job:
    """The job `generate` and `run` share, from their options (flags over the config)."""
    flags = {name: options[name] for name in SETTINGS_FLAGS}
    config, sources_file = options["config"], options["sources_file"]
    no_cache, dry_run = options["no_cache"], options["dry_run"]
    sources: list[str] = options["sources"] or []
    loaded = config_file.load(config_file.config_path(config))
    settings = Settings.from_env(
        file=loaded.settings_values(), use_cache=False if no_cache else None, **flags
    )
    named = [*sources, *(sources_from_file(sources_file) if sources_file else [])]
    named = named or loaded.sources()
    if not named:
        raise InputError(
            "no sources given",
            hint="name article files, folders, URLs or feeds, or list them under [sources] "
            "in briefing.toml",
        )
    return _Job(loaded, settings, named, loaded.config.output.formats, dry_run)


@app.command()
def generate(
    sources: Sources = None,
    sources_file: SourcesFile = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for briefing.md, .json and .html \\[default: out]"
        ),
    ] = None,
    config: ConfigOption = None,
    strict: Strict = None,
    allow_private_addresses: AllowPrivate = None,
    title: Title = None,
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    model_path: ModelPath = None,
    context_window: ContextWindow = None,
    embedding_model: EmbeddingModel = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    concurrency: Concurrency = None,
    max_cost: MaxCost = None,
    dry_run: DryRun = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Write OUT/briefing.md, OUT/briefing.json and OUT/briefing.html from SOURCES."""
    options = dict(locals())

    def job() -> int:
        run = _job(options)
        if run.dry_run:
            return _dry_run(run)
        target = out or Path("out")
        with _progress(quiet, verbose, log_file) as progress:
            ensure_writable(target)
            briefing = generate_briefing(run.sources, run.settings, progress=progress)
            written = write_outputs(briefing, target, run.formats)
            return _report(briefing, written, problems=[])

    _guarded(job)


@app.command(name="run")
def daily_run(
    sources: Sources = None,
    sources_file: SourcesFile = None,
    config: ConfigOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder of dated runs \\[default: the config's output.dir]"
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--date", help="File the run under this day, YYYY-MM-DD \\[default: today]"),
    ] = None,
    deliver_it: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="Send to the config's \\[delivery] table")
    ] = True,
    strict: Strict = None,
    allow_private_addresses: AllowPrivate = None,
    title: Title = None,
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    model_path: ModelPath = None,
    context_window: ContextWindow = None,
    embedding_model: EmbeddingModel = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    concurrency: Concurrency = None,
    max_cost: MaxCost = None,
    dry_run: DryRun = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """The daily job: write OUT/YYYY-MM-DD/briefing.*, point OUT/latest at it, list what is
    new since the last run, and deliver it. Re-running a day replaces that day's files."""
    options = dict(locals())

    def job() -> int:
        run = _job(options)
        when = _day(day)
        if run.dry_run:
            return _dry_run(run)
        root = out or run.loaded.out_dir
        with _progress(quiet, verbose, log_file) as progress:
            try:
                briefing, folder, written = _daily_briefing(run, root, when, progress)
            except BriefingError as error:
                if deliver_it and not isinstance(error, BusyError):
                    _deliver_stale(run, root, when, error)
                raise
            file = folder / ("briefing.html" if "html" in run.formats else "briefing.md")
            problems = _delivered(briefing, file, run) if deliver_it else []
            return _report(briefing, written, problems)

    _guarded(job)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it")] = Path("briefing.toml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file")] = False,
) -> None:
    """Write a commented example briefing.toml to start from."""

    def job() -> int:
        if path.exists() and not force:
            raise InputError(f"{path} already exists", hint="pass --force to replace it")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(config_file.EXAMPLE, encoding="utf-8")
        except OSError as error:
            raise InputError(
                f"cannot write {path}: {error.strerror}", hint="check the path"
            ) from None
        typer.echo(f"Wrote {path}. Edit [sources], then: briefing run --config {path}")
        return 0

    _guarded(job)


@app.command(name="schedule")
def schedule_command(
    at: Annotated[str, typer.Option(help="Time of day to run, HH:MM (24-hour, local time)")],
    config: Annotated[
        Path, typer.Option("--config", "-c", help="The briefing.toml the daily run reads")
    ] = Path("briefing.toml"),
    install: Annotated[
        str | None,
        typer.Option(help="Install it: 'systemd' (user timer) or 'cron' (user crontab)"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing units, or this job's crontab entry")
    ] = False,
    log: Annotated[
        Path | None, typer.Option(help="cron: append the run's output to this file")
    ] = None,
) -> None:
    """Print (or --install) a crontab line and a systemd user timer for a daily run."""

    def job() -> int:
        when = schedule.parse_time(at)
        command = schedule.daily_command(_launcher(), config)
        units = schedule.systemd_units(when, command, working_directory=config.resolve().parent)
        line = schedule.crontab_line(when, command, log=log.resolve() if log else None)
        if install == "systemd":
            written = schedule.install_systemd(
                units, schedule.systemd_user_dir(os.environ), replace=force
            )
            typer.echo(f"Wrote {', '.join(str(path) for path in written)}")
            typer.echo("Enable it: systemctl --user daemon-reload && "
                       "systemctl --user enable --now briefing.timer")  # fmt: skip
            return 0
        if install == "cron":
            added = schedule.install_crontab(line, replace=force)
            typer.echo("Added to your crontab:" if added else "Already in your crontab:")
            typer.echo(line)
            return 0
        if install is not None:
            raise InputError(f"--install {install!r} is not known", hint="use systemd or cron")
        typer.echo("# crontab (crontab -e), or run this command with --install cron:")
        typer.echo(line)
        for name, text in units.items():
            typer.echo(f"\n# ~/.config/systemd/user/{name} (or --install systemd):")
            typer.echo(text.rstrip())
        return 0

    _guarded(job)


@cache_app.command("stats")
def cache_stats(config: ConfigOption = None, cache_dir: CacheDir = None) -> None:
    """How many model answers are cached, and how much space they take."""

    def job() -> int:
        stats = CallCache(_cache_settings(config, cache_dir).calls_dir).stats()
        typer.echo(f"{stats.entries:,} cached answers, {stats.bytes / 1e6:.1f} MB in "
                   f"{stats.directory}")  # fmt: skip
        if stats.oldest and stats.newest:
            typer.echo(
                f"oldest {stats.oldest:%Y-%m-%d %H:%M}, newest {stats.newest:%Y-%m-%d %H:%M} UTC"
            )
        return 0

    _guarded(job)


@cache_app.command("clear")
def cache_clear(config: ConfigOption = None, cache_dir: CacheDir = None) -> None:
    """Delete every cached model answer (the assembled embedded model stays)."""

    def job() -> int:
        cache = CallCache(_cache_settings(config, cache_dir).calls_dir)
        removed = cache.clear()
        typer.echo(f"Removed {removed:,} cached answers from {cache.directory}")
        return 0

    _guarded(job)


@app.command()
def doctor(
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    model_path: ModelPath = None,
    cache_dir: CacheDir = None,
) -> None:
    """Check the installation, the embedded model and its speed on this CPU, the cache folder,
    and with --base-url that endpoint; exit 1 when something needs fixing."""

    def job() -> int:
        settings = Settings.from_env(
            base_url=base_url, model=model, api_key=api_key, model_path=model_path,
            cache_dir=cache_dir,
        )  # fmt: skip
        failed = 0
        table = _doctor_table() if sys.stdout.isatty() else None
        for check in run_checks(settings):
            failed += not check.ok
            if table is not None:
                table.add_row(
                    "[green]ok[/]" if check.ok else "[red]FAIL[/]",
                    check.name,
                    check.found + (f"\n[bold]fix:[/] {check.fix}" if check.fix else ""),
                )
            else:
                fix = f" (fix: {check.fix})" if check.fix else ""
                typer.echo(f"{'ok' if check.ok else 'FAIL'}  {check.name}: {check.found}{fix}")
        if table is not None:
            Console().print(table)
        return 1 if failed else 0

    _guarded(job)


def _doctor_table() -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8080,
    model_path: ModelPath = None,
    context_window: ContextWindow = None,
    cache_dir: CacheDir = None,
) -> None:
    """Serve the embedded model (or --model-path) on 127.0.0.1 until Ctrl-C, to reuse it."""

    def job() -> int:
        settings = Settings.from_env(
            model_path=model_path, cache_dir=cache_dir, context_window=context_window
        )
        with _progress(quiet=False, verbose=False, log_file=None) as progress:
            options = resolve(settings).server_options(progress)
        options = dataclasses.replace(options, port=port)

        def ready(base_url: str) -> None:
            typer.echo(f"Serving {options.alias} at {base_url} (Ctrl-C stops it)")
            typer.echo(f"Use it: briefing generate SOURCES --base-url {base_url}")

        _note(f"starting the model server on {LOOPBACK}:{port}")
        try:
            run_in_foreground(options, ready)
        except KeyboardInterrupt:
            _note("model server stopped")
        return 0

    _guarded(job)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    app()


# --- the parts of a run -------------------------------------------------------------------------


def _dry_run(run: _Job) -> int:
    settings = run.settings
    reading = read(run.sources, settings)
    resolved = resolve(settings)
    model = resolved.served_model
    if model is None:
        _tell(
            "warning: no model is named, so cached answers and the price cannot be looked up "
            "(set endpoint.model or --model)",
            markup=False,
        )
        model = "the endpoint's first model"
    found = estimate(
        reading.unique,
        model=model,
        endpoint=resolved.cache_identity,
        context_window=settings.context_window,
        max_chunks=settings.max_chunks,
        price=resolved.price(model),
        cache=CallCache(settings.calls_dir) if settings.use_cache else None,
    )
    for warning in reading.warnings:
        _tell(f"warning: {warning}", markup=False)
    Console(highlight=False).print(_estimate_table(found))
    typer.echo(
        f"Dry run: {found.articles} articles, at most {found.calls} model calls "
        f"({found.cached_calls} more answered by the cache), at most "
        f"{sum(s.prompt_tokens for s in found.stages):,} prompt + "
        f"{sum(s.completion_tokens for s in found.stages):,} completion tokens, "
        f"at most {dollars(found.cost)}. Nothing was sent or written."
    )
    return 0


def _estimate_table(found: Estimate) -> Table:
    table = Table(title=f"Dry run with {found.model} (upper bounds)", title_justify="left")
    for column in ("stage", "calls", "cached", "prompt tokens", "completion tokens", "cost"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for stage in found.stages:
        table.add_row(
            stage.stage, f"{stage.calls:,}", f"{stage.cached_calls:,}",
            f"{stage.prompt_tokens:,}", f"{stage.completion_tokens:,}", dollars(stage.cost),
        )  # fmt: skip
    return table


def _with_changes(briefing: Briefing, previous: Path | None) -> Briefing:
    """`briefing` with a "new since the last briefing" section when a previous run exists."""
    if previous is None:
        return briefing
    try:
        earlier = load_previous(previous.read_text(encoding="utf-8"))
    except (OSError, BriefingError) as error:
        warning = f"could not compare with {previous}: {error}; no 'new since' section"
        return briefing.model_copy(update={"warnings": (*briefing.warnings, warning)})
    return with_since_last(briefing, earlier)


def _daily_briefing(
    run: _Job, root: Path, when: date, progress: Progress
) -> tuple[Briefing, Path, list[Path]]:
    """Write the day's briefing under `root` and point `latest` at it when it is the newest;
    the briefing, its folder and the files written. A failure leaves `latest` as it was."""
    with folders.locked(root, timedelta(minutes=run.settings.run_deadline_minutes)):
        folder = folders.day_folder(root, when)
        ensure_writable(folder)
        briefing = generate_briefing(run.sources, run.settings, progress=progress)
        briefing = _with_changes(briefing, folders.previous_briefing(root, when))
        written = write_outputs(briefing, folder, run.formats)
        if folders.is_newest(root, folder):
            folders.point_latest(root, folder)
    return briefing, folder, written


def _delivered(briefing: Briefing, file: Path, run: _Job, stale: str | None = None) -> list[str]:
    """Deliver `briefing`, written at `file` (the HTML or the Markdown), if delivery is set."""
    if not _delivers(run):
        return []
    return deliver(
        briefing, to_markdown(briefing), to_html(briefing), str(file),
        run.loaded.config.delivery, os.environ, published=f"{file.parent.name}/{file.name}",
        stale=stale,
    )  # fmt: skip


def _delivers(run: _Job) -> bool:
    delivery = run.loaded.config.delivery
    return delivery.webhook is not None or delivery.email is not None


def _deliver_stale(run: _Job, root: Path, when: date, error: BriefingError) -> None:
    """After a failed run of the newest day, deliver the last complete briefing marked stale
    (`stale_notice`), so its readers learn why no new one came; say what was sent."""
    if not _delivers(run):
        return
    folder = folders.last_complete(root)
    if folder is None:
        _problem("no earlier complete briefing to deliver in its place")
        return
    if not folders.is_newest(root, folders.day_folder(root, when)):
        return  # a backfill: the latest briefing is not stale
    try:
        briefing = Briefing.model_validate_json((folder / "briefing.json").read_bytes())
    except (OSError, ValidationError):
        _problem(f"{folder / 'briefing.json'} cannot be read to deliver in its place")
        return
    day = folder.name if folder.name != folders.LATEST else f"{briefing.generated_at:%Y-%m-%d}"
    failed_run = "today's run" if when == date.today() else f"the run of {when.isoformat()}"
    notice = stale_notice(failed_run, printable(error.message), day)
    file = folder / ("briefing.html" if (folder / "briefing.html").is_file() else "briefing.md")
    problems = _delivered(briefing, file, run, stale=notice)
    for problem in problems:
        _problem(problem)
    if not problems:
        _tell(f"delivered the briefing of {day} in its place, marked stale", markup=False)
        record.info(f"delivered the briefing of {day} in its place, marked stale")


def _problem(text: str) -> None:
    _tell(f"error: {text}", markup=False)
    record.error(f"error: {text}")


def _report(briefing: Briefing, written: list[Path], problems: list[str]) -> int:
    """Print (and record in the log file) the warnings and the one-line summary; the exit
    code: 2 when something failed."""
    for warning in briefing.warnings:
        _tell(f"warning: {warning}", markup=False)
        record.warning(f"warning: {warning}")
    for problem in problems:
        _problem(problem)
    summary = _summary_line(briefing, written)
    typer.echo(summary)
    record.info(summary)
    code = 2 if briefing.failures or problems else 0
    record.info(f"exit code {code}")
    return code


def _summary_line(briefing: Briefing, written: list[Path]) -> str:
    usage = briefing.usage
    statements = sum(len(section.statements) for section in briefing.sections)
    files = " and ".join(str(path) for path in written)
    return (
        f"Wrote {files}: {statements} statements from {len(briefing.sources)} sources; "
        f"{_usage_line(usage)}, {usage.seconds:.1f} s."
    )


def _usage_line(usage: Usage) -> str:
    cached = f" ({usage.cached_calls} answered by the cache)" if usage.cached_calls else ""
    cost = f", {dollars(usage.cost)}" if usage.cost else ""
    return (
        f"{usage.llm_calls} model calls{cached}, {usage.prompt_tokens:,} prompt + "
        f"{usage.completion_tokens:,} completion tokens{cost}"
    )


# --- plumbing -----------------------------------------------------------------------------------


def _day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r} is not a date", hint="use YYYY-MM-DD") from None


def _cache_settings(config: Path | None, cache_dir: Path | None) -> Settings:
    loaded = config_file.load(config_file.config_path(config))
    return Settings.from_env(file=loaded.settings_values(), cache_dir=cache_dir)


def _launcher() -> list[str]:
    """How the schedule should start this very install: its `briefing` entry point when that
    is what runs now, else this interpreter with `-m briefing` (a `.py` file or a test
    runner cannot be scheduled)."""
    running = Path(sys.argv[0])
    if running.name == "briefing" and running.is_file() and os.access(running, os.X_OK):
        return [str(running.absolute())]
    return [sys.executable, "-m", "briefing"]


@contextmanager
def _progress(quiet: bool, verbose: bool, log_file: Path | None) -> Iterator[Progress]:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    console = _err if _err.is_terminal and not quiet else None
    try:
        handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else None
    except OSError as error:
        raise InputError(
            f"cannot write the log file {log_file}: {error.strerror}", hint="check --log-file"
        ) from None
    file_level = logging.DEBUG if verbose else logging.INFO
    with (
        logging_to(console, level=level, log_file=handler, file_level=file_level),
        Progress(console) as progress,
    ):
        try:
            yield progress
        except BriefingError as error:
            record.error(f"error: {error}")
            record.info(f"exit code {error.exit_code}")
            raise


def _guarded(job: Callable[[], int]) -> None:
    try:
        code = job()
    except BriefingError as error:
        _tell(f"error: {error}", markup=False)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        _tell("interrupted", markup=False)
        raise typer.Exit(130) from None
    if code:
        raise typer.Exit(code)


def _tell(text: str, *, markup: bool = False) -> None:
    """A line on stderr, with URL credentials masked and control characters removed."""
    _err.print(printable(text), markup=markup)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    sys.exit(128 + signum)  # unwinds the stack, so the model server is stopped on the way out


def _note(message: str) -> None:
    _tell(message, markup=False)


__all__ = ["FORMATS", "app", "main"]
