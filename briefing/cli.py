"""The `briefing` command. Turns `BriefingError`s into one-line messages and exit codes."""

from __future__ import annotations

import dataclasses
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from .errors import BriefingError
from .ingest import sources_from_file
from .local_server import LOOPBACK, run_in_foreground
from .models import Briefing
from .pipeline import ensure_writable, server_options, silent, write_outputs
from .pipeline import generate as generate_briefing
from .settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Turn news articles on one topic into one sourced Markdown briefing.",
)
_err = Console(stderr=True, highlight=False, soft_wrap=True)
T = TypeVar("T")

BaseUrl = Annotated[
    str | None,
    typer.Option(help="OpenAI-compatible endpoint (env BRIEFING_BASE_URL, OPENAI_BASE_URL); "
                 "default: the embedded model on 127.0.0.1"),
]  # fmt: skip
Model = Annotated[str | None, typer.Option(help="Model name at the endpoint (env BRIEFING_MODEL)")]
ApiKey = Annotated[
    str | None, typer.Option(help="API key (env OPENAI_API_KEY)", show_default=False)
]
ModelPath = Annotated[
    Path | None, typer.Option(help="A GGUF file to serve instead of the embedded model")
]
ContextWindow = Annotated[
    int | None,
    typer.Option(
        min=512,
        help="Tokens the model attends to; longer articles are read in chunks [default: 8192]",
        show_default=False,
    ),
]
CacheDir = Annotated[
    Path | None,
    typer.Option(help="Where the assembled model and server log live (env BRIEFING_CACHE_DIR)"),
]


@app.command()
def generate(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Article files (.txt .md .html), folders, article URLs, RSS/Atom feeds"
        ),
    ] = None,
    sources_file: Annotated[
        Path | None,
        typer.Option(
            "--sources-file", "-f", help="A file listing sources, one per line (# comments)"
        ),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Stop when any source fails")] = False,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for briefing.md, .json and .html")
    ] = Path("out"),
    title: Annotated[str | None, typer.Option(help="Title instead of the model's headline")] = None,
    base_url: BaseUrl = None,
    model: Model = None,
    api_key: ApiKey = None,
    model_path: ModelPath = None,
    context_window: ContextWindow = None,
    embedding_model: Annotated[
        str | None,
        typer.Option(
            help="Cluster claims by this model's embeddings at the endpoint; default: lexically"
        ),
    ] = None,
    cache_dir: CacheDir = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the result")] = False,
) -> None:
    """Write OUT/briefing.md, OUT/briefing.json and OUT/briefing.html from SOURCES."""

    def run() -> None:
        settings = Settings.from_env(
            base_url=base_url, model=model, api_key=api_key, model_path=model_path,
            cache_dir=cache_dir, title=title, strict=strict, context_window=context_window,
            embedding_model=embedding_model,
        )  # fmt: skip
        progress = silent if quiet else _progress
        named = [*(sources or []), *(sources_from_file(sources_file) if sources_file else [])]
        ensure_writable(out)
        briefing = generate_briefing(named, settings, progress=progress)
        written = write_outputs(briefing, out)
        for warning in briefing.warnings:
            _err.print(f"warning: {warning}", markup=False)
        typer.echo(_summary_line(briefing, written))

    _guarded(run)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8080,
    model_path: ModelPath = None,
    context_window: ContextWindow = None,
    cache_dir: CacheDir = None,
) -> None:
    """Serve the embedded model (or --model-path) on 127.0.0.1 until Ctrl-C, to reuse it."""

    def run() -> None:
        settings = Settings.from_env(
            model_path=model_path, cache_dir=cache_dir, context_window=context_window
        )
        options = server_options(settings, _progress)
        options = dataclasses.replace(options, port=port)

        def ready(base_url: str) -> None:
            typer.echo(f"Serving {options.alias} at {base_url} (Ctrl-C stops it)")
            typer.echo(f"Use it: briefing generate SOURCES --base-url {base_url}")

        _err.print(f"starting the model server on {LOOPBACK}:{port}", markup=False)
        try:
            run_in_foreground(options, ready)
        except KeyboardInterrupt:
            _err.print("model server stopped", markup=False)

    _guarded(run)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    app()


def _guarded(run: Callable[[], None]) -> None:
    try:
        run()
    except BriefingError as error:
        _err.print(f"error: {error}", markup=False)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        _err.print("interrupted", markup=False)
        raise typer.Exit(130) from None


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    sys.exit(128 + signum)  # unwinds the stack, so the model server is stopped on the way out


def _progress(message: str) -> None:
    _err.print(message, markup=False)


def _summary_line(briefing: Briefing, written: list[Path]) -> str:
    usage = briefing.usage
    statements = sum(len(section.statements) for section in briefing.sections)
    files = " and ".join(str(path) for path in written)
    return (
        f"Wrote {files}: {statements} statements from {len(briefing.sources)} sources; "
        f"{usage.llm_calls} model calls, {usage.prompt_tokens:,} prompt + "
        f"{usage.completion_tokens:,} completion tokens, {usage.seconds:.1f} s."
    )
