"""What `generate` and `run` print when they are done, and what `--dry-run` prints instead."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from briefing.cli.exits import OK, PARTIAL
from briefing.cli.options import RunPlan
from briefing.cli.terminal import tell, tell_all
from briefing.diagnostics import Diagnostics
from briefing.model.cache import CallCache
from briefing.model.costs import dollars
from briefing.model.endpoint import resolve
from briefing.model.estimate import Estimate, estimate
from briefing.pipeline import read
from briefing.progress import record
from briefing.types.contract import Briefing, Usage


def report(briefing: Briefing, written: list[Path], diagnostics: Diagnostics) -> int:
    """Print (and record in the log file) the run's diagnostics and the one-line summary;
    the exit code: partial when a source, an article or a delivery failed."""
    tell_all(diagnostics)
    summary = _summary_line(briefing, written)
    typer.echo(summary)
    record.info(summary)
    code = PARTIAL if diagnostics.partial else OK
    record.info(f"exit code {code}")
    return code


def dry_run(plan: RunPlan) -> int:
    """Read the sources and print what the run would cost; call no model, write nothing."""
    settings = plan.settings
    diagnostics = Diagnostics()
    reading = read(plan.sources, settings, diagnostics)
    resolved = resolve(settings)
    model = resolved.served_model
    if model is None:
        tell(
            "warning: no model is named, so cached answers and the price cannot be looked up "
            "(set endpoint.model or --model)"
        )
        model = "the endpoint's first model"
    found = estimate(
        reading.unique,
        model=model,
        endpoint=resolved.cache_identity,
        context_window=settings.context_window,
        max_chunks=settings.max_chunks,
        price=resolved.price(model),
        cache=CallCache(settings.calls_dir) if settings.use_cache else None,
    )
    tell_all(diagnostics)
    Console(highlight=False).print(_estimate_table(found))
    typer.echo(
        f"Dry run: {found.articles} articles, at most {found.calls} model calls "
        f"({found.cached_calls} more answered by the cache), at most "
        f"{sum(s.prompt_tokens for s in found.stages):,} prompt + "
        f"{sum(s.completion_tokens for s in found.stages):,} completion tokens, "
        f"at most {dollars(found.cost)}. Nothing was sent or written."
    )
    return OK


def _estimate_table(found: Estimate) -> Table:
    table = Table(title=f"Dry run with {found.model} (upper bounds)", title_justify="left")
    for column in ("stage", "calls", "cached", "prompt tokens", "completion tokens", "cost"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for stage in found.stages:
        table.add_row(
            stage.stage, f"{stage.calls:,}", f"{stage.cached_calls:,}",
            f"{stage.prompt_tokens:,}", f"{stage.completion_tokens:,}", dollars(stage.cost),
        )  # fmt: skip
    return table


def _summary_line(briefing: Briefing, written: list[Path]) -> str:
    usage = briefing.usage
    statements = sum(len(section.statements) for section in briefing.sections)
    files = " and ".join(str(path) for path in written)
    return (
        f"Wrote {files}: {statements} statements from {len(briefing.sources)} sources; "
        f"{_usage_line(usage)}, {usage.seconds:.1f} s."
    )


def _usage_line(usage: Usage) -> str:
    cached = f" ({usage.cached_calls} answered by the cache)" if usage.cached_calls else ""
    cost = f", {dollars(usage.cost)}" if usage.cost else ""
    return (
        f"{usage.llm_calls} model calls{cached}, {usage.prompt_tokens:,} prompt + "
        f"{usage.completion_tokens:,} completion tokens{cost}"
    )
