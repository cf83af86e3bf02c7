"""The quality benchmark: precision and recall of every stage against hand-labelled clusters.

    python bench/quality.py                   # offline, from the recorded answers
    python bench/quality.py --record          # live on the embedded model; records the answers
    python bench/quality.py --base-url URL    # live against any endpoint (nothing recorded)
    python bench/quality.py --cluster pharma  # one cluster only

Each cluster under `bench/quality/clusters/` holds articles and `labels.json` (written by hand,
without looking at the program's output): per article its key facts (each an exact passage),
across articles the same-fact groups, the conflicts and the events, the quotations with their
speakers, and the page boilerplate. See `bench/quality/README.md` for the format.

A claim *states* a labelled fact when one of its cited sentences overlaps the fact's passage and
its own words share enough content words with that passage. From that mapping:

- extraction recall: key facts stated by at least one verified claim;
- wrongly rejected: claims that state a labelled fact but failed verification, of all claims
  that state one (the check's false rejections);
- unlabelled accepted: verified claims that state no labelled fact (to read by hand: wrong
  claims would be among them);
- clustering P/R: over pairs of verified claims from different articles that state labelled
  facts, "same cluster" against "same group";
- corroboration recall: groups of 2+ articles for which one cluster holds claims stating the
  group's fact from 2+ of those articles;
- conflict P/R: a found conflict matches a labelled one when two of its sides cite passages of
  two different labelled sides;
- syndicated copies: labelled copies the program recognised as copies.
- citation precision: of the citations the briefing's sections show (key developments in the
  clusters' own words, disagreements, quotes, timeline, single-source items), the share whose
  passage states what its statement says, by a reader's judgement kept in each cluster's
  `citations.json`; `--dump-citations FILE` writes the pairs no one has judged yet.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from briefing import Settings
from briefing.compose.prose import developments_section
from briefing.diagnostics import Diagnostics
from briefing.errors import EndpointError
from briefing.local.weights import EMBEDDED_MODEL
from briefing.model.cache import CachedAnswer, CallCache
from briefing.model.client import ModelClient
from briefing.model.endpoint import resolve
from briefing.model.structured import OutputMode
from briefing.model.transport import Endpoint
from briefing.pipeline import Reconciled, connect, reconcile
from briefing.types.contract import Section
from briefing.types.stages import Article, Claim, Cluster, Evidence

HERE = Path(__file__).resolve().parent / "quality"
CLUSTERS = HERE / "clusters"
RECORDED = HERE / "recorded"
_WORD = re.compile(r"[A-Za-z]+|\d[\d,.]*")
_STOP = frozenset(
    "the a an and or of to in on at for with by from as is are was were be been has have had "
    "that this these those it its their his her they he she we will would could should may "
    "said says say also after before over under about into than then more most not no but "
    "which who whom what when where while there here such other new".split()
)
MIN_SHARED = 0.3  # of the passage's content words, for a claim to state a fact


# --- labels ----------------------------------------------------------------------------------


@dataclass
class Fact:
    id: str
    file: str
    evidence: str
    key: bool
    span: tuple[int, int] | None = None  # in the cleaned text the program read


@dataclass
class Labels:
    name: str
    folder: Path
    files: list[Path]
    facts: dict[str, Fact]
    groups: list[list[str]]
    conflicts: list[dict[str, Any]]
    events: dict[str, list[str]]  # event id -> files that report it
    syndicated: dict[str, str]  # copy file -> original file
    raw: dict[str, Any] = field(default_factory=dict)


def load(folder: Path) -> Labels:
    raw = json.loads((folder / "labels.json").read_text())
    articles_dir = (folder / raw.get("articles_dir", "articles")).resolve()
    files, facts, events, syndicated = [], {}, {}, {}
    for article in raw["articles"]:
        files.append(articles_dir / article["file"])
        for fact in article["facts"]:
            facts[fact["id"]] = Fact(fact["id"], article["file"], fact["evidence"], fact["key"])
        for event in article.get("events", []):
            events.setdefault(event, []).append(article["file"])
        if article.get("syndicated_from"):
            syndicated[article["file"]] = article["syndicated_from"]
    groups = [group["facts"] for group in raw.get("groups", [])]
    return Labels(folder.name, folder, files, facts, groups, raw.get("conflicts", []), events,
                  syndicated, raw)  # fmt: skip


# --- placing passages in the cleaned text ------------------------------------------------------


def _normal(text: str) -> tuple[str, list[int]]:
    """`text` with whitespace runs as one space and typographic quotes made plain, and for
    each character of the result its offset in `text`."""
    out, offsets, space = [], [], False
    for index, char in enumerate(text):
        char = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}.get(char, char)
        if char.isspace():
            if space:
                continue
            char, space = " ", True
        else:
            space = False
        out.append(char)
        offsets.append(index)
    return "".join(out), offsets


def locate(text: str, passage: str) -> tuple[int, int] | None:
    normal, offsets = _normal(text)
    wanted, _ = _normal(passage.strip())
    at = normal.find(wanted)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(wanted) - 1] + 1


def content_words(text: str) -> set[str]:
    words = {w.lower().rstrip(".,") for w in _WORD.findall(text)}
    return {w for w in words if w not in _STOP and (len(w) > 2 or w[:1].isdigit())}


# --- matching the program's output to the labels -----------------------------------------------


def overlaps(evidence: Evidence, span: tuple[int, int]) -> bool:
    return evidence.start < span[1] and span[0] < evidence.end


def states(claim: Claim, fact: Fact, source_file: dict[str, str]) -> bool:
    if fact.span is None or source_file.get(claim.source) != fact.file:
        return False
    if not any(overlaps(evidence, fact.span) for evidence in claim.evidence):
        return False
    passage = content_words(fact.evidence)
    if not passage:
        return True
    shared = len(passage & content_words(claim.text)) / len(passage)
    return shared >= MIN_SHARED or (len(passage) <= 3 and shared > 0)


def best_fact(claim: Claim, facts: Iterable[Fact], source_file: dict[str, str]) -> Fact | None:
    """The labelled fact the claim states, the one sharing most words when several."""
    stated = [fact for fact in facts if states(claim, fact, source_file)]
    words = content_words(claim.text)
    return max(stated, key=lambda f: len(words & content_words(f.evidence)), default=None)


@dataclass
class Score:
    name: str
    key_facts: int = 0
    key_found: int = 0
    stating: int = 0
    rejected: int = 0
    unlabelled_accepted: int = 0
    verified: int = 0
    pair_tp: int = 0
    pair_fp: int = 0
    pair_fn: int = 0
    groups: int = 0
    corroborated: int = 0
    sources_credited: int = 0  # in clusters of 2+ sources whose claims state a labelled group
    sources_earned: int = 0  # of those, sources whose passage states that group's fact
    conflicts_labelled: int = 0
    conflicts_found_labelled: int = 0
    conflicts_found: int = 0
    conflicts_right: int = 0
    copies: int = 0
    copies_found: int = 0
    sources_in_events: int = 0
    sources_right_event: int = 0
    events_mapped: int = 0  # found events mapped onto a labelled one that gives a place
    events_right_place: int = 0
    quotes_labelled: int = 0
    quotes_found_labelled: int = 0
    quotes_matched: int = 0  # found quotations whose words a label gives
    quotes_right_speaker: int = 0
    quotes_unlabelled: int = 0
    boilerplate: int = 0
    boilerplate_kept: int = 0  # labelled page boilerplate still in the cleaned text or title
    citations_judged: int = 0  # shown citations a reader judged (`citations.json`)
    citations_supported: int = 0  # of those, passages that state what their statement says
    citations_unjudged: int = 0
    repeated_pairs: int = 0  # pairs of shown statements that state the same labelled fact
    summary_tokens: int = 0  # tokens the model generated in the articles' summaries
    misses: list[str] = field(default_factory=list)
    unjudged_citations: list[dict[str, str]] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)


def score(labels: Labels, run: Reconciled) -> Score:
    result = Score(labels.name)
    by_path = {Path(article.path).resolve().name: article for article in run.articles}
    source_file = {article.id: name for name, article in by_path.items()}
    _place_facts(labels, by_path, result)
    claims = [claim for extracted in run.extracted for claim in extracted.claims]
    stated = {claim.id: best_fact(claim, labels.facts.values(), source_file) for claim in claims}
    _extraction(labels, claims, stated, source_file, result)
    _clustering(labels, run, stated, result)
    _conflicts(labels, run, source_file, result)
    _events(labels, run, source_file, result)
    _boilerplate(labels, by_path, result)
    _quotes(labels, run, source_file, result)
    shown = shown_sections(run)
    _citations(labels, shown, source_file, result)
    _repeated(labels, run, shown, stated, result)
    result.copies = len(labels.syndicated)
    result.copies_found = sum(
        1
        for copy, original in labels.syndicated.items()
        if copy in by_path
        and original in by_path
        and run.duplicates.get(by_path[copy].id) == by_path[original].id
    )
    return result


def _place_facts(labels: Labels, by_path: dict[str, Article], result: Score) -> None:
    for fact in labels.facts.values():
        article = by_path.get(fact.file)
        fact.span = locate(article.text, fact.evidence) if article else None
        if fact.span is None:
            result.misses.append(f"{fact.id}: passage not in the cleaned text")


def _extraction(
    labels: Labels,
    claims: Sequence[Claim],
    stated: dict[str, Fact | None],
    source_file: dict[str, str],
    result: Score,
) -> None:
    found = {
        fact.id
        for claim in claims
        if claim.verified
        for fact in labels.facts.values()
        if states(claim, fact, source_file)
    }
    for fact in labels.facts.values():
        if fact.key and fact.file not in labels.syndicated:
            result.key_facts += 1
            result.key_found += fact.id in found
            if fact.id not in found:
                result.misses.append(f"key fact not found: {fact.file}: {fact.evidence}")
    for claim in claims:
        result.verified += claim.verified
        if stated[claim.id] is not None:
            result.stating += 1
            result.rejected += not claim.verified
            if not claim.verified:
                why = "; ".join(claim.problems)
                result.misses.append(f"wrongly rejected: {claim.text} ({why})")
        elif claim.verified:
            result.unlabelled_accepted += 1


def _clustering(
    labels: Labels, run: Reconciled, stated: dict[str, Fact | None], result: Score
) -> None:
    group_of = {fact: index for index, group in enumerate(labels.groups) for fact in group}
    cluster_of = {claim.id: cluster.id for cluster in run.clusters for claim in cluster.claims}
    placed = [
        (claim, fact)
        for cluster in run.clusters
        for claim in cluster.claims
        if (fact := stated.get(claim.id)) is not None
    ]
    for (a, fact_a), (b, fact_b) in combinations(placed, 2):
        if a.source == b.source:
            continue
        same_group = fact_a.id in group_of and group_of[fact_a.id] == group_of.get(fact_b.id)
        same_cluster = cluster_of[a.id] == cluster_of[b.id]
        result.pair_tp += same_group and same_cluster
        result.pair_fp += same_cluster and not same_group
        result.pair_fn += same_group and not same_cluster
    source_file = {a.id: Path(a.path).resolve().name for a in run.articles}
    for index, group in enumerate(labels.groups):
        files = {labels.facts[f].file for f in group if labels.facts[f].file}
        if len(files) < 2:
            continue
        result.groups += 1
        best = max((len(_files_stating(cluster, group, labels, placed, source_file))
                    for cluster in run.clusters), default=0)  # fmt: skip
        if best >= 2:
            result.corroborated += 1
        else:
            result.misses.append(f"not corroborated: {labels.raw['groups'][index]['statement']}")
    for cluster in run.clusters:
        if len(cluster.sources) < 2:
            continue
        stated = [group_of[f.id] for c, f in placed if c in cluster.claims and f.id in group_of]
        if not stated:
            continue
        group = labels.groups[max(set(stated), key=stated.count)]
        earned = _files_stating(cluster, group, labels, placed, source_file)
        credited = {source_file[s] for s in cluster.sources if s in source_file}
        result.sources_credited += len(credited)
        result.sources_earned += len(credited & earned)
        for wrong in sorted(credited - earned):
            result.misses.append(f"credited without stating it: {wrong} for {cluster.canonical}")


def _files_stating(
    cluster: Cluster,
    group: list[str],
    labels: Labels,
    placed: list[tuple[Claim, Fact]],
    source_file: dict[str, str],
) -> set[str]:
    """The articles whose claims in `cluster`, or passages found to support it, state a fact
    of `group`."""
    members = {claim.id for claim in cluster.claims}
    files = {fact.file for claim, fact in placed if claim.id in members and fact.id in group}
    for evidence in cluster.support:
        for fact_id in group:
            fact = labels.facts[fact_id]
            if (
                fact.span
                and source_file.get(evidence.source) == fact.file
                and overlaps(evidence, fact.span)
            ):
                files.add(fact.file)
    return files


def _conflicts(labels: Labels, run: Reconciled, source_file: dict[str, str], result: Score) -> None:
    def side_facts(side: dict[str, Any]) -> list[Fact]:
        return [labels.facts[f] for f in side["facts"] if labels.facts[f].span]

    def cites(evidence: Sequence[Evidence], facts: Sequence[Fact]) -> bool:
        return any(
            source_file.get(e.source) == f.file and f.span and overlaps(e, f.span)
            for e in evidence
            for f in facts
        )

    result.conflicts_labelled = len(labels.conflicts)
    result.conflicts_found = len(run.conflicts)
    matched_labels = set()
    for found in run.conflicts:
        hit = None
        for labelled in labels.conflicts:
            sides = [side_facts(side) for side in labelled["sides"]]
            hits = [
                {i for i, facts in enumerate(sides) if cites(side.evidence, facts)}
                for side in found.sides
            ]
            if any(i != j for a, b in combinations(hits, 2) for i in a for j in b):
                hit = labelled["id"]
                break
        if hit:
            result.conflicts_right += 1
            matched_labels.add(hit)
    result.conflicts_found_labelled = len(matched_labels)
    for labelled in labels.conflicts:
        if labelled["id"] not in matched_labels:
            result.misses.append(f"conflict missed ({labelled['kind']}): {labelled['about']}")


def _events(labels: Labels, run: Reconciled, source_file: dict[str, str], result: Score) -> None:
    """Each source's found event against its labelled main event, the found events mapped
    one to one onto labelled ones (greedily, by the sources they share)."""
    main = {
        article["file"]: article["events"][0]
        for article in labels.raw["articles"]
        if article.get("events") and article["file"] not in labels.syndicated
    }
    found = {
        event.id: [source_file[s] for s in event.sources if source_file.get(s) in main]
        for event in run.events
    }
    overlaps = sorted(
        ((sum(main[f] == label for f in files), event, label)
         for event, files in found.items() for label in set(main.values())),
        reverse=True,
    )  # fmt: skip
    mapping: dict[str, str] = {}
    for shared, event, label in overlaps:
        if shared and event not in mapping and label not in mapping.values():
            mapping[event] = label
    result.sources_in_events = len(main)
    for event, files in found.items():
        result.sources_right_event += sum(mapping.get(event) == main[f] for f in files)
    places = {event["id"]: event.get("place") for event in labels.raw["events"]}
    for event in run.events:
        labelled_place = places.get(mapping.get(event.id, ""))
        if labelled_place:
            result.events_mapped += 1
            result.events_right_place += _same_place(event.where, labelled_place)
        result.misses.append(
            f"event {event.id} ({event.when}, {event.where}): {event.what} <- "
            + ", ".join(source_file.get(s, s) for s in event.sources)
        )


def shown_sections(run: Reconciled) -> tuple[Section, ...]:
    """The sections after the bottom line, with the key developments in their clusters' own
    words (the composition is the model's)."""
    return run.sections(developments_section([], [], run.clusters, Diagnostics()))


def shown_citations(
    sections: Sequence[Section], source_file: dict[str, str]
) -> list[dict[str, str]]:
    """Every (statement, cited passage) pair the sections show."""
    return [
        {"section": section.kind.value, "statement": statement.text,
         "file": source_file.get(citation.source, citation.source), "passage": citation.quote}
        for section in sections
        for statement in section.statements
        for citation in statement.citations
    ]  # fmt: skip


def _repeated(
    labels: Labels,
    run: Reconciled,
    sections: Sequence[Section],
    stated: dict[str, Fact | None],
    result: Score,
) -> None:
    """Pairs of key developments and single-source items that state the same labelled fact
    (or facts of one same-fact group): the briefing saying one thing twice."""
    group_of = {fact: index for index, group in enumerate(labels.groups) for fact in group}
    members = {cluster.id: cluster.claims for cluster in run.clusters}
    shown = [
        statement
        for section in sections
        if section.kind.value in {"developments", "single_source"}
        for statement in section.statements
    ]
    meant = []
    for statement in shown:
        facts = {
            fact.id
            for cluster_id in statement.clusters
            for claim in members.get(cluster_id, ())
            if (fact := stated.get(claim.id)) is not None
        }
        meant.append((statement.text, {f"g{group_of[f]}" if f in group_of else f for f in facts}))
    for (text_a, a), (text_b, b) in combinations(meant, 2):
        if a & b:
            result.repeated_pairs += 1
            result.misses.append(f"said twice: {text_a} / {text_b}")


def _citation_key(pair: dict[str, Any]) -> str:
    return "\n".join(" ".join(pair[k].split()) for k in ("statement", "file", "passage"))


def _citations(
    labels: Labels, sections: Sequence[Section], source_file: dict[str, str], result: Score
) -> None:
    judged_file = labels.folder / "citations.json"
    judged = json.loads(judged_file.read_text()) if judged_file.is_file() else []
    supports = {_citation_key(pair): bool(pair["supports"]) for pair in judged}
    result.unjudged_citations = []
    for pair in shown_citations(sections, source_file):
        verdict = supports.get(_citation_key(pair))
        if verdict is None:
            result.citations_unjudged += 1
            result.unjudged_citations.append({"cluster": labels.name, **pair})
            continue
        result.citations_judged += 1
        result.citations_supported += verdict
        if not verdict:
            result.misses.append(
                f"cites a passage that does not state it: {pair['file']} for {pair['statement']}"
            )


def _same_place(found: str | None, labelled: str) -> bool:
    """The found place is one the label names ("Tokyo" in "Tokyo, Japan")."""
    if not found:
        return False
    words = set(re.findall(r"\w+", labelled.lower()))
    return set(re.findall(r"\w+", re.sub(r"['’]s\b", "", found.lower()))) <= words


def _quotes(labels: Labels, run: Reconciled, source_file: dict[str, str], result: Score) -> None:
    """Each found quotation, per source, against the labelled ones of that file with the
    same words: attributed to the labelled speaker (same surname) or not."""
    labelled = [q for q in labels.raw.get("quotes", []) if q["file"] not in labels.syndicated]
    result.quotes_labelled = len(labelled)
    found_labels: set[int] = set()
    for quote in run.quotes:
        for evidence in quote.evidence:
            file = source_file.get(evidence.source)
            if file is None or file in labels.syndicated:
                continue
            same = [
                (index, q)
                for index, q in enumerate(labelled)
                if q["file"] == file and _same_words(q["words"], quote.words)
            ]
            if not same:
                result.quotes_unlabelled += 1
                result.misses.append(f"quote not labelled: {file}: {quote.speaker}: {quote.words}")
                continue
            result.quotes_matched += 1
            right = [i for i, q in same if _surname(q["speaker"]) == _surname(quote.speaker)]
            result.quotes_right_speaker += bool(right)
            found_labels.update(right)
            if not right:
                result.misses.append(
                    f"wrong speaker: {file}: {quote.speaker} for {same[0][1]['speaker']}: "
                    f"{quote.words}"
                )
    result.quotes_found_labelled = len(found_labels)


def _same_words(a: str, b: str) -> bool:
    a, b = _normal(a)[0].lower(), _normal(b)[0].lower()
    return a in b or b in a or fuzz.ratio(a, b) >= 90


def _surname(name: str) -> str:
    return name.split()[-1].lower() if name.split() else ""


def _boilerplate(labels: Labels, by_path: dict[str, Article], result: Score) -> None:
    """A labelled boilerplate line is kept when the article's title or one of its sentences
    is that line, or (for a line of four words or more) contains it."""
    for line in labels.raw.get("boilerplate", []):
        article = by_path.get(line["file"])
        if article is None:
            continue
        result.boilerplate += 1
        wanted = _normal(line["text"])[0].strip().lower()
        texts = [article.title, *(s.text for s in article.sentences)]
        normal = [_normal(text)[0].strip().lower() for text in texts]
        long_enough = len(wanted.split()) >= 4
        if any(text == wanted or (long_enough and wanted in text) for text in normal):
            result.boilerplate_kept += 1
            result.misses.append(f"boilerplate kept: {line['file']}: {line['text']}")


# --- running ---------------------------------------------------------------------------------


class CountingCache(CallCache):
    """A call cache that tallies the tokens generated for the article summaries it hands out
    or stores: the output's cost, whether the answer was recorded or asked just now."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.summary_tokens = 0

    def get(self, key: str) -> CachedAnswer | None:
        answer = super().get(key)
        if answer is not None:
            self._tally(answer)
        return answer

    def put(self, key: str, answer: CachedAnswer) -> None:
        self._tally(answer)
        super().put(key, answer)

    def _tally(self, answer: CachedAnswer) -> None:
        if '"main_event"' in answer.text and answer.completion_tokens:
            self.summary_tokens += answer.completion_tokens

    def taken(self) -> int:
        """The tokens tallied since the last call."""
        taken, self.summary_tokens = self.summary_tokens, 0
        return taken


@contextmanager
def client_for(
    args: argparse.Namespace, settings: Settings, counting: CountingCache | None = None
) -> Iterator[ModelClient]:
    if args.base_url:
        with connect(settings.model_copy(update={"base_url": args.base_url})) as client:
            yield client
        return
    if args.record:
        RECORDED.mkdir(parents=True, exist_ok=True)
        with connect(settings, cache=counting or CallCache(RECORDED)) as client:
            yield client
        return
    with tempfile.TemporaryDirectory(prefix="briefing-quality-") as scratch:
        replay = Path(scratch) / "calls"
        shutil.copytree(RECORDED, replay) if RECORDED.is_dir() else replay.mkdir()
        with ModelClient(
            Endpoint(
                base_url="http://127.0.0.1 (recorded answers)",
                model=EMBEDDED_MODEL.name,
                identity=resolve(settings).cache_identity,
            ),
            mode=OutputMode.json_object_schema,
            cache=_counting_in(replay, counting),
            max_reasks=settings.max_reasks,
            start=_not_recorded,
        ) as client:
            yield client


def _counting_in(directory: Path, counting: CountingCache | None) -> CallCache:
    if counting is None:
        return CallCache(directory)
    counting.directory = directory
    return counting


def _not_recorded() -> str:
    raise EndpointError(
        "an answer the benchmark needs is not recorded (a prompt or the labels changed)",
        hint="re-record: python bench/quality.py --record",
    )


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "n/a"


def table(scores: Sequence[Score]) -> str:
    head = ("| cluster | key facts found | wrongly rejected | unlabelled accepted | "
            "clustering P / R | corroborated | earned | conflicts P / R | copies found | "
            "right event | event placed | quotes: right speaker / found | "
            "boilerplate kept | citations supported | said twice | "
            "summary tokens / verified claim |")  # fmt: skip
    rows = [head, "|" + "---|" * 16]
    for s in scores:
        rows.append(
            f"| {s.name} | {s.key_found}/{s.key_facts} = {ratio(s.key_found, s.key_facts)} "
            f"| {s.rejected}/{s.stating} = {ratio(s.rejected, s.stating)} "
            f"| {s.unlabelled_accepted}/{s.verified} "
            f"| {ratio(s.pair_tp, s.pair_tp + s.pair_fp)} / "
            f"{ratio(s.pair_tp, s.pair_tp + s.pair_fn)} "
            f"| {s.corroborated}/{s.groups} = {ratio(s.corroborated, s.groups)} "
            f"| {ratio(s.sources_earned, s.sources_credited)} "
            f"| {ratio(s.conflicts_right, s.conflicts_found)} / "
            f"{ratio(s.conflicts_found_labelled, s.conflicts_labelled)} "
            f"| {s.copies_found}/{s.copies} "
            f"| {s.sources_right_event}/{s.sources_in_events} = "
            f"{ratio(s.sources_right_event, s.sources_in_events)} "
            f"| {s.events_right_place}/{s.events_mapped} "
            f"| {ratio(s.quotes_right_speaker, s.quotes_matched)} / "
            f"{ratio(s.quotes_found_labelled, s.quotes_labelled)} "
            f"| {s.boilerplate_kept}/{s.boilerplate} "
            f"| {s.citations_supported}/{s.citations_judged} = "
            f"{ratio(s.citations_supported, s.citations_judged)}"
            f"{f' ({s.citations_unjudged} unjudged)' if s.citations_unjudged else ''} "
            f"| {s.repeated_pairs} "
            f"| {s.summary_tokens}/{s.verified} = "
            f"{s.summary_tokens / s.verified if s.verified else 0:.0f} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", action="store_true", help="run live and record the answers")
    parser.add_argument("--base-url", help="run live against this endpoint (nothing recorded)")
    parser.add_argument("--cluster", action="append", help="only these clusters")
    parser.add_argument("--misses", action="store_true", help="list what each cluster missed")
    parser.add_argument("--match-by", choices=["meaning", "words"], default="meaning")
    parser.add_argument(
        "--dump-citations", type=Path, help="write the shown citations no one has judged (JSONL)"
    )
    args = parser.parse_args(argv)
    # A SIGTERM unwinds the stack, so a model server this started is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    # The benchmark keeps its own answers (recorded, or none when live); nothing is read
    # from or left in the user's cache, not even the sentence vectors.
    settings = Settings.from_env(match_by=args.match_by, use_cache=False)
    folders = sorted(p for p in CLUSTERS.iterdir() if (p / "labels.json").is_file())
    if args.cluster:
        folders = [p for p in folders if p.name in args.cluster]
    scores = []
    counting = CountingCache(RECORDED)
    with client_for(args, settings, counting) as client:
        for folder in folders:
            labels = load(folder)
            run = reconcile([str(path) for path in labels.files], settings, client)
            scores.append(score(labels, run))
            scores[-1].summary_tokens = counting.taken()
            print(f"{folder.name}: done", file=sys.stderr, flush=True)
    total = Score("all")
    for each in scores:
        total.add(each)
    print(table([*scores, total]))
    if args.dump_citations:
        with args.dump_citations.open("w") as out:
            for each in scores:
                out.writelines(json.dumps(pair) + "\n" for pair in each.unjudged_citations)
    if args.misses:
        for each in scores:
            print(f"\n## {each.name}")
            print("\n".join(f"- {miss}" for miss in each.misses) or "- nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
