"""Per-article structured summaries, turned into claims whose quotes come from the source.

`summarize` asks the model (through `llm.ModelClient`) for claims that cite sentence
numbers; `ground` is pure: it fetches each cited sentence as an exact quote and verifies the
claim against it.
"""

from __future__ import annotations

from typing import Any

from . import prompts
from .llm import ModelClient, schema_of
from .models import Article, ArticleClaims, ArticleSummary, Claim, ClaimDraft, Evidence
from .verify import citation_problems, evidence_problems

MAX_CLAIMS = 8
_TOKENS_PER_CLAIM = 70
_SUMMARY_TOKENS = 60


def summarize(article: Article, client: ModelClient) -> ArticleSummary:
    user = prompts.render(
        "extract",
        title=article.title,
        published=article.published.isoformat() if article.published else "unknown",
        sentences=article.sentences,
        max_claims=MAX_CLAIMS,
    )
    return client.structured(
        prompts.render("system"),
        user,
        ArticleSummary,
        summary_schema(len(article.sentences)),
        max_tokens=_SUMMARY_TOKENS + MAX_CLAIMS * _TOKENS_PER_CLAIM,
    )


def summary_schema(sentence_count: int) -> dict[str, Any]:
    """The summary schema with sentence numbers limited to the ones the article has."""
    schema = schema_of(ArticleSummary)
    cited = schema["properties"]["claims"]["items"]["properties"]["sentences"]
    cited["items"] = {"type": "integer", "enum": list(range(1, sentence_count + 1))}
    return schema


def ground(article: Article, summary: ArticleSummary) -> ArticleClaims:
    """Attach exact quotes to each claim and mark whether its evidence supports it."""
    claims = tuple(
        _grounded_claim(article, draft, f"{article.id}-{index}")
        for index, draft in enumerate(summary.claims, start=1)
    )
    return ArticleClaims(source=article.id, main_event=summary.main_event, claims=claims)


def as_sentence(text: str) -> str:
    """Trimmed, with a closing full stop when the model left it off."""
    text = " ".join(text.split())
    return text if not text or text[-1] in '.!?"”’)' else f"{text}."


def _grounded_claim(article: Article, draft: ClaimDraft, claim_id: str) -> Claim:
    numbers = list(dict.fromkeys(draft.sentences))
    problems = citation_problems(numbers, len(article.sentences))
    cited = [article.sentences[n - 1] for n in numbers if 1 <= n <= len(article.sentences)]
    if cited:
        problems += evidence_problems(draft.text, (sentence.text for sentence in cited))
    else:
        problems.append("cites no sentence of the article")
    evidence = tuple(
        Evidence(
            source=article.id,
            sentence=sentence.number,
            quote=sentence.text,
            start=sentence.start,
            end=sentence.end,
        )
        for sentence in cited
    )
    return Claim(
        id=claim_id,
        source=article.id,
        text=as_sentence(draft.text),
        type=draft.type,
        evidence=evidence,
        verified=not problems,
        problems=tuple(problems),
    )
