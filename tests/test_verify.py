"""verify: a claim must state only numbers and content its cited sentences contain."""

from __future__ import annotations

import pytest

from briefing.verify import citation_problems, content_stems, evidence_problems, numbers_in

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
        "numbers not in the cited text: 2.8"
    ]


def test_unrelated_claim_is_flagged_for_low_overlap() -> None:
    problems = evidence_problems("The orchestra performed Beethoven symphonies in Vienna", [BUDGET])
    assert len(problems) == 1
    assert problems[0].startswith("only 0% of its words")


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
        "2.7",
        "12",
        "40",
    }


def test_citation_problems_catches_missing_sentence_numbers() -> None:
    assert citation_problems([1, 999, 0, 999], available=5) == [
        "cites sentences that do not exist: 0, 999"
    ]


@pytest.mark.parametrize("cited", [[1], [5], [1, 2, 5]])
def test_citation_problems_accepts_existing_sentences(cited: list[int]) -> None:
    assert citation_problems(cited, available=5) == []


def test_citation_problems_with_no_sentences_rejects_everything() -> None:
    assert citation_problems([1], available=0) == ["cites sentences that do not exist: 1"]
