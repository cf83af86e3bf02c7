"""What a command prints on stderr, the log it keeps, and the code it exits with."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec

import typer
from rich.console import Console

from briefing.cli.exits import INTERRUPTED, exit_code
from briefing.diagnostics import Diagnostics
from briefing.errors import BriefingError, OutputError
from briefing.progress import Progress, logging_to, record
from briefing.redact import printable

stderr = Console(stderr=True, highlight=False, soft_wrap=True)
Params = ParamSpec("Params")


def tell(text: str) -> None:
    """A line on stderr, with URL credentials masked and control characters removed."""
    stderr.print(printable(text), markup=False)


def tell_all(diagnostics: Diagnostics) -> None:
    """Print each diagnostic on stderr and record it in the log file (`--log-file`)."""
    for diagnostic in diagnostics:
        if diagnostic.kind == "error":
            tell(f"error: {diagnostic.line}")
            record.error(f"error: {diagnostic.line}")
        else:
            tell(f"warning: {diagnostic.line}")
            record.warning(f"warning: {diagnostic.line}")


def exits(command: Callable[Params, int]) -> Callable[Params, None]:
    """`command`, ending the process with the code it returns, or a `BriefingError`'s one
    line on stderr and its code from the exit table; never a traceback for those."""

    @functools.wraps(command)
    def with_exit_code(*args: Params.args, **kwargs: Params.kwargs) -> None:
        try:
            code = command(*args, **kwargs)
        except BriefingError as error:
            tell(f"error: {error}")
            raise typer.Exit(exit_code(error)) from None
        except KeyboardInterrupt:
            tell("interrupted")
            raise typer.Exit(INTERRUPTED) from None
        if code:
            raise typer.Exit(code)

    return with_exit_code


@contextmanager
def progress_shown(quiet: bool, verbose: bool, log_file: Path | None) -> Iterator[Progress]:
    """The run's progress on the terminal (unless `quiet`) and its log in `log_file`; an
    error that ends the run is logged with its exit code."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    console = stderr if stderr.is_terminal and not quiet else None
    try:
        handler = logging.FileHandler(log_file, encoding="utf-8") if log_file else None
    except OSError as error:
        raise OutputError(
            f"cannot write the log file {log_file}: {error.strerror}", hint="check --log-file"
        ) from error
    file_level = logging.DEBUG if verbose else logging.INFO
    with (
        logging_to(console, level=level, log_file=handler, file_level=file_level),
        Progress(console) as progress,
    ):
        try:
            yield progress
        except BriefingError as error:
            record.error(f"error: {error}")
            record.info(f"exit code {exit_code(error)}")
            raise
