"""Per-article structured summaries, turned into claims whose quotes come from the source.

`extract` plans the article's chunks (token-aware, within the endpoint's context window),
asks the model (through the `Model` protocol) for a summary of each chunk, grounds each answer
and merges the chunks. `ground` and `combine` are pure: the program fetches each cited
sentence as an exact quote, verifies every claim, actor, date and figure against the text,
and marks claims that repeat a passage the article contradicts itself on.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from rapidfuzz import fuzz

from briefing.claims.chunks import chunk_sentences
from briefing.claims.dates import dates_in, normalise
from briefing.claims.quantities import quantities
from briefing.claims.verify import (
    citation_problems,
    content_stems,
    evidence_problems,
    names_in,
    numbers_in,
    word_keys,
)
from briefing.errors import InputError, ModelOutputError
from briefing.model import prompts
from briefing.model.protocol import Model
from briefing.model.structured import schema_of
from briefing.model.tokens import counter_for
from briefing.sources.checks import addressed_to_model, repeats_issue, self_contradictions
from briefing.types.answers import (
    ActorDraft,
    ArticleSummary,
    ClaimDraft,
    ClaimType,
    DateDraft,
    FigureDraft,
)
from briefing.types.stages import (
    Actor,
    Article,
    ArticleClaims,
    Claim,
    DatedEvent,
    Evidence,
    Figure,
    Sentence,
    SourceIssue,
)

MAX_CLAIMS = 8
MIN_CLAIMS = 6
MAX_FACT_SENTENCES = 16
MIN_FACT_SENTENCES = 4
# Caps on the answer, not its expected size: claims ~40 tokens, actors ~15, dates ~20, figures ~25,
# further fact sentences ~3.
ANSWER_TOKENS = 60 + MAX_CLAIMS * 60 + 6 * 20 + 4 * 30 + 4 * 35 + MAX_FACT_SENTENCES * 4
_CHAT_TEMPLATE_TOKENS = 32
_MIN_SENTENCE_BUDGET = 256
_SAME_CLAIM = 90
_REPAIR_CANDIDATES = 3

T = TypeVar("T")


def extract(
    article: Article, client: Model, *, context_window: int, max_chunks: int
) -> tuple[ArticleClaims, list[str]]:
    """Summarise and ground one article; returns its claims and what to warn about.

    Raises `ModelOutputError` only when no chunk of the article got a valid answer.
    """
    chunks, warnings = plan(article, client.model, context_window, max_chunks)
    whole = _WholeArticle.of(article)
    parts: list[ArticleClaims] = []
    failures: list[str] = []
    for number, chunk in enumerate(chunks, start=1):
        try:
            summary = summarize(article, chunk, client, part=number, parts=len(chunks))
        except ModelOutputError as error:
            failures.append(f"{article.id} sentences {_span(chunk)}: {error.message}")
            continue
        shown = {s.number for s in chunk}
        parts.append(_Context(article, shown, whole).grounded(summary))
    if not parts:
        raise ModelOutputError(failures[-1], hint="try a larger model with --model-path or --model")
    return combine(parts), warnings + failures


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
    """Tokens left for an untitled article's sentences in one prompt; raises `InputError` when
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
        raise InputError(
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
    for listed in ("dates", "figures"):
        sentence = properties[listed]["items"]["properties"]["sentence"]
        sentence.update({key: value for key, value in allowed.items() if key != "description"})
    # Required in the request, though an answer without it still parses: optional fields are
    # what a grammar-constrained small model leaves out first.
    properties["fact_sentences"]["items"] = allowed
    properties["fact_sentences"]["minItems"] = min(MIN_FACT_SENTENCES, len(sentence_numbers))
    schema["required"] = ["fact_sentences", *schema.get("required", [])]
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
        max_fact_sentences=MAX_FACT_SENTENCES,
        part=part,
        parts=parts,
    )


# --- grounding: pure --------------------------------------------------------------------------


def ground(
    article: Article, summary: ArticleSummary, shown: Collection[int] | None = None
) -> ArticleClaims:
    """Attach exact quotes to everything the model said and keep what the text supports.

    `shown` is the sentence numbers the model saw (default: all); citing others fails.
    """
    return _Context(article, shown, _WholeArticle.of(article)).grounded(summary)


def combine(parts: Sequence[ArticleClaims]) -> ArticleClaims:
    """One article's chunk results as one: repeated claims, actors, dates and figures merged,
    claim ids renumbered in order."""
    first = parts[0]
    claims: list[Claim] = list(first.claims)
    for part in parts[1:]:
        earlier = list(claims)
        claims += [c for c in part.claims if not any(_same_claim(c, e) for e in earlier)]
    claims = [c.model_copy(update={"id": f"{first.source}-{n}"}) for n, c in enumerate(claims, 1)]
    return ArticleClaims(
        source=first.source,
        main_event=first.main_event,
        claims=tuple(claims),
        actors=_unique([a for p in parts for a in p.actors], lambda a: _name_keys(a.name)),
        dates=_unique([d for p in parts for d in p.dates], _date_key),
        figures=_unique(
            [f for p in parts for f in p.figures],
            lambda f: (f.value, f.unit.lower(), f.evidence.sentence),
        ),
        discarded=sum(part.discarded for part in parts),
        source_issues=first.source_issues,
    )


