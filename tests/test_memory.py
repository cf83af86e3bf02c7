"""memory: freed heap handed back to the system where the C library can, a no-op elsewhere."""

from __future__ import annotations

import ctypes.util
import re
import sys
from pathlib import Path

import pytest

from briefing import memory


def resident_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status)[1])  # type: ignore[index]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and glibc")
def test_what_python_freed_leaves_the_process() -> None:
    memory.give_back()
    blocks = [bytearray(1000) for _ in range(60_000)]
    last = blocks[-1]  # holds the top of the heap, so glibc cannot shrink it by itself
    blocks.clear()
    before = resident_kib()
    memory.give_back()
    assert resident_kib() < before - 10_000  # KiB: most of the 60 MB freed is back
    assert len(last) == 1000


def test_without_a_c_library_to_ask_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    memory._malloc_trim.cache_clear()
    try:
        assert memory._malloc_trim() is None
        memory.give_back()
    finally:
        memory._malloc_trim.cache_clear()
