"""changes: today's clusters against the previous run's briefing.json — new, changed (a figure,
a date or the number of sources) and dropped — and the section that states them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from briefing.daily.changes import (
    MAX_NEW,
    Overlap,
    PreviousBriefing,
    compare,
    load_previous,
    since_last_section,
)
from briefing.errors import OutputError
from briefing.output.html import to_html
from briefing.output.markdown import to_markdown
from briefing.reconcile.clusters import cluster_claims
from briefing.reconcile.similarity import StemWeights
from briefing.types.contract import (
    Briefing,
    ChangeKind,
    Section,
    SectionKind,
    SinceLast,
    SourceInfo,
)
from briefing.types.stages import Article, Claim, Cluster, Evidence

from .support.builders import article, briefing, claim, claims_of, corpus, evidence

YESTERDAY = datetime(2024, 4, 11, 7, 0, tzinfo=UTC)
KYODO = "news/kyodo.txt"
ASAHI = "https://asahi.example/alliance"
NHK = "feeds/nhk.xml#entry-3"

A = article(
    "S1",
    "Japan will send 1,800 troops to the Philippines for joint drills in May.",
    "The U.S. will deploy MQ-9 drones to Kanoya Air Base in southern Japan.",
    "Japan will double its defense budget to 2% of GDP by 2027.",
    "The alliance between the United States and Japan is decades old.",
)
B = article(
    "S2",
    "An armed attack in space could trigger Article V of the security treaty.",
    "Tokyo said Japan will double its defense budget to 2% of GDP by 2027.",
    "Under the alliance, Japan and the United States will co-produce missiles.",
)
TROOPS = claim(A, "Japan will send 1,800 troops to the Philippines for joint drills.", 1)
DRONES = claim(A, "The U.S. will deploy MQ-9 drones to Kanoya Air Base.", 2)
BUDGET = claim(A, "Japan will double its defense budget to 2% of GDP by 2027.", 3)
BUDGET_B = claim(B, "Japan will double its defense budget to 2% of GDP by 2027, Tokyo said.", 2)
ALLIANCE = claim(A, "The alliance between the United States and Japan is decades old.", 4)
SPACE = claim(B, "An armed attack in space could trigger Article V.", 1)
MISSILES = claim(B, "Japan and the United States will co-produce missiles under the alliance.", 3)


def cluster(id: str, *claims: Claim, support: Sequence[Evidence] = ()) -> Cluster:
    return Cluster(id=id, canonical=claims[0].text, claims=claims, support=tuple(support))


def info(article: Article, path: str) -> SourceInfo:
    return SourceInfo(
        id=article.id,
        path=path,
        title=article.title,
        published=article.published,
        sentences=len(article.sentences),
        claims_extracted=1,
        claims_verified=1,
    )


def run(
    clusters: Sequence[Cluster], sources: Sequence[SourceInfo], when: datetime = YESTERDAY
) -> Briefing:
    return briefing(sources=tuple(sources)).model_copy(
        update={"clusters": tuple(clusters), "generated_at": when}
    )


def previous_of(clusters: Sequence[Cluster], sources: Sequence[SourceInfo]) -> PreviousBriefing:
    """What today's run reads back from the previous run's briefing.json."""
    return load_previous(run(clusters, sources).model_dump_json(indent=2))


SOURCES = (info(A, KYODO), info(B, ASAHI))
BEFORE = (
    cluster("c1", BUDGET, BUDGET_B),
    cluster("c2", TROOPS),
    cluster("c3", DRONES),
    cluster("c4", SPACE),
    cluster("c5", MISSILES),
    cluster("c6", ALLIANCE),
)
PREVIOUS = previous_of(BEFORE, SOURCES)


def nothing_reported(since: SinceLast) -> bool:
    return not (since.new or since.changed or since.dropped)


# --- matching ----------------------------------------------------------------------------------


def test_the_same_run_again_has_nothing_new_changed_or_dropped() -> None:
    since = compare(BEFORE, SOURCES, PREVIOUS)
    assert nothing_reported(since)
    assert since.unchanged == len(BEFORE)
    assert since.previous_generated_at == YESTERDAY
    assert since.previous_title == "US and Japan upgrade their alliance"


def test_a_cluster_with_no_counterpart_is_new() -> None:
    c = article("S3", "Japan will station long-range missiles on Yonaguni island by March.")
    yonaguni = cluster("c7", claim(c, "Japan will station long-range missiles on Yonaguni.", 1))
    since = compare([*BEFORE, yonaguni], [*SOURCES, info(c, NHK)], PREVIOUS)
    assert [(change.kind, change.cluster, change.text) for change in since.new] == [
        (ChangeKind.new, "c7", "Japan will station long-range missiles on Yonaguni.")
    ]
    assert since.new[0].corroboration == 1
    assert not since.changed and not since.dropped


def test_a_different_figure_in_the_same_unit_is_a_change_that_says_what_it_was() -> None:
    a = article(
        "S1",
        "Japan will send 2,000 troops to the Philippines for joint drills in May.",
        *(s.text for s in A.sentences[1:]),
    )
    troops = claim(a, "Japan will send 2,000 troops to the Philippines for joint drills.", 1)
    today = [c if c.id != "c2" else cluster("c2", troops) for c in BEFORE]
    since = compare(today, [info(a, KYODO), SOURCES[1]], PREVIOUS)
    (change,) = since.changed
    assert change.kind is ChangeKind.changed
    assert change.values_differ
    assert change.text == troops.text and change.cluster == "c2"
    assert change.previously == (
        "“Japan will send 1,800 troops to the Philippines for joint drills.” (1 source)"
    )
    assert change.previous_sources == (KYODO,)
    assert not since.new and not since.dropped
    assert since.unchanged == len(BEFORE) - 1


def test_a_different_date_is_a_change() -> None:
    a = article("S1", "Japan will double its defense budget to 2% of GDP by 2029.")
    budget = claim(a, "Japan will double its defense budget to 2% of GDP by 2029.", 1)
    previous = previous_of([cluster("c1", BUDGET)], SOURCES)
    (change,) = compare([cluster("c1", budget)], [info(a, KYODO)], previous).changed
    assert change.values_differ
    assert change.previously == f"“{BUDGET.text}” (1 source)"


def test_more_independent_sources_is_a_change() -> None:
    c = article("S3", "Officials confirmed the U.S. will deploy MQ-9 drones to Kanoya Air Base.")
    drones = cluster("c3", DRONES, support=[evidence(c, 1)])
    today = [c if c.id != "c3" else drones for c in BEFORE]
    since = compare(today, [*SOURCES, info(c, NHK)], PREVIOUS)
    (change,) = since.changed
    assert (change.corroboration, change.previous_corroboration) == (2, 1)
    assert not change.values_differ
    assert change.previously == "1 source"
    assert not since.new and not since.dropped


def test_fewer_independent_sources_is_a_change_too() -> None:
    today = [c if c.id != "c1" else cluster("c1", BUDGET) for c in BEFORE]
    (change,) = compare(today, SOURCES, PREVIOUS).changed
    assert (change.corroboration, change.previous_corroboration) == (1, 2)
    assert change.previously == "2 sources"


def test_a_cluster_gone_today_is_dropped_with_its_previous_sources() -> None:
    today = [c for c in BEFORE if c.id != "c4"]
    since = compare(today, SOURCES, PREVIOUS)
    (gone,) = since.dropped
    assert gone.kind is ChangeKind.dropped
    assert (gone.text, gone.previous_cluster, gone.cluster) == (SPACE.text, "c4", None)
    assert gone.previous_sources == (ASAHI,)
    assert not since.new and not since.changed
    section = since_last_section(since, today)
    assert section.statements == ()
    assert f"“{SPACE.text}”" in section.note
    assert section.note == (
        "Nothing is new or changed since the briefing of 2024-04-11 07:00 UTC. "
        f"No longer reported: “{SPACE.text}”."
    )


def test_renumbered_sources_at_the_same_paths_are_the_same_sources() -> None:
    """Source ids are per run: today the Asahi article is S1 and Kyodo's is S2."""
    a = article("S2", *(s.text for s in A.sentences))
    b = article("S1", *(s.text for s in B.sentences))
    budget = cluster("c1", claim(b, BUDGET_B.text, 2), claim(a, BUDGET.text, 3))
    drones = cluster("c2", claim(a, DRONES.text, 2))
    space = cluster("c3", claim(b, SPACE.text, 1))
    since = compare([budget, drones, space], [info(b, ASAHI), info(a, KYODO)], PREVIOUS)
    assert not since.new and not since.changed
    assert {(gone.previous_cluster, gone.previous_sources) for gone in since.dropped} == {
        ("c2", (KYODO,)),
        ("c5", (ASAHI,)),
        ("c6", (KYODO,)),
    }


