"""Compose the briefing's sections over clusters of claims.

The model writes the title and bottom line citing cluster numbers only (the schema allows
no other numbers); the program maps them to sources and quotes and re-checks each sentence
against the evidence, falling back to a cluster's own claim when a sentence does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import prompts
from .errors import ModelOutputError
from .llm import ModelClient, schema_of
from .models import (
    BottomLine,
    Citation,
    Cluster,
    DraftStatement,
    Section,
    SectionKind,
    Statement,
)
from .verify import evidence_problems

MAX_CLUSTERS_SHOWN = 24
_BOTTOM_LINE_TOKENS = 400
_FALLBACK_STATEMENTS = 3


def ranked(clusters: Sequence[Cluster]) -> list[Cluster]:
    """Most independent sources first; ties keep the order the articles gave."""
    return sorted(clusters, key=lambda cluster: -len(cluster.sources))


def write_bottom_line(
    clusters: Sequence[Cluster], source_count: int, client: ModelClient
) -> BottomLine:
    shown = list(clusters[:MAX_CLUSTERS_SHOWN])
    user = prompts.render(
        "compose",
        source_count=source_count,
        claims=[
            {"number": number, "sources": len(cluster.sources), "text": cluster.canonical}
            for number, cluster in enumerate(shown, start=1)
        ],
    )
    return client.structured(
        prompts.render("system"),
        user,
        BottomLine,
        bottom_line_schema(len(shown)),
        max_tokens=_BOTTOM_LINE_TOKENS,
    )


def bottom_line_schema(cluster_count: int) -> dict[str, Any]:
    schema = schema_of(BottomLine)
    cited = schema["properties"]["statements"]["items"]["properties"]["clusters"]
    cited["items"] = {"type": "integer", "enum": list(range(1, cluster_count + 1))}
    return schema


def summary_section(
    bottom_line: BottomLine | None, clusters: Sequence[Cluster]
) -> tuple[Section, list[str]]:
    """The bottom line, each sentence checked; returns the warnings it raised."""
    shown = list(clusters[:MAX_CLUSTERS_SHOWN])
    warnings: list[str] = []
    statements: list[Statement] = []
    drafts = bottom_line.statements if bottom_line else []
    for draft in drafts:
        statement, problem = _checked(draft, shown)
        if problem:
            warnings.append(problem)
        if statement is not None and statement.text not in {s.text for s in statements}:
            statements.append(statement)
    if not statements:
        statements = [statement_for(cluster) for cluster in shown[:_FALLBACK_STATEMENTS]]
    return Section(
        heading="Bottom line", kind=SectionKind.summary, statements=tuple(statements)
    ), warnings


def developments_section(clusters: Sequence[Cluster]) -> Section:
    return Section(
        heading="Key developments",
        kind=SectionKind.developments,
        statements=tuple(statement_for(cluster) for cluster in clusters),
    )


def statement_for(cluster: Cluster, text: str | None = None, composed: bool = False) -> Statement:
    return Statement(
        text=text or cluster.canonical,
        citations=_citations(cluster),
        clusters=(cluster.id,),
        corroboration=len(cluster.sources),
        composed=composed,
    )


def _citations(cluster: Cluster) -> tuple[Citation, ...]:
    return tuple(
        Citation(source=e.source, quote=e.quote, start=e.start, end=e.end) for e in cluster.evidence
    )


def _checked(draft: DraftStatement, shown: list[Cluster]) -> tuple[Statement | None, str]:
    cited = [shown[n - 1] for n in dict.fromkeys(draft.clusters) if 1 <= n <= len(shown)]
    if not cited:
        return None, f"dropped a bottom-line sentence citing no known claim: {draft.text!r}"
    evidence = [e.quote for cluster in cited for e in cluster.evidence]
    evidence += [cluster.canonical for cluster in cited]
    problems = evidence_problems(draft.text, evidence)
    if problems:
        note = f"bottom-line sentence replaced by its claim ({'; '.join(problems)}): {draft.text!r}"
        return statement_for(cited[0]), note
    citations = tuple(dict.fromkeys(c for cluster in cited for c in _citations(cluster)))
    sources = {source for cluster in cited for source in cluster.sources}
    return (
        Statement(
            text=draft.text.strip(),
            citations=citations,
            clusters=tuple(cluster.id for cluster in cited),
            corroboration=len(sources),
            composed=True,
        ),
        "",
    )


def fallback_bottom_line_warning(error: ModelOutputError) -> str:
    return f"the model could not write the bottom line ({error.message}); used the top claims"
