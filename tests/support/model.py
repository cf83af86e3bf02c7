"""A fake model at the `Model` protocol, for tests of stages where HTTP is not the point."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from briefing.errors import EndpointError
from briefing.types.contract import StageUsage, Usage

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Asked:
    """One structured request the fake model was asked."""

    system: str
    user: str
    output: str
    schema: dict[str, Any]
    max_tokens: int
    stage: str


class FakeModel:
    """Answers each structured request with `answer(asked)` (validated as the output asked
    for, as the real client does) and embeds each text as `vectors` says; without `vectors`
    it has no embeddings, as an endpoint without an embeddings API. Every call is kept
    (`asked`, `embedded`) and counted in `usage`."""

    def __init__(
        self,
        answer: Callable[[Asked], dict[str, Any]],
        *,
        vectors: Mapping[str, list[float]] | None = None,
        model: str = "m",
    ) -> None:
        self.model = model
        self.usage = Usage()
        self.asked: list[Asked] = []
        self.embedded: list[list[str]] = []
        self._answer = answer
        self._vectors = vectors

    def structured(
        self,
        system: str,
        user: str,
        output: type[T],
        schema: dict[str, Any],
        *,
        max_tokens: int,
        stage: str = "other",
    ) -> T:
        asked = Asked(system, user, output.__name__, schema, max_tokens, stage)
        self.asked.append(asked)
        self._count(stage)
        return output.model_validate(self._answer(asked))

    def embed(self, texts: Sequence[str], model: str) -> list[list[float]]:
        self.embedded.append(list(texts))
        if self._vectors is None:
            raise EndpointError(f"the fake model has no embeddings ({model})")
        self._count("embed")
        return [self._vectors[text] for text in texts]

    def _count(self, stage: str) -> None:
        for usage in (self.usage, self.usage.stages.setdefault(stage, StageUsage())):
            usage.llm_calls += 1
