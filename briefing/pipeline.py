"""The public entry point: sources in, `Briefing` out, with every stage in order.

    read -> clean -> sentences -> summarize (model) -> ground/verify
         -> merge (clusters, corroboration) -> conflicts -> timeline
         -> compose (model) + sections -> Briefing -> render

`generate` is what the CLI calls. It starts the embedded model server when no endpoint is
configured and always stops it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import compose, extract, ingest
from .clean import clean
from .conflicts import find_conflicts
from .dedupe import find_duplicates
from .errors import EndpointError, InputError, ModelOutputError
from .llm import Endpoint, ModelClient, OutputMode
from .local_model import EMBEDDED_MODEL, embedded_model_path
from .local_server import ServerOptions, running_server
from .merge import Corpus, cluster_claims
from .models import Article, ArticleClaims, Briefing, Cluster, Document, SourceInfo, Usage
from .render import to_json, to_markdown
from .render_html import to_html
from .sections import (
    disagreements_section,
    single_source_figures,
    single_source_section,
    timeline_section,
)
from .sentences import segment
from .settings import Settings
from .similarity import EmbeddingSimilarity
from .timeline import build_timeline, undated_sources

Progress = Callable[[str], None]


def silent(_: str) -> None:
    return None


def generate(
    sources: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    client: ModelClient | None = None,
    now: datetime | None = None,
    progress: Progress = silent,
) -> Briefing:
    """Read `sources`, summarise and reconcile them with the model, and return the briefing.

    `client` overrides the endpoint from `settings` (tests pass one); `now` stamps the result.
    """
    started = time.monotonic()
    settings = settings or Settings.from_env()
    extract.sentence_budget(settings.model, settings.context_window)  # fail before any model work
    documents, warnings = ingest.read_documents(sources, strict=settings.strict)
    articles, skipped = prepare(documents)
    warnings += skipped
    duplicates = find_duplicates(articles)
    warnings += [
        f"{copy} repeats {original} ({similarity:.0%} the same text); counted once"
        for copy, (original, similarity) in duplicates.items()
    ]
    run = _Run(articles, duplicates, settings, warnings, started, now, progress)
    if client is not None:
        return run.briefing(client)
    with connect(settings, progress) as connected:
        return run.briefing(connected)


def prepare(documents: Sequence[Document]) -> tuple[list[Article], list[str]]:
    """Clean and number the sentences of each document; skip those with no article text."""
    articles: list[Article] = []
    warnings: list[str] = []
    for document in documents:
        article = segment(clean(document, f"S{len(articles) + 1}"))
        if article.sentences:
            articles.append(article)
        else:
            warnings.append(f"{document.path}: no article text left after cleaning, skipped")
    if not articles:
        raise InputError("no source holds article text after cleaning", hint="check the inputs")
    return articles, warnings


@contextmanager
def connect(settings: Settings, progress: Progress = silent) -> Iterator[ModelClient]:
    """A client for the configured endpoint, or for the embedded model served on loopback."""
    if settings.base_url:
        yield ModelClient(
            _endpoint(settings, settings.base_url, settings.model), max_reasks=settings.max_reasks
        )
        return
    options = server_options(settings, progress)
    progress(f"starting the model server for {options.model_path.name}")
    with running_server(options) as base_url:
        yield ModelClient(
            _endpoint(settings, base_url, options.alias),
            max_reasks=settings.max_reasks,
            mode=OutputMode.json_object_schema,  # llama-cpp-python's server: known, no probing
        )


def server_options(settings: Settings, progress: Progress = silent) -> ServerOptions:
    if settings.model_path is not None:
        model_path, alias = settings.model_path, settings.model_path.stem
    else:
        progress("checking the embedded model (assembled once, then reused)")
        model_path, alias = embedded_model_path(settings.cache_dir), EMBEDDED_MODEL.name
    return ServerOptions(
        model_path=model_path,
        alias=alias,
        log_path=settings.cache_dir / "server.log",
        context_window=settings.context_window,
        startup_timeout=settings.server_startup_timeout,
    )


def ensure_writable(out_dir: Path) -> None:
    """Fail before any model work when the output folder cannot be written."""
    with _writing_to(out_dir):
        probe = out_dir / ".briefing-write-check"
        probe.write_text("")
        probe.unlink()


def write_outputs(briefing: Briefing, out_dir: Path) -> list[Path]:
    """Write `briefing.md`, `briefing.json` and `briefing.html` into `out_dir`, each replaced
    atomically."""
    written = []
    with _writing_to(out_dir):
        for name, text in (
            ("briefing.md", to_markdown(briefing)),
            ("briefing.json", to_json(briefing)),
            ("briefing.html", to_html(briefing)),
        ):
            target = out_dir / name
            partial = target.with_name(f".{name}.partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(target)
            written.append(target)
    return written


@contextmanager
def _writing_to(out_dir: Path) -> Iterator[None]:
    """Create `out_dir` and turn any file-system failure inside into one `InputError`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as error:
        raise InputError(
            f"cannot write to {out_dir}: {error.strerror}", hint="choose another --out folder"
        ) from None


def _endpoint(settings: Settings, base_url: str, model: str | None) -> Endpoint:
    return Endpoint(
        base_url=base_url,
        model=model,
        api_key=settings.api_key,
        api_key_env=settings.api_key_env,
        timeout=settings.timeout,
    )


@dataclass
class _Run:
    articles: list[Article]
    duplicates: dict[str, tuple[str, float]]
    settings: Settings
    warnings: list[str]
    started: float
    now: datetime | None
    progress: Progress

    def briefing(self, client: ModelClient) -> Briefing:
        unique = [article for article in self.articles if article.id not in self.duplicates]
        extracted = _extract_all(unique, client, self.settings, self.warnings, self.progress)
        read = {claims.source for claims in extracted}
        corpus = Corpus.of([article for article in unique if article.id in read], extracted)
        clusters = self._clusters(extracted, corpus, client)
        if not clusters:
            raise ModelOutputError(
                "no claim survived verification, so there is nothing to brief",
                hint="check the inputs are news articles, or try a larger model",
            )
        conflicts = find_conflicts(clusters, extracted, corpus)
        timeline = build_timeline(corpus, extracted)
        self.progress(f"composing the briefing over {len(clusters)} claim clusters")
        composition = compose.compose(clusters, len(unique), client, self.settings.context_window)
        if composition.digest_rounds:
            self.progress(
                f"condensed the claims in {composition.digest_rounds} round(s) "
                "to fit the context window"
            )
        shown = {c for s in composition.developments.statements for c in s.clusters}
        figures = [figure for claims in extracted for figure in claims.figures]
        texts = {article.id: article.text for article in corpus.articles}
        sections = (
            composition.summary,
            composition.developments,
            disagreements_section(conflicts),
            timeline_section(timeline, undated_sources(corpus)),
            single_source_section(clusters, single_source_figures(figures, texts), shown),
        )
        usage = Usage(**client.usage.model_dump())
        usage.seconds = round(time.monotonic() - self.started, 2)
        return Briefing(
            title=self.settings.title or composition.title or unique[0].title,
            generated_at=self.now or datetime.now(UTC),
            model=client.model,
            sources=tuple(
                self._source_info(article, {found.source: found for found in extracted})
                for article in self.articles
            ),
            sections=sections,
            usage=usage,
            warnings=tuple(self.warnings + composition.warnings),
            clusters=tuple(clusters),
            conflicts=tuple(conflicts),
            timeline=tuple(timeline),
            extracted=tuple(extracted),
        )

    def _clusters(
        self, extracted: list[ArticleClaims], corpus: Corpus, client: ModelClient
    ) -> list[Cluster]:
        model = self.settings.embedding_model
        if model is None:
            return cluster_claims(extracted, corpus)
        try:
            embedded = EmbeddingSimilarity(lambda texts: client.embed(texts, model))
            return cluster_claims(extracted, corpus, embedded)
        except EndpointError as error:
            self.warnings.append(f"{error.message}; clustered claims by their words instead")
            return cluster_claims(extracted, corpus)

    def _source_info(self, article: Article, extracted: dict[str, ArticleClaims]) -> SourceInfo:
        claims = extracted.get(article.id)
        original = self.duplicates.get(article.id)
        return SourceInfo(
            id=article.id,
            path=article.path,
            title=article.title,
            published=article.published,
            outlet=article.outlet,
            author=article.author,
            duplicate_of=original[0] if original else None,
            sentences=len(article.sentences),
            claims_extracted=len(claims.claims) if claims else 0,
            claims_verified=len(claims.verified) if claims else 0,
            possible_errors=claims.source_issues if claims else (),
        )


def _extract_all(
    articles: list[Article],
    client: ModelClient,
    settings: Settings,
    warnings: list[str],
    progress: Progress,
) -> list[ArticleClaims]:
    extracted: list[ArticleClaims] = []
    for position, article in enumerate(articles, start=1):
        sentences = len(article.sentences)
        progress(
            f"[{position}/{len(articles)}] {article.id} {article.title} ({sentences} sentences)"
        )
        try:
            claims, article_warnings = extract.extract(
                article,
                client,
                context_window=settings.context_window,
                max_chunks=settings.max_chunks,
            )
        except ModelOutputError as error:
            warnings.append(f"{article.id} ({article.path}): {error.message}")
            continue
        warnings += article_warnings
        warnings += [
            f"{issue.source} sentence {issue.sentence} may be an error in the source: "
            f"it {issue.problem}"
            for issue in claims.source_issues
        ]
        extracted.append(claims)
        progress(f"      {len(claims.verified)} of {len(claims.claims)} claims verified")
    return extracted


__all__ = [
    "connect",
    "ensure_writable",
    "generate",
    "prepare",
    "server_options",
    "silent",
    "write_outputs",
]
