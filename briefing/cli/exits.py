"""The one table from each error class to the exit code `briefing` ends with.

0 ok; 1 a user error (bad input, config or flags; an output folder that cannot be written
or that another run holds; a schedule that cannot be installed); 2 partial: the briefing
was written but some sources failed, a delivery failed, or the budget ran out (what was
done is kept); 3 the model or its endpoint failed; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from briefing.errors import (
    BriefingError,
    BudgetError,
    ConfigError,
    EndpointError,
    InputError,
    ModelOutputError,
    ModelSetupError,
    OutputError,
    ScheduleError,
)

OK = 0
PARTIAL = 2
INTERRUPTED = 130

EXIT_CODES: dict[type[BriefingError], int] = {
    BriefingError: 1,
    InputError: 1,
    ConfigError: 1,
    OutputError: 1,
    ScheduleError: 1,
    BudgetError: PARTIAL,
    ModelSetupError: 3,
    EndpointError: 3,
    ModelOutputError: 3,
}


def exit_code(error: BriefingError) -> int:
    """The code the command exits with after `error`: its class's, or its nearest base's."""
    lineage = [kind for kind in type(error).__mro__ if issubclass(kind, BriefingError)]
    return next(EXIT_CODES[kind] for kind in lineage if kind in EXIT_CODES)
