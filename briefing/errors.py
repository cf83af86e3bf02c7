"""Every error `briefing` raises on purpose; each class says what went wrong.

    BriefingError              base: a message for the user and a hint saying what to do
    ├── InputError             the sources given cannot be read or hold no article text
    │   └── SourceError        one source failed (404, timeout, binary, empty feed, ...)
    ├── ConfigError            the config file, a flag or a setting cannot be used
    ├── OutputError            an output folder or file (the log) cannot be written
    │   └── BusyError          another run is writing the same output folder
    ├── ScheduleError          the daily schedule cannot be built or installed
    ├── ModelSetupError        the embedded model cannot be assembled, found or served
    │   └── ServerCrashError   the embedded model server died (a signal or an exit)
    ├── EndpointError          the model endpoint refused, failed or could not be reached
    │   └── RequestFailedError one request failed (HTTP error after the retries, no complete
    │                          answer in time): only the article that asked is left out
    ├── ModelOutputError       the model's answer stayed invalid after the capped re-asks
    └── BudgetError            the next model call would pass --max-cost

The CLI prints `message` and `hint` on one line and exits with the code its one table
(`briefing.cli.exits.EXIT_CODES`) gives the error's class; it never shows a traceback for
these. Exit codes: 0 ok, 1 user error, 2 partial (some sources or a delivery failed, or the
budget ran out; what was done is kept), 3 model or endpoint failure.
"""

from __future__ import annotations

from briefing.redact import printable


class BriefingError(Exception):
    """Base class: `str(error)` is the one-line message shown to the user."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        """The message and hint, with credentials in any URL masked (`redact`)."""
        shown = f"{self.message} ({self.hint})" if self.hint else self.message
        return printable(shown)


class InputError(BriefingError):
    """A source path is missing, unreadable, or holds no article text."""


class SourceError(InputError):
    """One source could not be used; the others still run unless --strict is given."""


class ConfigError(BriefingError):
    """The config file cannot be read or holds an invalid value, or a flag or setting
    cannot be used (a context window too small for the prompt, a limit without a price)."""


class OutputError(BriefingError):
    """An output folder, its lock, or the log file cannot be created or written."""


class BusyError(OutputError):
    """Another `briefing run` holds the output folder's lock."""


class ScheduleError(BriefingError):
    """The daily run cannot be scheduled: a bad time, a path a scheduler cannot run, or a
    crontab or systemd unit that cannot be read or written."""


class ModelSetupError(BriefingError):
    """The embedded model's files or server are missing, corrupt or failed to start."""


class ServerCrashError(ModelSetupError):
    """The embedded model server process ended while the run needed it.

    `failure` is how it ended in words ("illegal instruction (SIGILL)"); `faulted` is true
    when that was a CPU or runtime fault, which the runtime's record remembers."""

    failure: str = ""
    faulted: bool = False


class EndpointError(BriefingError):
    """The OpenAI-compatible endpoint could not be reached or refused the request."""


class RequestFailedError(EndpointError):
    """One request failed at an endpoint that otherwise answers: an HTTP error that outlasted
    the retries, or no complete answer within the timeout. An article's request that fails so
    leaves that article out; the run goes on with the others."""


class ModelOutputError(BriefingError):
    """The model kept answering with output that does not fit the schema."""


class BudgetError(BriefingError):
    """The next model call could pass the run's cost limit; the calls made so far are cached."""
