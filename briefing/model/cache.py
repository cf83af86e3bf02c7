"""A content-addressed store of model answers, so an unchanged re-run makes no model calls.

Each answer is one JSON file named by the sha256 of everything that shaped it: the kind of
call, the endpoint, the model, the prompt templates' own hash, the schema, the parameters and
the full conversation. Change any of these and the key changes; nothing is ever invalidated
by date. Files are written atomically as each call finishes, so a run killed half-way leaves
its finished calls for the next run to reuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from briefing.keyed_files import KeyedFiles, content_key

FORMAT = 1  # bump when the stored answer's shape changes


class CachedAnswer(BaseModel):
    """What a model call returned, enough to replay it without the model."""

    text: str = ""
    finish_reason: str | None = None
    vectors: list[list[float]] | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


def call_key(kind: str, request: Mapping[str, Any]) -> str:
    """The cache key of one call: sha256 over its kind and its canonical JSON request."""
    return content_key({"format": FORMAT, "kind": kind, "request": request})


def digest(value: Any) -> str:
    """A short stable hash of any JSON-able value (schemas, template sources)."""
    return content_key(value)[:16]


class CallCache(KeyedFiles):
    """Answers stored under `directory/ab/abcdef….json`."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, ".json")

    def get(self, key: str) -> CachedAnswer | None:
        """The stored answer, or None when absent or unreadable (then it is simply re-made)."""
        stored = self.read(key)
        try:
            return None if stored is None else CachedAnswer.model_validate_json(stored)
        except ValidationError:
            return None

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Store `answer` atomically. A cache that cannot be written costs speed, not results,
        so failures are swallowed."""
        self.write(key, answer.model_dump_json())
