"""merge: the same claim from different articles becomes one cluster; others stay apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from briefing.merge import cluster_claims, similarity
from briefing.models import ArticleClaims, Claim, ClaimType, Evidence

BUDGET = "Japan will double its defense budget to 2% of GDP by 2027."
BUDGET_AGAIN = "Japan will double its defence budget to 2% of GDP by 2027, officials said."
DRONES = "The U.S. will deploy MQ-9 drones to Kanoya Air Base."
TREATY = "An armed attack in space could trigger Article V of the security treaty."


def claim(source: str, text: str, number: int = 1, verified: bool = True) -> Claim:
    return Claim(
        id=f"{source}-{number}",
        source=source,
        text=text,
        type=ClaimType.event,
        evidence=(Evidence(source=source, sentence=number, quote=text, start=0, end=len(text)),),
        verified=verified,
        problems=() if verified else ("numbers not in the cited text: 3",),
    )


def article(source: str, *texts: str, verified: bool = True) -> ArticleClaims:
    return ArticleClaims(
        source=source,
        main_event="talks",
        claims=tuple(
            claim(source, text, number, verified) for number, text in enumerate(texts, start=1)
        ),
    )


def test_near_identical_claims_from_two_sources_form_one_cluster() -> None:
    (cluster,) = cluster_claims([article("a", BUDGET), article("b", BUDGET_AGAIN)])
    assert cluster.id == "c1"
    assert cluster.sources == ("a", "b")
    assert [c.id for c in cluster.claims] == ["a-1", "b-1"]
    assert cluster.canonical in {BUDGET, BUDGET_AGAIN}
    assert {e.source for e in cluster.evidence} == {"a", "b"}


def test_unrelated_claims_stay_in_separate_clusters_in_article_order() -> None:
    clusters = cluster_claims([article("a", BUDGET, DRONES), article("b", TREATY, BUDGET_AGAIN)])
    assert [c.id for c in clusters] == ["c1", "c2", "c3"]
    assert [c.canonical for c in clusters][1:] == [DRONES, TREATY]
    assert [c.sources for c in clusters] == [("a", "b"), ("a",), ("b",)]


def test_unverified_claims_take_no_part() -> None:
    clusters = cluster_claims(
        [article("a", BUDGET), article("b", BUDGET_AGAIN, verified=False), article("c", DRONES)]
    )
    assert [c.sources for c in clusters] == [("a",), ("c",)]
    assert cluster_claims([article("b", BUDGET, verified=False)]) == []


def test_a_threshold_above_100_never_merges() -> None:
    clusters = cluster_claims([article("a", BUDGET), article("b", BUDGET)], threshold=101)
    assert len(clusters) == 2


def test_same_source_twice_counts_once() -> None:
    (cluster,) = cluster_claims([article("a", BUDGET, BUDGET_AGAIN)])
    assert len(cluster.claims) == 2
    assert cluster.sources == ("a",)


def test_canonical_is_the_most_central_member() -> None:
    middle = "Japan will double its defense budget by 2027."
    far_a = "Japan will double its defense budget by 2027 to counter China's growing military."
    far_b = "Officials said Japan will double its defense budget by 2027 amid tension with Beijing."
    (cluster,) = cluster_claims([article("a", far_a), article("b", middle), article("c", far_b)])
    assert len(cluster.claims) == 3
    assert cluster.canonical == middle


def test_canonical_of_two_equally_central_members_is_the_earliest() -> None:
    (cluster,) = cluster_claims([article("a", BUDGET_AGAIN), article("b", BUDGET)])
    assert cluster.canonical == BUDGET_AGAIN


def test_similarity_ignores_case_and_punctuation_but_keeps_percent() -> None:
    assert similarity("U.S. forces, Japan!", "u s forces japan") == 100.0
    assert similarity("Spending rose 2%", "Spending rose 2") < 100.0
    assert similarity(BUDGET, DRONES) < 50.0


_words = st.lists(
    st.sampled_from(["Japan", "U.S.", "budget", "2%", "double", "Taiwan", "drones", "the", "!"]),
    max_size=8,
).map(" ".join)


@given(st.one_of(st.text(), _words), st.one_of(st.text(), _words))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert similarity(a, b) == similarity(b, a)
    assert 0.0 <= similarity(a, b) <= 100.0
