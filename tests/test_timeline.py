"""timeline: dates found in the text, resolved against each article's own date, in order;
the undated stays undated and separate meetings stay separate."""

from __future__ import annotations

from datetime import date

from briefing.reconcile.timeline import build_timeline, undated_sources

from .support.builders import article, claim, claims_of, corpus

BACKGROUND = (
    "The United States and Japan held security talks this week.",
    "The alliance between the United States and Japan is decades old.",
)
MARCH_25 = date(2024, 3, 25)


def test_dates_are_resolved_against_publication_and_put_in_order() -> None:
    a = article(
        "A",
        "Japan will double its defense budget by 2027.",
        "The leaders will meet at the White House on April 10.",
        "The plan follows a 2019 update to the treaty.",
        "The overhaul is the first of its kind since 1960.",
        "It is the largest change since the 1952 security treaty.",
        published=MARCH_25,
    )
    entries = build_timeline(corpus(a), [claims_of(a)])
    assert [(e.when, e.written, e.target) for e in entries] == [
        ("2019", ("2019",), False),
        ("2024-04-10", ("April 10",), False),
        ("2027", ("by 2027",), True),
    ]
    assert all(a.text[e.evidence[0].start : e.evidence[0].end] == e.text for e in entries)


def test_a_verified_claim_stating_the_date_is_preferred_to_the_whole_sentence() -> None:
    a = article(
        "A",
        "Officials said the leaders will meet at the White House on April 10.",
        published=MARCH_25,
    )
    meeting = claim(a, "The leaders will meet on April 10.", 1)
    (entry,) = build_timeline(corpus(a), [claims_of(a, meeting)])
    assert entry.text == meeting.text


def test_an_undated_article_keeps_relative_dates_and_its_lead_event_undated() -> None:
    a = article(
        "A",
        "Defense Secretary Pete Hegseth revealed sweeping reforms during talks in Tokyo.",
        "The command will be restructured next month.",
        "Missile production could triple by 2026.",
    )
    lead = claim(a, "Pete Hegseth revealed sweeping reforms during talks in Tokyo.", 1)
    entries = build_timeline(corpus(a), [claims_of(a, lead)])
    assert [(e.when, e.written) for e in entries] == [
        ("2026", ("by 2026",)),
        (None, ("next month",)),
        (None, ()),
    ]
    assert entries[-1].text == lead.text
    assert undated_sources(corpus(a)) == ["A"]


def test_two_sources_reporting_the_same_dated_event_share_one_entry() -> None:
    a = article(
        "A",
        "Biden and Kishida will announce the new command on April 10.",
        *BACKGROUND,
        published=MARCH_25,
    )
    b = article(
        "B",
        "On April 10, Biden and Kishida will announce the new command structure.",
        *BACKGROUND,
        published=date(2024, 4, 1),
    )
    (entry,) = build_timeline(
        corpus(a, b),
        [claims_of(a), claims_of(b)],
    )
    assert entry.when == "2024-04-10"
    assert entry.sources == ("A", "B")
    assert entry.written == ("April 10",)
    assert [e.source for e in entry.evidence] == ["A", "B"]


def test_meetings_on_one_date_with_different_officials_stay_distinct() -> None:
    a = article(
        "A", "Lloyd Austin met his counterparts in Washington on January 11, 2023.", *BACKGROUND
    )
    b = article("B", "Pete Hegseth met his counterparts in Tokyo on January 11, 2023.", *BACKGROUND)
    entries = build_timeline(
        corpus(a, b),
        [claims_of(a), claims_of(b)],
    )
    assert [e.sources for e in entries] == [("A",), ("B",)]


def test_the_same_officials_in_different_years_are_different_meetings() -> None:
    a = article("A", "Austin and Hayashi met in Washington in January 2023.", *BACKGROUND)
    b = article("B", "Austin and Hayashi met in Washington in January 2024.", *BACKGROUND)
    entries = build_timeline(corpus(a, b), [claims_of(a), claims_of(b)])
    assert [(e.when, e.sources) for e in entries] == [("2023-01", ("A",)), ("2024-01", ("B",))]


def test_a_baseline_month_is_not_an_event() -> None:
    a = article("A", "Prices reached the highest level since March 2020.", published=MARCH_25)
    assert build_timeline(corpus(a), [claims_of(a)]) == []


def test_an_entry_takes_a_claim_only_when_the_claim_gives_its_date() -> None:
    a = article("A", "The talks began on June 3 and ended on June 5.", published=MARCH_25)
    ended = claim(a, "The talks ended on June 5.", 1)
    entries = build_timeline(corpus(a), [claims_of(a, ended)])
    assert [(e.when, e.text) for e in entries] == [
        ("2024-06-03", a.sentences[0].text),
        ("2024-06-05", ended.text),
    ]


def test_different_events_on_one_day_stay_apart() -> None:
    a = article(
        "A", "On April 10 the parliament passed the budget.", *BACKGROUND, published=MARCH_25
    )
    b = article(
        "B",
        "On April 10 thousands of protesters marched on parliament against the budget cuts "
        "and the new tax on fuel.",
        *BACKGROUND,
        published=MARCH_25,
    )
    entries = build_timeline(corpus(a, b), [claims_of(a), claims_of(b)])
    assert [(e.when, e.sources) for e in entries] == [
        ("2024-04-10", ("A",)),
        ("2024-04-10", ("B",)),
    ]


def test_a_long_dated_sentence_becomes_its_dated_clause_of_at_most_20_words() -> None:
    from briefing.reconcile.timeline import MAX_ENTRY_WORDS, _short

    long = (
        "Regional rail services across the region ground to a halt on Tuesday as drivers, "
        "conductors and staff began a 48-hour strike over safety, staffing and pay."
    )
    short = _short(long, "Tuesday")
    assert short == "Regional rail services across the region ground to a halt on Tuesday."
    assert len(_short(long * 2, "March 3").split()) <= MAX_ENTRY_WORDS + 1


def test_a_long_sentence_with_no_short_dated_clause_keeps_the_words_around_its_date() -> None:
    from briefing.reconcile.timeline import MAX_ENTRY_WORDS, _short

    long = ("Amid growing tensions in the region, the president and the prime minister of the "
            "two allied countries are poised to announce a sweeping restructuring of the joint "
            "military command next month.")  # fmt: skip
    short = _short(long, "next month")
    assert short.startswith("…") and short.endswith("next month.")
    assert len(short.split()) <= MAX_ENTRY_WORDS