def test_a_paraphrase_from_another_article_is_the_same_item() -> None:
    c = article("S3", "Officials said MQ-9 drones are to be stationed at Kanoya Air Base.")
    stationed = cluster("c3", claim(c, "MQ-9 drones will be stationed at Kanoya Air Base.", 1))
    today = [c if c.id != "c3" else stationed for c in BEFORE]
    since = compare(today, [*SOURCES, info(c, NHK)], PREVIOUS)
    assert nothing_reported(since)


TAIWAN = (
    "Japan's evolving security strategy also includes reinforcing ties with Taiwan, a decision "
    "that has elicited a sharp reaction from Beijing."
)


def test_a_looser_paraphrase_is_the_same_item_only_when_it_rests_on_the_same_passage() -> None:
    """Two recorded runs on the seeds cut these claims from the same sentence; their own
    words share under half their weight, which alone would not make them the same item."""
    c = article("S3", TAIWAN)
    d = article("S4", "Taiwan is being reinforced as part of the alliance, officials said.")
    sources = [*SOURCES, info(c, NHK), info(d, "d.txt")]
    ties = claim(c, "Japan's evolving security strategy includes reinforcing ties with Taiwan.", 1)
    today = [*BEFORE, cluster("c7", ties)]
    before = claim(c, "Taiwan is being reinforced as part of the alliance.", 1)
    same_passage = previous_of([*BEFORE, cluster("c7", before)], sources)
    assert nothing_reported(compare(today, sources, same_passage))

    elsewhere = claim(d, before.text, 1)
    since = compare(today, sources, previous_of([*BEFORE, cluster("c7", elsewhere)], sources))
    assert [change.cluster for change in since.new] == ["c7"]
    assert [change.text for change in since.dropped] == [before.text]


