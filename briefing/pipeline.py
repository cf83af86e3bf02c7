"""The public entry point: sources in, `Briefing` out, with every stage in order.

    sources (read, clean, dedupe, sentences) -> claims (extract by the model, ground, verify)
         -> reconcile (clusters and corroboration, conflicts, events, quotes, timeline)
         -> compose (the model's prose + the program's sections) -> Briefing

`generate` is what the CLI calls (`output.publish.write_outputs` writes what it returns).
Model answers come from the cache when they can; the embedded model's server is started only
when one does not, and always stopped again. Articles are read `settings.concurrency` at a
time at a remote endpoint, one at a time by the embedded model.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from briefing import memory
from briefing.claims import extract
from briefing.claims.extract import Answers
from briefing.compose import prose
from briefing.compose.prose import Composition
from briefing.compose.sections import (
    disagreements_section,
    events_section,
    grouped_by_event,
    quotes_section,
    single_source_figures,
    single_source_section,
    timeline_section,
)
from briefing.diagnostics import Diagnostics
from briefing.errors import (
    BriefingError,
    BudgetError,
    EndpointError,
    InputError,
    ModelOutputError,
    RequestFailedError,
)
from briefing.local.server import OnDemandServer
from briefing.local.weights import EMBEDDED_MODEL
from briefing.model.cache import CallCache
from briefing.model.client import ModelClient
from briefing.model.endpoint import resolve
from briefing.model.protocol import Model
from briefing.model.structured import OutputMode
from briefing.progress import Progress, silent
from briefing.reconcile import embeddings
from briefing.reconcile.clusters import cluster_claims
from briefing.reconcile.conflicts import MAX_CONFLICTS, find_conflicts
from briefing.reconcile.corpus import Corpus, searched_texts
from briefing.reconcile.events import description, find_events
from briefing.reconcile.matching import MatchingAhead
from briefing.reconcile.quotes import find_quotes
from briefing.reconcile.similarity import (
    EmbeddingSimilarity,
    LexicalSimilarity,
    Meaning,
    MeaningSimilarity,
    Similarity,
)
from briefing.reconcile.timeline import build_timeline, undated_sources
from briefing.redact import redacted
from briefing.settings import Settings
from briefing.sources import ingest
from briefing.sources.clean import clean
from briefing.sources.dedupe import find_duplicates
from briefing.sources.sentences import segment
from briefing.types.contract import Briefing, Section, SourceInfo
from briefing.types.stages import (
    Article,
    ArticleClaims,
    Cluster,
    Conflict,
    Document,
    Event,
    Quote,
    TimelineEntry,
)

_NO_ARTICLE_TEXT = "no article text left after cleaning"
_GIVE_ARTICLES = "give the article itself, not a home, index or cookie-consent page"

T = TypeVar("T")
R = TypeVar("R")


def generate(
    sources: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    client: Model | None = None,
    now: datetime | None = None,
    progress: Progress = silent,
    diagnostics: Diagnostics | None = None,
) -> Briefing:
    """Read `sources`, summarise and reconcile them with the model, and return the briefing.

    `client` overrides the endpoint from `settings` (tests pass one); `now` stamps the result;
    what the run has to report is added to `diagnostics` (the briefing's warnings and failures
    are read from it).
    """
    started = time.monotonic()
    settings = settings or Settings.from_env()
    diagnostics = Diagnostics() if diagnostics is None else diagnostics
    reading = read(sources, settings, diagnostics)
    run = _Run(reading, settings, started, now, progress, diagnostics)
    if client is not None:
        return run.briefing(client)
    with connect(settings, progress, starting=run.server_starting) as connected:
        return run.briefing(connected)


@dataclass
class Reading:
    """The sources, read and cleaned: everything a run needs before the model."""

    articles: list[Article]
    duplicates: dict[str, tuple[str, float]]

    @property
    def unique(self) -> list[Article]:
        return [article for article in self.articles if article.id not in self.duplicates]


def read(sources: Sequence[str | Path], settings: Settings, diagnostics: Diagnostics) -> Reading:
    """Read, clean, number and de-duplicate the sources, telling `diagnostics` what was
    skipped or merged; fails before any model work when the context window cannot hold a
    prompt."""
    extract.sentence_budget(settings.model, settings.context_window)
    documents = ingest.read_documents(
        sources,
        diagnostics,
        strict=settings.strict,
        private_ok=settings.allow_private_addresses,
    )
    articles = prepare(documents, diagnostics)
    duplicates = find_duplicates(articles)
    for copy, (original, similarity) in duplicates.items():
        diagnostics.warn(
            f"{copy} repeats {original} ({similarity:.0%} the same text); counted once",
            source=copy,
        )
    return Reading(articles, duplicates)


def prepare(documents: Sequence[Document], diagnostics: Diagnostics) -> list[Article]:
    """Clean and number the sentences of each document; skip those with no article text,
    telling `diagnostics`."""
    articles: list[Article] = []
    for document in documents:
        article = segment(clean(document, f"S{len(articles) + 1}"))
        if article.sentences:
            articles.append(article)
        else:
            diagnostics.skip(
                f"{document.path}: {_NO_ARTICLE_TEXT} ({_GIVE_ARTICLES})", source=document.path
            )
    if len(documents) == 1 and not articles:
        raise InputError(f"{documents[0].path}: {_NO_ARTICLE_TEXT}", hint=_GIVE_ARTICLES)
    if not articles:
        raise InputError("no source holds article text after cleaning", hint=_GIVE_ARTICLES)
    return articles


@contextmanager
def connect(
    settings: Settings,
    progress: Progress = silent,
    *,
    cache: CallCache | None = None,
    starting: threading.Event | None = None,
) -> Iterator[ModelClient]:
    """A client for the configured endpoint, or for the embedded model, served on loopback
    from the first call the cache cannot answer until the block ends (`starting` is set
    while the server starts). `cache` replaces the settings' cache of answers (the quality
    benchmark records into its own)."""
    if cache is None and settings.use_cache:
        cache = CallCache(settings.calls_dir)
    resolved = resolve(settings)
    if not resolved.embedded:
        with ModelClient(resolved.endpoint, max_reasks=settings.max_reasks, cache=cache) as client:
            client.ledger.spending = resolved.spending(client.model)  # may ask the endpoint
            yield client
        return
    model = resolved.served_model or EMBEDDED_MODEL.name
    starting = starting or threading.Event()

    def start() -> str:
        starting.set()
        try:
            return server.start()
        finally:
            starting.clear()

    with (
        OnDemandServer(
            lambda: resolved.server_options(progress), settings.cache_dir, progress
        ) as server,
        ModelClient(
            resolved.endpoint,
            max_reasks=settings.max_reasks,
            mode=OutputMode.json_object_schema,  # llama-cpp-python's server: known, no probing
            cache=cache,
            spending=resolved.spending(model),
            start=start,
            crash=server.crash,
        ) as client,
    ):
        yield client


@dataclass
class Reconciled:
    """A run's state after reconciliation, before the model writes the briefing."""

    articles: list[Article]  # every article read, copies included
    duplicates: dict[str, str]  # a syndicated copy's id -> its original's
    extracted: list[ArticleClaims]
    corpus: Corpus
    clusters: list[Cluster]
    conflicts: list[Conflict]
    events: list[Event]
    timeline: list[TimelineEntry]
    quotes: list[Quote]

    def sections(self, developments: Section) -> tuple[Section, ...]:
        """Every section after the bottom line, around the given key developments: what the
        program states from the reconciled data in the sources' own words."""
        shown = {c for s in developments.statements for c in s.clusters}
        figures = [figure for claims in self.extracted for figure in claims.figures]
        texts = {article.id: article.text for article in self.corpus.articles}
        return (
            grouped_by_event(developments, self.events),
            disagreements_section(
                self.conflicts[:MAX_CONFLICTS], len(self.conflicts[MAX_CONFLICTS:])
            ),
            events_section(self.events),
            quotes_section(self.quotes),
            timeline_section(self.timeline, undated_sources(self.corpus)),
            single_source_section(
                self.clusters, single_source_figures(figures, texts), shown, self.corpus.concrete
            ),
        )


