"""extract.ground and the pure parts of compose: evidence is fetched and checked by the program."""

from __future__ import annotations

import pytest

from briefing.clean import clean
from briefing.compose import (
    bottom_line_schema,
    developments_section,
    ranked,
    statement_for,
    summary_section,
)
from briefing.extract import as_sentence, ground, summary_schema
from briefing.models import (
    Article,
    ArticleSummary,
    BottomLine,
    Claim,
    ClaimDraft,
    ClaimType,
    Cluster,
    Document,
    DraftStatement,
    Evidence,
    SectionKind,
)
from briefing.sentences import segment

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
    (grounded,) = ground(article(), summary_of("talks", [claim])).claims
    return grounded


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
    first, second = result.claims
    assert (first.id, second.id) == ("a-1", "a-2")
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
    assert [c.id for c in result.verified] == ["a-2"]


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
    for listed in ("dates", "figures"):
        assert properties[listed]["items"]["properties"]["sentence"]["enum"] == [4, 5, 7]
    assert properties["claims"]["minItems"] == 3  # no more claims asked than sentences shown
    assert summary_schema(list(range(1, 20)))["properties"]["claims"]["minItems"] == 4


# --- compose -----------------------------------------------------------------------------------

SPENDING = "Japan will spend 2% of GDP on defense by 2027."
DRONES = "The U.S. will deploy MQ-9 drones to Kanoya Air Base."
TREATY = "An armed attack in space could trigger Article V of the treaty."
TALKS = "Officials met in Tokyo on Tuesday."


def cluster(id: str, canonical: str, *sources: str) -> Cluster:
    return Cluster(
        id=id,
        canonical=canonical,
        claims=tuple(
            Claim(
                id=f"{source}-{id}",
                source=source,
                text=canonical,
                type=ClaimType.event,
                evidence=(
                    Evidence(
                        source=source, sentence=1, quote=canonical, start=0, end=len(canonical)
                    ),
                ),
                verified=True,
            )
            for source in sources
        ),
    )


C1 = cluster("c1", SPENDING, "a", "b")
C2 = cluster("c2", DRONES, "b")
C3 = cluster("c3", TREATY, "c")
C4 = cluster("c4", TALKS, "a", "b", "c")
CLUSTERS = [C1, C2, C3, C4]


def bottom_line(*statements: tuple[str, list[int]]) -> BottomLine:
    return BottomLine(
        title="US and Japan upgrade their alliance",
        statements=[DraftStatement(text=text, clusters=cited) for text, cited in statements],
    )


def test_ranked_puts_most_sources_first_and_keeps_ties_in_order() -> None:
    assert [c.id for c in ranked(CLUSTERS)] == ["c4", "c1", "c2", "c3"]


def test_statement_for_cites_every_piece_of_evidence() -> None:
    statement = statement_for(C1)
    assert statement.text == SPENDING
    assert [c.source for c in statement.citations] == ["a", "b"]
    assert all(c.quote == SPENDING for c in statement.citations)
    assert statement.clusters == ("c1",)
    assert statement.corroboration == 2
    assert not statement.composed
    assert statement_for(C1, "Own words.", composed=True).text == "Own words."


def test_developments_section_has_one_statement_per_cluster() -> None:
    section = developments_section(CLUSTERS)
    assert section.kind is SectionKind.developments
    assert [s.clusters for s in section.statements] == [("c1",), ("c2",), ("c3",), ("c4",)]


def test_checked_bottom_line_statement_cites_all_its_clusters() -> None:
    text = "Japan will spend 2% of GDP on defense by 2027 as the U.S. deploys MQ-9 drones."
    section, warnings = summary_section(bottom_line((f" {text} ", [1, 2])), CLUSTERS)
    assert warnings == []
    assert section.kind is SectionKind.summary
    (statement,) = section.statements
    assert statement.text == text
    assert statement.composed
    assert statement.clusters == ("c1", "c2")
    assert statement.corroboration == 2
    assert [(c.source, c.quote) for c in statement.citations] == [
        ("a", SPENDING),
        ("b", SPENDING),
        ("b", DRONES),
    ]


def test_statement_with_a_number_not_in_its_cluster_falls_back_to_the_claim() -> None:
    section, warnings = summary_section(
        bottom_line(("Japan will spend 5% of GDP on defense by 2027.", [1])), CLUSTERS
    )
    assert section.statements == (statement_for(C1),)
    assert len(warnings) == 1
    assert "replaced" in warnings[0]
    assert "numbers not in the cited text: 5" in warnings[0]


def test_statement_citing_an_unknown_cluster_is_dropped() -> None:
    section, warnings = summary_section(
        bottom_line(("Talks collapsed in Paris.", [7]), ("Officials met in Tokyo.", [4])),
        CLUSTERS,
    )
    assert [s.text for s in section.statements] == ["Officials met in Tokyo."]
    assert len(warnings) == 1
    assert "citing no known claim" in warnings[0]
    assert "Talks collapsed in Paris." in warnings[0]


def test_when_every_statement_is_dropped_the_top_clusters_are_used() -> None:
    section, warnings = summary_section(bottom_line(("Talks collapsed.", [9])), CLUSTERS)
    assert section.statements == tuple(statement_for(c) for c in CLUSTERS[:3])
    assert len(warnings) == 1


def test_without_a_bottom_line_the_top_clusters_are_used() -> None:
    section, warnings = summary_section(None, CLUSTERS)
    assert warnings == []
    assert section.statements == tuple(statement_for(c) for c in CLUSTERS[:3])


def test_repeated_statements_appear_once() -> None:
    section, warnings = summary_section(
        bottom_line(
            ("Japan will spend 5% of GDP.", [1]),
            ("Japan will spend 9% of GDP.", [1]),
            (TALKS, [4]),
            (TALKS, [4]),
        ),
        CLUSTERS,
    )
    assert [s.text for s in section.statements] == [SPENDING, TALKS]
    assert len(warnings) == 2


def test_bottom_line_schema_limits_cluster_numbers() -> None:
    schema = bottom_line_schema(3)
    cited = schema["properties"]["statements"]["items"]["properties"]["clusters"]
    assert cited["items"] == {"type": "integer", "enum": [1, 2, 3]}
    assert (cited["minItems"], cited["maxItems"]) == (1, 3)