def test_two_facts_cut_from_one_sentence_are_not_the_same_item() -> None:
    a = article("S1", "Japan will double its budget and the U.S. will deploy drones to Kanoya.")
    budget = claim(a, "Japan will double its defense budget.", 1)
    previous = previous_of([cluster("c1", budget)], [])
    today = [cluster("c1", claim(a, "The U.S. will deploy drones to Kanoya.", 1))]
    since = compare(today, [], previous)
    assert [change.text for change in since.new] == ["The U.S. will deploy drones to Kanoya."]
    assert [change.text for change in since.dropped] == ["Japan will double its defense budget."]


def test_claims_sharing_only_topic_words_are_not_the_same_item() -> None:
    c = article("S3", "The U.S.-Japan alliance will expand to include Australia, officials said.")
    expand = claim(c, "The U.S.-Japan alliance will expand to include Australia.", 1)
    australia = cluster("c7", expand)
    today = [c for c in BEFORE if c.id != "c6"] + [australia]
    since = compare(today, [*SOURCES, info(c, NHK)], PREVIOUS)
    assert [change.cluster for change in since.new] == ["c7"]
    assert [change.previous_cluster for change in since.dropped] == ["c6"]


def test_a_cluster_merged_today_matches_both_of_yesterdays_halves() -> None:
    """Clustering may join claims one day that it kept apart the day before: neither half
    is dropped, and the merged cluster is a change in the number of sources."""
    previous = previous_of([cluster("c1", BUDGET), cluster("c2", BUDGET_B)], SOURCES)
    since = compare([cluster("c1", BUDGET, BUDGET_B)], SOURCES, previous)
    assert not since.dropped and not since.new
    assert [change.previously for change in since.changed] == ["1 source"]


def test_a_match_that_says_the_same_wins_over_a_closer_one_that_differs() -> None:
    """Yesterday two sources disagreed (1,800 and 2,000 troops); today's 1,800 is not news."""
    b = article("S2", "Japan will send 2,000 troops to the Philippines for joint drills in May.")
    other = claim(b, "Japan will send 2,000 troops to the Philippines for joint drills.", 1)
    previous = previous_of([cluster("c1", other), cluster("c2", TROOPS)], [info(b, ASAHI)])
    since = compare([cluster("c1", TROOPS)], [SOURCES[0]], previous)
    assert nothing_reported(since)


