"""clean: boilerplate out, facts kept, on the real seed articles and on generated text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from briefing.sources.clean import clean, clean_text
from briefing.types.stages import Article, Document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_document(number: str) -> Document:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return Document(path=str(path), text=path.read_text(encoding="utf-8"))


def cleaned_seed(number: str) -> Article:
    return clean(seed_document(number), f"s{number}")


def paragraphs(article: Article) -> list[str]:
    return article.text.split("\n\n")


def lines(article: Article) -> list[str]:
    return article.text.split("\n")


# --- the seeds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_every_cleaned_line_comes_from_the_document(number: str) -> None:
    document = seed_document(number)
    raw = document.text.replace("\u00a0", " ")
    article = clean(document, "s")
    assert article.text
    for line in lines(article):
        assert line in raw


def test_seed_000_keeps_its_paragraphs_and_drops_section_headings() -> None:
    article = cleaned_seed("000")
    assert article.published is None
    assert article.text.startswith("Amid growing geopolitical tensions in Asia")
    assert len(paragraphs(article)) == 5
    for heading in (
        "Strategic Upgrades and Defense Enhancements",
        "Operational Command Restructuring",
        "Implications for Regional Security",
    ):
        assert heading not in article.text
    assert (
        "This financial surge is intended to fund the acquisition of advanced military "
        "equipment, including precision missiles capable of striking targets up to 1,000 "
        "kilometers away."
    ) in article.text
    assert article.text.endswith("for peace and stability in the region.")


def test_seed_000_without_a_headline_takes_its_title_from_the_first_words() -> None:
    article = cleaned_seed("000")
    assert article.title.startswith("Amid growing geopolitical tensions in Asia")
    assert article.title.endswith("…")


def test_seed_001_reads_the_inline_date_and_removes_it() -> None:
    article = cleaned_seed("001")
    assert article.published == date(2024, 3, 25)
    assert article.text.startswith("Amid growing geopolitical tensions in the Asia-Pacific")
    assert "2024-03-25" not in article.text
    assert "Strengthening the Alliance" not in lines(article)
    assert "doubling its defense budget to 2% of GDP by 2027" in article.text


def test_seed_002_drops_view_counter_and_uses_repeated_headline_as_title() -> None:
    article = cleaned_seed("002")
    headline = "US and Japan Announce Generational Upgrade to Alliance Amid China Threat"
    assert article.title == headline
    assert headline not in article.text
    assert "317 views" not in article.text
    assert "Comment" not in article.text
    assert article.published == date(2024, 4, 12)
    assert "April 12, 2024" not in article.text
    assert article.text.startswith("In a significant development underscoring")
    assert "Association of Southeast Asian Nations (ASEAN)" in article.text


def test_seed_003_drops_labels_and_tags_but_keeps_key_point_bullets() -> None:
    article = cleaned_seed("003")
    assert (
        article.title == "US-Japan Forge War-Fighting Alliance to Counter Rising Chinese Aggression"
    )
    assert article.title not in article.text
    assert article.published is None
    for label in ("World", "defense", "geopolitics", "alliance", "Key Points"):
        assert label not in lines(article)
    assert paragraphs(article)[0] == "\n".join(
        [
            "• US establishes first joint war-fighting headquarters in Japan since WWII",
            "• Allies fast-track missile co-production to address munitions shortages",
            "• New defense posture targets strategic Southwest islands near Taiwan",
            "• Command restructuring aims to cut response time by 40%",
        ]
    )
    assert "a $2.7 billion investment reflecting 14% annual defense spending growth" in (
        article.text
    )


def test_seed_004_cuts_credit_line_and_everything_from_you_may_also_like() -> None:
    article = cleaned_seed("004")
    assert article.title == "U.S. and Japan Strengthen Alliance to Counter Growing Security Threats"
    for junk in (
        "Security & Defense",
        "Credit: EL PIAS English",
        "You May Also Like",
        "Society",
        "Capitol Hill Politics",
        "Is it illegal to drink at work?",
        "Sed ut perspiciatis",
        "bestiality",
        "Copyright © 2024",
        "Exit mobile version",
    ):
        assert junk not in article.text
    assert (
        "Additionally, the U.S. will deploy MQ-9 uncrewed aerial vehicles to Kanoya Air Base"
    ) in article.text
    assert article.text.endswith("maintaining regional stability and deterring potential threats.")


# --- small inputs ------------------------------------------------------------------------------

FACT = "Japan will double its defense budget by 2027."


@pytest.mark.parametrize(
    "junk",
    [
        "317 views 3 min 0 Comment",
        "5 min read",
        "12 comments",
        "Copyright © 2024 example.com.",
        "Some Media Group. All rights reserved.",
        "Photo: Reuters",
        "Credit: EL PIAS English",
        "Key Points",
        "Advertisement",
        "Read more: the full story on our site.",
        "Exit mobile version",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
    ],
)
def test_junk_line_is_dropped_and_the_fact_kept(junk: str) -> None:
    assert clean_text(f"{FACT}\n\n{junk}\n\nOfficials met in Tokyo.") == (
        f"{FACT}\n\nOfficials met in Tokyo."
    )


def test_tail_marker_cuts_the_rest_of_the_document() -> None:
    text = f"{FACT}\n\nRelated Stories\n\nAnother article says something else entirely."
    assert clean_text(text) == FACT


def test_windows_line_endings_and_odd_spaces_are_normalised() -> None:
    text = f"\ufeff{FACT}\r\n\r\nOfficials\u00a0 met\tin   Tokyo.\r\n"
    assert clean_text(text) == f"{FACT}\n\nOfficials met in Tokyo."


# --- idempotency -------------------------------------------------------------------------------

SENTENCES = [
    FACT,
    "The U.S. will deploy MQ-9 uncrewed aerial vehicles to Kanoya Air Base.",
    'Hegseth said: "Peace through strength requires factories humming today."',
    "Is it legal? Officials did not say!",
    "Response times fall by 40% under the plan; analysts agree.",
    "Officials from both countries met in Washington for two days of talks on command "
    "structures and missile production and munitions",  # long enough to be body unpunctuated
]
HEADINGS = [
    "World",
    "defense",
    "Security & Defense",
    "Strategic Military Enhancements",
    "US and Japan Announce Generational Upgrade to Alliance Amid China Threat",
]
BULLETS = [
    "• Command restructuring aims to cut response time by 40%",
    "- Allies fast-track missile co-production",
    "* New posture targets islands near Taiwan",
    "1. First point of the plan.",
    "2) Second point",
]
JUNK = [
    "317 views 3 min 0 Comment",
    "5 min read",
    "Copyright © 2024 example.com.",
    "All rights reserved.",
    "Credit: EL PIAS English",
    "Key Points",
    "Exit mobile version",
    "Advertisement",
    "Read more: the full story.",
    "Sed ut perspiciatis unde omnis iste natus error.",
]
TAIL_MARKERS = ["You May Also Like", "Related Stories", "Trending Now"]
BLANKS = ["", " ", "\t"]
DATES = [
    "April 12, 2024",
    "- April 12, 2024",
    "Published: 2024-03-25",
    "Updated on 12 April 2024",
    "date 2024-03-25 Amid growing tensions, the allies met in Tokyo.",
]

_padding = st.sampled_from(["", " ", "  ", "\u00a0"])


def documents(*kinds: list[str]) -> st.SearchStrategy[str]:
    line = st.builds(
        lambda before, text, after: before + text + after,
        _padding,
        st.sampled_from([item for kind in kinds for item in kind]),
        _padding,
    )
    return st.builds(
        lambda parts, newline: newline.join(parts),
        st.lists(line, max_size=24),
        st.sampled_from(["\n", "\r\n"]),
    )


_WITHOUT_DATES = (SENTENCES, HEADINGS, BULLETS, JUNK, TAIL_MARKERS, BLANKS)


@given(documents(*_WITHOUT_DATES))
def test_cleaning_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@given(documents(*_WITHOUT_DATES, DATES))
@example("April 12, 2024\n- April 12, 2024\n" + FACT)
def test_cleaning_is_idempotent_with_date_lines(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


# --- page furniture of real news sites (shapes written for the tests, no real page copied) ---

PAGE = """Harbour News
By Jane Doe, Harbour Correspondent
Harbour News - Wednesday, March 11, 2026
Listen to this article · 4 min
PORTVILLE, March 10 (HPA) - The port authority closed the north pier on Tuesday.
Ann Lee, left, and Tom Ray shake hands at the harbour office in February.
Officials said 12 workers were evacuated and no one was hurt.
Sign up for our free newsletter and get the day's top stories every morning.
Join the conversation – 48 comments
This report by the Harbour Press Agency was first published on March 11, 2026.
"""


def test_bylines_captions_widgets_prompts_and_wire_footers_never_reach_the_text() -> None:
    article = clean(Document(path="page.txt", text=PAGE), "s1")
    assert paragraphs(article) == [
        "The port authority closed the north pier on Tuesday.",
        "Officials said 12 workers were evacuated and no one was hurt.",
    ]


def test_a_header_date_is_the_publication_date_and_a_byline_is_never_the_title() -> None:
    article = clean(Document(path="page.txt", text=PAGE), "s1")
    assert article.published == date(2026, 3, 11)
    assert article.title == "Harbour News" or not article.title.startswith("By ")


@pytest.mark.parametrize(
    "kept",
    [
        "By Tuesday evening the fire had reached the coast.",
        "The minister said the plan would be published on March 11, 2026, after talks.",
        "Investors should sign up early, the broker said, as the offer is limited to 12 days.",
    ],
)
def test_sentences_that_merely_look_like_furniture_are_kept(kept: str) -> None:
    assert clean_text(f"{kept}\n\nThe talks continue on Friday.").startswith(kept)
