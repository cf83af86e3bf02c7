"""verify: a claim must state only numbers and content its cited sentences contain."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.claims.verify import (
    citation_problems,
    content_stems,
    evidence_problems,
    name_companions,
    numbers_in,
)

BUDGET = "Japan will raise defense spending to 2% of GDP by 2027, the ministry said."
MISSILES = "The missiles can strike targets up to 1,000 kilometers away."


def test_supported_claim_has_no_problems() -> None:
    assert evidence_problems("Japan will spend 2% of GDP on defense by 2027", [BUDGET]) == []


def test_wrong_number_is_caught() -> None:
    problems = evidence_problems("Japan will spend 3% of GDP on defense by 2027", [BUDGET])
    assert problems == ["numbers not in the cited text: 3"]


def test_every_missing_number_is_listed_once_in_order() -> None:
    problems = evidence_problems("Japan will spend 3% of GDP on defense by 2030", [BUDGET])
    assert problems == ["numbers not in the cited text: 2030, 3"]


@pytest.mark.parametrize("claim_number", ["1000", "1,000"])
def test_thousands_separator_does_not_matter(claim_number: str) -> None:
    claim = f"The missiles strike targets {claim_number} kilometers away"
    assert evidence_problems(claim, [MISSILES]) == []


def test_number_words_count_as_digits() -> None:
    evidence = ["Japan plans to double its defense budget within five years."]
    assert evidence_problems("Japan will double its defense budget in 5 years", evidence) == []
    assert evidence_problems("Japan will double its defense budget in 6 years", evidence) == [
        "numbers not in the cited text: 6"
    ]


def test_decimals_are_compared_by_their_text() -> None:
    evidence = ["The command cost $2.7 billion."]
    assert evidence_problems("The command cost $2.7 billion", evidence) == []
    assert evidence_problems("The command cost $2.8 billion", evidence) == [
        "numbers not in the cited text: 2.8 billion"
    ]


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("over 50,000 personnel", "over fifty thousand personnel"),
        ("over fifty thousand personnel", "over 50,000 personnel"),
        ("a $2,700 million plan", "a $2.7 billion plan"),
    ],
)
def test_amounts_with_scale_words_compare_by_value(claim: str, evidence: str) -> None:
    assert evidence_problems(claim, [evidence]) == []


def test_a_scaled_amount_must_match_its_value() -> None:
    assert evidence_problems("over 60,000 personnel", ["over fifty thousand personnel"]) == [
        "numbers not in the cited text: 60,000"
    ]


def test_unrelated_claim_is_flagged_for_low_overlap() -> None:
    problems = evidence_problems("the orchestra performed symphonies in a hall", [BUDGET])
    assert problems == ["only 0% of its words come from the cited text"]


def test_overlap_counts_all_cited_sentences_together() -> None:
    claim = "Japan will raise defense spending; its missiles strike targets kilometers away"
    assert evidence_problems(claim, [BUDGET]) != []
    assert evidence_problems(claim, [BUDGET, MISSILES]) == []


def test_stopwords_and_short_words_do_not_count_as_content() -> None:
    assert content_stems("It is what the ministry said, according to it.") == {"minis"}
    assert evidence_problems("It is what it was.", [BUDGET]) == []


def test_numbers_in_normalises_separators_and_words() -> None:
    assert numbers_in("1,000 troops, $2.7 billion, twelve ships and 40%") == {
        "1000",
        "2700000000",
        "12",
        "40",
    }


def test_citation_problems_catches_sentence_numbers_not_shown() -> None:
    assert citation_problems([1, 999, 0, 999], shown=range(1, 6)) == [
        "cites sentences that do not exist: 0, 999"
    ]


@pytest.mark.parametrize("cited", [[1], [5], [1, 2, 5]])
def test_citation_problems_accepts_shown_sentences(cited: list[int]) -> None:
    assert citation_problems(cited, shown=range(1, 6)) == []


def test_citation_problems_rejects_a_withheld_sentence() -> None:
    assert citation_problems([2, 3], shown={1, 3}) == ["cites sentences that do not exist: 2"]


# --- names -------------------------------------------------------------------------------------

SUMMIT = "US President Joe Biden and Prime Minister Fumio Kishida will meet at the White House."


def test_wrong_name_is_caught() -> None:
    problems = evidence_problems(
        "Biden and Prime Minister Yoon will meet at the White House", [SUMMIT]
    )
    assert problems == ["names not in the cited text: Yoon"]


def test_wrong_country_is_caught_even_as_the_first_word_when_the_article_uses_it() -> None:
    claim = "China will meet Japan at the White House"
    evidence = ["Japan will meet the United States at the White House."]
    assert evidence_problems(claim, evidence) == []  # first word: a capital says nothing alone
    assert evidence_problems(claim, evidence, known_names={"china"}) == [
        "names not in the cited text: China"
    ]


@pytest.mark.parametrize("written", ["7.52 a.m.", "7:52 a.m.", "7:52am", "7:52"])
def test_a_time_of_day_is_one_number_whatever_its_separator(written: str) -> None:
    evidence = [f"The train left the rails at {written}, just south of the station."]
    assert evidence_problems("The train derailed at 7:52 a.m.", evidence) == []
    assert evidence_problems("The train derailed at 7:53 a.m.", evidence) == [
        "numbers not in the cited text: 7:53"
    ]


def test_a_claim_may_give_the_full_name_the_article_writes_elsewhere() -> None:
    article = ["Veridane Therapeutics has its first product at last.", "Its shares rose."]
    companions = name_companions(article)
    evidence = ["Shares of Veridane rose 11 percent on Friday."]

    claim = "Shares of Veridane Therapeutics rose 11 percent on Friday."
    assert evidence_problems(claim, evidence, companions=companions) == []
    assert evidence_problems(claim, evidence) == ["names not in the cited text: Therapeutics"]
    other = "Shares of Harborline Therapeutics rose 11 percent on Friday."
    assert evidence_problems(other, evidence, companions=companions) == [
        "names not in the cited text: Harborline"
    ]


def test_names_are_companions_only_when_written_side_by_side() -> None:
    companions = name_companions(["Officials met Joe Biden. Kishida, in Tokyo, spoke."])
    assert companions == {"joe": frozenset({"biden"}), "biden": frozenset({"joe"})}


def test_wrong_month_is_caught() -> None:
    evidence = ["The leaders will meet at the White House on April 10."]
    assert evidence_problems("The leaders will meet on April 10", evidence) == []
    assert evidence_problems("The leaders will meet on March 10", evidence) == [
        "names not in the cited text: March"
    ]


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("The U.S. and Japan will meet", "The United States and Japan will meet."),
        ("The U. S. and Japan will meet", "The U.S. and Japan will meet."),
        ("American and Japanese officials will meet", "US and Japan officials will meet."),
        ("Chinese pressure grows", "Pressure from China grows."),
        ("The US-Japan alliance grows", "The alliance of the US and Japan grows."),
        ("Kishida's visit to Washington", "Prime Minister Kishida visits Washington."),
        ("Defense Secretary Austin spoke", "Austin spoke."),
    ],
)
def test_names_match_across_aliases_demonyms_possessives_and_titles(
    claim: str, evidence: str
) -> None:
    assert evidence_problems(claim, [evidence]) == []


@given(st.sampled_from(["Tokyo", "Manila", "Kishida", "NATO", "Pentagon", "Okinawa"]))
def test_a_name_is_supported_exactly_when_the_evidence_contains_it(name: str) -> None:
    claim = f"Officials from {name} met on the treaty"
    assert evidence_problems(claim, [f"Officials from {name} met on the treaty."]) == []
    assert evidence_problems(claim, ["Officials from Seoul met on the treaty."]) == [
        f"names not in the cited text: {name}"
    ]


OVERHAUL = "The announcement is not merely a procedural update but a historic overhaul."


def test_a_negated_paraphrase_of_a_positive_sentence_is_caught() -> None:
    claim = "Japan will not raise defense spending to 2% of GDP by 2027"
    assert evidence_problems(claim, [BUDGET]) == ["it negates what the cited text says"]


def test_asserting_what_the_sentence_negates_is_caught() -> None:
    evidence = ["Japan will not raise defense spending to 2% of GDP by 2027."]
    assert evidence_problems(
        "Japan will raise defense spending to 2% of GDP by 2027", evidence
    ) == ["the cited text negates it (“not raise defense spending to …”)"]


def test_a_negation_about_other_words_lets_the_positive_part_through() -> None:
    assert evidence_problems("The announcement is a historic overhaul", [OVERHAUL]) == []
    assert evidence_problems("The announcement is a procedural update", [OVERHAUL]) == [
        "the cited text negates it (“not merely a procedural update …”)"
    ]


@given(st.sampled_from(["not", "never", "won't", "no longer"]))
def test_a_negated_claim_passes_when_its_sentence_negates_too(negation: str) -> None:
    evidence = [f"Tokyo will {negation} host the drills."]
    assert evidence_problems(f"Tokyo will {negation} host the drills", evidence) == []
    assert evidence_problems("Tokyo will host the drills", evidence) != []
