"""What a run's model calls used and cost, and what it may still spend.

Pure bookkeeping, no I/O: each answer is counted per stage (a cached one as a cached call),
charged at its price when known, and a call that could take the run past its limit is refused
before anything is sent, counting its whole answer budget and the calls still in flight. A
ledger may be shared by threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from briefing.errors import BudgetError
from briefing.model.costs import Price
from briefing.types.contract import StageUsage, Usage

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spending:
    """What calls cost and how much a run may spend (`limit` None: no limit)."""

    price: Price | None = None
    limit: float | None = None
    embedding_price: Price | None = None


@dataclass(frozen=True)
class Tokens:
    """What one answer used."""

    prompt: int
    completion: int = 0
    seconds: float = 0.0


class Ledger:
    """Usage per stage and in all, the run's cost, and the cost bounds of calls in flight."""

    def __init__(self, spending: Spending | None = None) -> None:
        self.spending = spending or Spending()
        self.usage = Usage()
        self._reserved = 0.0
        self._lock = threading.Lock()

    def reserve(
        self, stage: str, price: Price | None, prompt_tokens: Callable[[], int], answer: int
    ) -> float:
        """Refuse a call that could take the run past its limit (`BudgetError`); else set its
        cost bound aside until `release`, and return that bound. `prompt_tokens` is counted
        only when there is a limit to keep."""
        limit = self.spending.limit
        if price is None or limit is None:
            return 0.0
        bound = price.of(prompt_tokens(), answer)
        with self._lock:
            spent = self.usage.cost or 0.0
            if spent + self._reserved + bound > limit:
                raise BudgetError(
                    f"stopped before a model call ({stage}) that could take the cost past "
                    f"${limit:g}: ${spent:.4f} spent so far",
                    hint="the answers so far are cached; raise --max-cost and run again to go on",
                )
            self._reserved += bound
        return bound

    def release(self, bound: float) -> None:
        with self._lock:
            self._reserved -= bound

    def record(self, stage: str, tokens: Tokens, *, from_cache: bool, price: Price | None) -> None:
        """Count one answer under `stage`; a model's answer (not a cached one) costs `price`."""
        with self._lock:
            for usage in (self.usage, self.usage.stages.setdefault(stage, StageUsage())):
                if from_cache:
                    usage.cached_calls += 1
                    continue
                usage.llm_calls += 1
                usage.prompt_tokens += tokens.prompt
                usage.completion_tokens += tokens.completion
                usage.model_seconds += tokens.seconds
            if not from_cache and price is not None:
                cost = price.of(tokens.prompt, tokens.completion)
                self.usage.cost = (self.usage.cost or 0.0) + cost
        _log.debug(
            "%s %s: %d prompt + %d completion tokens, %.1f s",
            stage,
            "answer from the cache" if from_cache else "model call",
            tokens.prompt,
            tokens.completion,
            tokens.seconds,
        )
