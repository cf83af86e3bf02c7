"""Reading sources as a run does, with what the reading told the run's diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from briefing.diagnostics import Diagnostics
from briefing.sources.ingest import read_documents
from briefing.types.stages import Document


def read_with_warnings(
    sources: list[str | Path], **options: Any
) -> tuple[list[Document], list[str]]:
    """The documents read, and the warnings the reading told the run's diagnostics."""
    diagnostics = Diagnostics()
    documents = read_documents(sources, diagnostics, **options)
    return documents, list(diagnostics.warnings)
