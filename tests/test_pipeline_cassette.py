"""The whole pipeline on the seeds, replayed from the embedded model's recorded answers."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from briefing import Settings, generate, to_json, to_markdown, write_outputs
from briefing.ingest import read_documents
from briefing.llm import ModelClient
from briefing.models import Article, Briefing, SectionKind
from briefing.pipeline import prepare

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
    articles, _ = prepare(read_documents([SEEDS])[0])
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
    assert kinds == [SectionKind.summary, SectionKind.developments]
    markdown = to_markdown(briefing)
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


def assert_follows_the_json_contract(briefing: Briefing, out: Path) -> None:
    written = write_outputs(briefing, out)

    assert [path.name for path in written] == ["briefing.md", "briefing.json"]
    data = json.loads((out / "briefing.json").read_text())
    assert data == json.loads(to_json(briefing))
    assert {"title", "generated_at", "model", "sources", "sections", "usage"} <= data.keys()
    assert data["generated_at"].startswith("2026-11-21T07:00:00")
    assert {"id", "path", "title", "published"} <= data["sources"][0].keys()
    assert {"llm_calls", "prompt_tokens", "completion_tokens", "cached_calls", "seconds"} <= data[
        "usage"
    ].keys()
    source_ids = {source["id"] for source in data["sources"]}
    for section in data["sections"]:
        assert section["kind"] in {"summary", "developments", "disagreements", "timeline"}
        for statement in section["statements"]:
            assert {c["source"] for c in statement["citations"]} <= source_ids
    markdown = (out / "briefing.md").read_text()
    assert markdown.startswith(f"# {data['title'][:10]}")
    assert "## Sources" in markdown and "[^1]:" in markdown