def test_changed_come_before_new_and_each_most_corroborated_first() -> None:
    c = article("S3", "Officials confirmed the U.S. will deploy MQ-9 drones to Kanoya Air Base.")
    d = article(
        "S4",
        "Japan will build a radar station on Yonaguni island.",
        "Japan will open a new naval base in Sasebo.",
    )
    e = article("S5", "A radar station will be built on Yonaguni island, Tokyo said.")
    radar = cluster("c8", claim(d, "Japan will build a radar station on Yonaguni island.", 1))
    radar = radar.model_copy(update={"support": (evidence(e, 1),)})
    sasebo = cluster("c7", claim(d, "Japan will open a new naval base in Sasebo.", 2))
    drones = cluster("c3", DRONES, support=[evidence(c, 1)])
    today = [sasebo, radar, cluster("c1", BUDGET), drones, *BEFORE[1:2], *BEFORE[3:]]
    sources = [*SOURCES, info(c, NHK), info(d, "d.txt"), info(e, "e.txt")]
    since = compare(today, sources, PREVIOUS)
    assert [change.cluster for change in since.changed] == ["c3", "c1"]
    assert [change.cluster for change in since.new] == ["c8", "c7"]
    section = since_last_section(since, today)
    assert [s.clusters for s in section.statements] == [("c3",), ("c1",), ("c8",), ("c7",)]
    assert [s.change for s in section.statements] == [ChangeKind.changed] * 2 + [ChangeKind.new] * 2


# --- reading the previous briefing ---------------------------------------------------------------


def test_a_briefing_round_trips_through_its_json() -> None:
    yesterday = run(BEFORE, SOURCES)
    previous = load_previous(yesterday.model_dump_json())
    assert nothing_reported(compare(BEFORE, SOURCES, previous))
    since = compare(BEFORE[:3], SOURCES, previous)
    section = since_last_section(since, BEFORE[:3])
    written = yesterday.model_copy(update={"since_last": since, "sections": (section,)})
    assert Briefing.model_validate_json(written.model_dump_json()) == written
    tomorrow = compare(BEFORE, SOURCES, load_previous(written.model_dump_json()))
    assert nothing_reported(tomorrow)


def test_an_older_briefing_with_extra_and_missing_optional_fields_is_read() -> None:
    older = {
        "title": "Old",
        "generated_at": "2024-04-10T07:00:00",
        "model": "some-model",
        "format": 0,
        "sources": [{"id": "S9", "path": KYODO, "published": "April 2024"}],
        "clusters": [
            {
                "id": "k1",
                "canonical": DRONES.text,
                "claims": [{"text": DRONES.text, "evidence": [{"source": "S9", "quote": "x"}]}],
                "confidence": "high",
            },
            {"id": "k2", "canonical": "Something only the older run said."},
        ],
    }
    previous = load_previous(json.dumps(older))
    assert previous.sources[0].published is None
    assert previous.clusters[0].independent == ("S9",)
    since = compare(BEFORE, SOURCES, previous)
    assert [gone.previous_cluster for gone in since.dropped] == ["k2"]
    assert "c3" not in {change.cluster for change in since.new}
    assert "since the briefing of 2024-04-10 07:00." in since_last_section(since, BEFORE).note


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "Invalid JSON"),
        ("[]", "Input should be an object"),
        ('{"title": "t", "generated_at": "2024-04-11T07:00:00Z"}', "clusters: Field required"),
        ('{"generated_at": "yesterday", "clusters": []}', "generated_at"),
        ('{"generated_at": "2024-04-11", "clusters": [{"id": "c1"}]}', "clusters.0.canonical"),
    ],
)
def test_an_unreadable_previous_briefing_is_an_input_error_in_one_line(
    text: str, problem: str
) -> None:
    with pytest.raises(OutputError) as raised:
        load_previous(text)
    assert problem in str(raised.value)
    assert str(raised.value).startswith("the previous briefing cannot be read: ")
    assert "\n" not in str(raised.value)


# --- properties ----------------------------------------------------------------------------------

