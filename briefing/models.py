"""The pydantic models that flow between the pipeline's stages.

Reading order follows the data: an input document is cleaned into an `Article`, split into
`Sentence`s, summarised by the model into an `ArticleSummary` (claims citing sentence
numbers), turned into evidence-backed `Claim`s, grouped into `Cluster`s, and composed into a
`Briefing`, whose JSON form is the contract described in DESIGN.md.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- input -------------------------------------------------------------------------------


class Document(Frozen):
    """Raw text as read from one source, before any cleaning, with whatever metadata the
    source itself declared (HTML meta tags, feed entries); unknown stays None."""

    path: str
    text: str
    title: str | None = None
    published: date | None = None
    outlet: str | None = None
    author: str | None = None


class Sentence(Frozen):
    """One sentence of an article's cleaned text; `text == article.text[start:end]`."""

    number: int
    start: int
    end: int
    text: str


class Article(Frozen):
    """One source after cleaning: its text is the only text quotes may come from."""

    id: str
    path: str
    title: str
    published: date | None = None
    outlet: str | None = None
    author: str | None = None
    text: str
    sentences: tuple[Sentence, ...] = ()


# --- what the model returns for one article ------------------------------------------------


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


class ActorKind(StrEnum):
    person = "person"
    country = "country"
    organisation = "organisation"


class ActorDraft(BaseModel):
    name: str = Field(description="A person, country or organisation as the article names it.")
    kind: ActorKind
    role: str = Field(description="Their role or title in a few words; empty if none.")


class DateDraft(BaseModel):
    when: str = Field(description="A date exactly as the article writes it.")
    what: str = Field(description="What happens or happened then, in a few words.")
    sentence: int = Field(description="Number of the sentence that gives this date.")


class FigureDraft(BaseModel):
    value: str = Field(description="A number exactly as the article writes it.")
    unit: str = Field(description="Its unit, such as km, $ billion or %; empty if none.")
    measures: str = Field(description="What the number measures, in a few words.")
    sentence: int = Field(description="Number of the sentence that gives this number.")


class ArticleSummary(BaseModel):
    """The model's structured summary of one article (or of one chunk of a long one)."""

    fact_sentences: list[int] = Field(
        default_factory=list,
        max_length=16,
        description="Numbers of the sentences that state concrete facts, not commentary.",
    )
    main_event: str = Field(description="What happened, in one line.")
    claims: list[ClaimDraft] = Field(max_length=8)
    actors: list[ActorDraft] = Field(max_length=6)
    dates: list[DateDraft] = Field(max_length=4)
    figures: list[FigureDraft] = Field(max_length=4)


# --- evidence-backed claims and their clusters ---------------------------------------------


class Evidence(Frozen):
    """An exact quote: `article.text[start:end] == quote` for the article `source` names."""

    source: str
    sentence: int
    quote: str
    start: int
    end: int

    @classmethod
    def of(cls, source: str, sentence: Sentence) -> Evidence:
        return cls(
            source=source,
            sentence=sentence.number,
            quote=sentence.text,
            start=sentence.start,
            end=sentence.end,
        )


class Claim(Frozen):
    id: str
    source: str
    text: str
    type: ClaimType
    evidence: tuple[Evidence, ...]
    verified: bool
    problems: tuple[str, ...] = ()
    cited_by_model: tuple[int, ...] = Field(
        default=(),
        description="The sentences the model cited, when they did not support the claim and "
        "the program found the sentence that does.",
    )


class Actor(Frozen):
    """A person, country or organisation whose name occurs in the article."""

    name: str
    kind: ActorKind
    role: str = ""


class DatedEvent(Frozen):
    """A date the article gives, as written and (where it can be worked out) as ISO 8601:
    `YYYY-MM-DD`, `YYYY-MM` or `YYYY`, resolved against the article's publication date."""

    when: str
    iso: str | None
    what: str
    evidence: Evidence


class Figure(Frozen):
    value: str
    unit: str
    measures: str
    evidence: Evidence


class SourceIssue(Frozen):
    """A passage the article itself contradicts elsewhere: possibly an error in the source."""

    source: str
    sentence: int
    quote: str
    start: int
    end: int
    actor: str = Field(description="Who the passage casts in a role the article denies them.")
    problem: str


