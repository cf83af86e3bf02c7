"""Files named by a content key, `folder/ab/abcdef….suffix`: the stores a re-run reads back.

An edge. The model's answers (`briefing.model.cache`) and the sentence encoder's vectors
(`briefing.reconcile.embeddings`) are kept this way: a key is the sha256 of everything that
shaped the content, so nothing is ever invalidated by date, and each file is written
atomically as soon as it is made, so a run killed half-way leaves what it finished. A store
that cannot be read or written costs speed, never results: a missing or unreadable file is
made again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from briefing.atomic_files import replace_file
from briefing.errors import InputError


class StoreStats(BaseModel):
    directory: Path
    entries: int
    bytes: int
    oldest: datetime | None
    newest: datetime | None


def content_key(value: Any) -> str:
    """sha256 over `value`'s canonical JSON: the same for equal values whatever their keys'
    order."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class KeyedFiles:
    """Files stored under `directory/ab/<key><suffix>`."""

    def __init__(self, directory: Path, suffix: str) -> None:
        self.directory = directory
        self.suffix = suffix

    def read(self, key: str) -> bytes | None:
        """The stored content, or None when absent or unreadable."""
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def write(self, key: str, content: str | bytes) -> None:
        """Store `content` atomically; a store that cannot be written is left as it is."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Private, like the articles it derives from; not fsync'd: an entry a power cut
            # truncates fails its check and is simply made again.
            replace_file(path, content, mode=0o600, durable=False)
        except OSError:
            return

    def stats(self) -> StoreStats:
        sizes_and_times = [(entry.stat().st_size, entry.stat().st_mtime) for entry in self._files()]
        times = [when for _, when in sizes_and_times]
        return StoreStats(
            directory=self.directory,
            entries=len(sizes_and_times),
            bytes=sum(size for size, _ in sizes_and_times),
            oldest=_moment(min(times)) if times else None,
            newest=_moment(max(times)) if times else None,
        )

    def clear(self) -> int:
        """Delete every stored file; returns how many there were."""
        removed = 0
        try:
            for entry in list(self._files()):
                entry.unlink()
                removed += 1
            for folder in self.directory.glob("??"):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
        except OSError as error:
            raise InputError(
                f"cannot clear the cache at {self.directory}: {error.strerror}",
                hint="check the folder's permissions",
            ) from error
        return removed

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}{self.suffix}"

    def _files(self) -> Iterator[Path]:
        if not self.directory.is_dir():
            return iter(())
        return (path for path in self.directory.glob(f"??/*{self.suffix}") if path.is_file())


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
