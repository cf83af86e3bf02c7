"""The seed articles, read and prepared as a run would."""

from __future__ import annotations

from briefing.diagnostics import Diagnostics
from briefing.pipeline import prepare
from briefing.sources.ingest import read_documents
from briefing.types.stages import Article

from .paths import SEEDS


def seed_articles() -> dict[str, Article]:
    articles = prepare(read_documents([SEEDS]), Diagnostics())
    return {article.id: article for article in articles}
