"""What the model answers: the JSON schemas it is asked to fill, and nothing else.

The program checks every answer against the article (`claims.verify`) before any of it
becomes a `Claim`; these shapes are never shown to a reader as they are.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ClaimType(StrEnum):
    event = "event"
    decision = "decision"
    figure = "figure"
    quote = "quote"
    assessment = "assessment"
    background = "background"


class ClaimDraft(BaseModel):
    """A claim as the model states it: a paraphrase plus the sentence numbers behind it."""

    text: str = Field(description="One fact from the article in one short sentence of your own.")
    sentences: list[int] = Field(
        min_length=1, max_length=3, description="Numbers of the sentences that state this fact."
    )
    type: ClaimType


class ArticleSummary(BaseModel):
    """The model's structured summary of one article (or of one chunk of a long one).

    Only what the program cannot find itself: the dates and figures of the cited sentences
    are found in their text, and the sentences whose facts the claims leave out become claims
    in the article's own words (`claims.ground`), so the model is not asked for them."""

    main_event: str = Field(description="What happened, in one line.")
    claims: list[ClaimDraft] = Field(max_length=8)


class DraftStatement(BaseModel):
    text: str = Field(description="One sentence of the briefing.")
    clusters: list[int] = Field(
        min_length=1, max_length=3, description="Numbers of the claims this sentence rests on."
    )


class BottomLine(BaseModel):
    """The model's writing over numbered claims: a title, the bottom line and, when some
    claims have more than one source, the key developments."""

    title: str = Field(description="A headline for the whole briefing, under 12 words.")
    statements: list[DraftStatement] = Field(min_length=1, max_length=4)
    developments: list[DraftStatement] = Field(default_factory=list, max_length=8)


class Digest(BaseModel):
    """The model's condensation of one batch of claims, when there are too many to show at once."""

    statements: list[DraftStatement] = Field(min_length=1, max_length=6)