def as_sentence(text: str) -> str:
    """Trimmed, with a closing full stop when the model left it off."""
    text = " ".join(text.split())
    return text if not text or text[-1] in '.!?"”’)' else f"{text}."


@dataclass(frozen=True)
class _WholeArticle:
    """What grounding needs from the whole article, worked out once however many chunks it
    is read in: the names and words it uses, and the passages it contradicts itself on."""

    names: frozenset[str]
    words: frozenset[str]
    issues: tuple[SourceIssue, ...]

    @classmethod
    def of(cls, article: Article) -> _WholeArticle:
        return cls(
            names=frozenset().union(*(names_in(s.text) for s in article.sentences)),
            words=frozenset(word_keys(article.text)),
            issues=self_contradictions(article),
        )


def _first_of_each_text(claims: list[Claim]) -> list[Claim]:
    """A small model sometimes writes one claim several times: it is one claim."""
    seen: set[str] = set()
    unique = []
    for claim in claims:
        key = " ".join(claim.text.lower().split()).rstrip(".")
        if key not in seen:
            seen.add(key)
            unique.append(claim)
    return unique


MAX_CLAIM_CHARS = 400
"""A claim is one fact in one sentence; an answer far longer is a model running on."""
_REPEAT_WORDS = 6
_FRAGMENT = re.compile(
    r"^(?:with|as|while|although|though|because|which|who|whose|and|but|or|including|"
    r"such as|according to)\b",
    re.IGNORECASE,
)
"""A claim that opens like the second half of a sentence and has no main clause after a
comma ("With both nations solidifying their military cooperation.")."""


def shape_problems(text: str) -> list[str]:
    """A claim too long to be one fact, or one that repeats a run of its own words."""
    problems = []
    if len(text) > MAX_CLAIM_CHARS:
        problems.append(f"{len(text):,} characters, longer than one fact ({MAX_CLAIM_CHARS})")
    if _FRAGMENT.match(text) and "," not in text:
        problems.append("it is a fragment of a sentence, not a statement")
    words = text.lower().split()
    runs = [tuple(words[i : i + _REPEAT_WORDS]) for i in range(len(words) - _REPEAT_WORDS + 1)]
    if len(runs) != len(set(runs)):
        problems.append("it repeats its own words")
    return problems


