"""Give the memory Python has freed back to the operating system.

A run's peak is the embedded model's server plus this process. Reading a hundred articles
frees far more than it keeps (answers parsed, prompts rendered), but glibc keeps the freed
pages for reuse until told otherwise; `give_back` tells it, before the run's heaviest steps.
Elsewhere (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


def give_back() -> None:
    """Return freed heap pages to the system (glibc's `malloc_trim`), where that exists."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim
