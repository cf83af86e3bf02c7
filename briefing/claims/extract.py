"""Per-article structured summaries, turned into claims whose quotes come from the source.

`extract` plans the article's chunks (token-aware, within the endpoint's context window),
asks the model (through the `Model` protocol) for a summary of each chunk, grounds each answer
and merges the chunks (`claims.ground`). `ask` is the part that waits for the model and
`Answers.grounded` the part that needs the CPU, so a caller reading several articles at once
can ground one while others wait.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from briefing.claims.chunks import chunk_sentences
from briefing.claims.ground import WholeArticle, combine, ground
from briefing.diagnostics import Diagnostics
from briefing.errors import ConfigError, ModelOutputError
from briefing.model import prompts
from briefing.model.protocol import Model
from briefing.model.structured import schema_of
from briefing.model.tokens import counter_for
from briefing.sources.checks import addressed_to_model
from briefing.types.answers import ArticleSummary
from briefing.types.stages import Article, ArticleClaims, Sentence

MAX_CLAIMS = 8
MIN_CLAIMS = 6
# A cap on the answer, not its expected size: main event ~20 tokens, claims ~40.
ANSWER_TOKENS = 60 + MAX_CLAIMS * 60
_CHAT_TEMPLATE_TOKENS = 32
_MIN_SENTENCE_BUDGET = 256


def extract(
    article: Article,
    client: Model,
    diagnostics: Diagnostics,
    *,
    context_window: int,
    max_chunks: int,
) -> ArticleClaims:
    """Summarise and ground one article; its claims. What to warn about (sentences withheld
    or unread, chunks the model failed on) is told to `diagnostics`.

    Raises `ModelOutputError` only when no chunk of the article got a valid answer.
    """
    answers = ask(
        article, client, diagnostics, context_window=context_window, max_chunks=max_chunks
    )
    return answers.grounded()


@dataclass(frozen=True)
class Answers:
    """The model's summaries of an article's chunks, before grounding: the part of reading
    an article that waits for the model, kept apart from the part that needs the CPU."""

    article: Article
    summaries: tuple[tuple[tuple[Sentence, ...], ArticleSummary], ...]

    def grounded(self) -> ArticleClaims:
        """The article's claims: each chunk's answer grounded in its sentences, merged."""
        whole = WholeArticle.of(self.article)
        return combine(
            [
                ground(self.article, summary, {s.number for s in chunk}, whole)
                for chunk, summary in self.summaries
            ]
        )


def ask(
    article: Article,
    client: Model,
    diagnostics: Diagnostics,
    *,
    context_window: int,
    max_chunks: int,
) -> Answers:
    """The model's summary of each chunk of `article` (see `extract`); raises
    `ModelOutputError` only when no chunk got a valid answer."""
    chunks, warnings = plan(article, client.model, context_window, max_chunks)
    for warning in warnings:
        diagnostics.warn(warning, source=article.id)
    summaries: list[tuple[tuple[Sentence, ...], ArticleSummary]] = []
    failed = ""
    for number, chunk in enumerate(chunks, start=1):
        try:
            summary = summarize(article, chunk, client, part=number, parts=len(chunks))
        except ModelOutputError as error:
            failed = f"{article.id} sentences {_span(chunk)}: {error.message}"
            diagnostics.warn(failed, source=article.id)
            continue
        summaries.append((chunk, summary))
    if not summaries:
        raise ModelOutputError(failed, hint="try a larger model with --model-path or --model")
    return Answers(article, tuple(summaries))


def plan(
    article: Article, model: str | None, context_window: int, max_chunks: int
) -> tuple[list[tuple[Sentence, ...]], list[str]]:
    """The chunks of `article` the model will read, and what to warn about: sentences
    withheld as instructions to a model, chunks past `max_chunks`."""
    warnings: list[str] = []
    withheld = addressed_to_model(article.sentences)
    if withheld:
        which = "sentence {} reads" if len(withheld) == 1 else "sentences {} read"
        warnings.append(
            f"{article.id}: {which.format(_listed(withheld))} as instructions to an AI model; "
            "not shown to the model"
        )
    shown = [s for s in article.sentences if s.number not in withheld]
    if not shown:
        raise ModelOutputError(
            "every sentence reads as instructions to an AI model; nothing was sent",
            hint="check the source is a news article",
        )
    chunks = plan_chunks(article, shown, model, context_window)
    if len(chunks) > max_chunks:
        unread = chunks[max_chunks][0].number
        warnings.append(
            f"{article.id} is long: read {max_chunks} of its {len(chunks)} chunks, sentences "
            f"{unread} onwards skipped (raise max_chunks to read more)"
        )
        chunks = chunks[:max_chunks]
    return chunks, warnings


def plan_chunks(
    article: Article, sentences: Sequence[Sentence], model: str | None, context_window: int
) -> list[tuple[Sentence, ...]]:
    count = counter_for(model)
    budget = sentence_budget(model, context_window) - count(article.title)
    return chunk_sentences(sentences, budget, count)


@functools.cache  # the same for every article of a run; rendering it took 10 ms an article
def sentence_budget(model: str | None, context_window: int) -> int:
    """Tokens left for an untitled article's sentences in one prompt; raises `ConfigError` when
    the window cannot hold the prompt, the answer and a safety margin."""
    count = counter_for(model)
    untitled = Article(id="S0", path="", title="", text="")
    fixed = prompts.render("system") + _user_prompt(untitled, [], 2, 2)
    fixed += json.dumps(summary_schema([]))
    budget = (
        context_window
        - count(fixed)
        - ANSWER_TOKENS
        - _CHAT_TEMPLATE_TOKENS
        - context_window // 10  # margin for tokenizers that count differently
    )
    if budget < _MIN_SENTENCE_BUDGET:
        needed = -(-(context_window - budget + _MIN_SENTENCE_BUDGET) * 10 // 9)
        raise ConfigError(
            f"a context window of {context_window} tokens leaves no room for article text",
            hint=f"use a model with a window of at least {needed} tokens (--context-window)",
        )
    return budget


def summarize(
    article: Article,
    sentences: Sequence[Sentence],
    client: Model,
    *,
    part: int = 1,
    parts: int = 1,
) -> ArticleSummary:
    system, user, schema = summary_request(article, sentences, part, parts)
    return client.structured(
        system, user, ArticleSummary, schema, max_tokens=ANSWER_TOKENS, stage="extract"
    )


def summary_request(
    article: Article, sentences: Sequence[Sentence], part: int = 1, parts: int = 1
) -> tuple[str, str, dict[str, Any]]:
    """The system prompt, user prompt and schema of one chunk's summary request."""
    return (
        prompts.render("system"),
        _user_prompt(article, sentences, part, parts),
        summary_schema([s.number for s in sentences]),
    )


