"""What model calls cost: a price table for known hosted models, overridable from the config.

Prices are US dollars per million tokens, from OpenAI's published list prices (standard tier,
2025); a config's `[prices]` table replaces or adds entries. Models served on this machine
(the embedded one, anything at 127.0.0.1 or localhost) cost nothing. Any other unknown model
has no price, so its cost is reported as unknown rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field


class Price(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0, description="US dollars per million prompt tokens")
    output: float = Field(ge=0, description="US dollars per million completion tokens")

    def of(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input + completion_tokens * self.output) / 1_000_000


FREE = Price(input=0, output=0)

KNOWN_PRICES: Mapping[str, Price] = {
    "gpt-4.1": Price(input=2.00, output=8.00),
    "gpt-4.1-mini": Price(input=0.40, output=1.60),
    "gpt-4.1-nano": Price(input=0.10, output=0.40),
    "gpt-4o": Price(input=2.50, output=10.00),
    "gpt-4o-mini": Price(input=0.15, output=0.60),
    "o3-mini": Price(input=1.10, output=4.40),
    "o4-mini": Price(input=1.10, output=4.40),
    "gpt-3.5-turbo": Price(input=0.50, output=1.50),
    "text-embedding-3-small": Price(input=0.02, output=0),
    "text-embedding-3-large": Price(input=0.13, output=0),
}

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def price_for(
    model: str, base_url: str | None, overrides: Mapping[str, Price] | None = None
) -> Price | None:
    """The price of `model` at `base_url` (None: the embedded model), or None when unknown.

    A dated snapshot ("gpt-4o-2024-08-06") takes its family's price."""
    table = {**KNOWN_PRICES, **(overrides or {})}
    if model in table:
        return table[model]
    if base_url is None or urlsplit(base_url).hostname in _LOCAL_HOSTS:
        return FREE
    family = max((name for name in table if model.startswith(f"{name}-")), key=len, default=None)
    return table[family] if family else None


def dollars(amount: float | None) -> str:
    if amount is None:
        return "unknown cost"
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"
