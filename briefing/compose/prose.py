"""The model writes the briefing's title, bottom line and key developments over clusters.

It is shown numbered claims (a cluster's canonical text and its count of sources) and may
cite only those numbers: the schema's enum allows no others. The program maps each cited
number to its clusters' passages and checks the sentence against them (every name, number
and date must occur there); a sentence that fails is replaced by its first cluster's own
claim, so nothing the model adds reaches the reader unchecked.

When the claims do not fit the context window in one prompt, they are condensed first, in
batches that do fit (`Digest`), and the briefing is written over the condensed statements,
whose numbers still lead back to the clusters: hierarchical summarising.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from briefing.claims.verify import evidence_problems, names_in, numbers_in, word_keys
from briefing.compose.sections import citations, statement_for
from briefing.diagnostics import Diagnostics
from briefing.errors import ModelOutputError
from briefing.model import prompts
from briefing.model.protocol import Model
from briefing.model.structured import schema_of
from briefing.model.tokens import Counter, counter_for
from briefing.sources.sentences import clauses
from briefing.types.answers import BottomLine, Digest, DraftStatement
from briefing.types.contract import Section, SectionKind, Statement
from briefing.types.stages import Citation, Cluster

COMPOSE_ANSWER_TOKENS = 1100
DIGEST_ANSWER_TOKENS = 500
DIGEST_STATEMENTS = 6
MAX_DEVELOPMENTS = 4
"""Sentences the model may write for the key developments (the rest are stated in their
clusters' own words): generating is the composition's other cost."""
MAX_KEY_DEVELOPMENTS = 12
"""Statements the section shows, counting corroborated claims the model left out."""
MAX_POINTS = 16
"""Claims the model is shown at most, most sources first: enough to choose a bottom line and
a few developments from. Reading the prompt is most of the composition's time on a CPU, and
every corroborated claim the model leaves out still reaches the reader in its own words (key
developments), as do the rest (single-source items)."""
MIN_WORDING_WORDS = 4
_FALLBACK_STATEMENTS = 3
MAX_BOTTOM_LINE = 3
_CHAT_TEMPLATE_TOKENS = 32
_TOKENS_PER_ENUM_VALUE = 3


@dataclass(frozen=True)
class Point:
    """One numbered line the model is shown: a cluster's claim, or a condensed statement
    standing for several clusters."""

    text: str
    clusters: tuple[Cluster, ...]

    @property
    def corroboration(self) -> int:
        """Independent sources behind every fact the point combines (the fewest of them):
        joining a fact from A to a fact from B corroborates neither."""
        return min(len(cluster.sources) for cluster in self.clusters)


@dataclass
class Composition:
    title: str | None
    summary: Section
    developments: Section
    digest_rounds: int = 0


def points_for(clusters: Sequence[Cluster]) -> list[Point]:
    """The claims to write over, most sources first (clusters come ranked), each in its
    shortest wording."""
    return [Point(shortest_wording(cluster), (cluster,)) for cluster in clusters[:MAX_POINTS]]


def shortest_wording(cluster: Cluster) -> str:
    """The shortest way a source put the cluster's claim, of `MIN_WORDING_WORDS` words or
    more (else its canonical claim): the same fact for fewer prompt tokens, since a claim in
    an article's own words is often a whole long sentence."""
    readable = [text for text in _wordings(cluster) if len(text.split()) >= MIN_WORDING_WORDS]
    return min(readable, key=lambda text: (len(text), text), default=cluster.canonical)


def _wordings(cluster: Cluster) -> set[str]:
    return {claim.text.strip() for claim in cluster.claims} | {cluster.canonical}


def compose(
    clusters: Sequence[Cluster],
    source_count: int,
    client: Model,
    context_window: int,
    diagnostics: Diagnostics,
) -> Composition:
    budget = Budget(counter_for(client.model), context_window)
    digest = digested_by(client, source_count, diagnostics)
    points, rounds = condensed(points_for(clusters), source_count, budget, digest)
    written: BottomLine | None = None
    try:
        written = _write(points, source_count, client)
    except ModelOutputError as error:
        diagnostics.warn(
            f"the model could not write the bottom line ({error.message}); used the top claims"
        )
    summary = summary_section(written.statements if written else [], points, diagnostics)
    developments = developments_section(
        written.developments if written else [], points, clusters, diagnostics
    )
    title = _checked_title(written.title, points, diagnostics) if written else None
    return Composition(title, summary, developments, rounds)


MAX_HEADLINE_WORDS = 12
MIN_HEADLINE_WORDS = 4


def headline(clusters: Sequence[Cluster]) -> str:
    """A headline from the claims the most sources make (clusters come ranked): the shortest
    wording any source gives one, or its shortest clause, of 4 to 12 words, from the first
    claim that has one; cut to 12 words only when none has."""
    for cluster in clusters:
        if fitting := _headline_of(cluster):
            return fitting
    words = min(_wordings(clusters[0]), key=len).split()
    return _as_headline(" ".join(words[:MAX_HEADLINE_WORDS]))


def _headline_of(cluster: Cluster) -> str | None:
    wordings = sorted(_wordings(cluster), key=len)
    candidates = [
        *wordings,
        *(part for text in wordings for part in clauses(text, longer_than=0, pairs=False)),
    ]
    for text in candidates:
        if MIN_HEADLINE_WORDS <= len(text.split()) <= MAX_HEADLINE_WORDS:
            return _as_headline(text)
    return None


def _as_headline(text: str) -> str:
    text = text.strip().rstrip(".,;:")
    return text[:1].upper() + text[1:]


def _checked_title(title: str, points: Sequence[Point], diagnostics: Diagnostics) -> str | None:
    """The model's headline, unless it is too long, or names someone or gives a number no
    claim shown has."""
    title = " ".join(title.split()).rstrip(".")
    if not title:
        return None
    if len(title.split()) > MAX_HEADLINE_WORDS:
        diagnostics.warn(
            f"the model's title was not used (over {MAX_HEADLINE_WORDS} words: {title!r})"
        )
        return None
    shown = " ".join(_evidence_texts(points))
    known = word_keys(shown) | names_in(shown)
    missing = (numbers_in(title) - numbers_in(shown)) | (names_in(title) - known)
    if missing:
        diagnostics.warn(f"the model's title was not used (not in the claims: {title!r})")
        return None
    return title


# --- fitting the prompt into the window ----------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    count: Counter
    context_window: int

    def fits(self, template: str, points: Sequence[Point], source_count: int, answer: int) -> bool:
        return self.tokens(template, points, source_count) + answer <= self.usable

    @property
    def usable(self) -> int:
        return self.context_window - _CHAT_TEMPLATE_TOKENS - self.context_window // 10

    def tokens(self, template: str, points: Sequence[Point], source_count: int) -> int:
        fixed = prompts.render("system") + _user_prompt(template, [], source_count)
        fixed += json.dumps(schema_of(BottomLine if template == "compose" else Digest))
        return self.count(fixed) + sum(self.line(point) for point in points)

    def line(self, point: Point) -> int:
        return self.count(f"[99] (99 sources) {point.text}\n") + _TOKENS_PER_ENUM_VALUE


Digester = Callable[[list[Point]], list[Point]]
"""Condenses one batch of points: the model's digest in a run, its bounds in a dry run."""


def condensed(
    points: list[Point], source_count: int, budget: Budget, digest: Digester
) -> tuple[list[Point], int]:
    """`points`, condensed batch by batch until all fit one compose prompt."""
    rounds = 0
    while not budget.fits("compose", points, source_count, COMPOSE_ANSWER_TOKENS):
        batches = _batches(points, source_count, budget)
        shorter = [p for batch in batches for p in _shortened(batch, digest)]
        rounds += 1
        if len(shorter) >= len(points):  # the window is too small to condense further
            return _top_that_fit(points, source_count, budget), rounds
        points = ranked_points(shorter)
    return points, rounds


def ranked_points(points: Sequence[Point]) -> list[Point]:
    return sorted(points, key=lambda point: -point.corroboration)


def _batches(points: Sequence[Point], source_count: int, budget: Budget) -> list[list[Point]]:
    """Consecutive batches of about equal size, each fitting one digest prompt."""
    room = budget.usable - DIGEST_ANSWER_TOKENS - budget.tokens("digest", [], source_count)
    costs = [budget.line(point) for point in points]
    count = -(-sum(costs) // max(room, 1))
    return _split(points, costs, target=min(room, sum(costs) / max(count, 1)))


def _split(points: Sequence[Point], costs: Sequence[int], target: float) -> list[list[Point]]:
    batches: list[list[Point]] = [[]]
    used = 0
    for point, cost in zip(points, costs, strict=True):
        if batches[-1] and used + cost > target:
            batches.append([])
            used = 0
        batches[-1].append(point)
        used += cost
    return batches


def _top_that_fit(points: Sequence[Point], source_count: int, budget: Budget) -> list[Point]:
    kept: list[Point] = []
    for point in points:
        if not budget.fits("compose", [*kept, point], source_count, COMPOSE_ANSWER_TOKENS):
            break
        kept.append(point)
    return kept


def _shortened(batch: list[Point], digest: Digester) -> list[Point]:
    """A batch no longer than a digest's answer is kept as it is, without a call."""
    return digest(batch) if len(batch) > DIGEST_STATEMENTS else batch


def digested_by(client: Model, source_count: int, diagnostics: Diagnostics) -> Digester:
    """The model's digest of a batch of points."""
    return lambda batch: _digest(batch, source_count, client, diagnostics)


def _digest(
    batch: list[Point], source_count: int, client: Model, diagnostics: Diagnostics
) -> list[Point]:
    try:
        digest = client.structured(
            prompts.render("system"),
            _user_prompt("digest", batch, source_count),
            Digest,
            _schema(Digest, len(batch), ("statements",)),
            max_tokens=DIGEST_ANSWER_TOKENS,
            stage="digest",
        )
    except ModelOutputError as error:
        diagnostics.warn(f"could not condense {len(batch)} claims ({error.message}); kept the top")
        return batch[:DIGEST_STATEMENTS]
    condensed_points: list[Point] = []
    for draft in digest.statements:
        cited = _cited(draft, batch)
        if not cited:
            continue
        clusters = tuple(dict.fromkeys(c for point in cited for c in point.clusters))
        problems = evidence_problems(draft.text, _evidence_texts(cited))
        text = cited[0].text if problems else draft.text.strip()
        condensed_points.append(Point(text, clusters))
    return condensed_points or batch[:DIGEST_STATEMENTS]


# --- writing -----------------------------------------------------------------------------------


def _write(points: Sequence[Point], source_count: int, client: Model) -> BottomLine:
    return client.structured(
        prompts.render("system"),
        _user_prompt("compose", points, source_count),
        BottomLine,
        bottom_line_schema(points),
        max_tokens=COMPOSE_ANSWER_TOKENS,
        stage="compose",
    )


def _user_prompt(template: str, points: Sequence[Point], source_count: int) -> str:
    corroborated = _corroborated(points)
    return prompts.render(
        template,
        source_count=source_count,
        claims=[
            {"number": number, "sources": point.corroboration, "text": point.text}
            for number, point in enumerate(points, start=1)
        ],
        corroborated=as_ranges(corroborated),
        max_developments=_developments_allowed(corroborated),
        max_bottom_line=MAX_BOTTOM_LINE,
        digest_statements=DIGEST_STATEMENTS,
    )


def _schema(model: type[Digest], count: int, lists: Sequence[str]) -> dict[str, Any]:
    """The model's schema with cited numbers limited to the `count` shown."""
    schema = schema_of(model)
    for name in lists:
        _cite_only(schema, name, list(range(1, count + 1)))
    return schema


def bottom_line_schema(points: Sequence[Point]) -> dict[str, Any]:
    """At least two bottom-line sentences over any claim shown; developments only over the
    claims with two or more sources, at most one sentence for each of them."""
    schema = schema_of(BottomLine)
    _cite_only(schema, "statements", list(range(1, len(points) + 1)))
    schema["properties"]["statements"]["minItems"] = min(2, len(points))
    schema["properties"]["statements"]["maxItems"] = MAX_BOTTOM_LINE
    # Without the cap a small model goes on writing "developments" over single-source
    # claims, citing a corroborated one; every such sentence fails the check and is dropped.
    corroborated = _corroborated(points)
    schema["properties"]["developments"]["maxItems"] = _developments_allowed(corroborated)
    if corroborated:
        _cite_only(schema, "developments", corroborated)
    return schema


def _corroborated(points: Sequence[Point]) -> list[int]:
    """The numbers the model sees on the claims that two or more sources make."""
    return [n for n, point in enumerate(points, start=1) if point.corroboration > 1]


def as_ranges(numbers: Sequence[int]) -> str:
    """Ascending numbers as a short list: "1 to 12" for a run, "1 to 3, 5" otherwise. The
    claims come ranked, so the corroborated ones are one run that a list would spell out at
    several prompt tokens a number."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(_run_text(run) for run in runs)


def _run_text(run: Sequence[int]) -> str:
    return f"{run[0]} to {run[-1]}" if len(run) > 2 else ", ".join(map(str, run))


def _developments_allowed(corroborated: Sequence[int]) -> int:
    return min(len(corroborated), MAX_DEVELOPMENTS)


def _cite_only(schema: dict[str, Any], name: str, numbers: list[int]) -> None:
    cited = schema["properties"][name]["items"]["properties"]["clusters"]
    cited["items"] = {"type": "integer", "enum": numbers}


# --- checking what the model wrote -------------------------------------------------------------


def summary_section(
    drafts: Sequence[DraftStatement], points: Sequence[Point], diagnostics: Diagnostics
) -> Section:
    """The bottom line, each sentence checked; falls back to the top claims."""
    statements = _checked_all(drafts, points, diagnostics, "bottom-line")
    if not statements:
        statements = [_statement(point) for point in points[:_FALLBACK_STATEMENTS]]
    elif points and (top := max(points, key=lambda p: p.corroboration)).corroboration > 1:
        cited = {cluster_id for statement in statements for cluster_id in statement.clusters}
        if not cited & {cluster.id for cluster in top.clusters}:
            # What the most sources state leads, whatever the model chose to lead with.
            statements = [_statement(top), *statements][:MAX_BOTTOM_LINE]
    return Section(heading="Bottom line", kind=SectionKind.summary, statements=tuple(statements))


def developments_section(
    drafts: Sequence[DraftStatement],
    points: Sequence[Point],
    clusters: Sequence[Cluster],
    diagnostics: Diagnostics,
) -> Section:
    """What two or more sources report, as the model wrote it where that checks out; every
    corroborated cluster the model left out is stated in its own claim's words."""
    corroborated = [c for c in clusters if len(c.sources) > 1]
    written = [
        s for s in _checked_all(drafts, points, diagnostics, "development") if s.corroboration > 1
    ]
    covered = {cluster_id for statement in written for cluster_id in statement.clusters}
    written += [statement_for(c) for c in corroborated if c.id not in covered]
    written.sort(key=lambda statement: -statement.corroboration)  # most sources first, stable
    note = "" if written else "No development is reported by more than one source."
    if len(written) > MAX_KEY_DEVELOPMENTS:
        note = f"{len(written) - MAX_KEY_DEVELOPMENTS} more are in briefing.json."
    return Section(
        heading="Key developments",
        kind=SectionKind.developments,
        statements=tuple(written[:MAX_KEY_DEVELOPMENTS]),
        note=note,
    )


def _checked_all(
    drafts: Sequence[DraftStatement], points: Sequence[Point], diagnostics: Diagnostics, what: str
) -> list[Statement]:
    statements: list[Statement] = []
    for draft in drafts:
        statement, problem = _checked(draft, points, what)
        if problem:
            diagnostics.warn(problem)
        if statement is not None and statement.text not in {s.text for s in statements}:
            statements.append(statement)
    return statements


_META_TAIL = re.compile(
    r",?\s+(?:with|as|according\s+to)\s+(?:\d+|two|three|four|five|six|several|multiple|all)\s+"
    r"(?:independent\s+)?sources?\b[^.]*(?=\.?$)",
    re.I,
)
_META = re.compile(
    r"\bcorroborat\w*|\bthis\s+(?:statement|claim)\b|\b(?:the|these)\s+(?:claims|briefing)\b"
    r"|\b\d+\s+(?:independent\s+)?sources\b",
    re.I,
)


def _without_meta(text: str) -> str:
    """The sentence without what it says about the sources ("..., with 2 sources
    corroborating this statement"): the briefing shows the count itself."""
    stripped = _META_TAIL.sub("", text.strip()).strip()
    if stripped and stripped[-1] not in ".!?":
        stripped += "."
    return stripped


def _checked(
    draft: DraftStatement, points: Sequence[Point], what: str
) -> tuple[Statement | None, str]:
    cited = _cited(draft, points)
    if not cited:
        return None, f"dropped a {what} sentence citing no known claim: {draft.text!r}"
    draft = draft.model_copy(update={"text": _without_meta(draft.text)})
    if _META.search(draft.text):
        note = f"{what} sentence about the sources replaced by its claim: {draft.text!r}"
        return _statement(cited[0]), note
    problems = evidence_problems(draft.text, _evidence_texts(cited))
    if problems:
        note = f"{what} sentence replaced by its claim ({'; '.join(problems)}): {draft.text!r}"
        return _statement(cited[0]), note
    clusters = tuple(dict.fromkeys(c for point in cited for c in point.clusters))
    return _statement(Point(draft.text.strip(), clusters), composed=True), ""


def _statement(point: Point, composed: bool = False) -> Statement:
    """A point as the reader sees it: a single claim in its cluster's canonical words."""
    if len(point.clusters) == 1 and point.text in _wordings(point.clusters[0]):
        return statement_for(point.clusters[0], composed=composed)
    return Statement(
        text=point.text,
        citations=joined_citations(point.clusters),
        clusters=tuple(cluster.id for cluster in point.clusters),
        corroboration=point.corroboration,
        composed=composed,
    )


def joined_citations(clusters: Sequence[Cluster]) -> tuple[Citation, ...]:
    """Citations for a sentence joining several facts: one passage per source, except that a
    fact whose sources are all cited already for another fact still gets its own first passage
    (every part of the sentence can be checked; the other passages are in briefing.json)."""
    cited: dict[str, Citation] = {}
    extra: list[Citation] = []
    for cluster in clusters:
        own = citations(cluster.evidence)
        new = [c for c in own if c.source not in cited]
        cited.update((c.source, c) for c in new)
        if not new and own:
            extra.append(own[0])
    return tuple(dict.fromkeys([*cited.values(), *extra]))


def _cited(draft: DraftStatement, points: Sequence[Point]) -> list[Point]:
    return [points[n - 1] for n in dict.fromkeys(draft.clusters) if 1 <= n <= len(points)]


def _evidence_texts(points: Sequence[Point]) -> list[str]:
    texts = [e.quote for point in points for cluster in point.clusters for e in cluster.evidence]
    return texts + [point.text for point in points]
