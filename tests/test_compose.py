"""compose: what the model writes over numbered clusters is checked against their passages;
too many clusters for one prompt are condensed in batches first (the fake endpoint, or the
fake model where the requests' HTTP is not the point)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from briefing.compose.prose import (
    COMPOSE_ANSWER_TOKENS,
    DIGEST_ANSWER_TOKENS,
    MAX_DEVELOPMENTS,
    MAX_POINTS,
    Budget,
    Point,
    as_ranges,
    bottom_line_schema,
    compose,
    condensed,
    developments_section,
    digested_by,
    joined_citations,
    points_for,
    shortest_wording,
    summary_section,
)
from briefing.compose.sections import single_source_section, statement_for
from briefing.diagnostics import Diagnostics
from briefing.model.tokens import counter_for
from briefing.reconcile.clusters import ranked
from briefing.types.answers import ClaimType, DraftStatement
from briefing.types.contract import SectionKind
from briefing.types.stages import Claim, Cluster, Evidence

from .support.endpoint import FakeEndpoint, Reply, client_for
from .support.model import FakeModel

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
POINTS = points_for(CLUSTERS)
WITHOUT_TALKS = points_for(CLUSTERS[:3])  # so that no better-sourced claim takes the lead


def drafts(*statements: tuple[str, list[int]]) -> list[DraftStatement]:
    return [DraftStatement(text=text, clusters=cited) for text, cited in statements]


def test_ranked_puts_most_sources_first_and_keeps_ties_in_order() -> None:
    assert [c.id for c in ranked(CLUSTERS)] == ["c4", "c1", "c2", "c3"]


def test_statement_for_cites_every_piece_of_evidence() -> None:
    statement = statement_for(C1)
    assert statement.text == SPENDING
    assert [c.source for c in statement.citations] == ["a", "b"]
    assert statement.clusters == ("c1",)
    assert statement.corroboration == 2
    assert not statement.composed


def test_checked_bottom_line_statement_cites_all_its_clusters() -> None:
    text = "Japan will spend 2% of GDP on defense by 2027 as the U.S. deploys MQ-9 drones."
    diagnostics = Diagnostics()
    section = summary_section(drafts((f" {text} ", [1, 2])), WITHOUT_TALKS, diagnostics)
    assert diagnostics.warnings == ()
    assert section.kind is SectionKind.summary
    (statement,) = section.statements
    assert statement.text == text
    assert statement.composed
    assert statement.clusters == ("c1", "c2")
    assert (
        statement.corroboration == 1
    )  # the drones have one source: joining facts corroborates none
    assert [(c.source, c.quote) for c in statement.citations] == [
        ("a", SPENDING),
        ("b", SPENDING),
        ("b", DRONES),
    ]


def test_a_sentence_joining_facts_cites_each_source_once_and_every_fact_at_least_once() -> None:
    treaty_too = cluster("c5", TREATY, "a", "b")
    joined = joined_citations([C4, C1, treaty_too, C2])
    # a, b and c once for the talks; spending and the treaty add no source; drones neither
    assert [(c.source, c.quote) for c in joined] == [
        ("a", TALKS), ("b", TALKS), ("c", TALKS), ("a", SPENDING), ("a", TREATY), ("b", DRONES),
    ]  # fmt: skip


def test_statement_with_a_number_not_in_its_cluster_falls_back_to_the_claim() -> None:
    diagnostics = Diagnostics()
    section = summary_section(
        drafts(("Japan will spend 5% of GDP on defense by 2027.", [1])), WITHOUT_TALKS, diagnostics
    )
    assert section.statements == (statement_for(C1),)
    (warning,) = diagnostics.warnings
    assert "replaced" in warning and "numbers not in the cited text: 5" in warning


def test_statement_naming_someone_absent_from_its_passages_falls_back() -> None:
    diagnostics = Diagnostics()
    section = summary_section(drafts(("Officials met Kishida in Tokyo.", [4])), POINTS, diagnostics)
    assert section.statements == (statement_for(C4),)
    assert "names not in the cited text: Kishida" in diagnostics.warnings[0]


def test_statement_citing_an_unknown_cluster_is_dropped() -> None:
    diagnostics = Diagnostics()
    section = summary_section(
        drafts(("Talks collapsed in Paris.", [7]), ("Officials met in Tokyo.", [4])),
        POINTS,
        diagnostics,
    )
    assert [s.text for s in section.statements] == ["Officials met in Tokyo."]
    assert (
        "citing no known claim" in diagnostics.warnings[0]
        and "Talks collapsed in Paris." in diagnostics.warnings[0]
    )


def test_without_a_bottom_line_the_top_clusters_are_used() -> None:
    diagnostics = Diagnostics()
    section = summary_section([], POINTS, diagnostics)
    assert diagnostics.warnings == ()
    assert section.statements == tuple(statement_for(c) for c in CLUSTERS[:3])


def test_developments_keep_checked_corroborated_sentences_and_add_what_was_left_out() -> None:
    diagnostics = Diagnostics()
    section = developments_section(
        drafts(
            ("On Tuesday, officials met in Tokyo.", [4]),
            ("The U.S. will deploy MQ-9 drones.", [2]),  # single source: not a development
        ),
        POINTS,
        CLUSTERS,
        diagnostics,
    )
    assert section.kind is SectionKind.developments
    assert [s.clusters for s in section.statements] == [("c4",), ("c1",)]
    assert section.statements[0].composed and not section.statements[1].composed
    assert section.statements[1].text == SPENDING
    assert section.note == ""


def test_a_development_joining_two_single_source_facts_is_not_corroborated() -> None:
    diagnostics = Diagnostics()
    both = "The U.S. will deploy MQ-9 drones as an armed attack in space could trigger Article V."
    section = developments_section(drafts((both, [2, 3])), POINTS, CLUSTERS, diagnostics)
    assert both not in [s.text for s in section.statements]


def test_a_title_naming_what_no_claim_says_is_not_used() -> None:
    fake = answering(
        {
            "title": "Kishida and Biden agree on 5 bases",
            "statements": [
                {"text": TALKS, "clusters": [1]},
                {"text": SPENDING, "clusters": [2]},
            ],
            "developments": [],
        }
    )
    diagnostics = Diagnostics()
    composition = compose(ranked(CLUSTERS), 3, client_for(fake), 8192, diagnostics)
    assert composition.title is None
    assert any("title was not used" in w for w in diagnostics.warnings)


def test_developments_say_so_when_nothing_is_corroborated() -> None:
    single = [C2, C3]
    section = developments_section([], points_for(single), single, Diagnostics())
    assert section.statements == ()
    assert "more than one source" in section.note


def test_schema_limits_cited_numbers_to_the_claims_shown() -> None:
    schema = bottom_line_schema(POINTS)
    statements = schema["properties"]["statements"]
    cited = statements["items"]["properties"]["clusters"]
    assert cited["items"] == {"type": "integer", "enum": [1, 2, 3, 4]}
    assert (cited["minItems"], cited["maxItems"]) == (1, 3)
    assert statements["minItems"] == 2
    developments = schema["properties"]["developments"]["items"]["properties"]["clusters"]
    assert developments["items"]["enum"] == [1, 4]  # only the claims with 2+ sources
    assert schema["properties"]["developments"]["maxItems"] == 2  # a sentence for each at most


def test_schema_allows_at_most_the_cap_of_developments() -> None:
    many = [cluster(f"c{n}", f"{n} ships sailed.", "a", "b") for n in range(MAX_DEVELOPMENTS + 3)]
    schema = bottom_line_schema(points_for(many))
    assert schema["properties"]["developments"]["maxItems"] == MAX_DEVELOPMENTS


def test_schema_allows_no_developments_when_nothing_is_corroborated() -> None:
    schema = bottom_line_schema(points_for([C2]))
    assert schema["properties"]["developments"]["maxItems"] == 0
    assert schema["properties"]["statements"]["minItems"] == 1


# --- through the fake endpoint and the fake model ------------------------------------------------


def answering(body: dict[str, Any]) -> FakeEndpoint:
    return FakeEndpoint(replies=[Reply(json.dumps(body))])


def test_compose_asks_once_and_checks_what_comes_back() -> None:
    fake = answering(
        {
            "title": "Allies meet",
            "statements": [{"text": "Officials met in Tokyo on Tuesday.", "clusters": [1]}],
            "developments": [{"text": SPENDING, "clusters": [2]}],
        }
    )
    diagnostics = Diagnostics()
    composition = compose(ranked(CLUSTERS), 3, client_for(fake), 8192, diagnostics)
    assert composition.title == "Allies meet"
    assert [s.text for s in composition.summary.statements] == [TALKS]
    # most sources first: c4 (3 sources), then the one the model wrote, c1 (2)
    assert [s.clusters for s in composition.developments.statements] == [("c4",), ("c1",)]
    assert composition.digest_rounds == 0
    (request,) = fake.requests
    prompt = request["messages"][1]["content"]
    assert "[1] (3 sources) Officials met in Tokyo on Tuesday." in prompt
    assert "(claims 1, 2), at most 2," in prompt  # the prompt states the schema's cap
    schema = request["response_format"]["json_schema"]["schema"]
    developments = schema["properties"]["developments"]
    assert developments["maxItems"] == 2


def every_point(clusters: list[Cluster]) -> list[Point]:
    """One point per cluster, with no cap: more than one prompt holds."""
    return [Point(c.canonical, (c,)) for c in clusters]


def test_the_model_is_shown_the_top_claims_only_corroborated_or_not() -> None:
    single = many_clusters(MAX_POINTS + 10)
    assert [p.text for p in points_for(single)] == [c.canonical for c in single[:MAX_POINTS]]
    corroborated = [c.model_copy(update={"support": (c.claims[0].evidence[0].model_copy(
        update={"source": "other"}),)}) for c in single]  # fmt: skip
    assert [p.clusters for p in points_for(corroborated)] == [
        (c,) for c in corroborated[:MAX_POINTS]
    ]


def test_a_claim_is_shown_in_the_shortest_wording_a_source_gave_it_that_reads_as_one() -> None:
    long = "Japan said on Tuesday that it will spend 2% of its GDP on defense by 2027."
    shorter = "Japan will spend 2% of GDP on defense by 2027."
    terse = "Japan spends more."
    worded = cluster("c1", long, "a").model_copy()
    claims = (worded.claims[0], *(
        worded.claims[0].model_copy(update={"id": f"b-{n}", "source": "b", "text": text})
        for n, text in enumerate((shorter, terse))
    ))  # fmt: skip
    worded = worded.model_copy(update={"claims": claims})
    assert shortest_wording(worded) == shorter
    (point,) = points_for([worded])
    assert point.text == shorter
    # Put back as the cluster's own claim when the model's sentence is replaced by it.
    section = summary_section([DraftStatement(text="Japan will spend 9%.", clusters=[1])],
                              [point], Diagnostics())  # fmt: skip
    assert [s.text for s in section.statements] == [long]


@given(st.lists(st.integers(1, 60), unique=True).map(sorted))
def test_claim_numbers_are_listed_as_runs_spelling_out_the_same_numbers(numbers: list[int]) -> None:
    listed: list[int] = []
    for part in filter(None, as_ranges(numbers).split(", ")):
        first, _, last = part.partition(" to ")
        listed += range(int(first), int(last or first) + 1)
    assert listed == numbers
    assert as_ranges(list(range(1, 17))) == "1 to 16"


def many_clusters(count: int) -> list[Cluster]:
    return [
        cluster(f"c{n}", f"Ministry number {n} announced project {n} in Region{n}.", f"s{n}")
        for n in range(1, count + 1)
    ]


def scripted(statement: Callable[[str], dict[str, Any]]) -> FakeModel:
    """A model that answers every digest request with `statement(user prompt)`."""
    return FakeModel(lambda asked: {"statements": [statement(asked.user)]})


def first_two(prompt: str) -> dict[str, Any]:
    first, second = [int(n) for n in re.findall(r"^\[(\d+)\]", prompt, re.MULTILINE)[:2]]
    return {
        "text": f"Ministry number {first} and ministry number {second} announced projects.",
        "clusters": [first, second],
    }


def test_too_many_clusters_for_one_prompt_are_condensed_in_batches_first() -> None:
    budget = Budget(counter_for("m"), context_window=2400)
    points = every_point(many_clusters(60))
    assert not budget.fits("compose", points, 60, COMPOSE_ANSWER_TOKENS)
    model = scripted(first_two)
    diagnostics = Diagnostics()

    shorter, rounds = condensed(points, 60, budget, digested_by(model, 60, diagnostics))

    assert diagnostics.warnings == ()
    assert rounds == 1
    assert len(model.asked) == len(shorter) >= 2  # one digest call per batch, one statement each
    for asked in model.asked:
        prompt = asked.system + asked.user
        assert budget.count(prompt) + DIGEST_ANSWER_TOKENS <= budget.usable
    assert budget.fits("compose", shorter, 60, COMPOSE_ANSWER_TOKENS)
    # Each condensed statement leads back to the two clusters it was written over.
    assert [c.id for c in shorter[0].clusters] == ["c1", "c2"]
    assert shorter[0].text == "Ministry number 1 and ministry number 2 announced projects."


def test_a_condensed_statement_that_does_not_check_out_keeps_its_claims_words() -> None:
    model = scripted(lambda prompt: {"text": "Ministry number 99 resigned.", "clusters": [1, 2]})
    budget = Budget(counter_for("m"), context_window=2400)
    shorter, _ = condensed(
        every_point(many_clusters(60)), 60, budget, digested_by(model, 60, Diagnostics())
    )
    assert shorter[0].text == "Ministry number 1 announced project 1 in Region1."
    assert [c.id for c in shorter[0].clusters] == ["c1", "c2"]


def test_the_fallback_headline_is_the_top_claim_in_its_shortest_wording() -> None:
    from briefing.compose.prose import MAX_HEADLINE_WORDS, headline

    long = ("Amid growing tensions in Asia, the United States and Japan have announced a "
            "strategic upgrade of their security alliance to counter China.")  # fmt: skip
    top = cluster("c1", long, "a", "b")
    made = headline([top, C2])
    assert 4 <= len(made.split()) <= MAX_HEADLINE_WORDS
    assert made in long and not made.endswith(("…", "."))
    assert headline([C4]) == TALKS.rstrip(".")


def test_a_headline_is_never_a_cut_off_sentence_while_another_claim_gives_one() -> None:
    from briefing.compose.prose import headline

    long = ("The alliance is expected to strengthen the deterrence of the region against "
            "potential military aggression from its larger neighbours.")  # fmt: skip
    assert headline([cluster("c1", long, "a", "b", "c"), C2]) == DRONES.rstrip(".")
    assert headline([cluster("c1", long, "a")]) == " ".join(long.split()[:12])


def test_a_bottom_line_sentence_about_its_sources_loses_that_tail() -> None:
    diagnostics = Diagnostics()
    meta = f"{TALKS[:-1]}, with 3 sources corroborating this statement."
    section = summary_section(drafts((meta, [4]), (SPENDING, [1])), POINTS, diagnostics)
    assert [s.text for s in section.statements][:1] == [TALKS]


def test_the_bottom_line_leads_with_what_the_most_sources_state() -> None:
    ranked_points = points_for(ranked(CLUSTERS))
    section = summary_section(drafts((TREATY, [4])), ranked_points, Diagnostics())
    assert section.statements[0].clusters == ("c4",)
    assert TREATY in [s.text for s in section.statements]


def test_single_source_items_take_turns_by_source() -> None:
    first = [cluster(f"a{n}", f"{SPENDING} ({n})", "a") for n in range(1, 15)]
    others = [cluster("b1", DRONES, "b"), cluster("c1", TREATY, "c")]
    section = single_source_section([*first, *others], [], set(), lambda text: True)

    sources = [c.source for statement in section.statements for c in statement.citations]
    assert sources[:4] == ["a", "b", "c", "a"]  # the first article does not fill the section
    assert (
        len(sources) == 12 and section.note == "4 more single-source claims are in briefing.json."
    )
