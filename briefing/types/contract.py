"""The briefing: its JSON form (`briefing.json`) is the contract described in DESIGN.md.

Everything a reader sees is a `Statement` with `Citation`s to exact passages; `Briefing` also
carries the reconciled data (clusters, conflicts, timeline, quotes) the sections rest on.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from briefing.types.stages import (
    ArticleClaims,
    Citation,
    Cluster,
    Conflict,
    ConflictKind,
    Event,
    Frozen,
    Quote,
    SourceIssue,
    TimelineEntry,
)


class ChangeKind(StrEnum):
    """How an item stands against the previous briefing (`SinceLast`)."""

    new = "new"
    changed = "changed"
    dropped = "dropped"


class Statement(Frozen):
    text: str
    citations: tuple[Citation, ...] = Field(min_length=1)
    clusters: tuple[str, ...] = ()
    corroboration: int = Field(default=1, description="Independent sources behind the statement.")
    composed: bool = Field(default=False, description="Written by the model over clusters.")
    conflict: ConflictKind | None = Field(
        default=None, description="For a disagreement: what kind of thing the sources differ on."
    )
    when: str | None = Field(default=None, description="For a timeline entry: its ISO date.")
    event: str | None = Field(
        default=None,
        description="For a key development when the sources report several occasions: the id "
        "of the event it belongs to (none: reported across occasions).",
    )
    speaker: str | None = Field(default=None, description="For a quotation: who said it.")
    role: str | None = Field(default=None, description="For a quotation: the speaker's role.")
    change: ChangeKind | None = Field(
        default=None, description="In the since-last section: new or changed since the last run."
    )
    previously: str | None = Field(
        default=None, description="For a changed item: what the previous briefing said."
    )


class SectionKind(StrEnum):
    summary = "summary"
    developments = "developments"
    since_last = "since_last"
    disagreements = "disagreements"
    events = "events"
    quotes = "quotes"
    timeline = "timeline"
    single_source = "single_source"


class Section(Frozen):
    heading: str
    kind: SectionKind
    statements: tuple[Statement, ...]
    note: str = Field(default="", description="What the reader should know about the section.")


class SourceInfo(Frozen):
    id: str
    path: str
    title: str
    published: date | None
    outlet: str | None = None
    author: str | None = None
    duplicate_of: str | None = Field(
        default=None, description="Id of the source this one repeats; it is not counted again."
    )
    sentences: int
    claims_extracted: int
    claims_verified: int
    possible_errors: tuple[SourceIssue, ...] = Field(
        default=(), description="Passages the article itself contradicts elsewhere."
    )


class StageUsage(BaseModel):
    """Model work for one stage of a run (extract, digest, compose, embed)."""

    # briefing.json names the model's time `seconds`, as it always has
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    llm_calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = Field(default=0.0, alias="seconds")


class Usage(BaseModel):
    """Model work for a whole run. Tokens and seconds are the model's work in this run, so an
    answer served from the cache adds to `cached_calls` only. `cost` is in US dollars, None when
    the model's price is unknown."""

    # The docstring is briefing.json's schema, so it stays as published: `seconds` is the whole
    # run's wall-clock time, set when it ends; `model_seconds`, the model's time, is not written.
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0
    seconds: float = 0.0
    model_seconds: SkipJsonSchema[float] = Field(default=0.0, exclude=True)
    stages: dict[str, StageUsage] = Field(default_factory=dict)
    cost: float | None = None


class Change(Frozen):
    """One item of today's clusters against the previous briefing's. Source ids are per run,
    so the previous briefing's sources are named by their path or URL."""

    kind: ChangeKind
    text: str = Field(description="Today's claim; for a dropped item, the previous briefing's.")
    cluster: str | None = Field(default=None, description="Today's cluster; None when dropped.")
    previous_cluster: str | None = Field(
        default=None, description="The previous briefing's cluster; None when new."
    )
    corroboration: int = Field(default=0, description="Independent sources today.")
    previous_corroboration: int = Field(
        default=0, description="Independent sources in the previous briefing."
    )
    values_differ: bool = Field(
        default=False, description="A figure or date differs from the previous briefing's."
    )
    previously: str | None = Field(
        default=None,
        description='For a changed item: what the previous briefing said, such as "“Japan will '
        'send 1,800 troops.” (1 source)" or "1 source".',
    )
    previous_sources: tuple[str, ...] = Field(
        default=(), description="Paths or URLs of the previous briefing's sources for it."
    )


class SinceLast(Frozen):
    """Today's clusters compared with the previous briefing's: what is new, what changed (a
    figure, a date or the number of independent sources) and what is no longer reported.
    Unchanged items are only counted."""

    previous_generated_at: datetime
    previous_title: str
    new: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    dropped: tuple[Change, ...] = ()
    unchanged: int = 0


class Briefing(Frozen):
    title: str
    generated_at: datetime
    model: str
    sources: tuple[SourceInfo, ...]
    sections: tuple[Section, ...]
    usage: Usage
    warnings: tuple[str, ...] = ()
    failures: tuple[str, ...] = Field(
        default=(),
        description="Sources that could not be read and articles the model could not summarise; "
        "the briefing was made without them.",
    )
    clusters: tuple[Cluster, ...] = Field(
        default=(), description="Every claim cluster, most independent sources first."
    )
    conflicts: tuple[Conflict, ...] = ()
    conflicts_left_out: int = Field(
        default=0, description="Disagreements found beyond the first ones `conflicts` lists."
    )
    events: tuple[Event, ...] = Field(
        default=(), description="The occasions the sources report, and which source reports which."
    )
    timeline: tuple[TimelineEntry, ...] = ()
    quotes: tuple[Quote, ...] = Field(
        default=(), description="Attributed quotations and positions, grouped by speaker."
    )
    since_last: SinceLast | None = Field(
        default=None,
        description="What changed since the previous briefing; None when there was none.",
    )
    extracted: tuple[ArticleClaims, ...] = Field(
        default=(),
        description="Per article: every claim with its checks, and the dates and figures "
        "written in the sentences its verified claims cite.",
    )
