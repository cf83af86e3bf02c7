"""Check a written briefing against the DESIGN.md contract, from its JSON alone.

Every statement cites at least one source; every quote (of statements, of every extracted
claim, date and figure, of passages flagged as possible errors, of corroborating passages,
of both sides of every disagreement and of every timeline entry) occurs at its offsets in
the cleaned text of the source it names; no statement repeats known seed boilerplate.
Usage: python .ci/check_briefing.py out/briefing.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from briefing.diagnostics import Diagnostics
from briefing.pipeline import prepare
from briefing.sources.ingest import read_documents

BOILERPLATE = (
    "317 views",
    "You May Also Like",
    "Copyright",
    "Exit mobile version",
    "Sed ut perspiciatis",
)


def main(path: str) -> int:
    data = json.loads(Path(path).read_text())
    paths = [source["path"] for source in data["sources"]]
    articles = prepare(read_documents(paths), Diagnostics())
    texts = {article.id: article.text for article in articles}
    statements = [s for section in data["sections"] for s in section["statements"]]
    failures = []
    for statement in statements:
        if not statement["citations"]:
            failures.append(f"uncited: {statement['text']}")
        if any(junk in statement["text"] for junk in BOILERPLATE):
            failures.append(f"boilerplate: {statement['text']}")
        for citation in statement["citations"]:
            text = texts[citation["source"]]
            if text[citation["start"] : citation["end"]] != citation["quote"]:
                where = citation["source"]
                failures.append(f"quote not at its offsets in {where}: {citation['quote']}")
    quoted = _extracted_quotes(data)
    for item in quoted:
        if texts[item["source"]][item["start"] : item["end"]] != item["quote"]:
            failures.append(f"extracted quote not at its offsets in {item['source']}")
    for failure in failures:
        print(f"FAIL {failure}")
    citations = sum(len(s["citations"]) for s in statements)
    corroborated = sum(len(cluster["sources"]) > 1 for cluster in data["clusters"])
    print(
        f"{len(statements)} statements, {citations} citations, {len(quoted)} extracted quotes; "
        f"{len(data['clusters'])} clusters ({corroborated} with 2+ sources), "
        f"{len(data['conflicts'])} conflicts, {len(data['timeline'])} timeline entries; "
        f"{len(failures)} failures"
    )
    return 1 if failures or not statements else 0


def _extracted_quotes(data: dict[str, Any]) -> list[dict[str, Any]]:
    quoted = [issue for source in data["sources"] for issue in source["possible_errors"]]
    for article in data["extracted"]:
        quoted += [e for claim in article["claims"] for e in claim["evidence"]]
        quoted += [item["evidence"] for item in article["dates"] + article["figures"]]
    quoted += [e for cluster in data["clusters"] for e in cluster["support"]]
    quoted += [e for c in data["conflicts"] for side in c["sides"] for e in side["evidence"]]
    quoted += [e for entry in data["timeline"] for e in entry["evidence"]]
    return quoted


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
