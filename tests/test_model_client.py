"""`ModelClient` as a whole: usage per stage with its cost, the budget kept before a call is
sent, and embeddings at their own price (the fake endpoint in process, no network). The
pieces have their own tests: test_transport, test_structured, test_ledger and test_cache."""

from __future__ import annotations

import pytest

from briefing.errors import BudgetError
from briefing.model.costs import Price
from briefing.model.ledger import Spending
from briefing.model.structured import OutputMode

from .support.answers import GOOD, SCHEMA, Answer, ask
from .support.endpoint import FakeEndpoint, Reply, client_for, completion


def test_usage_is_counted_per_stage_with_its_cost() -> None:
    fake = FakeEndpoint(replies=[Reply(body=completion(GOOD))] * 2)
    client = client_for(
        fake, mode=OutputMode.json_schema, spending=Spending(price=Price(input=1e6, output=2e6))
    )
    client.structured("s", "u", Answer, SCHEMA, max_tokens=50, stage="extract")
    client.structured("s", "u2", Answer, SCHEMA, max_tokens=50, stage="compose")

    assert client.usage.stages["extract"].prompt_tokens == 10
    assert client.usage.stages["compose"].completion_tokens == 4
    assert client.usage.cost == pytest.approx(2 * (10 * 1 + 4 * 2))


def test_a_call_that_could_pass_the_budget_is_not_sent() -> None:
    expensive = completion(GOOD, usage=(990, 0))
    fake = FakeEndpoint(replies=[Reply(body=expensive)])
    # $1 per prompt token: the first call's prompt (a few dozen tokens) fits in $1,000; it
    # spends $990, so the next one would pass the limit and is refused before it is sent.
    spending = Spending(price=Price(input=1e6, output=0), limit=1000)
    client = client_for(fake, mode=OutputMode.json_schema, spending=spending)
    ask(client)

    with pytest.raises(BudgetError, match=r"past \$1000: \$990.0000 spent") as raised:
        ask(client)
    assert "raise --max-cost" in str(raised.value)
    assert len(fake.requests) == 1 and client.usage.cost == 990


def test_an_endpoint_that_reports_no_usage_is_counted_and_charged() -> None:
    fake = FakeEndpoint(replies=[Reply(body=completion(GOOD, usage=None))])
    client = client_for(
        fake, mode=OutputMode.json_schema, spending=Spending(price=Price(input=1e6, output=0))
    )
    ask(client)
    assert client.usage.prompt_tokens > 0 and client.usage.completion_tokens > 0
    assert client.usage.cost == client.usage.prompt_tokens


def test_embeddings_are_charged_at_their_own_price_and_kept_within_the_budget() -> None:
    body = {
        "object": "list",
        "model": "e",
        "data": [{"object": "embedding", "index": 0, "embedding": [1.0]}],
        "usage": {"prompt_tokens": 1000, "total_tokens": 1000},
    }
    fake = FakeEndpoint(replies=[Reply(body=body)])
    spending = Spending(
        price=Price(input=1e6, output=1e6), embedding_price=Price(input=1, output=0), limit=0.00105
    )
    client = client_for(fake, spending=spending)
    client.embed(["a claim"], "e")
    assert client.usage.cost == pytest.approx(0.001)  # 1,000 tokens at $1 per million

    with pytest.raises(BudgetError, match=r"\(embed\)"):
        client.embed(["a longer claim " * 100], "e")
    assert len(fake.requests) == 1
