"""Every error `briefing` raises on purpose.

    BriefingError              base: a message for the user and a hint saying what to do
    ├── InputError             the sources given cannot be read or hold no article text
    │   └── SourceError        one source failed (404, timeout, binary, empty feed, ...)
    ├── ModelSetupError        the embedded model cannot be assembled, found or served
    │   └── ServerCrashError   the embedded model server died (a signal or an exit)
    ├── EndpointError          the model endpoint refused, failed or could not be reached
    │   └── RequestFailedError one request failed (HTTP error after the retries, no complete
    │                          answer in time): only the article that asked is left out
    ├── ModelOutputError       the model's answer stayed invalid after the capped re-asks
    ├── BudgetError            the next model call would pass --max-cost
    └── BusyError              another run is writing the same output folder

The CLI prints `message` and `hint` on one line and exits with the error's `exit_code`; it
never shows a traceback for these. Exit codes: 0 ok, 1 user error, 2 partial (some sources or
a delivery failed, or the budget ran out; what was done is kept), 3 model or endpoint failure.
"""

from __future__ import annotations

from briefing.redact import printable


class BriefingError(Exception):
    """Base class: `str(error)` is the one-line message shown to the user."""

    exit_code = 1

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


class ModelSetupError(BriefingError):
    """The embedded model's files or server are missing, corrupt or failed to start."""

    exit_code = 3


class ServerCrashError(ModelSetupError):
    """The embedded model server process ended while the run needed it.

    `failure` is how it ended in words ("illegal instruction (SIGILL)"); `faulted` is true
    when that was a CPU or runtime fault, which the runtime's record remembers."""

    failure: str = ""
    faulted: bool = False


class EndpointError(BriefingError):
    """The OpenAI-compatible endpoint could not be reached or refused the request."""

    exit_code = 3


class RequestFailedError(EndpointError):
    """One request failed at an endpoint that otherwise answers: an HTTP error that outlasted
    the retries, or no complete answer within the timeout. An article's request that fails so
    leaves that article out; the run goes on with the others."""


class ModelOutputError(BriefingError):
    """The model kept answering with output that does not fit the schema."""

    exit_code = 3


class BudgetError(BriefingError):
    """The next model call could pass the run's cost limit; the calls made so far are cached."""

    exit_code = 2


class BusyError(BriefingError):
    """Another `briefing run` holds the output folder's lock."""
