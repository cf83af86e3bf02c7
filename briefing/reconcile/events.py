"""Which occasion each source reports: sources grouped into events. Pure.

One topic often spans several occasions (a meeting, a later announcement, an accident a week
earlier). Each article's headline and the model's one-line "main event" say what it is mainly
about; articles whose main events are close in meaning report the same event (average
linkage, so one loose pair does not chain two occasions together). An event is named by the
main event of its most typical article, dated by the date its sources give most often and
placed where its sources' opening sentences say it happened ("in Tokyo") most often ("at"
names venues and bodies as often as places).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import combinations

import numpy as np

from briefing.claims.dates import MONTH_AND_DAY_NAMES
from briefing.reconcile.corpus import Corpus
from briefing.reconcile.similarity import Meaning
from briefing.types.stages import Article, ArticleClaims, Event, Evidence

SAME_EVENT = 0.45
"""Average cosine between two groups' main events at which they are one event."""
_LEAD_SENTENCES = 8  # an article says what it is about near its start
_PLACE = re.compile(
    r"\bin\s+(?:the\s+)?((?:[A-Z][\w’'.-]*[a-z][\w’'-]*)(?:\s+[A-Z][\w’'-]*[a-z][\w’'-]*){0,2})"
)


def find_events(
    extracted: Sequence[ArticleClaims], corpus: Corpus, meaning: Meaning
) -> list[Event]:
    """The events the sources report, most sources first; every source is in exactly one."""
    titles = {article.id: article.title for article in corpus.articles}
    described = {
        claims.source: description(titles.get(claims.source, ""), claims.main_event)
        for claims in extracted
    }
    meaning.prepare_texts(list(described.values()))
    groups = _grouped(list(described), lambda a, b: meaning.texts(described[a], described[b]))
    passages = {
        article.id: _passage(article, described.get(article.id, ""), corpus, meaning)
        for article in corpus.articles
        if article.id in described
    }
    leads = {
        article.id: [described[article.id], *(s.text for s in article.sentences[:_LEAD_SENTENCES])]
        for article in corpus.articles
        if article.id in described
    }
    events = [
        _event(group, extracted, described, passages, meaning).model_copy(
            update={"where": place([leads[source] for source in group if source in leads])}
        )
        for group in groups
    ]
    ranked = sorted(events, key=lambda e: -len(e.sources))
    return [event.model_copy(update={"id": f"e{n}"}) for n, event in enumerate(ranked, 1)]


def description(title: str, main_event: str) -> str:
    """What an article's event is compared by: its title and the model's main event."""
    return " ".join(part.strip().rstrip(".") + "." for part in (title, main_event) if part.strip())


def _grouped(sources: list[str], similarity: Callable[[str, str], float]) -> list[list[str]]:
    """Average-linkage agglomerative grouping, merging the closest pair of groups while their
    average similarity clears `SAME_EVENT` (the matrix is updated in place: Lance–Williams)."""
    count = len(sources)
    scores = np.full((count, count), -np.inf)
    for i, j in combinations(range(count), 2):
        scores[i, j] = scores[j, i] = similarity(sources[i], sources[j])
    members = [[source] for source in sources]
    alive = list(range(count))
    while len(alive) > 1:
        sub = scores[np.ix_(alive, alive)]
        flat = int(np.argmax(sub))
        a, b = alive[flat // len(alive)], alive[flat % len(alive)]
        if sub.flat[flat] < SAME_EVENT:
            break
        size_a, size_b = len(members[a]), len(members[b])
        merged = (scores[a] * size_a + scores[b] * size_b) / (size_a + size_b)
        scores[a], scores[:, a] = merged, merged
        scores[a, a] = -np.inf
        members[a] += members[b]
        alive.remove(b)
    return [members[i] for i in alive]


def place(texts_by_source: Sequence[Sequence[str]]) -> str | None:
    """The place most of the sources say something happened in ("in Tokyo"), each
    source counted once; none when no source names one."""
    votes: Counter[str] = Counter()
    for texts in texts_by_source:
        votes.update({found for text in texts for found in _places(text)})
    return votes.most_common(1)[0][0] if votes else None


def _places(text: str) -> list[str]:
    return [
        match[1]
        for match in _PLACE.finditer(text)
        if match[1].split()[0].lower() not in MONTH_AND_DAY_NAMES
    ]


def _passage(article: Article, described: str, corpus: Corpus, meaning: Meaning) -> Evidence | None:
    """The sentence of `article` that says best what it is mainly about."""
    sentences = corpus.searchable(article)[:_LEAD_SENTENCES]
    if not sentences:
        return None
    meaning.prepare_texts([s.text for s in sentences])
    return Evidence.of(article.id, max(sentences, key=lambda s: meaning.texts(described, s.text)))


def _event(
    group: list[str],
    extracted: Sequence[ArticleClaims],
    described: dict[str, str],
    passages: dict[str, Evidence | None],
    meaning: Meaning,
) -> Event:
    typical = max(
        group, key=lambda s: sum(meaning.texts(described[s], described[o]) for o in group)
    )
    by_source = {claims.source: claims for claims in extracted}
    dates = Counter(
        dated.iso
        for source in group
        for dated in by_source[source].dates
        if dated.iso and len(dated.iso) == 10
    )
    main = by_source[typical].main_event.strip() or described[typical]
    sources = tuple(source for source in described if source in group)
    return Event(
        id="",
        what=main,
        sources=sources,
        when=dates.most_common(1)[0][0] if dates else None,
        evidence=tuple(e for source in sources if (e := passages.get(source)) is not None),
    )
