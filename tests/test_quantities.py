"""Counts as ranges: hedged and exact counts compared as a reader would."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from briefing.claims.quantities import disagreeing, quantities


def ranges(text: str) -> list[tuple[str, float, float]]:
    return [(q.unit, q.low, q.high) for q in quantities(text)]


def test_hedges_become_ranges() -> None:
    assert ranges("About 4,000 people were evacuated.") == [("peopl", 3600.0, 4400.0)]
    assert ranges("killing at least 13 people")[0][1:] == (13.0, math.inf)
    (unit, low, high) = ranges("More than 6,000 residents had to leave.")[0]
    assert unit == "peopl" and low > 6000 and high == math.inf  # residents are people
    assert ranges("nearly 50 soldiers") == [("soldi", 45.0, 50.0)]
    (unit, low, high) = ranges("fewer than 20 boats")[0]
    assert unit == "boat" and low == 0.0 and high < 20


def test_currencies_percentages_words_and_scales_are_counts() -> None:
    assert ranges("Veridane will charge $31,500 a year.") == [("$", 31500.0, 31500.0)]
    assert ranges("a cost of 31,500 dollars per patient") == [("$", 31500.0, 31500.0)]
    assert ranges("14.6 per cent of patients") == [("%", 14.6, 14.6)]
    assert ranges("Thirteen people are dead") == [("peopl", 13.0, 13.0)]
    assert ranges("five hundred troops") == [("troop", 500.0, 500.0)]
    assert ranges("a $1.2 billion deal") == [("$", 1.2e9, 1.2e9)]


def test_years_and_dates_are_not_counts() -> None:
    assert ranges("In 2024 the budget grew") == []
    assert ranges("On March 3, 2026, 14 people were hurt") == [("peopl", 14.0, 14.0)]


def test_counts_that_cannot_both_be_true_disagree() -> None:
    about = quantities("About 4,000 people were evacuated")
    assert disagreeing(about, quantities("More than 6,000 people were evacuated"))
    assert disagreeing(quantities("14 people were injured"), quantities("Twelve people hurt"))


def test_counts_that_can_both_be_true_agree() -> None:
    assert not disagreeing(quantities("1,842 patients"), quantities("about 1,800 patients"))
    assert not disagreeing(quantities("at least 13 people"), quantities("13 people died"))
    assert not disagreeing(quantities("400 troops"), quantities("the budget rose 5%"))


def test_a_text_that_also_gives_the_other_count_does_not_disagree() -> None:
    both = quantities("12 people died and 14 people were hurt")
    assert not disagreeing(both, quantities("14 people were injured"))


@given(st.integers(min_value=1, max_value=10**9))
def test_a_count_agrees_with_itself_however_it_is_hedged(value: int) -> None:
    exact = quantities(f"{value:,} tonnes")
    for hedge in ("about", "nearly", "at least", "up to"):
        assert not disagreeing(exact, quantities(f"{hedge} {value:,} tonnes")), hedge


def test_a_thousands_separator_makes_a_count_not_a_year() -> None:
    (count,) = quantities("a study of more than 2,000 patients")
    assert count.unit == "patie" and count.low > 2000
    assert quantities("in 2024 patients waited") == []
