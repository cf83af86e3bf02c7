"""Bounded work and output on many look-alike articles (issue #19, item 1).

Templated articles ("Mayor X of Town N opened bridge number N on <date> at a cost of $N
million ...") differ pairwise in their counts, dates and names, which made the pairwise
stages produce one disagreement per pair of articles. Checked here: through the real entry
point, 300 of them give a briefing whose disagreements are grouped, capped and counted; and
per class, the pure pieces that keep it so (grouped disagreements, capped sections, the
indexes that find candidates without comparing every pair, and that those indexes miss
nothing a full comparison would find).
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from briefing import pipeline
from briefing.cli.app import app
from briefing.compose.sections import (
    MAX_DISAGREEMENTS,
    MAX_TIMELINE_ENTRIES,
    disagreements_section,
    timeline_section,
)
from briefing.output.html import MAX_MATRIX_SOURCES, to_html
from briefing.output.markdown import to_markdown
from briefing.reconcile import candidates, embeddings
from briefing.reconcile.candidates import MeaningIndex, StemIndex
from briefing.reconcile.clusters import EXHAUSTIVE_CLAIMS, Grouping, cluster_claims
from briefing.reconcile.conflicts import (
    MAX_CONFLICTS,
    MAX_SIDE_SOURCES,
    MAX_SIDES,
    SAME_SUBJECT,
    _Benchmark,
    _linked,
    find_conflicts,
)
from briefing.reconcile.similarity import LexicalSimilarity, MeaningSimilarity, StemWeights, Vectors
from briefing.types.stages import (
    Article,
    Claim,
    Conflict,
    ConflictKind,
    ConflictSide,
    Evidence,
    TimelineEntry,
)

from .support.builders import article, briefing, claim, claims_of, corpus, hashed_words
from .support.endpoint import MODEL, FakeEndpoint
from .support.lookalikes import lookalike_article, write_lookalikes

# --- through the entry point --------------------------------------------------------------------


@pytest.mark.loopback
def test_three_hundred_lookalike_articles_give_a_bounded_briefing(
    tmp_path: Path, fake: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 look-alikes hold about 4,000 passages to encode; a lower limit keeps the sentence
    # encoder out of the test (its cost is linear, and measured by bench/scale.py).
    monkeypatch.setattr(pipeline, "MAX_ENCODED", 1_000)
    monkeypatch.setattr(embeddings, "encoder", _never)
    folder = tmp_path / "bridges"
    write_lookalikes(folder, 300)
    out = tmp_path / "out"
    args = [str(folder), "--out", str(out), "--base-url", fake.base_url, "--model", MODEL]

    started = time.monotonic()
    result = CliRunner().invoke(app, ["generate", *args, "--quiet"])
    seconds = time.monotonic() - started

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "claims were matched by their words only" in result.stderr
    assert "more than the sentence encoder reads in one run (1,000" in result.stderr
    data = json.loads((out / "briefing.json").read_text())
    assert len(data["sources"]) == 300 and not data["failures"]
    # Before: one disagreement per pair of look-alike claims (44,064 items and 107 MB of JSON
    # for 100 such articles). Now grouped per claim and kind, every side listed once.
    conflicts = [Conflict.model_validate(c) for c in data["conflicts"]]
    assert 0 < len(conflicts) <= MAX_CONFLICTS
    assert all(len(c.sides) <= MAX_SIDES for c in conflicts)
    assert all(len(s.sources) <= MAX_SIDE_SOURCES for c in conflicts for s in c.sides)
    grouped = [c for c in conflicts if len(c.sides) > 2]
    assert grouped, "look-alike claims that differ should stand in one disagreement"
    assert any(c.more_sides for c in conflicts), "sides beyond the bound should be counted"
    sections = {s["kind"]: s for s in data["sections"]}
    assert len(sections["disagreements"]["statements"]) <= MAX_DISAGREEMENTS
    assert len(sections["timeline"]["statements"]) <= MAX_TIMELINE_ENTRIES
    assert "more are in briefing.json" in sections["timeline"]["note"]
    assert (out / "briefing.json").stat().st_size < 8_000_000
    assert (out / "briefing.md").stat().st_size < 1_000_000
    html = (out / "briefing.html").read_text()
    assert html.count('<th scope="col">') <= MAX_MATRIX_SOURCES + 1
    # Not a benchmark (bench/scale.py is): a bound against growing with the square again.
    assert seconds < 180, f"{seconds:.0f} s for 300 look-alike articles"


def _never(*args: object) -> None:
    raise AssertionError("the sentence encoder was started beyond its limit")


# --- disagreements grouped, capped and counted ---------------------------------------------------


OTHER_NEWS = ("The council met on the budget this week.", "Residents asked about the ferry.")


def test_many_lookalike_claims_that_differ_are_one_disagreement_listing_each_value() -> None:
    articles = [
        article(f"S{n}", f"{100 + n} workers built the new bridge in Selby.", *OTHER_NEWS)
        for n in range(30)
    ]
    extracted = [claims_of(a, claim(a, a.sentences[0].text, 1)) for a in articles]
    reconciled = corpus(*articles)

    conflicts = find_conflicts(cluster_claims(extracted, reconciled), extracted, reconciled)

    (conflict,) = conflicts  # 30 claims: one item, not 435 pairs
    assert conflict.kind is ConflictKind.number
    assert conflict.sides[0].sources == ("S0",) and conflict.sides[0].says.startswith("100 — ")
    assert len(conflict.sides) == MAX_SIDES
    assert conflict.more_sides == 30 - MAX_SIDES
    assert conflict.more_sides_sources == 30 - MAX_SIDES
    text = disagreements_section(conflicts).statements[0].text
    assert text.endswith(f"and {30 - MAX_SIDES} other values from {30 - MAX_SIDES} more sources.")


def test_sources_giving_one_value_share_a_side_and_beyond_the_bound_are_counted() -> None:
    same = [
        article(f"S{n}", "400 workers built the new bridge in Selby.", *OTHER_NEWS)
        for n in range(15)
    ]
    other = article("T", "900 workers built the new bridge in Selby.", *OTHER_NEWS)
    extracted = [claims_of(a, claim(a, a.sentences[0].text, 1)) for a in [*same, other]]
    reconciled = corpus(*same, other)

    (conflict,) = find_conflicts(cluster_claims(extracted, reconciled), extracted, reconciled)

    agreeing, differing = conflict.sides
    assert len(agreeing.sources) == MAX_SIDE_SOURCES
    assert agreeing.more_sources == 15 - MAX_SIDE_SOURCES
    assert {e.source for e in agreeing.evidence} == set(agreeing.sources)
    assert differing.sources == ("T",)
    text = disagreements_section([conflict]).statements[0].text
    assert f"S9 and {15 - MAX_SIDE_SOURCES} more: 400" in text


def test_benchmarks_are_linked_as_comparing_every_pair_links_them() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choices("bcdfgklmnprstvz", k=6)) for _ in range(150)]
    found = [
        _Benchmark(phrase="p", anchor=str(n), subject=" ".join(rng.sample(words, 2)),
                   evidence=Evidence(source=f"S{n}", sentence=1, quote="q", start=0, end=1))
        for n in range(80)
    ]  # fmt: skip
    weighed = corpus(*(article(f"S{n}", f"The {b.subject} opened.") for n, b in enumerate(found)))

    linked = [[b.anchor for b in group] for group in _linked(found, weighed)]

    assert linked == _linked_by_every_pair(found, weighed.weights)
    assert len(linked) > 1


def _linked_by_every_pair(found: list[Any], weights: StemWeights) -> list[list[str]]:
    groups: list[list[Any]] = []
    for benchmark in found:
        joined = [
            g
            for g in groups
            if any(weights.overlap(benchmark.subject, o.subject) >= SAME_SUBJECT for o in g)
        ]
        merged = [m for g in joined for m in g] + [benchmark]
        groups = [g for g in groups if g not in joined] + [merged]
    return [[b.anchor for b in group] for group in groups]


def test_the_disagreements_section_lists_those_with_most_sources_and_counts_the_rest() -> None:
    conflicts = [_conflict(f"c{n}", sources=1 + n % 3) for n in range(120)]

    section = disagreements_section(conflicts, left_out=30)

    shown = section.statements
    assert len(shown) == MAX_DISAGREEMENTS
    assert [s.corroboration for s in shown].count(4) == 40  # every one with most sources
    assert [s.clusters for s in shown] == sorted((s.clusters for s in shown), key=_number)
    assert section.note == (
        f"The {MAX_DISAGREEMENTS} with the most sources are listed; 70 more, on 70 claims, "
        "are in briefing.json, and 30 more were found and only counted."
    )


def test_the_timeline_lists_the_entries_most_sources_give_in_date_order() -> None:
    entries = sorted(
        (_entry(f"2024-01-{1 + n % 28:02}", sources=3 if n % 10 == 0 else 1, number=n)
         for n in range(100)),
        key=lambda entry: entry.when or "",
    )  # fmt: skip

    section = timeline_section(entries, ["S9"])

    assert len(section.statements) == MAX_TIMELINE_ENTRIES
    assert sum(s.corroboration == 3 for s in section.statements) == 10
    dates = [s.when or "" for s in section.statements]
    assert dates == sorted(dates)
    assert section.note.endswith(f"{MAX_TIMELINE_ENTRIES} entries most sources give are listed; "
                                 "40 more are in briefing.json.")  # fmt: skip
    assert section.note.startswith("S9 gives no publication date")


def test_the_html_matrix_shows_the_sources_that_state_most_developments() -> None:
    from briefing.types.contract import Section, SectionKind, SourceInfo, Statement
    from briefing.types.stages import Citation

    sources = tuple(
        SourceInfo(id=f"S{n}", path=f"{n}.txt", title="t", published=None, sentences=1,
                   claims_extracted=1, claims_verified=1)
        for n in range(40)
    )  # fmt: skip
    stated = [
        Statement(
            text=f"Development {row}",
            citations=tuple(
                Citation(source=f"S{n}", quote="q", start=0, end=1) for n in range(row, 40, 3)
            ),
        )
        for row in range(3)
    ]
    page = to_html(briefing(Section(heading="Key", kind=SectionKind.developments,
                                    statements=tuple(stated)), sources=sources))  # fmt: skip

    columns = page.split("<thead>")[1].split("</thead>")[0].count('<th scope="col">') - 1
    assert columns == MAX_MATRIX_SOURCES
    assert f"{40 - MAX_MATRIX_SOURCES} more are left out" in page
    assert to_markdown(briefing(sources=sources))  # unaffected


def _conflict(cluster: str, sources: int) -> Conflict:
    sides = [
        ConflictSide(says=f"{n}", sources=(f"{cluster}-S{n}",),
                     evidence=(Evidence(source=f"{cluster}-S{n}", sentence=1, quote="q",
                                        start=0, end=1),))
        for n in range(sources + 1)
    ]  # fmt: skip
    return Conflict(kind=ConflictKind.number, subject="the count", sides=tuple(sides),
                    clusters=(cluster,))  # fmt: skip


def _number(clusters: tuple[str, ...]) -> int:
    return int(clusters[0][1:])


def _entry(when: str, sources: int, number: int) -> TimelineEntry:
    ids = tuple(f"S{number}-{n}" for n in range(sources))
    return TimelineEntry(
        when=when,
        written=(when,),
        text=f"Entry {number}.",
        sources=ids,
        evidence=tuple(Evidence(source=s, sentence=1, quote="q", start=0, end=1) for s in ids),
    )


# --- clustering beyond the exhaustive bound ------------------------------------------------------


@pytest.mark.parametrize("other_news", [OTHER_NEWS, ()], ids=["weighty words", "common words"])
def test_beyond_the_exhaustive_bound_equal_claims_still_cluster_and_unequal_ones_do_not(
    other_news: tuple[str, ...],
) -> None:
    years = [1950 + n % 40 for n in range(EXHAUSTIVE_CLAIMS + 100)]
    articles = [
        article(f"S{n}", f"It is the largest bridge in the county since {year}.", *other_news,
                published=date(2025, 1, 1))
        for n, year in enumerate(years)
    ]  # fmt: skip
    extracted = [claims_of(a, claim(a, a.sentences[0].text, 1)) for a in articles]

    clusters = cluster_claims(extracted, corpus(*articles))

    assert len(clusters) == 40  # one per year, however many articles give it
    for cluster in clusters:
        assert len({claim.text for claim in cluster.claims}) == 1
        assert len(cluster.sources) == len({c.source for c in cluster.claims})


def _grouped(grouping: Grouping) -> list[list[str]]:
    return [[claim.id for claim in group.claims] for group in grouping.groups]


@settings(deadline=None, max_examples=25)
@given(
    cuts=st.lists(st.integers(1, 59), max_size=6, unique=True),
    exhaustive=st.booleans(),
    by_meaning=st.booleans(),
)
def test_claims_grouped_in_pieces_form_the_groups_grouping_them_at_once_does(
    cuts: list[int], exhaustive: bool, by_meaning: bool
) -> None:
    """Grouping runs an article's claims at a time while a remote endpoint answers."""
    articles, claims = _GROUPED
    everything = corpus(*articles)
    lexical = LexicalSimilarity(everything.weights)
    similarity = MeaningSimilarity(hashed_words, lexical) if by_meaning else lexical
    at_once = Grouping(everything, similarity, exhaustive)
    at_once.add(claims)
    in_pieces = Grouping(everything, similarity, exhaustive)
    bounds = [0, *sorted(cuts), len(claims)]
    for begin, end in itertools.pairwise(bounds):
        in_pieces.add(claims[begin:end])
    assert _grouped(in_pieces) == _grouped(at_once)
    assert len(at_once.groups) < len(claims)  # some claims were grouped together


