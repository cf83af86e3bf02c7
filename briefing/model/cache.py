"""A content-addressed store of model answers, so an unchanged re-run makes no model calls.

Each answer is one JSON file named by the sha256 of everything that shaped it: the kind of
call, the endpoint, the model, the prompt templates' own hash, the schema, the parameters and
the full conversation. Change any of these and the key changes; nothing is ever invalidated
by date. Files are written atomically as each call finishes, so a run killed half-way leaves
its finished calls for the next run to reuse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from briefing.atomic_files import replace_file
from briefing.errors import InputError

FORMAT = 1  # bump when the stored answer's shape changes


class CachedAnswer(BaseModel):
    """What a model call returned, enough to replay it without the model."""

    text: str = ""
    finish_reason: str | None = None
    vectors: list[list[float]] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


class CacheStats(BaseModel):
    directory: Path
    entries: int
    bytes: int
    oldest: datetime | None
    newest: datetime | None


def call_key(kind: str, request: Mapping[str, Any]) -> str:
    """The cache key of one call: sha256 over its kind and its canonical JSON request."""
    canonical = json.dumps(
        {"format": FORMAT, "kind": kind, "request": request},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def digest(value: Any) -> str:
    """A short stable hash of any JSON-able value (schemas, template sources)."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


class CallCache:
    """Answers stored under `directory/ab/abcdef….json`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> CachedAnswer | None:
        """The stored answer, or None when absent or unreadable (then it is simply re-made)."""
        try:
            return CachedAnswer.model_validate_json(self._path(key).read_bytes())
        except (OSError, ValidationError):
            return None

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer` atomically. A cache that cannot be written costs speed, not results,
        so failures are swallowed."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Private, like the prompts it holds; not fsync'd: an entry a power cut truncates
            # fails validation and is simply asked again.
            replace_file(path, answer.model_dump_json(), mode=0o600, durable=False)
        except OSError:
            return

    def stats(self) -> CacheStats:
        sizes_and_times = [(entry.stat().st_size, entry.stat().st_mtime) for entry in self._files()]
        times = [when for _, when in sizes_and_times]
        return CacheStats(
            directory=self.directory,
            entries=len(sizes_and_times),
            bytes=sum(size for size, _ in sizes_and_times),
            oldest=_moment(min(times)) if times else None,
            newest=_moment(max(times)) if times else None,
        )

    def clear(self) -> int:
        """Delete every stored answer; returns how many there were."""
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
        return self.directory / key[:2] / f"{key}.json"

    def _files(self) -> Iterator[Path]:
        if not self.directory.is_dir():
            return iter(())
        return (path for path in self.directory.glob("??/*.json") if path.is_file())


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)