class _Context:
    """What grounding one chunk needs: the article's sentences, the numbers the model saw,
    and what holds for the whole article."""

    def __init__(
        self, article: Article, shown: Collection[int] | None, whole: _WholeArticle
    ) -> None:
        self.article = article
        self.shown = set(shown) if shown is not None else {s.number for s in article.sentences}
        self.whole = whole

    def grounded(self, summary: ArticleSummary) -> ArticleClaims:
        drafted = _first_of_each_text(
            [
                self.claim(draft, f"{self.article.id}-{index}")
                for index, draft in enumerate(summary.claims, start=1)
            ]
        )
        cited = {e.sentence for claim in drafted for e in claim.evidence}
        quoted = [
            self.sentence_claim(number, f"{self.article.id}-{len(drafted) + index}")
            for index, number in enumerate(
                dict.fromkeys(n for n in summary.fact_sentences if n not in cited), start=1
            )
        ]
        claims = (*drafted, *(claim for claim in quoted if claim is not None))
        actors = [self.actor(draft) for draft in summary.actors]
        dates = [self.date(draft) for draft in summary.dates]
        figures = [self.figure(draft) for draft in summary.figures]
        found = [*actors, *dates, *figures]
        return ArticleClaims(
            source=self.article.id,
            main_event=summary.main_event.strip(),
            claims=claims,
            actors=_unique([a for a in actors if a is not None], lambda a: _name_keys(a.name)),
            dates=_unique([d for d in dates if d is not None], _date_key),
            figures=tuple(f for f in figures if f is not None),
            discarded=sum(item is None for item in found),
            source_issues=self.whole.issues,
        )

    def evidence(self, number: int) -> Evidence | None:
        if number not in self.shown or not 1 <= number <= len(self.article.sentences):
            return None
        sentence = self.article.sentences[number - 1]
        return Evidence(
            source=self.article.id,
            sentence=number,
            quote=sentence.text,
            start=sentence.start,
            end=sentence.end,
        )

    def claim(self, draft: ClaimDraft, claim_id: str) -> Claim:
        numbers = list(dict.fromkeys(draft.sentences))
        problems = self._claim_problems(draft.text, numbers)
        cited_by_model: tuple[int, ...] = ()
        if problems and self._may_recite(draft.text, numbers):
            found = self._sentence_supporting(draft.text, numbers)
            if found is not None:
                cited_by_model, numbers, problems = tuple(numbers), [found], []
        evidence = tuple(e for e in map(self.evidence, numbers) if e is not None)
        return Claim(
            id=claim_id,
            source=self.article.id,
            text=as_sentence(draft.text),
            type=draft.type,
            evidence=evidence,
            verified=not problems,
            problems=tuple(problems),
            cited_by_model=cited_by_model,
        )

    def sentence_claim(self, number: int, claim_id: str) -> Claim | None:
        """A fact the model pointed to by number only: the sentence itself is the claim, so it
        holds by construction. One the model was not shown (such as a sentence addressed to a
        model) or that the article contradicts is left out."""
        evidence = self.evidence(number)
        if evidence is None:
            return None
        if any(issue.sentence == number for issue in self.whole.issues):
            return None
        text = as_sentence(evidence.quote)
        kind = ClaimType.figure if quantities(text) else ClaimType.event
        return Claim(
            id=claim_id, source=self.article.id, text=text, type=kind, evidence=(evidence,),
            verified=True,
        )  # fmt: skip

    def _claim_problems(self, text: str, numbers: Sequence[int]) -> list[str]:
        problems = citation_problems(numbers, self.shown) + shape_problems(text)
        evidence = [e for e in map(self.evidence, numbers) if e is not None]
        if not evidence:
            return [*problems, "cites no sentence of the article"]
        problems += evidence_problems(text, (e.quote for e in evidence), self.whole.names)
        problems += [
            f"repeats sentence {issue.sentence}, a possible error in the source: {issue.problem}"
            for issue in self.whole.issues
            if issue.sentence in numbers and repeats_issue(text, issue)
        ]
        return problems

    def _may_recite(self, text: str, numbers: Sequence[int]) -> bool:
        """Only a claim that cites real sentences, and repeats no flagged passage, is looked
        for elsewhere: a made-up number or a source's error must stay failed."""
        if citation_problems(numbers, self.shown):
            return False
        return not any(repeats_issue(text, issue) for issue in self.whole.issues)

    def _sentence_supporting(self, text: str, cited: Sequence[int]) -> int | None:
        """The shown sentence that supports `text` best when the cited ones do not: small
        models often cite a neighbour of the sentence they paraphrase. Nearest wins ties."""
        stems = content_stems(text)
        candidates = sorted(
            (s for s in self.article.sentences if s.number in self.shown),
            key=lambda s: (
                -len(stems & content_stems(s.text)),
                min(abs(s.number - number) for number in cited),
            ),
        )
        for sentence in candidates[:_REPAIR_CANDIDATES]:
            if not self._claim_problems(text, [sentence.number]):
                return sentence.number
        return None

    def actor(self, draft: ActorDraft) -> Actor | None:
        keys = _name_keys(draft.name)
        if not keys or not keys <= self.whole.words:
            return None
        return Actor(name=" ".join(draft.name.split()), kind=draft.kind, role=draft.role.strip())

    def date(self, draft: DateDraft) -> DatedEvent | None:
        """The date as the article writes it, in the cited sentence or, failing that, in the
        nearest sentence that gives the same date (models add the year, or cite a neighbour)."""
        if draft.sentence not in self.shown:
            return None
        when = " ".join(draft.when.split())
        published = self.article.published
        wanted = normalise(when, published)
        for sentence in self._nearest_shown(draft.sentence):
            written = _find_date(when, wanted, sentence.text, published)
            evidence = self.evidence(sentence.number)
            if written and evidence:
                return DatedEvent(
                    when=written,
                    iso=normalise(written, published),
                    what=draft.what.strip(),
                    evidence=evidence,
                )
        return None

    def _nearest_shown(self, number: int) -> list[Sentence]:
        shown = [s for s in self.article.sentences if s.number in self.shown]
        return sorted(shown, key=lambda s: abs(s.number - number))

    def figure(self, draft: FigureDraft) -> Figure | None:
        evidence = self.evidence(draft.sentence)
        numbers = numbers_in(draft.value)
        if evidence is None or not numbers or not numbers <= numbers_in(evidence.quote):
            return None
        return Figure(
            value=draft.value.strip(),
            unit=draft.unit.strip(),
            measures=draft.measures.strip(),
            evidence=evidence,
        )


def _same_claim(one: Claim, other: Claim) -> bool:
    """Chunks hold different sentences, so a repeat across chunks shows only in the wording."""
    return fuzz.token_set_ratio(one.text, other.text) >= _SAME_CLAIM


def _date_key(event: DatedEvent) -> Hashable:
    return event.when.lower(), event.evidence.sentence


def _name_keys(name: str) -> frozenset[str]:
    return frozenset(word_keys(name) - {"the", "of", "and"})


def _unique(items: Sequence[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    seen: dict[Hashable, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


def _find_date(when: str, wanted: str | None, text: str, published: date | None) -> str | None:
    """`when` as `text` writes it: verbatim, or a date expression of `text` that means the
    same day, month or year."""
    flat = " ".join(text.split())
    start = flat.lower().find(when.lower()) if when else -1
    if start >= 0:
        return flat[start : start + len(when)]
    if wanted is None:
        return None
    return next((found for found in dates_in(text) if normalise(found, published) == wanted), None)


def _listed(numbers: Collection[int]) -> str:
    return ", ".join(map(str, sorted(numbers)))


def _span(chunk: Sequence[Sentence]) -> str:
    return f"{chunk[0].number}–{chunk[-1].number}"
