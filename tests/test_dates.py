"""dates.normalise: a date as written, made ISO relative to publication, never guessed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.claims.dates import dates_in, normalise

PUBLISHED = date(2024, 3, 25)  # a Monday


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("April 10, 2024", "2024-04-10"),
        ("on April 10", "2024-04-10"),
        ("10 April 2024", "2024-04-10"),
        ("Apr. 10", "2024-04-10"),
        ("April 10th", "2024-04-10"),
        ("2024-04-10", "2024-04-10"),
        ("April 2024", "2024-04"),
        ("in April", "2024-04"),
        ("January", "2024-01"),
        ("December", "2023-12"),
        ("1960", "1960"),
        ("since 1952", "1952"),
        ("next month", "2024-04"),
        ("last month", "2024-02"),
        ("this year", "2024"),
        ("last year", "2023"),
        ("next year", "2025"),
        ("today", "2024-03-25"),
        ("yesterday", "2024-03-24"),
        ("Tomorrow", "2024-03-26"),
        ("on Wednesday", "2024-03-27"),
        ("Saturday", "2024-03-23"),
        ("last Friday", "2024-03-22"),
        ("next Monday", "2024-04-01"),
        ("February 30", None),
        ("soon", None),
        ("the coming decades", None),
        ("", None),
    ],
)
def test_normalise_relative_to_publication(when: str, expected: str | None) -> None:
    assert normalise(when, PUBLISHED) == expected


def test_a_month_written_in_december_about_january_is_next_year() -> None:
    assert normalise("in January", date(2024, 12, 20)) == "2025-01"


@pytest.mark.parametrize("when", ["next month", "on Wednesday", "yesterday", "April 10"])
def test_relative_dates_of_an_undated_article_stay_undated(when: str) -> None:
    assert normalise(when, None) is None


@pytest.mark.parametrize(("when", "expected"), [("April 10, 2024", "2024-04-10"), ("1960", "1960")])
def test_absolute_dates_need_no_publication_date(when: str, expected: str) -> None:
    assert normalise(when, None) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_every_written_out_date_round_trips(day: date) -> None:
    written = f"{day:%B} {day.day}, {day.year}"
    assert normalise(written, PUBLISHED) == day.isoformat()
    assert normalise(f"{day.day} {day:%b} {day.year}", None) == day.isoformat()


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 6))
def test_a_bare_weekday_lands_within_three_days_of_publication(published: date, day: int) -> None:
    weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day]
    found = date.fromisoformat(normalise(weekday, published) or "")
    assert found.weekday() == day
    assert abs((found - published).days) <= 3


def test_dates_in_finds_each_date_as_written_longest_first() -> None:
    text = (
        "Set for a reveal at the White House on April 10, the plan is the first since 1960; "
        "talks resume next month and on Wednesday, March 3, 2027."
    )
    assert dates_in(text) == ["April 10", "since 1960", "next month", "Wednesday", "March 3, 2027"]


def test_dates_in_finds_nothing_in_a_sentence_without_dates() -> None:
    assert dates_in("The alliance is the cornerstone of regional security.") == []


def test_dates_in_skips_words_that_only_look_like_dates() -> None:
    text = "It may lead to a recalibration of its 70-year-old structure; a year of march drills."
    assert dates_in(text) == []
    assert dates_in("Talks resume in May and next year.") == ["May", "next year"]
