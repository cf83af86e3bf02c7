"""`with thing:` for the classes that hold something to give back: a client's connections,
a deadline's sockets and timer, a model server."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Closing:
    """Closed when the `with` block that holds it ends, however it ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
