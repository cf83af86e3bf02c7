"""The passage type behind evidence, source issues and citations, and the usage figures, in
their briefing.json shapes."""

from __future__ import annotations

import json

from briefing.types.contract import Briefing, StageUsage, Statement, Usage
from briefing.types.stages import Citation, Evidence, SourceIssue

EVIDENCE = Evidence(source="S1", sentence=3, quote="Tokyo agreed.", start=40, end=53)


def test_a_statement_cites_evidence_as_it_is_and_its_json_leaves_the_sentence_out() -> None:
    statement = Statement(text="Tokyo agreed.", citations=(EVIDENCE,))

    assert statement.citations == (EVIDENCE,)
    (written,) = json.loads(statement.model_dump_json())["citations"]
    assert written == {"source": "S1", "quote": "Tokyo agreed.", "start": 40, "end": 53}
    (read,) = Statement.model_validate_json(statement.model_dump_json()).citations
    assert read == Citation(source="S1", quote="Tokyo agreed.", start=40, end=53)
    assert read.sentence is None


def test_evidence_and_source_issues_keep_their_sentence_in_json() -> None:
    issue = SourceIssue(**EVIDENCE.model_dump(), actor="Japan", problem="casts Japan as a threat")

    assert json.loads(EVIDENCE.model_dump_json())["sentence"] == 3
    assert list(json.loads(issue.model_dump_json())) == [
        *["source", "sentence", "quote", "start", "end"],
        *["actor", "problem"],
    ]


def test_the_schema_shows_a_citation_without_its_sentence() -> None:
    definitions = Briefing.model_json_schema()["$defs"]

    assert list(definitions["Citation"]["properties"]) == ["source", "quote", "start", "end"]
    assert "sentence" in definitions["Evidence"]["required"]


def test_usage_writes_wall_time_as_seconds_and_each_stages_model_time_as_seconds() -> None:
    usage = Usage(
        seconds=12.5, model_seconds=9.0, stages={"extract": StageUsage(model_seconds=9.0)}
    )

    written = json.loads(usage.model_dump_json())
    assert written["seconds"] == 12.5 and "model_seconds" not in written
    assert written["stages"]["extract"]["seconds"] == 9.0
    assert Usage.model_validate(written).stages["extract"].model_seconds == 9.0
