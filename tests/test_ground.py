"""claims.ground: evidence is fetched and checked by the program."""

from __future__ import annotations

import pytest

from briefing.claims.extract import summary_schema
from briefing.claims.ground import as_sentence, ground, states_a_fact
from briefing.sources.clean import clean
from briefing.sources.sentences import segment
from briefing.types.answers import ArticleSummary, ClaimDraft, ClaimType
from briefing.types.stages import Article, Claim, Document

ARTICLE_TEXT = (
    "Key Points\n\n"
    "Japan will raise defense spending to 2% of GDP by 2027, the ministry said. "
    "The new missiles can strike targets up to 1,000 kilometers away.\n\n"
    "317 views 3 min 0 Comment\n\n"
    "Officials met in Tokyo on Tuesday."
)


def article() -> Article:
    return segment(clean(Document(path="a.txt", text=ARTICLE_TEXT), "a"))


def draft(text: str, *sentences: int, type: ClaimType = ClaimType.figure) -> ClaimDraft:
    return ClaimDraft(text=text, sentences=list(sentences), type=type)


def summary_of(main_event: str, claims: list[ClaimDraft]) -> ArticleSummary:
    return ArticleSummary(main_event=main_event, claims=claims, actors=[], dates=[], figures=[])


def ground_one(claim: ClaimDraft) -> Claim:
    return ground(article(), summary_of("talks", [claim])).claims[0]


# --- ground ------------------------------------------------------------------------------------


def test_article_fixture_has_three_sentences() -> None:
    assert [s.text for s in article().sentences] == [
        "Japan will raise defense spending to 2% of GDP by 2027, the ministry said.",
        "The new missiles can strike targets up to 1,000 kilometers away.",
        "Officials met in Tokyo on Tuesday.",
    ]


def test_correct_claim_is_verified_with_exact_quotes() -> None:
    source = article()
    result = ground(
        source,
        summary_of(
            "Japan raises defense spending",
            [
                draft("Japan will spend 2% of GDP on defense by 2027", 1),
                draft(
                    "Missiles can strike targets 1000 kilometers away, and spending rises", 2, 1, 2
                ),
            ],
        ),
    )
    assert result.source == "a"
    assert result.main_event == "Japan raises defense spending"
    first, second, *quoted = result.claims
    assert (first.id, second.id) == ("a-1", "a-2")
    assert [c.text for c in quoted] == ["Officials met in Tokyo on Tuesday."]  # cited by none
    assert first.verified and second.verified
    assert first.problems == second.problems == ()
    assert first.text == "Japan will spend 2% of GDP on defense by 2027."
    assert [e.sentence for e in first.evidence] == [1]
    assert [e.sentence for e in second.evidence] == [2, 1]
    for evidence in (*first.evidence, *second.evidence):
        assert evidence.source == "a"
        assert evidence.quote == source.text[evidence.start : evidence.end]
        assert evidence.quote == source.sentences[evidence.sentence - 1].text
    assert result.verified == result.claims


def test_claim_with_a_wrong_number_is_not_verified() -> None:
    claim = ground_one(draft("Japan will spend 3% of GDP on defense by 2027", 1))
    assert not claim.verified
    assert claim.problems == ("numbers not in the cited text: 3",)
    assert [e.sentence for e in claim.evidence] == [1]


def test_claim_citing_a_missing_sentence_is_not_verified() -> None:
    claim = ground_one(draft("Officials met in Tokyo on Tuesday", 999))
    assert not claim.verified
    assert claim.problems == (
        "cites sentences that do not exist: 999",
        "cites no sentence of the article",
    )
    assert claim.evidence == ()


def test_claim_citing_one_real_and_one_missing_sentence_is_not_verified() -> None:
    claim = ground_one(draft("Officials met in Tokyo on Tuesday", 3, 0))
    assert not claim.verified
    assert claim.problems == ("cites sentences that do not exist: 0",)
    assert [e.sentence for e in claim.evidence] == [3]


def test_claim_with_unrelated_words_is_not_verified() -> None:
    claim = ground_one(draft("The orchestra performed Beethoven symphonies in Vienna", 3))
    assert not claim.verified
    assert claim.problems == (
        "names not in the cited text: Beethoven, Vienna",
        "only 0% of its words come from the cited text",
    )


def test_only_verified_claims_are_listed_as_verified() -> None:
    result = ground(
        article(),
        summary_of(
            "talks", [draft("Japan will spend 3% of GDP", 1), draft("Officials met in Tokyo", 3)]
        ),
    )
    assert [c.id for c in result.claims if not c.verified] == ["a-1"]
    assert [c.id for c in result.verified] == ["a-2", "a-3", "a-4"]  # and sentences 1 and 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Japan   will\nspend more ", "Japan will spend more."),
        ("Is it legal?", "Is it legal?"),
        ('He said "yes"', 'He said "yes"'),
        ("Done.", "Done."),
        ("", ""),
    ],
)
def test_as_sentence(raw: str, expected: str) -> None:
    assert as_sentence(raw) == expected


def test_summary_schema_limits_sentence_numbers_to_those_shown() -> None:
    schema = summary_schema([4, 5, 7])
    properties = schema["properties"]
    cited = properties["claims"]["items"]["properties"]["sentences"]
    assert cited["items"] == {"type": "integer", "enum": [4, 5, 7]}
    assert (cited["minItems"], cited["maxItems"]) == (1, 3)
    assert set(properties) == {"main_event", "claims"}  # no more is asked
    assert properties["claims"]["minItems"] == 3  # no more claims asked than sentences shown
    assert summary_schema(list(range(1, 20)))["properties"]["claims"]["minItems"] == 6


def test_a_claim_the_model_wrote_twice_is_kept_once() -> None:
    twice = draft("Officials met in Tokyo on Tuesday.", 3, type=ClaimType.event)
    again = draft("officials met in Tokyo on Tuesday", 3, type=ClaimType.event)
    grounded = ground(article(), summary_of("talks", [twice, again])).claims
    quoting_three = [c.text for c in grounded if [e.sentence for e in c.evidence] == [3]]
    assert quoting_three == ["Officials met in Tokyo on Tuesday."]


def test_a_claim_that_runs_on_or_repeats_itself_is_rejected() -> None:
    sentence = "Japan will raise defense spending to 2% of GDP by 2027, the ministry said. "
    long, *_ = ground(article(), summary_of("talks", [draft(sentence * 40, 1)])).claims
    assert not long.verified and any("longer than one fact" in p for p in long.problems)
    twice, *_ = ground(article(), summary_of("talks", [draft(sentence * 2, 1)])).claims
    assert not twice.verified and "it repeats its own words" in twice.problems


def test_a_claim_that_is_half_a_sentence_is_rejected() -> None:
    half = draft("With officials meeting in Tokyo on Tuesday.", 3, type=ClaimType.event)
    claim, *_ = ground(article(), summary_of("talks", [half])).claims
    assert (
        not claim.verified and "it is a fragment of a sentence, not a statement" in claim.problems
    )


@pytest.mark.parametrize(
    ("sentence", "stands_alone"),
    [
        ("Officials have not said what caused the blaze.", True),
        ("Twelve were hurt.", True),
        ("It happened on Tuesday.", True),
        ("Officials blamed Electrocosta.", True),
        ("Residents were angry.", False),
        ("That has not stopped the speculation.", False),
    ],
)
def test_a_sentence_too_short_to_state_a_fact_is_not_a_claim(
    sentence: str, stands_alone: bool
) -> None:
    assert states_a_fact(sentence) is stands_alone
