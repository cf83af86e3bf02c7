"""The one channel for what a run reports besides its result.

Every stage that has something to say (a source skipped, an article the model failed on, a
sentence replaced by its claim, a delivery that failed) adds a `Diagnostic` to the run's
`Diagnostics`, in the order it happens. The briefing's `warnings` and `failures`, the lines
the CLI prints and the log file all read from it.

    warning   something the reader should know; the briefing is whole
    skipped   a source left out before the model saw it (unreadable, no article text)
    failure   an article the model failed on, left out of the briefing
    error     a step after the briefing failed (a delivery); not part of the briefing
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["warning", "skipped", "failure", "error"]


class Diagnostic(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    message: str
    source: str | None = None  # the source, article or step it is about, when it is one

    @property
    def line(self) -> str:
        """How it reads in the briefing's warnings and on the terminal."""
        return f"skipped {self.message}" if self.kind == "skipped" else self.message


class Diagnostics:
    """A run's diagnostics, in the order they were added."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def warn(self, message: str, source: str | None = None) -> None:
        self._items.append(Diagnostic(kind="warning", message=message, source=source))

    def skip(self, message: str, source: str | None = None) -> None:
        self._items.append(Diagnostic(kind="skipped", message=message, source=source))

    def fail(self, message: str, source: str | None = None) -> None:
        self._items.append(Diagnostic(kind="failure", message=message, source=source))

    def error(self, message: str, source: str | None = None) -> None:
        self._items.append(Diagnostic(kind="error", message=message, source=source))

    def extend(self, other: Diagnostics) -> None:
        """Add `other`'s diagnostics after these (a part of the run collected on its own)."""
        self._items.extend(other)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The briefing's `warnings`: every line but the errors after it."""
        return tuple(item.line for item in self._items if item.kind != "error")

    @property
    def failures(self) -> tuple[str, ...]:
        """The briefing's `failures`: the sources skipped and the articles failed."""
        return tuple(item.message for item in self._items if item.kind in ("skipped", "failure"))

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(item.message for item in self._items if item.kind == "error")

    @property
    def partial(self) -> bool:
        """Whether something was left out or failed, so the run is only partly done."""
        return any(item.kind != "warning" for item in self._items)
