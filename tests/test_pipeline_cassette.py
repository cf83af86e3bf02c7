"""The whole pipeline on the seeds, replayed from the embedded model's recorded answers."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from briefing import Settings, generate, to_json, to_markdown, write_outputs
from briefing.diagnostics import Diagnostics
from briefing.model.client import ModelClient
from briefing.pipeline import prepare
from briefing.sources.ingest import read_documents
from briefing.types.contract import Briefing, SectionKind
from briefing.types.stages import Article, ConflictKind

from .conftest import SEEDS

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
SEED_BOILERPLATE = (
    "317 views",
    "You May Also Like",
    "Copyright",
    "Exit mobile version",
    "Sed ut perspiciatis",
    "Key Points",
    "Credit: EL PIAS",
    "Is it illegal to drink at work",
)


def seed_articles() -> dict[str, Article]:
    articles = prepare(read_documents([SEEDS]), Diagnostics())
    return {article.id: article for article in articles}


@pytest.mark.real_model
def test_seeds_briefing_quotes_only_real_source_text(
    embedded_client: ModelClient, tmp_path: Path
) -> None:
    # A syndicated copy of seed 002 rides along: it must be recorded, not sent to the model.
    copy = tmp_path / "syndicated.txt"
    seed_002 = sorted(SEEDS.glob("*.txt"))[2].read_text()
    copy.write_text("Allies upgrade ties\n\n" + seed_002.rsplit("\n\n", 1)[0])
    settings = Settings(cache_dir=tmp_path)
    briefing = generate([SEEDS, copy], settings, client=embedded_client, now=NOW)

    articles = seed_articles()
    statements = [s for section in briefing.sections for s in section.statements]
    assert len(statements) >= 5
    for statement in statements:
        assert statement.citations, statement.text
        for citation in statement.citations:
            assert articles[citation.source].text[citation.start : citation.end] == citation.quote

    kinds = [section.kind for section in briefing.sections]
    assert kinds == [
        SectionKind.summary,
        SectionKind.developments,
        SectionKind.disagreements,
        SectionKind.events,
        SectionKind.quotes,
        SectionKind.timeline,
        SectionKind.single_source,
    ]
    markdown = to_markdown(briefing)
    assert_reconciled(briefing, markdown)
    for junk in SEED_BOILERPLATE:
        assert junk not in markdown
    assert [source.published for source in briefing.sources] == [
        None,
        date(2024, 3, 25),
        date(2024, 4, 12),
        None,
        None,
        date(2024, 4, 12),
    ]
    assert [source.duplicate_of for source in briefing.sources] == [None] * 5 + ["S3"]
    assert any(warning.startswith("S6 repeats S3") for warning in briefing.warnings)
    cited_sources = {c.source for s in statements for c in s.citations}
    assert "S6" not in cited_sources
    assert "same story as S3, counted once" in to_markdown(briefing)
    assert briefing.usage.llm_calls == len(articles) + 1
    # Seed 000's "challenges posed by Japan" is flagged, not passed on as fact.
    (issue,) = briefing.sources[0].possible_errors
    assert "challenges posed by Japan" in issue.quote
    assert "*Possible error in this source:*" in markdown
    for statement in statements:
        assert not re.search(r"(posed by|threat from|from) Japan", statement.text), statement.text
    assert [e.source for e in briefing.extracted] == ["S1", "S2", "S3", "S4", "S5"]
    assert briefing.usage.prompt_tokens > briefing.usage.completion_tokens > 0
    assert_follows_the_json_contract(briefing, tmp_path / "out")
    assert_same_as_before(json.loads(to_json(briefing)), tmp_path)


# The seeds briefing as the cassette last produced it. A refactor must leave it unchanged;
# a change meant to alter it rewrites it with BRIEFING_UPDATE_GOLDEN=1 and shows the diff in review.
GOLDEN = Path(__file__).parent / "fixtures" / "seeds_briefing.json"


def assert_same_as_before(data: dict[str, Any], tmp_path: Path) -> None:
    """Equal to the golden file apart from what the clock and the machine decide: when the run
    happened, how long the replayed calls took, and where the checkout and temp folder lie."""
    del data["generated_at"]
    usage = data["usage"]
    for timed in [usage, *usage["stages"].values()]:
        del timed["seconds"]
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text = text.replace(str(tmp_path), "<tmp>").replace(str(SEEDS.parent), "<checkout>")
    if os.environ.get("BRIEFING_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text)
    assert json.loads(text) == json.loads(GOLDEN.read_text())


def assert_reconciled(briefing: Briefing, markdown: str) -> None:
    sections = {section.kind: section for section in briefing.sections}
    # The framing disagreement: S2's "since 1960" against S4's "since WWII" / "1952 treaty".
    (framing,) = [
        s
        for s in sections[SectionKind.disagreements].statements
        if s.conflict is ConflictKind.framing
    ]
    assert "since 1960" in framing.text and "since WWII" in framing.text
    assert "1952 security treaty" in framing.text
    assert {c.source for c in framing.citations} == {"S2", "S4"}
    assert "## Where sources disagree" in markdown
    # Seed 000's self-contradiction is a disagreement too, quoting both of its passages.
    (error,) = [
        s
        for s in sections[SectionKind.disagreements].statements
        if s.conflict is ConflictKind.source_error
    ]
    assert {c.source for c in error.citations} == {"S1"} and len(error.citations) >= 2
    # Corroboration counts independent sources: S6 (a copy of S3) is never among them.
    for cluster in briefing.clusters:
        assert "S6" not in cluster.sources
    assert any(len(cluster.sources) > 1 for cluster in briefing.clusters)
    for statement in sections[SectionKind.developments].statements:
        assert statement.corroboration > 1
    for statement in sections[SectionKind.single_source].statements:
        assert len({c.source for c in statement.citations}) == 1
    # Timeline: in order, the dated article's "April 10" resolved, undated events kept apart.
    timeline = sections[SectionKind.timeline]
    dated = [s.when for s in timeline.statements if s.when]
    assert dated == sorted(dated) and "2024-04-10" in dated
    undated = [s for s in timeline.statements if s.when is None]
    assert {c.source for s in undated for c in s.citations} >= {"S4", "S5"}
    assert "S1, S4 and S5 give no publication date" in timeline.note
    assert not any(s.when == "1960" or s.when == "1952" for s in timeline.statements)


def assert_follows_the_json_contract(briefing: Briefing, out: Path) -> None:
    written = write_outputs(briefing, out)

    assert [path.name for path in written] == ["briefing.md", "briefing.json", "briefing.html"]
    html = (out / "briefing.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    data = json.loads((out / "briefing.json").read_text())
    assert data == json.loads(to_json(briefing))
    assert {"title", "generated_at", "model", "sources", "sections", "usage"} <= data.keys()
    assert {"clusters", "conflicts", "timeline", "quotes"} <= data.keys()
    assert all("sources" in cluster for cluster in data["clusters"])
    assert data["generated_at"].startswith("2026-11-21T07:00:00")
    assert {"id", "path", "title", "published"} <= data["sources"][0].keys()
    assert {"llm_calls", "prompt_tokens", "completion_tokens", "cached_calls", "seconds"} <= data[
        "usage"
    ].keys()
    source_ids = {source["id"] for source in data["sources"]}
    for section in data["sections"]:
        assert section["kind"] in {
            "summary",
            "developments",
            "disagreements",
            "events",
            "quotes",
            "timeline",
            "single_source",
        }
        for statement in section["statements"]:
            assert {c["source"] for c in statement["citations"]} <= source_ids
    markdown = (out / "briefing.md").read_text()
    assert markdown.startswith(f"# {data['title'][:10]}")
    assert "## Sources" in markdown and "[^1]:" in markdown
