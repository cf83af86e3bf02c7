"""Reconciliation by meaning: support found in other words, counts that disagree wherever a
source states them, and which source reports which occasion. Pure: a stand-in `Meaning`
scores pairs of texts by the topic words they share, so each test says what is "close"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from briefing.reconcile.clusters import cluster_claims
from briefing.reconcile.conflicts import find_conflicts
from briefing.reconcile.events import find_events
from briefing.reconcile.similarity import LexicalSimilarity, MeaningSimilarity
from briefing.types.stages import Article, ArticleClaims, ConflictKind

from .support.builders import article, claim, claims_of, corpus

TOPICS = ("evacuat", "strike", "derail", "budget", "price", "panel")


class TopicMeaning:
    """0.9 for texts that share a topic word, else 0.1; records each batch it is given."""

    same_claim = 0.7

    def __init__(self) -> None:
        self.batches: list[int] = []

    def prepare_texts(self, texts: Sequence[str]) -> None:
        self.batches.append(len(texts))

    def texts(self, a: str, b: str) -> float:
        shared = [t for t in TOPICS if t in a.lower() and t in b.lower()]
        return 0.9 if shared else 0.1

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float(t in text.lower()) for t in TOPICS] + [0.01] for text in texts]


def meaning_similarity(articles: Sequence[Article]) -> MeaningSimilarity:
    return MeaningSimilarity(TopicMeaning().embed, LexicalSimilarity(corpus(*articles).weights))


FIRE_A = article("A", "About 4,000 people were evacuated from the coast on Tuesday.")
FIRE_B = article("B", "Officials said more than 6,000 residents had been evacuated.")
FIRE_C = article("C", "Some 4,100 people were evacuated, the mayor said.")
FIRE_D = article("D", "The fire destroyed 120 homes near the harbour.")


def test_a_count_no_source_can_share_splits_the_sources_into_sides() -> None:
    articles = (FIRE_A, FIRE_B, FIRE_C, FIRE_D)
    extracted = [claims_of(FIRE_A, claim(FIRE_A, FIRE_A.sentences[0].text, 1))] + [
        ArticleClaims(source=a.id, main_event="", claims=()) for a in articles[1:]
    ]
    reconciled = corpus(*articles)
    clusters = cluster_claims(extracted, reconciled)

    conflicts = find_conflicts(clusters, extracted, reconciled, TopicMeaning())

    counted = [c for c in conflicts if c.kind is ConflictKind.number]
    assert len(counted) == 1
    sides = {side.sources: side.says for side in counted[0].sides}
    assert sides == {("A", "C"): "About 4,000 people / Some 4,100 people",
                     ("B",): "more than 6,000 residents"}  # fmt: skip
    quoted = {e.source: e.quote for side in counted[0].sides for e in side.evidence}
    assert quoted["B"] == FIRE_B.sentences[0].text  # found by meaning, never extracted


def test_a_day_no_source_can_share_splits_the_sources_into_sides() -> None:
    a = article("A", "The advisory panel voted on January 22, 2026 to back the drug.")
    b = article("B", "Advisers on the panel gave their verdict on Jan. 29, 2026.")
    c = article("C", "The panel backed the drug on Thursday.", published=date(2026, 1, 23))
    d = article("D", "The panel will meet again in March.")
    extracted = [claims_of(a, claim(a, a.sentences[0].text, 1))] + [
        ArticleClaims(source=x.id, main_event="", claims=()) for x in (b, c, d)
    ]
    reconciled = corpus(a, b, c, d)

    conflicts = find_conflicts(
        cluster_claims(extracted, reconciled), extracted, reconciled, TopicMeaning()
    )

    (dated,) = [c for c in conflicts if c.kind is ConflictKind.date]
    assert {side.says: side.sources for side in dated.sides} == {
        "2026-01-22": ("A", "C"),
        "2026-01-29": ("B",),
    }  # "Thursday" is read against C's publication date; D names no day


def test_without_meaning_no_count_is_compared_across_unextracted_sentences() -> None:
    articles = (FIRE_A, FIRE_B)
    extracted = [claims_of(FIRE_A, claim(FIRE_A, FIRE_A.sentences[0].text, 1)),
                 ArticleClaims(source="B", main_event="", claims=())]  # fmt: skip
    reconciled = corpus(*articles)

    conflicts = find_conflicts(cluster_claims(extracted, reconciled), extracted, reconciled)

    assert not [c for c in conflicts if c.kind is ConflictKind.number]


def test_a_sentence_close_in_meaning_corroborates_a_claim_in_other_words() -> None:
    a = article("A", "The rail union began a strike that halted all trains at dawn.")
    b = article("B", "Train services stopped completely as the walkout by rail workers "
                "started early in the morning.")  # fmt: skip
    extracted = [claims_of(a, claim(a, "The rail union began a strike that halted trains.", 1)),
                 ArticleClaims(source="B", main_event="", claims=())]  # fmt: skip
    # "strike" and "walkout" share no word: only meaning links them.
    b_about_strike = article("B", b.sentences[0].text.replace("walkout", "strike"))
    for other, expected in ((b, set()), (b_about_strike, {"B"})):
        reconciled = corpus(a, other)
        clusters = cluster_claims(extracted, reconciled, meaning_similarity((a, other)))
        assert {e.source for e in clusters[0].support} == expected


def test_sources_are_grouped_by_the_occasion_they_report() -> None:
    strike = [article(s, f"Rail workers began a strike on Tuesday, union {s} said.") for s in "AB"]
    derailment = article("C", "A train derailed near the depot, injuring 14 people.")
    extracted = [
        ArticleClaims(source="A", main_event="Rail strike halts trains", claims=()),
        ArticleClaims(source="B", main_event="Strike by rail workers begins", claims=()),
        ArticleClaims(source="C", main_event="Train derails near the depot", claims=()),
    ]
    meaning = TopicMeaning()

    events = find_events(extracted, corpus(*strike, derailment), meaning)

    assert [(e.id, e.sources) for e in events] == [("e1", ("A", "B")), ("e2", ("C",))]
    assert events[0].what in {"Rail strike halts trains", "Strike by rail workers begins"}
    assert [e.source for e in events[1].evidence] == ["C"]
    assert events[1].evidence[0].quote == derailment.sentences[0].text


def counted_conflicts(*articles: Article) -> list[list[tuple[str, ...]]]:
    """The number conflicts found when only the first article's first sentence is a claim:
    each as its sides' sources."""
    first = articles[0]
    extracted = [claims_of(first, claim(first, first.sentences[0].text, 1))] + [
        ArticleClaims(source=a.id, main_event="", claims=()) for a in articles[1:]
    ]
    reconciled = corpus(*articles)
    conflicts = find_conflicts(
        cluster_claims(extracted, reconciled), extracted, reconciled, TopicMeaning()
    )
    return [[s.sources for s in c.sides] for c in conflicts if c.kind is ConflictKind.number]


def test_counts_of_the_same_thing_named_differently_conflict() -> None:
    injured = article("A", "Fourteen people were injured when the train derailed.")
    hurt = article("B", "The derailment, near the station, injured seventeen passengers.")
    assert counted_conflicts(injured, hurt) == [[("A",), ("B",)]]


def test_counts_on_different_days_are_a_series_not_a_conflict() -> None:
    monday = article("A", "By Monday 2 March the strike had cost 20 million euros.")
    friday = article("B", "By Friday 6 March the strike had cost 50 million euros.")
    assert counted_conflicts(monday, friday) == []


def test_money_and_shares_are_not_compared_with_counts() -> None:
    price = article("A", "The price is 400 dollars a month for each patient.")
    share = article("B", "The price rose 12% for most patients this year.")
    assert counted_conflicts(price, share) == []