POOL = (
    "Japan will double its defense budget to 2% of GDP by 2027.",
    "Tokyo said Japan will double its defense budget to 2% of GDP by 2027.",
    "Japan will raise its defense budget to 1.5% of GDP by 2027.",
    "The U.S. will deploy MQ-9 drones to Kanoya Air Base.",
    "Officials confirmed the U.S. will deploy MQ-9 drones to Kanoya Air Base.",
    "Japan will send 1,800 troops to the Philippines in May.",
    "Japan will send 2,000 troops to the Philippines in May.",
    "An armed attack in space could trigger Article V of the security treaty.",
    "The alliance between the United States and Japan is decades old.",
    "The leaders met in Washington on April 10, 2024.",
    "The leaders met in Washington on April 11, 2024.",
)
picks = st.lists(
    st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique=True), min_size=1, max_size=4
)


def clustered(picked: list[list[str]]) -> tuple[list[Cluster], list[SourceInfo]]:
    """A run over articles made of the picked sentences, one claim per sentence."""
    articles = [article(f"S{n}", *texts) for n, texts in enumerate(picked, start=1)]
    extracted = [claims_of(a, *(claim(a, s.text, s.number) for s in a.sentences)) for a in articles]
    paths = [info(a, f"feeds/{'-'.join(s.text[:9] for s in a.sentences)}") for a in articles]
    return cluster_claims(extracted, corpus(*articles)), paths


@settings(max_examples=40, deadline=None)
@given(picks)
def test_a_run_compared_with_itself_reports_nothing(picked: list[list[str]]) -> None:
    clusters, sources = clustered(picked)
    since = compare(clusters, sources, previous_of(clusters, sources))
    assert nothing_reported(since)
    assert since.unchanged == len(clusters)


@settings(max_examples=40, deadline=None)
@given(picks, picks)
def test_every_cluster_is_new_changed_or_unchanged_once(
    before: list[list[str]], after: list[list[str]]
) -> None:
    old, old_sources = clustered(before)
    today, sources = clustered(after)
    since = compare(today, sources, previous_of(old, old_sources))
    listed = [change.cluster for change in (*since.new, *since.changed)]
    assert len(listed) == len(set(listed))
    assert len(listed) + since.unchanged == len(today)
    assert {gone.previous_cluster for gone in since.dropped} <= {c.id for c in old}
    section = since_last_section(since, today)
    evidence = {c.id: set(c.evidence) for c in today}
    for statement in section.statements:
        (cluster_id,) = statement.clusters
        cited = {(c.source, c.quote, c.start, c.end) for c in statement.citations}
        assert cited == {(e.source, e.quote, e.start, e.end) for e in evidence[cluster_id]}


def test_overlap_is_stem_weights_overlap() -> None:
    weights = StemWeights(POOL)
    overlap = Overlap(weights)
    for a in (*POOL, "", "the and of"):
        for b in POOL:
            assert overlap(a, b) == pytest.approx(weights.overlap(a, b))


# --- the section --------------------------------------------------------------------------------


def test_each_statement_cites_todays_passages_and_says_what_it_was() -> None:
    c = article("S3", "Officials confirmed the U.S. will deploy MQ-9 drones to Kanoya Air Base.")
    drones = cluster("c3", DRONES, support=[evidence(c, 1)])
    today = [c if c.id != "c3" else drones for c in BEFORE]
    section = since_last_section(compare(today, [*SOURCES, info(c, NHK)], PREVIOUS), today)
    assert section.kind is SectionKind.since_last
    assert section.heading == "New since the last briefing"
    (statement,) = section.statements
    assert statement.text == DRONES.text
    assert {(c.source, c.quote) for c in statement.citations} == {
        ("S1", A.sentences[1].text),
        ("S3", c.sentences[0].text),
    }
    assert (statement.corroboration, statement.change, statement.previously) == (
        2,
        ChangeKind.changed,
        "1 source",
    )
    assert section.note == "1 changed and 5 unchanged since the briefing of 2024-04-11 07:00 UTC."


def test_nothing_new_is_said_in_the_note() -> None:
    section = since_last_section(compare(BEFORE, SOURCES, PREVIOUS), BEFORE)
    assert section.statements == ()
    assert section.note == "Nothing is new since the briefing of 2024-04-11 07:00 UTC."


