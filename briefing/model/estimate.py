"""What a run would cost, worked out without calling a model (`--dry-run`).

Extraction prompts are rendered exactly as the run would send them, so their prompt tokens are
counted, and the cache is asked whether each is already answered. The composition's prompt
depends on the claims the model has not yet made, so it is bounded: every article yielding its
maximum of claims, each of a typical length. Completion tokens are the answer caps each call is
given, so every figure is an upper bound, the same bound `--max-cost` enforces.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel, computed_field

from briefing.claims import extract
from briefing.compose import prose
from briefing.compose.prose import Budget, Point
from briefing.errors import ModelOutputError
from briefing.model.cache import CallCache
from briefing.model.client import chat_key
from briefing.model.costs import Price
from briefing.model.tokens import Counter, counter_for
from briefing.types.answers import ArticleSummary
from briefing.types.stages import Article, Cluster

TYPICAL_CLAIM = "Japan will station 2,000 troops at the base from April under the new command."


class StageEstimate(BaseModel):
    stage: str
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None


class Estimate(BaseModel):
    """Upper bounds for one run; `cost` is None when the model's price is unknown."""

    model: str
    articles: int
    stages: list[StageEstimate]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost(self) -> float | None:
        costs = [stage.cost for stage in self.stages]
        return None if None in costs else sum(cost or 0.0 for cost in costs)

    @property
    def calls(self) -> int:
        return sum(stage.calls for stage in self.stages)

    @property
    def cached_calls(self) -> int:
        return sum(stage.cached_calls for stage in self.stages)


def estimate(
    articles: Sequence[Article],
    *,
    model: str,
    endpoint: str,
    context_window: int,
    max_chunks: int,
    price: Price | None,
    cache: CallCache | None,
) -> Estimate:
    """Upper bounds on the calls, tokens and cost of summarising `articles` and composing the
    briefing; `endpoint` is the cache identity the run would use."""
    count = counter_for(model)
    reading = StageEstimate(stage="extract")
    for article in articles:
        try:
            chunks, _ = extract.plan(article, model, context_window, max_chunks)
        except ModelOutputError:
            continue  # nothing of it would be sent
        for part, chunk in enumerate(chunks, start=1):
            system, user, schema = extract.summary_request(article, chunk, part, len(chunks))
            conversation = [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ]
            key = chat_key(
                endpoint,
                model,
                conversation,
                output=ArticleSummary.__name__,
                schema=schema,
                max_tokens=extract.ANSWER_TOKENS,
            )
            if cache is not None and key in cache:
                reading.cached_calls += 1
                continue
            reading.calls += 1
            reading.prompt_tokens += count(system) + count(user) + count(json.dumps(schema))
            reading.completion_tokens += extract.ANSWER_TOKENS
    stages = [reading, *_composition(len(articles), count, context_window)]
    for stage in stages:
        stage.cost = price.of(stage.prompt_tokens, stage.completion_tokens) if price else None
    return Estimate(model=model, articles=len(articles), stages=stages)


def _composition(articles: int, count: Counter, context_window: int) -> list[StageEstimate]:
    """The digest rounds and the compose call for the most claims the articles can yield, as
    the composition would plan them (`prose.condensed`), each digest answering with as many
    statements as it may."""
    budget = Budget(count, context_window)
    digest = StageEstimate(stage="digest")

    def bounded(batch: list[Point]) -> list[Point]:
        digest.calls += 1
        digest.prompt_tokens += budget.tokens("digest", batch, articles)
        digest.completion_tokens += prose.DIGEST_ANSWER_TOKENS
        return batch[: prose.DIGEST_STATEMENTS]

    typical = Cluster(id="typical", canonical=TYPICAL_CLAIM, claims=())
    shown = prose.points_for([typical] * (articles * extract.MAX_CLAIMS))
    points, _ = prose.condensed(shown, articles, budget, bounded)
    writing = StageEstimate(
        stage="compose",
        calls=1,
        prompt_tokens=budget.tokens("compose", points, articles),
        completion_tokens=prose.COMPOSE_ANSWER_TOKENS,
    )
    return [digest, writing] if digest.calls else [writing]
