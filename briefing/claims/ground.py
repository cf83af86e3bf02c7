"""Grounding: the model's summary of an article turned into claims whose quotes come from
the source. Pure. The program fetches each cited sentence as an exact quote, verifies every
claim against the text (`claims.verify`), corrects a claim that cites a neighbour of the
sentence it paraphrases, marks claims that repeat a passage the article contradicts itself
on, makes a claim in the article's own words of each sentence whose facts no verified claim
carries, and finds the dates and figures written in the sentences its verified claims cite.
`combine` merges the chunks of one article.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz

from briefing.claims.dates import dates_in, normalise
from briefing.claims.quantities import quantities
from briefing.claims.verify import (
    citation_problems,
    content_stems,
    evidence_problems,
    name_companions,
    names_in,
    numbers_in,
)
from briefing.sources.checks import repeats_issue, self_contradictions
from briefing.types.answers import ArticleSummary, ClaimDraft, ClaimType
from briefing.types.stages import (
    Article,
    ArticleClaims,
    Claim,
    DatedEvent,
    Evidence,
    Figure,
    SourceIssue,
)

_SAME_CLAIM = 90
_REPAIR_CANDIDATES = 3

T = TypeVar("T")


def ground(
    article: Article,
    summary: ArticleSummary,
    shown: Collection[int] | None = None,
    whole: WholeArticle | None = None,
) -> ArticleClaims:
    """Attach exact quotes to everything the model said and keep what the text supports.

    `shown` is the sentence numbers the model saw (default: all); citing others fails.
    `whole` is what holds for the whole article, when it is read in several chunks.
    """
    return _Context(article, shown, whole or WholeArticle.of(article)).grounded(summary)


def combine(parts: Sequence[ArticleClaims]) -> ArticleClaims:
    """One article's chunk results as one: repeated claims, dates and figures merged, claim
    ids renumbered in order."""
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
        dates=_unique([d for p in parts for d in p.dates], _date_key),
        figures=_unique([f for p in parts for f in p.figures], _figure_key),
        source_issues=first.source_issues,
    )


def as_sentence(text: str) -> str:
    """Trimmed, with a closing full stop when the model left it off."""
    text = " ".join(text.split())
    return text if not text or text[-1] in '.!?"”’)' else f"{text}."


@dataclass(frozen=True)
class WholeArticle:
    """What grounding needs from the whole article, worked out once however many chunks it
    is read in: the names it uses, and the passages it contradicts itself on."""

    names: frozenset[str]
    companions: Mapping[str, frozenset[str]]
    issues: tuple[SourceIssue, ...]

    @classmethod
    def of(cls, article: Article) -> WholeArticle:
        return cls(
            names=frozenset().union(*(names_in(s.text) for s in article.sentences)),
            companions=name_companions([article.title, *(s.text for s in article.sentences)]),
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
        self, article: Article, shown: Collection[int] | None, whole: WholeArticle
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
        quoted = [
            self.sentence_claim(number, f"{self.article.id}-{len(drafted) + index}")
            for index, number in enumerate(self.sentences_left_out(drafted), start=1)
        ]
        claims = (*drafted, *(claim for claim in quoted if claim is not None))
        return ArticleClaims(
            source=self.article.id,
            main_event=summary.main_event.strip(),
            claims=claims,
            dates=_unique(self.dates(claims), _date_key),
            figures=_unique(figures_in(claims), _figure_key),
            source_issues=self.whole.issues,
        )

    def sentences_left_out(self, drafted: Sequence[Claim]) -> list[int]:
        """The shown sentences whose facts the verified claims do not carry: those no verified
        claim cites, and those whose numbers the claims citing them dropped. A small model
        covers the first sentences of an article and loses the rest, and paraphrases a
        sentence's subject while dropping its count ("The accident occurred south of the
        station" from "... came off the tracks on March 3, injuring seventeen passengers").
        Sentences too short to state a fact on their own are not claims."""
        carried: dict[int, set[str]] = {}
        for claim in drafted:
            if claim.verified:
                for cited in claim.evidence:
                    carried.setdefault(cited.sentence, set()).update(numbers_in(claim.text))
        return [
            sentence.number
            for sentence in self.article.sentences
            if sentence.number in self.shown
            and (
                sentence.number not in carried
                or not numbers_in(sentence.text) <= carried[sentence.number]
            )
            and states_a_fact(sentence.text)
        ]

    def evidence(self, number: int) -> Evidence | None:
        if number not in self.shown or not 1 <= number <= len(self.article.sentences):
            return None
        return Evidence.of(self.article.id, self.article.sentences[number - 1])

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
        problems += evidence_problems(
            text, (e.quote for e in evidence), self.whole.names, self.whole.companions
        )
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

    def dates(self, claims: Sequence[Claim]) -> list[DatedEvent]:
        """Every date written in a sentence a verified claim cites, with that claim as what
        happens then."""
        published = self.article.published
        return [
            DatedEvent(when=when, iso=normalise(when, published), what=claim.text, evidence=cited)
            for claim in claims
            if claim.verified
            for cited in claim.evidence
            for when in dates_in(cited.quote)
        ]


MIN_FACT_WORDS = 3


def states_a_fact(sentence: str) -> bool:
    """Whether a sentence can stand as a claim: it gives a number, a date or a name, or says
    enough ("Officials have not said what caused the blaze", not "Residents were angry")."""
    return bool(
        numbers_in(sentence)
        or dates_in(sentence)
        or names_in(sentence)
        or len(content_stems(sentence)) >= MIN_FACT_WORDS
    )


def figures_in(claims: Sequence[Claim]) -> list[Figure]:
    """Every count with a unit written in a sentence a verified claim cites, measuring what
    that claim says."""
    return [
        Figure(value=count.text, unit=count.unit, measures=claim.text, evidence=cited)
        for claim in claims
        if claim.verified
        for cited in claim.evidence
        for count in quantities(cited.quote)
    ]


def _same_claim(one: Claim, other: Claim) -> bool:
    """Chunks hold different sentences, so a repeat across chunks shows only in the wording."""
    return fuzz.token_set_ratio(one.text, other.text) >= _SAME_CLAIM


def _date_key(event: DatedEvent) -> Hashable:
    return event.when.lower(), event.evidence.sentence


def _figure_key(figure: Figure) -> Hashable:
    return figure.value, figure.unit.lower(), figure.evidence.sentence


def _unique(items: Sequence[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    seen: dict[Hashable, T] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())
