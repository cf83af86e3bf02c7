"""A small answer schema for tests of the model client, and one structured call for it."""

from __future__ import annotations

from pydantic import BaseModel

from briefing.model.client import ModelClient
from briefing.model.structured import schema_of


class Answer(BaseModel):
    verdict: str
    score: int


SCHEMA = schema_of(Answer)
GOOD = '{"verdict": "ok", "score": 3}'


def ask(client: ModelClient) -> Answer:
    return client.structured("system", "user", Answer, SCHEMA, max_tokens=50)