class ArticleClaims(Frozen):
    """Everything extracted from one article: claims verified or not, and the actors, dates
    and figures that checked out against its text (`discarded` counts those that did not)."""

    source: str
    main_event: str
    claims: tuple[Claim, ...]
    actors: tuple[Actor, ...] = ()
    dates: tuple[DatedEvent, ...] = ()
    figures: tuple[Figure, ...] = ()
    discarded: int = 0
    source_issues: tuple[SourceIssue, ...] = ()

    @property
    def verified(self) -> tuple[Claim, ...]:
        return tuple(claim for claim in self.claims if claim.verified)


class Cluster(Frozen):
    """The same claim as made by one or more articles.

    `claims` are the model's claims that say it; `support` are passages the program found
    in other articles that state it too (every name, number and most of its words occur
    there). Both count towards `sources`, the independent sources behind it."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # `sources` is written, not read

    id: str
    canonical: str
    claims: tuple[Claim, ...]
    support: tuple[Evidence, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sources(self) -> tuple[str, ...]:
        claimed = (claim.source for claim in self.claims)
        return tuple(dict.fromkeys([*claimed, *(e.source for e in self.support)]))

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        claimed = [e for claim in self.claims for e in claim.evidence]
        return tuple(dict.fromkeys([*claimed, *self.support]))


# --- what the sources disagree on, and when things happen -----------------------------------


class ConflictKind(StrEnum):
    number = "number"
    date = "date"
    actor = "actor"
    framing = "framing"
    source_error = "source_error"


class ConflictSide(Frozen):
    """What one group of sources says, in their own words."""

    says: str
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...] = Field(min_length=1)
    more_sources: int = Field(default=0, description="Sources saying it too, beyond those listed.")


class Conflict(Frozen):
    kind: ConflictKind
    subject: str = Field(description="What the sides disagree about.")
    sides: tuple[ConflictSide, ...] = Field(min_length=2)
    clusters: tuple[str, ...] = ()
    more_sides: int = Field(default=0, description="Sides giving yet other values, not listed.")
    more_sides_sources: int = Field(default=0, description="Sources on the sides not listed.")


class Event(Frozen):
    """One occasion the sources report (a meeting, a vote, an accident) and who reports it."""

    id: str
    what: str = Field(description="The occasion in one line, as its most typical source has it.")
    sources: tuple[str, ...] = Field(description="Sources mainly about this occasion.")
    when: str | None = Field(default=None, description="Its ISO date, when the sources give one.")
    where: str | None = Field(
        default=None, description="The place its sources name most often ('in Tokyo'), if any."
    )
    evidence: tuple[Evidence, ...] = Field(
        default=(), description="Per source, the passage that says best what it reports."
    )


class TimelineEntry(Frozen):
    """Something the sources date. `when` is ISO 8601 at the precision given, or None when
    the source gives no way to place it (an undated article's "next month")."""

    when: str | None
    written: tuple[str, ...] = Field(description="The date as each source writes it.")
    text: str
    target: bool = Field(default=False, description='A deadline or plan ("by 2027").')
    sources: tuple[str, ...]
    evidence: tuple[Evidence, ...] = Field(min_length=1)


# --- the model's composition over clusters ---------------------------------------------------


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


# --- the briefing: the JSON contract ---------------------------------------------------------


class Citation(Frozen):
    source: str
    quote: str
    start: int
    end: int


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


class QuoteKind(StrEnum):
    direct = "direct"
    paraphrase = "paraphrase"


class Quote(Frozen):
    """Words an article attributes to a named speaker: quoted exactly, or a position the
    article reports them stating ("X said that ...")."""

    speaker: str
    role: str | None = Field(
        default=None, description="The speaker's role as the article writes it."
    )
    words: str = Field(description="Exactly as the article gives them.")
    kind: QuoteKind
    evidence: tuple[Evidence, ...] = Field(min_length=1)


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

    llm_calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


class Usage(BaseModel):
    """Model work for a whole run. Tokens and seconds are the model's work in this run, so an
    answer served from the cache adds to `cached_calls` only. `cost` is in US dollars, None when
    the model's price is unknown."""

    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_calls: int = 0
    seconds: float = 0.0
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
        description="Per article: every claim with its checks, and the actors, dates and "
        "figures that were verified against the text.",
    )