def reconcile(sources: Sequence[str | Path], settings: Settings, client: Model) -> Reconciled:
    """Read `sources` and reconcile their claims without composing (the quality benchmark)."""
    diagnostics = Diagnostics()
    reading = read(sources, settings, diagnostics)
    return _Run(reading, settings, time.monotonic(), None, silent, diagnostics).reconcile(client)


@dataclass
class _Matched:
    """A run's claims matched into clusters: what the composition is written from."""

    extracted: list[ArticleClaims]
    corpus: Corpus
    clusters: list[Cluster]
    meaning: Meaning | None


@dataclass
class _Run:
    reading: Reading
    settings: Settings
    started: float
    now: datetime | None
    progress: Progress
    diagnostics: Diagnostics
    server_starting: threading.Event = field(default_factory=threading.Event)
    """Set while the embedded model's server starts: one core loads the model, the other is
    free (a run of cached answers starts none)."""
    requests_out: threading.Event = field(default_factory=threading.Event)
    """Set once every article's request to a remote endpoint is handed to the workers: the
    encoder ahead begins then, not before the first requests, which it would hold up."""

    def reconcile(self, client: Model) -> Reconciled:
        """Everything before the composition: claims, clusters, conflicts, timeline."""
        return self._reconciled(self._matched(client))

    def _matched(self, client: Model) -> _Matched:
        """The articles' claims, matched into clusters: what the composition needs."""
        unique = self.reading.unique
        with self._encoding_ahead(unique) as ahead:
            matching = self._matching_ahead(unique, ahead)
            extracted = self._extract_all(unique, client, ahead, matching)
        sources = {claims.source for claims in extracted}
        read = [article for article in unique if article.id in sources]
        if len(read) < len(unique):
            corpus = Corpus.of(read)
        else:  # the corpus matched in ahead
            corpus = matching.corpus if matching is not None else Corpus.of(unique)
        encoder = ahead.encoder if ahead is not None else None
        similarity = self._similarity(corpus, extracted, client, encoder)
        if matching is not None:
            similarity = matching.same_similarity(corpus, similarity)
        clusters = self._clusters(extracted, corpus, similarity, matching)
        if not clusters:
            raise ModelOutputError(
                "no claim survived verification, so there is nothing to brief",
                hint="check the inputs are news articles, or try a larger model",
            )
        meaning = similarity if isinstance(similarity, Meaning) else None
        return _Matched(extracted, corpus, clusters, meaning)

    def _reconciled(self, matched: _Matched) -> Reconciled:
        """The matched claims with their disagreements, events, timeline and quotes."""
        extracted, corpus, clusters = matched.extracted, matched.corpus, matched.clusters
        meaning = matched.meaning
        reconciled = Reconciled(
            articles=self.reading.articles,
            duplicates={copy: original for copy, (original, _) in self.reading.duplicates.items()},
            extracted=extracted,
            corpus=corpus,
            clusters=clusters,
            conflicts=find_conflicts(clusters, extracted, corpus, meaning),
            events=find_events(extracted, corpus, meaning) if meaning else [],
            timeline=build_timeline(corpus, extracted),
            quotes=find_quotes(corpus.articles),
        )
        corpus.forget_meanings()
        return reconciled

    def briefing(self, client: Model) -> Briefing:
        matched = self._matched(client)
        clusters = matched.clusters
        self.progress.stage("composing the briefing", total=1)
        with self._composing(clusters, client) as written:
            reconciled = self._reconciled(matched)
            del matched  # with the similarity and its encoder, before they are released
            embeddings.release()  # the server writing the briefing grows by the context it fills
            memory.give_back()
            composition = written()
        extracted = reconciled.extracted
        self.progress.advance(f"written over {len(clusters)} claim clusters", client.usage)
        if composition.digest_rounds:
            self.progress(
                f"condensed the claims in {composition.digest_rounds} round(s) "
                "to fit the context window"
            )
        sections = (
            composition.summary,
            *reconciled.sections(composition.developments),
        )
        by_source = {found.source: found for found in extracted}
        usage = client.usage.model_copy(deep=True)
        usage.seconds = round(time.monotonic() - self.started, 2)
        usage.cost = round(usage.cost, 6) if usage.cost is not None else None
        return Briefing(
            title=self.settings.title or composition.title or prose.headline(clusters),
            generated_at=self.now or datetime.now(UTC),
            model=client.model,
            sources=tuple(
                self._source_info(article, by_source) for article in self.reading.articles
            ),
            sections=sections,
            usage=usage,
            warnings=self.diagnostics.warnings,
            failures=self.diagnostics.failures,
            clusters=tuple(clusters),
            conflicts=tuple(reconciled.conflicts[:MAX_CONFLICTS]),
            conflicts_left_out=len(reconciled.conflicts[MAX_CONFLICTS:]),
            events=tuple(reconciled.events),
            timeline=tuple(reconciled.timeline),
            quotes=tuple(reconciled.quotes),
            extracted=tuple(extracted),
        )

    @contextmanager
    def _composing(
        self, clusters: list[Cluster], client: Model
    ) -> Iterator[Callable[[], Composition]]:
        """The composition over `clusters`, from calling what the block is given. A remote
        endpoint is asked at once and writes it while this machine finds the disagreements,
        events and timeline in the block; a model on this machine is asked only by the call,
        as it needs the cores."""

        def compose() -> Composition:
            return prose.compose(
                clusters, len(self.reading.unique), client, self.settings.context_window,
                self.diagnostics,
            )  # fmt: skip

        if not _waits_for_another_machine(self.settings):
            yield compose
            return
        with ThreadPoolExecutor(1, thread_name_prefix="compose") as pool:
            yield pool.submit(compose).result

    def _extract_all(
        self,
        articles: list[Article],
        client: Model,
        ahead: embeddings.Ahead | None = None,
        matching: MatchingAhead | None = None,
    ) -> list[ArticleClaims]:
        """Each article's claims, in order; an article the model fails on (an invalid answer,
        a request that failed or timed out), or that the budget does not reach, is left out
        and counted as a failure. When every article is, the first failure stops the run (the
        budget's before the model's). An endpoint that cannot be used at all (unreachable, a
        wrong key or model) stops the run at once.

        Only the model's answers are awaited in parallel: each is grounded here, in article
        order, while the requests after it are already out (grounding needs the CPU, which
        the waiting requests leave idle), and its claims go to `ahead` to be encoded and to
        `matching`, which groups them and searches the other articles for them in the waits
        for the next answer."""
        self.progress.stage(f"reading {len(articles)} articles", total=len(articles))
        workers = self.settings.concurrency if self.settings.base_url else 1
        extracted: list[ArticleClaims] = []
        errors: list[BriefingError] = []
        for article, asked in zip(
            articles,
            _ordered_map(
                lambda article: self._ask(article, client),
                articles,
                workers=workers,
                idle=matching.match_one if matching is not None else None,
                sent=self.requests_out,
            ),
            strict=True,
        ):
            outcome = asked if isinstance(asked, BriefingError) else self._grounded(*asked, client)
            if isinstance(outcome, BriefingError):
                self.diagnostics.fail(
                    f"{article.id} ({article.path}): {outcome}",  # with its hint
                    source=article.id,
                )
                errors.append(outcome)
                continue
            extracted.append(outcome)
            if ahead is not None:
                ahead.add(_compared_texts(article, outcome))
            if matching is not None:
                matching.add(outcome.verified)
        if not extracted and errors:  # say why there is nothing to brief: the budget, or the model
            raise next((e for e in errors if isinstance(e, BudgetError)), errors[0])
        return extracted

    def _ask(self, article: Article, client: Model) -> tuple[Answers, Diagnostics] | BriefingError:
        """The model's answers for the article and what asking had to report (kept apart, as
        articles are read in parallel), or why the model could not read it."""
        told = Diagnostics()
        try:
            answers = extract.ask(
                article,
                client,
                told,
                context_window=self.settings.context_window,
                max_chunks=self.settings.max_chunks,
            )
        except (ModelOutputError, RequestFailedError, BudgetError) as error:
            self.progress.advance(f"{article.id}: not read ({error.message})", client.usage)
            return error
        return answers, told

    def _grounded(self, answers: Answers, told: Diagnostics, client: Model) -> ArticleClaims:
        """The article's claims from its answers, reporting what its reading had to say."""
        article = answers.article
        claims = answers.grounded()
        self.diagnostics.extend(told)
        for issue in claims.source_issues:
            self.diagnostics.warn(
                f"{issue.source} sentence {issue.sentence} may be an error in the source: "
                f"it {issue.problem}",
                source=issue.source,
            )
        self.progress.advance(
            f"{article.id} {article.title}: {len(claims.verified)} of {len(claims.claims)} "
            "claims verified",
            client.usage,
        )
        return claims

    def _similarity(
        self,
        corpus: Corpus,
        extracted: list[ArticleClaims],
        client: Model,
        encoder: embeddings.Remembered | None,
    ) -> Similarity | None:
        """How claims are compared: by the endpoint's embeddings when --embedding-model names
        one, else by the embedded sentence encoder when installed, else by words."""
        model = self.settings.embedding_model
        if model is None:
            return self._local_similarity(corpus, extracted, encoder)
        return EmbeddingSimilarity(lambda texts: client.embed(texts, model))

    def _clusters(
        self,
        extracted: list[ArticleClaims],
        corpus: Corpus,
        similarity: Similarity | None,
        matched: MatchingAhead | None = None,
    ) -> list[Cluster]:
        """The claims' clusters, from what was `matched` ahead as far as it holds."""
        ahead = (matched.corroboration, matched.grouping) if matched is not None else (None, None)
        try:
            return cluster_claims(extracted, corpus, similarity, *ahead)
        except EndpointError as error:
            self.diagnostics.warn(f"{error.message}; clustered claims by their words instead")
            return cluster_claims(extracted, corpus)

    @contextmanager
    def _encoding_ahead(self, articles: Sequence[Article]) -> Iterator[embeddings.Ahead | None]:
        """While the model reads the articles, encode their sentences and clauses, and each
        article's claims once it is read, for matching claims by meaning, as far as the
        machine's cores are free: all along while a remote endpoint answers several articles
        at once; while the embedded model's server starts (one core loads it), and no more
        once it answers. Not for a local server asked one request at a time, or when claims
        are matched otherwise. The reading's end waits for the texts given (work the
        matching would do then anyway), so they are encoded in the same batches whatever the
        model's timing."""
        settings = self.settings
        embedded = settings.base_url is None
        texts = [
            text
            for article in articles
            for sentence in article.sentences
            for text in searched_texts(sentence)
        ]
        if (
            not (embedded or _waits_for_another_machine(settings))
            or settings.embedding_model is not None
            or settings.match_by == "words"
            or len(set(texts)) > MAX_ENCODED
            or not embeddings.available()
        ):
            yield None
            return
        # The encoder's weights are read in the thread too (half a second) while the first
        # requests go out; a failure to read them is reported when the main thread needs them.
        encoder = embeddings.Remembered(_sentence_encoder(settings))
        free = self.server_starting if embedded else self.requests_out
        with embeddings.Ahead(encoder, texts, free, one_core=embedded) as ahead:
            yield ahead

    def _matching_ahead(
        self, articles: Sequence[Article], ahead: embeddings.Ahead | None
    ) -> MatchingAhead | None:
        """Claims matched as the articles are read, while a remote endpoint answers several
        articles at once (this machine waits then), by the meaning the encoder `ahead`
        gives, or by words when claims are matched by words."""
        if not _waits_for_another_machine(self.settings) or self.settings.embedding_model:
            return None
        return MatchingAhead(articles, ahead.encoder if ahead is not None else None)

    def _local_similarity(
        self, corpus: Corpus, extracted: list[ArticleClaims], ahead: embeddings.Remembered | None
    ) -> Similarity | None:
        """Claims compared by meaning with the embedded sentence encoder, when installed and
        the run holds no more than it reads in one run."""
        if self.settings.match_by == "words":
            return None
        if not embeddings.available():
            self.diagnostics.warn(
                "claims were matched by their words only: the sentence-embedding model is not "
                f"installed ({embeddings.INSTALL_HINT})"
            )
            return None
        passages = _passages_to_encode(corpus, extracted)
        if passages > MAX_ENCODED:
            self.diagnostics.warn(
                f"claims were matched by their words only: {passages:,} sentences, clauses and "
                f"claims are more than the sentence encoder reads in one run ({MAX_ENCODED:,}, "
                "about 3 minutes on 2 cores); brief fewer articles at once to match them by "
                "meaning"
            )
            return None
        embed = ahead.embed if ahead is not None else _sentence_encoder(self.settings)
        return MeaningSimilarity(embed, LexicalSimilarity(corpus.weights))

    def _source_info(self, article: Article, extracted: dict[str, ArticleClaims]) -> SourceInfo:
        claims = extracted.get(article.id)
        original = self.reading.duplicates.get(article.id)
        return SourceInfo(
            id=article.id,
            path=redacted(article.path),
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


def _sentence_encoder(settings: Settings) -> Callable[[Sequence[str]], Any]:
    """The sentence encoder's `embed`, its vectors kept in the cache unless it is off: the
    encoder's weights are read only when a list of texts was not encoded before."""

    def encode(texts: Sequence[str]) -> Any:
        return embeddings.encoder(settings.cache_dir).embed(texts)

    if not settings.use_cache:
        return encode
    return embeddings.StoredVectors(encode, embeddings.vector_files(settings.vectors_dir)).embed


def _waits_for_another_machine(settings: Settings) -> bool:
    """Whether the model runs elsewhere, answering several requests at once, so this
    machine's cores are free while it waits: not the embedded model, nor a local server
    asked one request at a time (`--concurrency 1`), which need the cores themselves."""
    return settings.base_url is not None and settings.concurrency > 1


MAX_ENCODED = 8_000
"""Texts the embedded sentence encoder reads in one run, about 20 ms each on one core.
Encoding is the largest cost of a run once the model has answered; 2,000 look-alike articles
hold 27,000 texts (over 8 minutes), so beyond this claims are matched by their words."""


def _passages_to_encode(corpus: Corpus, extracted: Sequence[ArticleClaims]) -> int:
    """The distinct texts matching by meaning would encode: every searched sentence and
    clause, and every verified claim."""
    texts = set(corpus.unit_texts())
    texts.update(claim.text for claims in extracted for claim in claims.verified)
    return len(texts)


def _compared_texts(article: Article, claims: ArticleClaims) -> list[str]:
    """The texts of an article's reading that matching by meaning encodes: its claims, the
    sentences they cite and the description of its event."""
    texts = [text for claim in claims.verified for text in MeaningSimilarity.compared_texts(claim)]
    return [*texts, description(article.title, claims.main_event)]


def _ordered_map(
    function: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int,
    idle: Callable[[], bool] | None = None,
    sent: threading.Event | None = None,
) -> Iterator[R]:
    """`function` over `items`, with at most `workers` running at once; each result is
    yielded, in order, as soon as it and those before it are done. `sent` is set once every
    item is handed to the workers. When the next result has not come within
    `_IDLE_AFTER_SECONDS`, `idle` is called until it comes, as long as `idle` says it did
    something (a small piece of work each time): a wait that long is the workers waiting
    for another machine, not for this one's interpreter, which `idle` would take from them.
    One worker runs inline, so Ctrl-C and SIGTERM stop it at once."""
    if workers <= 1 or len(items) <= 1:
        yield from map(function, items)
        return
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)))
    try:
        futures = [pool.submit(function, item) for item in items]
        if sent is not None:
            sent.set()
        for future in futures:
            if idle is not None and not wait([future], _IDLE_AFTER_SECONDS).done:
                _fill(future, idle)
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _fill(future: Future[R], idle: Callable[[], bool]) -> None:
    """Call `idle` until `future` is done or `idle` has nothing more to do."""
    switching = sys.getswitchinterval()
    # A worker whose answer came waits for the interpreter while `idle` computes: up to the
    # switch interval, 5 ms by default, at each of the dozens of times it takes it back to
    # read its answer and send the next request. Shorter only meanwhile: workers that
    # compute rather than wait lose more to handing the interpreter over that often.
    sys.setswitchinterval(_SWITCH_WHILE_IDLE_WORKS)
    try:
        while not future.done() and idle():
            pass
    finally:
        sys.setswitchinterval(switching)


_IDLE_AFTER_SECONDS = 0.05
"""How long the next answer may take before the wait for it is filled."""
_SWITCH_WHILE_IDLE_WORKS = 0.001
"""Seconds a thread runs before another waiting for the interpreter gets it, while the
reading's waits are filled: with 5 ms, 100 articles at 8 at a time were read 0.25 s later."""


__all__ = [
    "connect",
    "generate",
    "prepare",
    "silent",
]
