"""Per-article extraction figures on the real model: claims extracted / verified / dropped,
the dates and figures found in their sentences, tokens and seconds.

Not a test: it talks to a real endpoint. Usage:
    python bench/extraction.py [SOURCES...] [--base-url URL --model NAME]
With no --base-url it serves the embedded model on 127.0.0.1 for the duration of the run.
Sources default to seeds/.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from briefing import Settings
from briefing.claims.extract import extract
from briefing.diagnostics import Diagnostics
from briefing.model.protocol import Model
from briefing.pipeline import connect, prepare
from briefing.sources.ingest import read_documents
from briefing.types.stages import Article

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = (
    "source", "sentences", "claims", "verified", "dropped", "re-cited", "dates",
    "figures", "flags", "prompt tok", "completion tok", "seconds",
)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", default=[str(ROOT / "seeds")])
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    arguments = parser.parse_args()
    settings = Settings.from_env(base_url=arguments.base_url, model=arguments.model)
    articles = prepare(read_documents(arguments.sources), Diagnostics())
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    with connect(settings) as client:
        for article in articles:
            print(_row(article, client, settings), flush=True)
    return 0


def _row(article: Article, client: Model, settings: Settings) -> str:
    before = client.usage.model_copy()
    started = time.monotonic()
    claims = extract(
        article,
        client,
        Diagnostics(),
        context_window=settings.context_window,
        max_chunks=settings.max_chunks,
    )
    seconds = time.monotonic() - started
    cells = (
        article.id,
        len(article.sentences),
        len(claims.claims),
        len(claims.verified),
        len(claims.claims) - len(claims.verified),
        sum(bool(claim.cited_by_model) for claim in claims.claims),
        len(claims.dates),
        len(claims.figures),
        len(claims.source_issues),
        client.usage.prompt_tokens - before.prompt_tokens,
        client.usage.completion_tokens - before.completion_tokens,
        f"{seconds:.1f}",
    )
    return "| " + " | ".join(map(str, cells)) + " |"


if __name__ == "__main__":
    sys.exit(main())