# --- the indexes miss nothing a full comparison finds --------------------------------------------


def test_the_stem_index_finds_every_text_a_full_comparison_would() -> None:
    rng = random.Random(19)
    words = "bridge mayor council river cost workers lanes vote county opened built carries".split()
    texts = [" ".join(rng.choices(words, k=rng.randint(2, 8))) for _ in range(300)]
    weights = StemWeights(texts)
    index = StemIndex(texts, weights)

    for text in texts[:40]:
        for bar in (0.1, 0.6, 0.7):
            overlapping = set(index.overlapping(text, bar).tolist())
            assert {
                i for i, t in enumerate(texts) if weights.overlap(text, t) >= bar
            } <= overlapping
            covering = set(index.covering(text, bar).tolist())
            assert {i for i, t in enumerate(texts) if weights.coverage(text, t) >= bar} <= covering
        assert np.allclose(index.overlaps(text), [weights.overlap(text, t) for t in texts])


def test_the_meaning_index_finds_every_owner_a_full_comparison_would() -> None:
    vectors, owners, index = _random_meaning_index(19, 200, 5, [5, 0, 3, 5] * 10)

    for text in ("t0", "t57", "t199"):
        near = set(index.near(text, 0.5).tolist())
        best = [
            max((float(vectors[text] @ vectors[t]) for t in own), default=-2.0) for own in owners
        ]
        assert {n for n, score in enumerate(best) if score >= 0.5} <= near


