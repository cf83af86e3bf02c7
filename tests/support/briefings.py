"""Reading a written briefing's JSON."""

from __future__ import annotations

from typing import Any


def cited_sources(data: dict[str, Any]) -> set[str]:
    """The sources a written briefing's JSON cites anywhere in its sections."""
    return {
        citation["source"]
        for section in data["sections"]
        for statement in section["statements"]
        for citation in statement["citations"]
    }
