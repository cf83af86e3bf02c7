"""What a run tells its user while it works: stages, per-article steps and model speed.

Every event is logged to the `briefing` logger, so plain logs (cron, `--log-file`) read as a
record of the run. On a terminal a rich progress bar also shows the current stage, the step
and the model's tokens per second. `Silent` is the default for library callers and tests.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichBar

from briefing.redact import printable
from briefing.types.contract import Usage

log = logging.getLogger("briefing")
# What only the log file gets: the warnings, errors and result the CLI prints itself.
record = logging.getLogger("briefing-record")
record.propagate = False
record.addHandler(logging.NullHandler())  # no handler would mean Python's last resort: stderr


class Progress:
    """Logs each event; `console` (a terminal) also gets a live progress bar."""

    def __init__(self, console: Console | None = None) -> None:
        self._bar = _bar(console) if console is not None else None
        self._task: TaskID | None = None
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        """A note: something worth a line in the log."""
        log.info(message)

    def notice(self, message: str) -> None:
        """Something the user should see once even with --quiet (not a problem)."""
        log.warning(f"notice: {message}")

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage begins, with `total` steps when it has them."""
        log.info(name)
        if self._bar is not None:
            with self._lock:
                if self._task is not None:
                    self._bar.update(self._task, visible=False)
                self._task = self._bar.add_task(name, total=total, detail="", speed="")

    def advance(self, detail: str, usage: Usage | None = None) -> None:
        """One step of the current stage is done; `usage` so far gives the model's speed."""
        speed = _speed(usage)
        log.info(f"  {detail}" + (f" ({speed})" if speed else ""))
        if self._bar is not None and self._task is not None:
            with self._lock:
                self._bar.update(self._task, advance=1, detail=detail, speed=speed)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


class Silent(Progress):
    """Reports nothing (library default)."""

    def __call__(self, message: str) -> None:
        return None

    def notice(self, message: str) -> None:
        return None

    def stage(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, detail: str, usage: Usage | None = None) -> None:
        return None


silent = Silent()


@contextmanager
def logging_to(
    console: Console | None,
    *,
    level: int,
    log_file: logging.Handler | None = None,
    file_level: int = logging.INFO,
) -> Iterator[None]:
    """Send the `briefing` logger's records to stderr at `level` (through `console` on a
    terminal, so lines print above the bar) and to `log_file` at `file_level`, for the
    duration of one command."""
    handlers: list[logging.Handler] = []
    if console is not None:
        handlers.append(
            RichHandler(
                console=console, show_time=False, show_level=False, show_path=False, markup=False
            )
        )
    else:
        handlers.append(logging.StreamHandler())
        handlers[-1].setFormatter(logging.Formatter("%(message)s"))
    handlers[-1].setLevel(level)
    if log_file is not None:
        log_file.setLevel(file_level)
        log_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handlers.append(log_file)
    previous = log.level
    log.setLevel(min(handler.level for handler in handlers))
    for handler in handlers:
        handler.addFilter(_redact_record)
        log.addHandler(handler)
    record.setLevel(logging.INFO)
    if log_file is not None:
        record.addHandler(log_file)
    try:
        yield
    finally:
        for handler in handlers:
            log.removeHandler(handler)
            record.removeHandler(handler)
            handler.close()
        log.setLevel(previous)


def _redact_record(entry: logging.LogRecord) -> bool:
    """Every line logged, to the terminal or the log file, with URL credentials masked and
    control characters removed."""
    entry.msg = printable(entry.getMessage())
    entry.args = ()
    return True


def _bar(console: Console) -> RichBar:
    return RichBar(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[speed]}"),
        TextColumn("{task.fields[detail]}", markup=False),
        console=console,
        transient=True,
    )


def _speed(usage: Usage | None) -> str:
    if usage is None or usage.model_seconds <= 0 or not usage.completion_tokens:
        return ""
    return f"{usage.completion_tokens / usage.model_seconds:.1f} tok/s"