@pytest.mark.parametrize("at_once", [1, 400, candidates.SCORES_AT_ONCE])
def test_the_meaning_index_finds_for_many_texts_at_once_what_it_finds_for_each(
    at_once: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, owners, index = _random_meaning_index(21, 120, 4, ([4, 0, 2, 4] * 8)[:30])
    monkeypatch.setattr(candidates, "SCORES_AT_ONCE", at_once)  # one text a product, and more

    texts = [f"t{n}" for n in range(0, 120, 7)]
    each = [found.tolist() for found in index.near_each(texts, 0.4)]
    assert each == [index.near(text, 0.4).tolist() for text in texts]
    assert any(each) and not all(len(found) == len(owners) for found in each)
    assert index.near_each([], 0.4) == []


def _random_meaning_index(
    seed: int, count: int, step: int, sizes: list[int]
) -> tuple[dict[str, Any], list[list[str]], MeaningIndex]:
    """`count` random unit vectors named t0, t1, ..., and owners of `sizes` texts, one owner
    every `step` texts, indexed."""
    rng = np.random.default_rng(seed)
    vectors = {f"t{n}": rng.normal(size=8).astype(np.float32) for n in range(count)}
    vectors = {text: v / np.linalg.norm(v) for text, v in vectors.items()}
    owners = [[f"t{n}" for n in range(start, start + size)]
              for start, size in zip(range(0, count, step), sizes, strict=True)]  # fmt: skip
    return (
        vectors,
        owners,
        MeaningIndex(owners, lambda texts: np.stack([vectors[t] for t in texts])),
    )


def test_searching_by_meaning_through_the_index_finds_what_searching_every_article_finds() -> None:
    articles = [_lookalike(n) for n in range(24)]
    extracted = [claims_of(a, *(claim(a, s.text, s.number) for s in a.sentences)) for a in articles]

    def found(meaning: Any) -> tuple[list[Any], list[Any]]:
        reconciled = corpus(*articles)
        clusters = cluster_claims(extracted, reconciled, meaning)
        conflicts = find_conflicts(clusters, extracted, reconciled, meaning)
        return [c.model_dump() for c in clusters], [c.model_dump() for c in conflicts]

    weights = corpus(*articles).weights
    indexed = MeaningSimilarity(hashed_words, LexicalSimilarity(weights), 0.5, 0.55)
    assert isinstance(indexed, Vectors)
    every = _WithoutVectors(MeaningSimilarity(hashed_words, LexicalSimilarity(weights), 0.5, 0.55))
    assert not isinstance(every, Vectors)

    with_index, without = found(indexed), found(every)
    assert with_index == without
    assert any(c["support"] for c in with_index[0]) and with_index[1]  # something to compare


def _lookalike(number: int) -> Article:
    paragraphs = lookalike_article(number).split("\n\n")
    return article(f"S{number}", *(p.strip() for p in paragraphs[1:]),
                   published=date(2025, 1, 1 + number % 28))  # fmt: skip


class _WithoutVectors:
    """The same similarity without `vectors`: every article is searched one by one."""

    def __init__(self, inner: MeaningSimilarity) -> None:
        self._inner = inner
        self.same_claim = inner.same_claim

    def prepare(self, claims: Sequence[Claim]) -> None:
        self._inner.prepare(claims)

    def prepare_texts(self, texts: Sequence[str]) -> None:
        self._inner.prepare_texts(texts)

    def texts(self, a: str, b: str) -> float:
        return self._inner.texts(a, b)

    def __call__(self, a: Claim, b: Claim) -> float:
        return self._inner(a, b)


def _grouped_claims() -> tuple[list[Article], list[Claim]]:
    """Look-alike articles, each claiming its first two sentences, and the same bridge's
    record in five wordings: 60 claims."""
    articles = [_lookalike(n) for n in range(20)]
    records = [
        article(f"R{n}", f"It is the largest bridge in the county since {1950 + n % 5}.",
                f"The bridge has been the county's largest since {1950 + n % 5}.",
                *OTHER_NEWS, published=date(2025, 1, 1))
        for n in range(10)
    ]  # fmt: skip
    claims = [claim(a, s.text, s.number) for a in articles + records for s in a.sentences[:2]]
    return articles + records, claims


_GROUPED = _grouped_claims()