def test_shown_items_are_capped_and_the_note_says_how_many_more_the_json_holds() -> None:
    sentences = [f"Japan will open naval base number {n} in Sasebo." for n in range(1, 12)]
    c = article("S3", *sentences)
    fresh = [cluster(f"n{n}", claim(c, s, n)) for n, s in enumerate(sentences, start=1)]
    since = compare([*BEFORE, *fresh], [*SOURCES, info(c, NHK)], PREVIOUS)
    section = since_last_section(since, [*BEFORE, *fresh])
    assert len(since.new) == 11
    assert len(section.statements) == MAX_NEW
    assert "3 more new items are in briefing.json." in section.note


def test_dropped_items_are_named_in_the_note_up_to_five_then_counted() -> None:
    names = [f"Japan will open naval base number {n} in Sasebo." for n in range(1, 8)]
    c = article("S3", *names)
    gone = [cluster(f"g{n}", claim(c, s, n)) for n, s in enumerate(names, start=1)]
    previous = previous_of([*BEFORE, *gone], [*SOURCES, info(c, NHK)])
    section = since_last_section(compare(BEFORE, SOURCES, previous), BEFORE)
    assert section.statements == ()
    assert section.note.startswith(
        "Nothing is new or changed since the briefing of 2024-04-11 07:00 UTC. "
        "No longer reported: “Japan will open naval base number 1"
    )
    assert section.note.endswith("; and 2 more in briefing.json.")
    assert section.note.count("“") == 5


def test_long_dropped_items_are_shortened_at_a_word() -> None:
    long = "Japan will " + "expand its defense cooperation with regional partners, " * 4 + "too."
    c = article("S3", long)
    previous = previous_of([*BEFORE, cluster("g1", claim(c, long, 1))], [*SOURCES, info(c, NHK)])
    note = since_last_section(compare(BEFORE, SOURCES, previous), BEFORE).note
    (named,) = [part for part in note.split("“")[1:]]
    assert named.endswith("…”.")
    assert len(named) < 110 and " ".join(named.split()) == named


# --- rendering -----------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script> *x* [y](z) "onmouseover=alert(2) & more'


def hostile_section() -> tuple[Section, tuple[SourceInfo, ...]]:
    a = article(
        "S1",
        f"Japan will send 2,000 troops, officials said {HOSTILE}.",
        "Drones go to Kanoya <img src=x onerror=alert(3)> _u_ `code`.",
    )
    b = article("S2", f"Japan will send 1,800 troops, officials said {HOSTILE}.")
    before = [cluster("c1", claim(b, f"Japan will send 1,800 troops {HOSTILE}.", 1))]
    today = [
        cluster("c1", claim(a, f"Japan will send 2,000 troops {HOSTILE}.", 1)),
        cluster("c2", claim(a, "Drones go to Kanoya <img src=x onerror=alert(3)> _u_ `code`.", 2)),
    ]
    sources = (info(a, "a.txt"),)
    previous = previous_of([*before, cluster("c9", SPACE)], [info(b, HOSTILE)])
    return since_last_section(compare(today, sources, previous), today), sources


def test_markdown_marks_new_and_changed_items_and_keeps_hostile_text_inert() -> None:
    section, sources = hostile_section()
    markdown = to_markdown(briefing(section, sources=sources))
    assert "\n- **Changed:** Japan will send 2,000 troops \\<script\\>" in markdown
    assert "*(single source)*[^1] *was: “Japan will send 1,800 troops \\<script\\>" in markdown
    assert "\n- **New:** Drones go to Kanoya \\<img" in markdown
    html = MarkdownIt("commonmark").render(markdown)
    for markup in ("<script>", "<img", "<em>x</em>", "<em>u</em>", "<code>", "<a href"):
        assert markup not in html
    assert "<em>was: “Japan will send 1,800 troops &lt;script&gt;" in html
    assert "No longer reported: “An armed attack in space could trigger Article V.”" in html


class Tags(HTMLParser):
    def __init__(self, document: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.feed(document)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]


def test_html_marks_new_and_changed_items_and_escapes_everything() -> None:
    section, sources = hostile_section()
    page = to_html(briefing(section, sources=sources))
    assert '<section id="since_last">' in page
    assert "<li><strong>Changed:</strong> Japan will send 2,000 troops &lt;script&gt;" in page
    assert '<em class="was">was: “Japan will send 1,800 troops &lt;script&gt;' in page
    assert "<li><strong>New:</strong> Drones go to Kanoya &lt;img src=x" in page
    parsed = Tags(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert {"onmouseover", "onerror"}.isdisjoint(parsed.attributes)
