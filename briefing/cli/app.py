"""The `briefing` commands. `generate` and `run` share their options (`options`); every
`BriefingError` becomes one line on stderr and the exit code the table in `exits` gives its
class (0 ok, 1 user error, 2 partial, 3 model or endpoint failure).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import sys
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from briefing import config as config_file
from briefing.atomic_files import replace_file
from briefing.cli.daily_steps import day_briefing, deliver_stale, delivered
from briefing.cli.doctor import checks as run_checks
from briefing.cli.options import (
    ApiKey,
    BaseUrl,
    CacheDir,
    ConfigOption,
    ContextWindow,
    Model,
    ModelPath,
    RunOptions,
    run_options,
)
from briefing.cli.report import dry_run, report
from briefing.cli.terminal import exits, progress_shown, tell
from briefing.config import FORMATS
from briefing.daily import schedule
from briefing.diagnostics import Diagnostics
from briefing.errors import BriefingError, BusyError, ConfigError, ScheduleError
from briefing.keyed_files import KeyedFiles
from briefing.local.server import LOOPBACK, run_in_foreground
from briefing.model.cache import CallCache
from briefing.model.endpoint import resolve
from briefing.output.publish import ensure_writable, write_outputs
from briefing.pipeline import generate as generate_briefing
from briefing.reconcile import embeddings
from briefing.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn news articles on one topic into one sourced Markdown briefing.",
)
cache_app = typer.Typer(no_args_is_help=True, help="Inspect or empty the cache of model answers.")
app.add_typer(cache_app, name="cache")


@app.command()
@exits
@run_options
def generate(
    options: RunOptions,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Folder for briefing.md, .json and .html \\[default: out]"
        ),
    ] = None,
) -> int:
    """Write OUT/briefing.md, OUT/briefing.json and OUT/briefing.html from SOURCES."""
    plan = options.plan()
    if options.dry_run:
        return dry_run(plan)
    target = out or Path("out")
    with progress_shown(options.quiet, options.verbose, options.log_file) as progress:
        ensure_writable(target)
        diagnostics = Diagnostics()
        briefing = generate_briefing(
            plan.sources, plan.settings, progress=progress, diagnostics=diagnostics
        )
        written = write_outputs(briefing, target, plan.formats)
        return report(briefing, written, diagnostics)


@app.command(name="run")
@exits
@run_options
def daily_run(
    options: RunOptions,
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
) -> int:
    """The daily job: write OUT/YYYY-MM-DD/briefing.*, point OUT/latest at it, list what is
    new since the last run, and deliver it. Re-running a day replaces that day's files."""
    plan = options.plan()
    when = _day(day)
    if options.dry_run:
        return dry_run(plan)
    root = out or plan.loaded.out_dir
    with progress_shown(options.quiet, options.verbose, options.log_file) as progress:
        diagnostics = Diagnostics()
        try:
            briefing, folder, written = day_briefing(plan, root, when, progress, diagnostics)
        except BriefingError as error:
            if deliver_it and not isinstance(error, BusyError):
                deliver_stale(plan, root, when, error)
            raise
        file = folder / ("briefing.html" if "html" in plan.formats else "briefing.md")
        if deliver_it:
            delivered(briefing, file, plan, diagnostics)
        return report(briefing, written, diagnostics)


@app.command()
@exits
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it")] = Path("briefing.toml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file")] = False,
) -> int:
    """Write a commented example briefing.toml to start from."""
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists", hint="pass --force to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, config_file.EXAMPLE)
    except OSError as error:
        raise ConfigError(
            f"cannot write {path}: {error.strerror}", hint="check the path"
        ) from error
    typer.echo(f"Wrote {path}. Edit [sources], then: briefing run --config {path}")
    return 0


@app.command(name="schedule")
@exits
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
) -> int:
    """Print (or --install) a crontab line and a systemd user timer for a daily run."""
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
        raise ScheduleError(f"--install {install!r} is not known", hint="use systemd or cron")
    typer.echo("# crontab (crontab -e), or run this command with --install cron:")
    typer.echo(line)
    for name, text in units.items():
        typer.echo(f"\n# ~/.config/systemd/user/{name} (or --install systemd):")
        typer.echo(text.rstrip())
    return 0


@cache_app.command("stats")
@exits
def cache_stats(config: ConfigOption = None, cache_dir: CacheDir = None) -> int:
    """How many model answers and sentence vectors are cached, and how much space they take."""
    answers, vectors = _stores(_cache_settings(config, cache_dir))
    for store, what in ((answers, "cached answers"), (vectors, "sets of sentence vectors")):
        stats = store.stats()
        typer.echo(f"{stats.entries:,} {what}, {stats.bytes / 1e6:.1f} MB in {stats.directory}")
        if stats.oldest and stats.newest:
            typer.echo(
                f"  oldest {stats.oldest:%Y-%m-%d %H:%M}, newest {stats.newest:%Y-%m-%d %H:%M} UTC"
            )
    return 0


@cache_app.command("clear")
@exits
def cache_clear(config: ConfigOption = None, cache_dir: CacheDir = None) -> int:
    """Delete every cached model answer and sentence vector (the assembled embedded model
    stays)."""
    answers, vectors = _stores(_cache_settings(config, cache_dir))
    typer.echo(f"Removed {answers.clear():,} cached answers from {answers.directory}")
    typer.echo(f"Removed {vectors.clear():,} sets of sentence vectors from {vectors.directory}")
    return 0


def _stores(settings: Settings) -> tuple[KeyedFiles, KeyedFiles]:
    """The cache's stores: the model's answers and the sentence encoder's vectors."""
    return CallCache(settings.calls_dir), embeddings.vector_files(settings.vectors_dir)


@app.command()
@exits
def doctor(
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    model_path: ModelPath = None,
    cache_dir: CacheDir = None,
) -> int:
    """Check the installation, the embedded model and its speed on this CPU, the cache folder,
    and with --base-url that endpoint; exit 1 when something needs fixing."""
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


def _doctor_table() -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


@app.command()
@exits
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8080,
    model_path: ModelPath = None,
    context_window: ContextWindow = None,
    cache_dir: CacheDir = None,
) -> int:
    """Serve the embedded model (or --model-path) on 127.0.0.1 until Ctrl-C, to reuse it."""
    settings = Settings.from_env(
        model_path=model_path, cache_dir=cache_dir, context_window=context_window
    )
    with progress_shown(quiet=False, verbose=False, log_file=None) as progress:
        served = resolve(settings).server_options(progress)
    served = dataclasses.replace(served, port=port)

    def ready(base_url: str) -> None:
        typer.echo(f"Serving {served.alias} at {base_url} (Ctrl-C stops it)")
        typer.echo(f"Use it: briefing generate SOURCES --base-url {base_url}")

    tell(f"starting the model server on {LOOPBACK}:{port}")
    try:
        run_in_foreground(served, ready)
    except KeyboardInterrupt:
        tell("model server stopped")
    return 0


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        app()
    except SystemExit as done:
        _exit_without_teardown(done.code)


def _exit_without_teardown(code: object) -> NoReturn:
    """Exit with `code` without first freeing every module and object, which took 0.3 s of
    every run (mypy exits the same way). Each command has closed the files it wrote by the
    time it returns; only logging's handlers and the standard streams are flushed here."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing can be said
            stream.flush()
    os._exit(code or 0)


def _day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ConfigError(f"--date {text!r} is not a date", hint="use YYYY-MM-DD") from error


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


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    sys.exit(128 + signum)  # unwinds the stack, so the model server is stopped on the way out


__all__ = ["FORMATS", "app", "main"]
