"""What the stages need of a model: the `Model` protocol.

`ModelClient` is the real one; tests of stages where HTTP is not the point give a fake that
answers at this protocol instead (tests/support/model.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from briefing.types.contract import Usage

T = TypeVar("T", bound=BaseModel)


class Model(Protocol):
    """A model that answers in JSON of a given schema, embeds texts and counts its usage."""

    @property
    def model(self) -> str:
        """The model's name (prompts are sized by its tokenizer; the briefing names it)."""
        ...

    @property
    def usage(self) -> Usage:
        """Calls, tokens, seconds and cost so far, in all and per stage."""
        ...

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
        """One answer matching `schema`, validated as `output`, counted under `stage`."""
        ...

    def embed(self, texts: Sequence[str], model: str) -> list[list[float]]:
        """Embeddings of `texts` by the embedding model `model`, in order."""
        ...
