"""Find where the sources disagree, and say which sources stand on each side. Pure.

- number, date, actor: two sources make the same claim in the same words, names, numbers
  and dates aside, but with different numbers, dates or named people and organisations; or
  report the same measure (a figure) with different values.
- number and date, in other words: a clause with one count (or day) in a claim's passage is
  close in meaning to a clause of another source's that gives one too ("Fourteen people were
  injured", "injuring seventeen passengers") while the values cannot both be true. Running
  totals "by" different days are a series, not a disagreement.
- framing: sources set the same development against different historical benchmarks
  ("the first of its kind since 1960" against "the first war-fighting headquarters since
  WWII"). A briefing covers one topic, so every such benchmark is a framing of that topic.
- source_error: an article contradicts itself (`article_checks.self_contradictions`); one
  side is the flagged passage, the other the article's own sentences that say otherwise.

Each side quotes its sources, so a reader can check both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from rapidfuzz import fuzz

from .article_checks import contradicting
from .dates import dates_agree, dates_in, isos_in
from .merge import Corpus, differing_amounts
from .models import (
    ArticleClaims,
    Claim,
    Cluster,
    Conflict,
    ConflictKind,
    ConflictSide,
    Evidence,
    Figure,
    Sentence,
)
from .quantities import Quantity, quantities
from .similarity import Meaning
from .verify import (
    content_stems,
    evidence_problems,
    name_key,
    names_as_written,
    numbers_in,
    word_keys,
)

SAME_MEASURE = 80.0
"""rapidfuzz score above which two figures measure the same thing."""
SAME_SUBJECT_MEANING = 0.65
"""Cosine of a claim and another article's sentence at which the sentence is about the same
thing (a count there that cannot be true with the claim's is a disagreement)."""
SAME_VALUE_MEANING = 0.65
"""Cosine of two clauses, each with one count (or day), at which they count (or date) the same
thing. Masking the values was measured too: recall 0.39 at precision 0.58 against 0.33 at
0.70 unmasked, for encoding every masked clause again."""
COMPARED_BY_VALUE = 200
"""Clusters (best first) whose counts and days are compared with every source's: bounds the
work on hundreds of look-alike articles."""
SAME_SUBJECT = 0.1
"""Weighted overlap of two benchmark sentences (benchmark words aside) that links them."""
SAME_FRAME = 0.7
"""Weighted overlap of two claims' words, names and numbers aside, that makes them one claim."""
MIN_FRAME_WORDS = 3

_SUPERLATIVE = (
    r"(?:first|biggest|largest|greatest|highest|lowest|strongest|deepest|worst|best|"
    r"most\s+[a-z]+)"
)
_BENCHMARK = re.compile(
    rf"\b(?:the\s+)?{_SUPERLATIVE}\b[^.;:!?]{{0,80}}?\bsince\s+"
    r"(?P<anchor>[^.,;:!?()]{1,40}?)(?=[.,;:!?)]|\s+(?:and|but|when|as|which|while)\b|$)",
    re.IGNORECASE,
)
_BENCHMARK_WORDS = re.compile(rf"\b(?:{_SUPERLATIVE}|since|first|kind)\b", re.IGNORECASE)
_SECOND_WORLD_WAR = re.compile(
    r"^(?:the\s+)?(?:end\s+of\s+)?(?:ww\s?ii|ww2|world\s+war\s+(?:ii|2|two)|second\s+world\s+war)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_RUNNING_TOTAL = re.compile(r"\b(?:by|as of|as at|so far|until|through)\s+(?:the\s+)?$", re.I)
_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d)\b")
_MONTH_KEYS = frozenset(
    word_keys(
        "January February March April May June July August September October November December "
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
    )
)

# A capital named as an actor stands for its government: "London said" is "Britain said".
_SEATS = {
    name_key(city): name_key(country)
    for city, country in {
        "London": "UK", "Washington": "US", "Tokyo": "Japan", "Beijing": "China",
        "Moscow": "Russia", "Paris": "France", "Berlin": "Germany", "Seoul": "Korea",
        "Pyongyang": "Korea", "Taipei": "Taiwan", "Manila": "Philippines", "Canberra": "Australia",
        "Delhi": "India", "Kyiv": "Ukraine", "Tehran": "Iran", "Brussels": "EU",
        "Ottawa": "Canada", "Hanoi": "Vietnam", "Jerusalem": "Israel",
    }.items()
}  # fmt: skip


def find_conflicts(
    clusters: Sequence[Cluster],
    extracted: Sequence[ArticleClaims],
    corpus: Corpus,
    meaning: Meaning | None = None,
) -> list[Conflict]:
    conflicts = _told_differently(clusters, corpus)
    if meaning is not None:
        conflicts += _counted_differently(clusters, corpus, meaning)
        conflicts += _told_in_other_words(clusters, corpus, meaning)
        conflicts += _dated_differently(clusters, corpus, meaning)
    conflicts += _figure_conflicts(extracted)
    conflicts += _framing_conflicts(corpus)
    conflicts += _source_errors(corpus, extracted)
    return _each_once(conflicts)


def _each_once(conflicts: Sequence[Conflict]) -> list[Conflict]:
    """One conflict per kind, clusters and sources involved: two finders may see the same."""
    seen: set[tuple[ConflictKind, tuple[str, ...], frozenset[str]]] = set()
    kept = []
    for conflict in conflicts:
        key = (
            conflict.kind,
            conflict.clusters,
            frozenset(s for side in conflict.sides for s in side.sources),
        )
        if key not in seen:
            seen.add(key)
            kept.append(conflict)
    return kept


# --- the same claim, told differently -----------------------------------------------------


def _told_differently(clusters: Sequence[Cluster], corpus: Corpus) -> list[Conflict]:
    """Pairs of claims from different sources that say the same thing in the same words
    (leaving names, numbers and dates aside) but differ in a name, number or date."""
    cluster_of = {claim.id: cluster for cluster in clusters for claim in cluster.claims}
    claims = [claim for cluster in clusters for claim in cluster.claims]
    frames = {claim.id: " ".join(_frame(claim.text)) for claim in claims}
    found: list[Conflict] = []
    for a, b in combinations(claims, 2):
        if a.source == b.source or not _same_frame(frames[a.id], frames[b.id], corpus):
            continue
        found += [
            Conflict(
                kind=kind,
                subject=cluster_of[a.id].canonical,
                sides=(_claim_side(a, says_a), _claim_side(b, says_b)),
                clusters=tuple(dict.fromkeys((cluster_of[a.id].id, cluster_of[b.id].id))),
            )
            for kind, says_a, says_b in _differences(a, b, corpus)
        ]
    return found


def _frame(text: str) -> set[str]:
    """The claim's content words without its names, numbers and dates (capitalised words
    are left out whole: a sentence's first word may be a name no other rule knows)."""
    lowercase = " ".join(word for word in _WORD.findall(text) if word[0].islower())
    return content_stems(lowercase) - _MONTH_KEYS


def _same_frame(a: str, b: str, corpus: Corpus) -> bool:
    if min(len(a.split()), len(b.split())) < MIN_FRAME_WORDS:
        return False
    return corpus.weights.overlap(a, b) >= SAME_FRAME


def _differences(a: Claim, b: Claim, corpus: Corpus) -> list[tuple[ConflictKind, str, str]]:
    found = []
    amounts = differing_amounts(a.text, b.text)
    if amounts:
        found.append(
            (
                ConflictKind.number,
                _listed(_amount(v, unit) for unit, (values, _) in amounts.items() for v in values),
                _listed(_amount(v, unit) for unit, (_, values) in amounts.items() for v in values),
            )
        )
    dates_a = isos_in(a.text, corpus.published(a.source))
    dates_b = isos_in(b.text, corpus.published(b.source))
    if not dates_agree(dates_a, dates_b):
        found.append((ConflictKind.date, _listed(dates_a), _listed(dates_b)))
    cited_a, cited_b = _cited(a), _cited(b)
    actors_a = _actors(a.text, corpus.names, without=word_keys(cited_b))
    actors_b = _actors(b.text, corpus.names, without=word_keys(cited_a))
    if actors_a and actors_b:
        found.append((ConflictKind.actor, _listed(actors_a), _listed(actors_b)))
    return found


def _amount(value: str, unit: str) -> str:
    return f"{value}%" if unit == "%" else value


def _claim_side(claim: Claim, says: str) -> ConflictSide:
    return ConflictSide(
        says=f"{says} — {claim.text}", sources=(claim.source,), evidence=claim.evidence
    )


def _actors(text: str, known: frozenset[str], without: set[str]) -> set[str]:
    """Names in `text` (as written there), leaving out months, weekdays and `without`, where
    a capital and its country count as one name."""
    written = names_as_written(text, known)
    absent = {_SEATS.get(key, key) for key in without} | without
    return {
        written[key] for key in written.keys() - _MONTH_KEYS if _SEATS.get(key, key) not in absent
    }


def _cited(claim: Claim) -> str:
    return " ".join(e.quote for e in claim.evidence)


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


# --- the same thing counted differently, wherever each source says it ----------------------------


def _counted_differently(
    clusters: Sequence[Cluster], corpus: Corpus, meaning: Meaning
) -> list[Conflict]:
    """For each claim that counts something, the passage of every source that is about the
    same thing (its own cited sentence, or the other article's sentence closest in meaning);
    sources whose counts of the same unit cannot both be true stand on different sides."""
    found: dict[tuple[str, frozenset[tuple[str, ...]]], Conflict] = {}
    for cluster in clusters:
        counted = {q.unit: q for q in quantities(cluster.canonical)}
        if not counted:
            continue
        own = cluster.claims[0].evidence[0]
        passages = {
            source: passage
            for source, passage in _passages_about(cluster, corpus, meaning).items()
            if not _on_different_days(own, passage)  # a series, not a disagreement
        }
        for unit in counted:
            conflict = _count_conflict(cluster, unit, passages)
            if conflict is not None:
                key = (unit, frozenset(side.sources for side in conflict.sides))
                found.setdefault(key, conflict)
    return list(found.values())


def _passages_about(cluster: Cluster, corpus: Corpus, meaning: Meaning) -> dict[str, Evidence]:
    passages = {e.source: e for claim in cluster.claims for e in claim.evidence[:1]}
    passages.update({e.source: e for e in cluster.support if e.source not in passages})
    for article in corpus.articles:
        if article.id in passages:
            continue
        closest = corpus.closest(cluster.canonical, article, meaning)
        if closest is not None and closest[1] >= SAME_SUBJECT_MEANING:
            passages[article.id] = Evidence.of(article.id, closest[0])
    return passages


def _count_conflict(cluster: Cluster, unit: str, passages: dict[str, Evidence]) -> Conflict | None:
    """Sources grouped by the count of `unit` they give, counts that can both be true
    together; a conflict when two or more groups remain."""
    groups: list[tuple[list[Quantity], list[Evidence]]] = []
    for _, evidence in sorted(passages.items()):
        counts = [q for q in quantities(evidence.quote) if q.unit == unit]
        if len(counts) != 1:
            continue  # none, or several counts of the unit: which one is meant is unclear
        for agreeing, evidences in groups:
            if all(counts[0].meets(other) for other in agreeing):
                agreeing.append(counts[0])
                evidences.append(evidence)
                break
        else:
            groups.append(([counts[0]], [evidence]))
    if len(groups) < 2:
        return None
    return Conflict(
        kind=ConflictKind.number,
        subject=cluster.canonical,
        sides=tuple(
            ConflictSide(
                says=" / ".join(dict.fromkeys(q.text for q in counts)),
                sources=tuple(e.source for e in evidences),
                evidence=tuple(evidences),
            )
            for counts, evidences in groups
        ),
        clusters=(cluster.id,),
    )


@dataclass(frozen=True)
class _Mention:
    """A count or a day given in a clause of an article, with the clause's words around it."""

    evidence: Evidence
    value: Quantity | str
    """A count's range, or a day as ISO."""
    says: str
    context: str
    """The sentence or clause it is given in (already embedded for the support search, so
    comparing mentions costs no encoding)."""

    def agrees(self, other: _Mention) -> bool:
        if isinstance(self.value, Quantity) and isinstance(other.value, Quantity):
            return self.value.meets(other.value)
        return self.value == other.value

    def comparable(self, other: _Mention) -> bool:
        """Money against money in one currency, shares against shares, counts against
        counts, days against days."""
        if isinstance(self.value, str) or isinstance(other.value, str):
            return isinstance(self.value, str) and isinstance(other.value, str)
        kinds = {"$", "€", "£", "¥", "%"}
        units = {self.value.unit, other.value.unit}
        return len(units) == 1 if units & kinds else True


def _mentions(article_id: str, units: Sequence[tuple[Sentence, str]], published: date | None
              ) -> list[_Mention]:  # fmt: skip
    found = []
    for sentence, text in units:
        evidence = Evidence.of(article_id, sentence)
        counted = quantities(text)
        if len(counted) == 1:
            found.append(_Mention(evidence, counted[0], counted[0].text, text))
        written = dates_in(text)
        days = _days(text, published)
        if len(written) == 1 and len(days) == 1:
            day = days.pop()
            found.append(_Mention(evidence, day, day, text))
    return found


def _told_in_other_words(
    clusters: Sequence[Cluster], corpus: Corpus, meaning: Meaning
) -> list[Conflict]:
    """Counts and days of the same thing however each source words it ("14 people were
    injured", "injuring seventeen passengers"): the clauses that give them close in meaning;
    sources whose values cannot both be true stand on different sides.
    Counts dated to different days are a series, not a disagreement."""
    mentions = {
        a.id: _mentions(a.id, corpus.units(a), corpus.published(a.id)) for a in corpus.articles
    }
    meaning.prepare_texts([m.context for found in mentions.values() for m in found])
    found: dict[frozenset[tuple[str, ...]], Conflict] = {}
    for cluster in clusters[:COMPARED_BY_VALUE]:
        cited = {e.sentence for e in cluster.claims[0].evidence}
        source = cluster.claims[0].source
        for own in (m for m in mentions.get(source, []) if m.evidence.sentence in cited):
            passages = {source: own}
            for article_id, others in mentions.items():
                match = _same_mention(own, others, meaning)
                if article_id != source and match is not None:
                    passages[article_id] = match
            conflict = _mention_sides(cluster, passages)
            if conflict is not None:
                found.setdefault(frozenset(side.sources for side in conflict.sides), conflict)
    return list(found.values())


def _same_mention(own: _Mention, others: Sequence[_Mention], meaning: Meaning) -> _Mention | None:
    candidates = [m for m in others if own.comparable(m)]
    if not candidates:
        return None
    best = max(candidates, key=lambda m: meaning.texts(own.context, m.context))
    if meaning.texts(own.context, best.context) < SAME_VALUE_MEANING:
        return None
    if isinstance(own.value, Quantity) and _on_different_days(own.evidence, best.evidence):
        return None
    return best


def _on_different_days(a: Evidence, b: Evidence) -> bool:
    """Both passages give a running total "by" or "as of" a day, and not the same day: a
    series of counts, not a disagreement. (A count of one event dated differently is still
    compared: the date may be what the sources disagree on.)"""
    days_a = _running_total_days(a.quote)
    days_b = _running_total_days(b.quote)
    return bool(days_a and days_b and not days_a & days_b)


def _running_total_days(text: str) -> set[str]:
    return {
        when.lower() for when in dates_in(text) if _RUNNING_TOTAL.search(text[: text.find(when)])
    }


def _mention_sides(cluster: Cluster, passages: dict[str, _Mention]) -> Conflict | None:
    groups: list[list[_Mention]] = []
    for _, mention in sorted(passages.items()):
        for group in groups:
            if all(mention.agrees(other) for other in group):
                group.append(mention)
                break
        else:
            groups.append([mention])
    if len(groups) < 2:
        return None
    kind = ConflictKind.number if isinstance(groups[0][0].value, Quantity) else ConflictKind.date
    return Conflict(
        kind=kind,
        subject=cluster.canonical,
        sides=tuple(
            ConflictSide(
                says=" / ".join(dict.fromkeys(m.says for m in group)),
                sources=tuple(m.evidence.source for m in group),
                evidence=tuple(m.evidence for m in group),
            )
            for group in groups
        ),
        clusters=(cluster.id,),
    )


def _dated_differently(
    clusters: Sequence[Cluster], corpus: Corpus, meaning: Meaning
) -> list[Conflict]:
    """For each claim that dates something to a day, every source's passage about the same
    thing that dates it to one day too; sources giving different days stand apart."""
    found: dict[frozenset[tuple[str, ...]], Conflict] = {}
    for cluster in clusters:
        source = cluster.claims[0].source
        if len(_days(cluster.canonical, corpus.published(source))) != 1:
            continue
        by_day: dict[str, list[Evidence]] = {}
        for evidence in _passages_about(cluster, corpus, meaning).values():
            days = _days(evidence.quote, corpus.published(evidence.source))
            if len(days) == 1:
                by_day.setdefault(days.pop(), []).append(evidence)
        if len(by_day) < 2:
            continue
        sides = tuple(
            ConflictSide(says=day, sources=tuple(e.source for e in evidences),
                         evidence=tuple(evidences))
            for day, evidences in sorted(by_day.items())
        )  # fmt: skip
        found.setdefault(
            frozenset(side.sources for side in sides),
            Conflict(kind=ConflictKind.date, subject=cluster.canonical, sides=sides,
                     clusters=(cluster.id,)),
        )  # fmt: skip
    return list(found.values())


def _days(text: str, published: date | None) -> set[str]:
    """The days (ISO, to the day) the text names; months and years alone are left out."""
    return {iso for iso in isos_in(text, published) if len(iso) == len("YYYY-MM-DD")}


# --- the same measure, different values -------------------------------------------------------


def _figure_conflicts(extracted: Sequence[ArticleClaims]) -> list[Conflict]:
    figures = [(a.source, f) for a in extracted for f in a.figures]
    values = {a.source: set().union(*(numbers_in(f.value) for f in a.figures)) for a in extracted}
    found: dict[tuple[str, str, str], Conflict] = {}
    for (source_a, a), (source_b, b) in combinations(figures, 2):
        if source_a == source_b or not _same_measure(a, b) or not numbers_in(a.value):
            continue
        if numbers_in(a.value) & values[source_b] or numbers_in(b.value) & values[source_a]:
            continue  # each source also gives the other's value: no disagreement
        key = (a.measures.lower(), source_a, source_b)
        found.setdefault(
            key,
            Conflict(
                kind=ConflictKind.number,
                subject=_measure(a, b),
                sides=(_figure_side(source_a, a), _figure_side(source_b, b)),
            ),
        )
    return list(found.values())


def _same_measure(a: Figure, b: Figure) -> bool:
    if a.unit.strip().lower() != b.unit.strip().lower():
        return False
    return fuzz.token_sort_ratio(a.measures.lower(), b.measures.lower()) >= SAME_MEASURE


def _measure(a: Figure, b: Figure) -> str:
    """What the figures measure, in the model's words only if both passages bear them out."""
    quotes = [a.evidence.quote, b.evidence.quote]
    if all(not evidence_problems(a.measures, [quote]) for quote in quotes):
        return a.measures
    return "the same measure"


def _figure_side(source: str, figure: Figure) -> ConflictSide:
    return ConflictSide(says=figure.value, sources=(source,), evidence=(figure.evidence,))


# --- different historical benchmarks ------------------------------------------------------------


@dataclass(frozen=True)
class _Benchmark:
    phrase: str
    anchor: str
    subject: str
    evidence: Evidence


def benchmarks(sentence: Sentence) -> list[tuple[str, str]]:
    """("the first of its kind since 1960", "1960") for each benchmark the sentence sets."""
    return [
        (" ".join(match[0].split()), _anchor_key(match["anchor"]))
        for match in _BENCHMARK.finditer(sentence.text)
    ]


def _anchor_key(anchor: str) -> str:
    anchor = " ".join(anchor.split())
    if _SECOND_WORLD_WAR.match(anchor):
        return "1945"
    if year := _YEAR.search(anchor):
        return year[0]
    words = re.sub(r"\b(?:the|end|ended|of)\b", " ", anchor.lower())
    return " ".join(sorted(words.split()))


def _framing_conflicts(corpus: Corpus) -> list[Conflict]:
    """Benchmarks about the same subject (their sentences share weighty words, through any
    chain of them) with different anchors, from two or more sources."""
    found = [
        _Benchmark(phrase, anchor, _subject(sentence.text), Evidence.of(article.id, sentence))
        for article in corpus.articles
        for sentence in corpus.citable(article)
        for phrase, anchor in benchmarks(sentence)
    ]
    conflicts = []
    for group in _linked(found, corpus):
        conflict = _framing_conflict(group)
        if conflict is not None:
            conflicts.append(conflict)
    return conflicts


def _subject(sentence: str) -> str:
    """The sentence without its benchmark words: what is being measured against history."""
    return _BENCHMARK_WORDS.sub(" ", sentence)


def _linked(found: list[_Benchmark], corpus: Corpus) -> list[list[_Benchmark]]:
    groups: list[list[_Benchmark]] = []
    for benchmark in found:
        joined = [
            g
            for g in groups
            if any(corpus.weights.overlap(benchmark.subject, o.subject) >= SAME_SUBJECT for o in g)
        ]
        merged = [m for g in joined for m in g] + [benchmark]
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


def _framing_conflict(group: list[_Benchmark]) -> Conflict | None:
    # One side per set of sources giving an anchor: S4's two benchmarks stand together
    # against S2's one.
    by_anchor: dict[str, list[_Benchmark]] = {}
    for benchmark in sorted(group, key=lambda b: (b.evidence.source, b.evidence.start)):
        by_anchor.setdefault(benchmark.anchor, []).append(benchmark)
    by_sources: dict[tuple[str, ...], list[_Benchmark]] = {}
    for mentions in by_anchor.values():
        sources = tuple(dict.fromkeys(m.evidence.source for m in mentions))
        by_sources.setdefault(sources, []).extend(mentions)
    if len(by_anchor) < 2 or len(by_sources) < 2:
        return None
    return Conflict(
        kind=ConflictKind.framing,
        subject="what the development is the first or biggest since",
        sides=tuple(
            ConflictSide(
                says=" and ".join(dict.fromkeys(f"“{m.phrase}”" for m in mentions)),
                sources=sources,
                evidence=tuple(dict.fromkeys(m.evidence for m in mentions)),
            )
            for sources, mentions in by_sources.items()
        ),
    )


# --- an article against itself ----------------------------------------------------------------


def _source_errors(corpus: Corpus, extracted: Sequence[ArticleClaims]) -> list[Conflict]:
    articles = {article.id: article for article in corpus.articles}
    found: list[Conflict] = []
    for claims in extracted:
        for issue in claims.source_issues:
            article = articles.get(issue.source)
            others = contradicting(article, issue) if article else []
            if not others:
                continue
            passage = Evidence(
                source=issue.source,
                sentence=issue.sentence,
                quote=issue.quote,
                start=issue.start,
                end=issue.end,
            )
            found.append(
                Conflict(
                    kind=ConflictKind.source_error,
                    subject=f"{issue.source} sentence {issue.sentence} {issue.problem}",
                    sides=(
                        ConflictSide(
                            says=issue.quote, sources=(issue.source,), evidence=(passage,)
                        ),
                        ConflictSide(
                            says=" ".join(s.text for s in others),
                            sources=(issue.source,),
                            evidence=tuple(Evidence.of(issue.source, s) for s in others),
                        ),
                    ),
                )
            )
    return found
