"""The types that flow between the pipeline's stages.

Reading order follows the data: an input `Document` is cleaned into an `Article`, split into
`Sentence`s, turned into evidence-backed `Claim`s, grouped into `Cluster`s, set against each
other as `Conflict`s, dated in a timeline and attributed as `Quote`s.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field, computed_field
from pydantic.json_schema import SkipJsonSchema

from briefing.types.answers import ClaimType


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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


# The one passage type: an exact quote of a source, `article.text[start:end] == quote` for the
# article `source` names, with the number of the sentence it starts in where known. Evidence
# and source issues are citations whose sentence is known, so a statement cites them as they
# are; a citation in briefing.json leaves the sentence out. (No docstring: it would become a
# description in briefing.json's schema.)
class Citation(Frozen):
    source: str
    sentence: SkipJsonSchema[int | None] = Field(default=None, exclude=True)
    quote: str
    start: int
    end: int


class Evidence(Citation):
    """An exact quote: `article.text[start:end] == quote` for the article `source` names."""

    sentence: int

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

    @cached_property
    def cited(self) -> str:
        """The passages its evidence quotes, joined: what comparing claims reads besides
        their words (clustering reads it thousands of times)."""
        return " ".join(e.quote for e in self.evidence)


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


class SourceIssue(Evidence):
    """A passage the article itself contradicts elsewhere: possibly an error in the source."""

    actor: str = Field(description="Who the passage casts in a role the article denies them.")
    problem: str


class ArticleClaims(Frozen):
    """Everything extracted from one article: claims verified or not, and the dates and
    figures written in the sentences its verified claims cite."""

    source: str
    main_event: str
    claims: tuple[Claim, ...]
    dates: tuple[DatedEvent, ...] = ()
    figures: tuple[Figure, ...] = ()
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
