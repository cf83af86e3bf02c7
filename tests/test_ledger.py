"""The ledger: usage per stage, cost, and the budget (pure: no model, no HTTP)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.errors import BudgetError
from briefing.model.costs import Price
from briefing.model.ledger import Ledger, Spending, Tokens

DOLLAR_A_TOKEN = Price(input=1e6, output=2e6)  # $1 a prompt token, $2 a completion token

answers = st.lists(
    st.tuples(
        st.sampled_from(["extract", "compose", "embed"]),
        st.builds(
            Tokens,
            prompt=st.integers(0, 10_000),
            completion=st.integers(0, 10_000),
            seconds=st.floats(0, 100),
        ),
        st.booleans(),
    ),
    max_size=30,
)


@given(answers)
def test_the_totals_are_the_sums_of_the_stages(recorded: list[tuple[str, Tokens, bool]]) -> None:
    ledger = Ledger()
    for stage, tokens, from_cache in recorded:
        ledger.record(stage, tokens, from_cache=from_cache, price=None)

    usage, stages = ledger.usage, ledger.usage.stages.values()
    assert usage.llm_calls == sum(s.llm_calls for s in stages)
    assert usage.cached_calls == sum(s.cached_calls for s in stages)
    assert usage.prompt_tokens == sum(s.prompt_tokens for s in stages)
    assert usage.completion_tokens == sum(s.completion_tokens for s in stages)
    assert usage.llm_calls + usage.cached_calls == len(recorded)
    made = [tokens for _, tokens, from_cache in recorded if not from_cache]
    assert usage.prompt_tokens == sum(tokens.prompt for tokens in made)
    assert usage.cost is None  # no price, no cost


@given(answers)
def test_only_the_models_answers_cost_money(recorded: list[tuple[str, Tokens, bool]]) -> None:
    ledger = Ledger()
    for stage, tokens, from_cache in recorded:
        ledger.record(stage, tokens, from_cache=from_cache, price=DOLLAR_A_TOKEN)

    made = [tokens for _, tokens, from_cache in recorded if not from_cache]
    expected = sum(tokens.prompt + 2 * tokens.completion for tokens in made)
    assert (ledger.usage.cost or 0.0) == pytest.approx(expected)
    assert (ledger.usage.cost is None) == (not made)


def test_a_call_that_could_pass_the_limit_is_refused_before_it_is_sent() -> None:
    ledger = Ledger(Spending(price=DOLLAR_A_TOKEN, limit=100))
    ledger.record("extract", Tokens(prompt=90), from_cache=False, price=DOLLAR_A_TOKEN)

    with pytest.raises(BudgetError, match=r"\(compose\) that could take the cost past \$100: "
                       r"\$90\.0000 spent") as raised:  # fmt: skip
        ledger.reserve("compose", DOLLAR_A_TOKEN, lambda: 5, answer=5)  # 5 + 2 * 5 = $15
    assert "raise --max-cost" in raised.value.hint
    assert ledger.reserve("compose", DOLLAR_A_TOKEN, lambda: 4, answer=3) == 10


@given(bounds=st.lists(st.integers(1, 50), min_size=1, max_size=20), limit=st.integers(0, 300))
def test_calls_in_flight_count_against_the_limit_until_released(
    bounds: list[int], limit: int
) -> None:
    ledger = Ledger(Spending(price=Price(input=1e6, output=0), limit=limit))
    reserved: list[float] = []
    for bound in bounds:
        try:
            reserved.append(ledger.reserve("extract", ledger.spending.price, lambda b=bound: b, 0))
        except BudgetError:
            assert sum(reserved) + bound > limit
            continue
        assert sum(reserved) <= limit
    for bound in reserved:
        ledger.release(bound)
    biggest = max(bounds)
    if biggest <= limit:  # with nothing in flight, any call within the limit goes
        ledger.reserve("extract", ledger.spending.price, lambda: biggest, 0)


def test_without_a_limit_or_a_price_nothing_is_counted_in_advance() -> None:
    def never() -> int:
        raise AssertionError("the prompt is counted only when there is a limit to keep")

    assert Ledger(Spending(price=DOLLAR_A_TOKEN)).reserve("extract", DOLLAR_A_TOKEN, never, 9) == 0
    assert Ledger(Spending(limit=1)).reserve("extract", None, never, 9) == 0
