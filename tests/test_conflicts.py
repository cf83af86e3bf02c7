"""conflicts: each kind of disagreement is found, typed, and quotes both sides' sources."""

from __future__ import annotations

from datetime import date

from briefing.claims.ground import ground
from briefing.reconcile.clusters import cluster_claims
from briefing.reconcile.conflicts import benchmarks, find_conflicts
from briefing.types.answers import ArticleSummary
from briefing.types.stages import ArticleClaims, Conflict, ConflictKind

from .support.builders import article, claim, claims_of, corpus

BACKGROUND = (
    "The United States and Japan held security talks this week.",
    "The alliance between the United States and Japan is decades old.",
)


def conflicts_in(*extracted: ArticleClaims, articles: tuple = ()) -> list[Conflict]:  # type: ignore[type-arg]
    reconciled = corpus(*articles)
    return find_conflicts(cluster_claims(extracted, reconciled), extracted, reconciled)


def only(conflicts: list[Conflict], kind: ConflictKind) -> Conflict:
    (found,) = [c for c in conflicts if c.kind is kind]
    return found


def assert_quotes_are_real(conflict: Conflict, *articles: object) -> None:
    texts = {a.id: a.text for a in articles}  # type: ignore[attr-defined]
    for side in conflict.sides:
        assert side.sources
        for e in side.evidence:
            assert e.source in side.sources
            assert texts[e.source][e.start : e.end] == e.quote


def pair(first: str, second: str, *, published: date | None = None) -> list[Conflict]:
    a = article("A", first, *BACKGROUND, published=published)
    b = article("B", second, *BACKGROUND, published=published)
    return conflicts_in(
        claims_of(a, claim(a, first, 1)), claims_of(b, claim(b, second, 1)), articles=(a, b)
    )


def test_the_same_claim_with_different_numbers_is_a_number_conflict() -> None:
    a = article("A", "Japan will raise its defense budget to 2% of GDP by 2027.", *BACKGROUND)
    b = article("B", "Japan will raise its defense budget to 1.5% of GDP by 2027.", *BACKGROUND)
    conflicts = conflicts_in(
        claims_of(a, claim(a, a.sentences[0].text, 1)),
        claims_of(b, claim(b, b.sentences[0].text, 1)),
        articles=(a, b),
    )
    conflict = only(conflicts, ConflictKind.number)
    assert [side.sources for side in conflict.sides] == [("A",), ("B",)]
    assert conflict.sides[0].says.startswith("2% — ") and conflict.sides[1].says.startswith(
        "1.5% — "
    )
    assert conflict.clusters
    assert_quotes_are_real(conflict, a, b)


def test_the_same_event_on_different_dates_is_a_date_conflict() -> None:
    conflict = only(
        pair(
            "The allies' summit in Tokyo will open on April 10, 2024.",
            "The allies' summit in Tokyo will open on April 12, 2024.",
        ),
        ConflictKind.date,
    )
    assert [side.says.split(" — ")[0] for side in conflict.sides] == ["2024-04-10", "2024-04-12"]


def test_the_same_announcement_by_different_people_is_an_actor_conflict() -> None:
    conflict = only(
        pair(
            "Pete Hegseth unveiled the new joint headquarters in Tokyo.",
            "Lloyd Austin unveiled the new joint headquarters in Tokyo.",
        ),
        ConflictKind.actor,
    )
    assert conflict.sides[0].says.startswith("Hegseth — ")
    assert conflict.sides[1].says.startswith("Austin — ")


def test_a_capital_standing_for_its_country_is_not_an_actor_conflict() -> None:
    assert (
        pair(
            "Next spring Britain will send an aircraft carrier to the Pacific.",
            "Next spring London will send an aircraft carrier to the Pacific.",
        )
        == []
    )
    conflict = only(
        pair(
            "Next spring Britain will send an aircraft carrier to the Pacific.",
            "Next spring Paris will send an aircraft carrier to the Pacific.",
        ),
        ConflictKind.actor,
    )
    assert [side.says.split(" — ")[0] for side in conflict.sides] == ["Britain", "Paris"]


def test_agreeing_sources_raise_no_conflict() -> None:
    assert (
        pair(
            "Japan will raise its defense budget to 2% of GDP by 2027.",
            "By 2027 Japan will raise its defense budget to 2% of GDP.",
        )
        == []
    )


