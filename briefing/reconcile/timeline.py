"""Put what the sources date in order. Pure.

Every date an article writes is found by the program (`dates.dates_in`), not left to the
model, and resolved against that article's own publication date. Benchmarks and baselines
("since 1960") are framing, not events, and are left out; deadlines ("by 2027") are marked
as targets. A relative date in an undated article stays undated rather than guessed, and so
does each undated article's lead event.

Two sources' entries become one only when they give the same date, say much the same thing
and do not name different people: separate meetings stay separate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from briefing.claims.dates import MONTH_AND_DAY_NAMES, dates_in, isos_in, normalise
from briefing.claims.verify import name_key, names_in
from briefing.reconcile.corpus import Corpus
from briefing.sources.sentences import clauses
from briefing.types.answers import ClaimType
from briefing.types.stages import Article, ArticleClaims, Evidence, Sentence, TimelineEntry

MAX_ENTRY_WORDS = 20
MIN_ENTRY_WORDS = 5
SAME_EVENT = 0.4
"""Weighted share of words (of all in both passages) from which two sources' entries for
one date are one event."""
SAME_DAY_COMPARED = 200
"""Entries of one date an entry is compared with (the first ones): on thousands of articles
of one day, comparing every pair of them would grow with the square of the articles."""

_TARGET_WORDS = r"(?:by|until|before|no later than)"
_TARGET = re.compile(rf"{_TARGET_WORDS}\b", re.IGNORECASE)
_BEFORE_TARGET = re.compile(rf"\b{_TARGET_WORDS}\s+", re.IGNORECASE)
_SINCE = re.compile(r"\bsince\s+((?:the\s+)?)", re.IGNORECASE)
_DATE_KEYS = frozenset(name_key(word) for word in MONTH_AND_DAY_NAMES)


def build_timeline(corpus: Corpus, extracted: Sequence[ArticleClaims]) -> list[TimelineEntry]:
    by_source = {claims.source: claims for claims in extracted}
    entries: list[TimelineEntry] = []
    by_date: dict[str, list[int]] = {}  # positions in `entries`, so only same-day ones compare
    for article in corpus.articles:
        claims = by_source.get(article.id)
        if claims is None:
            continue
        found = _dated(article, claims, corpus)
        if article.published is None:
            found += _lead_event(claims)
        added = [e for e in found if not _merged_into(entries, by_date, e, corpus)]
        for entry in added:  # an article's own entries never merge with one another
            if entry.when is not None:
                by_date.setdefault(entry.when, []).append(len(entries))
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.when is None, e.when or "", e.sources))


def undated_sources(corpus: Corpus) -> list[str]:
    return [article.id for article in corpus.articles if article.published is None]


def _dated(article: Article, claims: ArticleClaims, corpus: Corpus) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    seen: set[tuple[str | None, int]] = set()
    for sentence in corpus.citable(article):
        for when in dates_in(sentence.text):
            if _is_baseline(sentence.text, when):
                continue
            iso = normalise(when, article.published)
            if (iso, sentence.number) in seen:
                continue
            seen.add((iso, sentence.number))
            entry = TimelineEntry(
                when=iso,
                written=(when,),
                text=_short(_text_for(sentence, iso, claims, article), when),
                target=_is_target(sentence.text, when),
                sources=(article.id,),
                evidence=(Evidence.of(article.id, sentence),),
            )
            entries.append(entry)
    return entries


def _lead_event(claims: ArticleClaims) -> list[TimelineEntry]:
    """The first event an undated article reports, unless it carries a date of its own."""
    for claim in claims.verified:
        if claim.type in {ClaimType.event, ClaimType.decision} and not dates_in(claim.text):
            return [
                TimelineEntry(
                    when=None,
                    written=(),
                    text=claim.text,
                    sources=(claim.source,),
                    evidence=claim.evidence,
                )
            ]
    return []


def _text_for(sentence: Sentence, iso: str | None, claims: ArticleClaims, article: Article) -> str:
    """A verified claim resting on this sentence alone and giving this date, else the
    sentence itself."""
    for claim in claims.verified:
        if [e.sentence for e in claim.evidence] != [sentence.number]:
            continue
        if iso is not None and iso in isos_in(claim.text, article.published):
            return claim.text
    return sentence.text


def _short(text: str, when: str) -> str:
    """The entry in at most `MAX_ENTRY_WORDS` words: the shortest clause that gives its date
    when the sentence is longer (the whole passage is one click away)."""
    if len(text.split()) <= MAX_ENTRY_WORDS:
        return text
    dated = [
        part
        for part in clauses(text, longer_than=0, pairs=False)
        if when in part and MIN_ENTRY_WORDS <= len(part.split()) <= MAX_ENTRY_WORDS
    ]
    if dated:
        best = max(dated, key=lambda part: len(part.split()))
        return best[:1].upper() + best[1:].rstrip(",;:") + ("" if best.endswith(".") else ".")
    return _around(text, when)


def _around(text: str, when: str) -> str:
    """`MAX_ENTRY_WORDS` words of `text` that include its date, marked where cut."""
    words = text.split()
    before = len(text[: text.find(when)].split()) if when in text else 0
    start = max(0, min(before - MAX_ENTRY_WORDS // 2, len(words) - MAX_ENTRY_WORDS))
    end = start + MAX_ENTRY_WORDS
    shown = " ".join(words[start:end]).rstrip(",;:")
    return ("…" if start else "") + shown + ("…" if end < len(words) else "")


def _is_baseline(text: str, when: str) -> bool:
    """ "since 1960", "since the 1952 treaty": a yardstick, not an event."""
    if when.lower().startswith("since"):
        return True
    return _comes_after(_SINCE, text, when)


def _is_target(text: str, when: str) -> bool:
    if _TARGET.match(when):
        return True
    return _comes_after(_BEFORE_TARGET, text, when)


def _comes_after(pattern: re.Pattern[str], text: str, when: str) -> bool:
    """`when` stands in `text` right after a match of `pattern`, or where the match's
    optional group (an optional "the ") begins. The patterns are compiled once, not once per
    date: a long article may write thousands of dates."""
    wanted = when.lower()
    for match in pattern.finditer(text):
        starts = {match.end(), match.start(1)} if pattern.groups else {match.end()}
        if any(text[start : start + len(when)].lower() == wanted for start in starts):
            return True
    return False


def _merged_into(
    entries: list[TimelineEntry],
    by_date: dict[str, list[int]],
    entry: TimelineEntry,
    corpus: Corpus,
) -> bool:
    """Merge `entry` into the first entry of its date that reports the same event; False
    when there is none."""
    for position in by_date.get(entry.when or "", [])[:SAME_DAY_COMPARED]:
        other = entries[position]
        if _same_event(other, entry, corpus):
            entries[position] = other.model_copy(
                update={
                    "written": tuple(dict.fromkeys(other.written + entry.written)),
                    "sources": tuple(dict.fromkeys(other.sources + entry.sources)),
                    "evidence": tuple(dict.fromkeys(other.evidence + entry.evidence)),
                }
            )
            return True
    return False


def _same_event(a: TimelineEntry, b: TimelineEntry, corpus: Corpus) -> bool:
    """Entries of one date with alike words from different sources, unless each names someone
    or somewhere and the two name no one in common (two meetings of one day)."""
    if a.when is None or a.when != b.when or set(a.sources) & set(b.sources):
        return False
    if corpus.weights.jaccard(_quoted(a), _quoted(b)) < SAME_EVENT:
        return False
    named_a, named_b = _named(a), _named(b)
    return not (named_a and named_b and not named_a & named_b)


def _named(entry: TimelineEntry) -> set[str]:
    """Keys of the names the entry's passages write, months and weekdays aside."""
    return names_in(_quoted(entry)) - _DATE_KEYS


def _quoted(entry: TimelineEntry) -> str:
    return " ".join(e.quote for e in entry.evidence)