def summary_schema(sentence_numbers: Sequence[int]) -> dict[str, Any]:
    """The summary schema with sentence numbers limited to the ones shown to the model."""
    schema = schema_of(ArticleSummary)
    allowed = {"type": "integer", "enum": list(sentence_numbers)}
    properties = schema["properties"]
    properties["claims"]["items"]["properties"]["sentences"]["items"] = allowed
    properties["claims"]["minItems"] = min_claims(len(sentence_numbers))
    return schema


def min_claims(sentence_count: int) -> int:
    """Asked of every answer, so a small model does not stop after one claim."""
    return min(MIN_CLAIMS, sentence_count)


def _user_prompt(article: Article, sentences: Sequence[Sentence], part: int, parts: int) -> str:
    return prompts.render(
        "extract",
        min_claims=min_claims(len(sentences)) if sentences else MIN_CLAIMS,
        title=article.title,
        published=article.published.isoformat() if article.published else None,
        sentences=sentences,
        max_claims=MAX_CLAIMS,
        part=part,
        parts=parts,
    )


def _listed(numbers: Collection[int]) -> str:
    return ", ".join(map(str, sorted(numbers)))


def _span(chunk: Sequence[Sentence]) -> str:
    return f"{chunk[0].number}–{chunk[-1].number}"