def test_different_historical_benchmarks_are_a_framing_conflict_citing_both_sides() -> None:
    a = article(
        "A",
        "The announcement is a historic overhaul, the first of its kind since 1960.",
        *BACKGROUND,
    )
    b = article(
        "B",
        "US establishes first joint war-fighting headquarters in Japan since WWII.",
        "Its war-fighting command is the most significant overhaul since the 1952 security treaty.",
        *BACKGROUND,
    )
    conflict = only(conflicts_in(claims_of(a), claims_of(b), articles=(a, b)), ConflictKind.framing)
    assert [side.sources for side in conflict.sides] == [("A",), ("B",)]
    assert "since 1960" in conflict.sides[0].says
    assert "since WWII" in conflict.sides[1].says
    assert "since the 1952 security treaty" in conflict.sides[1].says
    assert [e.sentence for e in conflict.sides[1].evidence] == [1, 2]
    assert_quotes_are_real(conflict, a, b)


def test_the_same_benchmark_everywhere_is_no_conflict() -> None:
    a = article("A", "It is the biggest change since 1960, officials said.", *BACKGROUND)
    b = article("B", "This is the first such overhaul since 1960.", *BACKGROUND)
    assert conflicts_in(claims_of(a), claims_of(b), articles=(a, b)) == []


def test_benchmarks_are_read_as_written() -> None:
    (sentence,) = article("A", "It was the largest drill since World War II ended.").sentences
    assert benchmarks(sentence) == [("the largest drill since World War II ended", "1945")]
    (plain,) = article("B", "Spending has grown 14% a year since 2020.").sentences
    assert benchmarks(plain) == []


def test_an_article_contradicting_itself_is_a_source_error_with_both_passages() -> None:
    a = article(
        "A",
        "The allies aim to counter China's expanding military.",
        "In response to the challenges posed by Japan, Japan has committed to double its budget.",
        "Both nations are concerned about China's assertive posture.",
        "They want to deter Chinese aggression.",
    )
    extracted = ground(a, ArticleSummary(main_event="", claims=[]))
    conflict = only(conflicts_in(extracted, articles=(a,)), ConflictKind.source_error)
    flagged, rest = conflict.sides
    assert [e.sentence for e in flagged.evidence] == [2]
    assert [e.sentence for e in rest.evidence] == [1, 3, 4]
    assert "Japan" in conflict.subject
    assert_quotes_are_real(conflict, a)


# --- agreement is not disagreement --------------------------------------------------------------


def test_numbers_that_count_different_things_do_not_conflict() -> None:
    assert (
        pair(
            "The two leaders signed the trade pact in Nairobi.",
            "The leaders signed the trade pact with 70 clauses in Nairobi.",
        )
        == []
    )


def test_a_month_and_a_day_in_it_agree() -> None:
    assert (
        pair(
            "The trade pact will be signed in Nairobi in April.",
            "The trade pact will be signed in Nairobi on April 10.",
            published=date(2024, 3, 1),
        )
        == []
    )


def test_a_different_day_is_one_date_conflict_and_not_also_a_number_conflict() -> None:
    conflicts = pair(
        "The trade pact will be signed in Nairobi on April 9.",
        "The trade pact will be signed in Nairobi on April 10.",
        published=date(2024, 3, 1),
    )
    assert [c.kind for c in conflicts] == [ConflictKind.date]


def test_different_counts_of_the_same_thing_conflict_and_do_not_corroborate() -> None:
    a = article("A", "Britain will station 1,800 troops at the base in Kenya.", *BACKGROUND)
    b = article("B", "Britain will station 2,000 troops at the base in Kenya.", *BACKGROUND)
    extracted = [
        claims_of(a, claim(a, a.sentences[0].text, 1)),
        claims_of(b, claim(b, b.sentences[0].text, 1)),
    ]
    reconciled = corpus(a, b)
    clusters = cluster_claims(extracted, reconciled)
    assert [c.sources for c in clusters] == [("A",), ("B",)]
    conflict = only(find_conflicts(clusters, extracted, reconciled), ConflictKind.number)
    assert [side.says.split(" — ")[0] for side in conflict.sides] == ["1800", "2000"]


def test_benchmarks_about_unrelated_things_do_not_conflict() -> None:
    a = article("A", "Interest rates rose to the highest level since 2008.", *BACKGROUND)
    b = article("B", "It was the biggest walkout since the miners' strike.", *BACKGROUND)
    assert conflicts_in(claims_of(a), claims_of(b), articles=(a, b)) == []


def test_the_same_benchmark_in_other_words_is_no_conflict() -> None:
    a = article("A", "It is the largest troop deployment since the end of the Cold War.")
    b = article("B", "The troop deployment is the largest since the Cold War ended.")
    assert conflicts_in(claims_of(a), claims_of(b), articles=(a, b)) == []
