"""The side-by-side benchmark's scoring: one rule for the briefing and for peers' cited prose."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from .support.paths import ROOT


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import side_by_side

    return side_by_side


def labels(bench: ModuleType) -> object:
    import quality

    facts = {
        "a.f1": quality.Fact("a.f1", "a.txt", "The council approved a 40 million budget", True),
        "b.f1": quality.Fact("b.f1", "b.txt", "Councillors approved the 40 million budget", True),
        "b.f2": quality.Fact("b.f2", "b.txt", "The vote was 7 to 2", True),
        "c.f1": quality.Fact("c.f1", "c.txt", "The budget is 55 million", False),
    }
    conflict = {"sides": [{"facts": ["a.f1"]}, {"facts": ["c.f1"]}]}
    return quality.Labels(
        "town", Path("."), [Path("a.txt"), Path("b.txt"), Path("c.txt")], facts,
        [["a.f1", "b.f1"]], [conflict], {}, {},
    )  # fmt: skip


def test_cited_prose_is_split_into_sentences_with_their_sources(bench: ModuleType) -> None:
    text = "The council approved it [S1, S2]. Others disagree [S3].\nNo source here."
    shown = bench.from_cited_text(text, ["a.txt", "b.txt", "c.txt"])
    assert [(s.text, sorted(s.files)) for s in shown] == [
        ("The council approved it.", ["a.txt", "b.txt"]),
        ("Others disagree.", ["c.txt"]),
        ("No source here.", []),
    ]


def test_a_fact_counts_with_the_right_source_only_when_its_article_is_cited(
    bench: ModuleType,
) -> None:
    files = ["a.txt", "b.txt", "c.txt"]
    wrong = bench.coverage(labels(bench), bench.from_cited_text("The vote was 7 to 2 [S1].", files))
    right = bench.coverage(labels(bench), bench.from_cited_text("The vote was 7 to 2 [S2].", files))
    assert (wrong.covered, wrong.cited_right) == (1, 0)
    assert (right.covered, right.cited_right) == (1, 1)
    assert right.key_facts == 3  # c.f1 is not key


def test_corroboration_and_conflicts_need_one_sentence_citing_both_sides(
    bench: ModuleType,
) -> None:
    files = ["a.txt", "b.txt", "c.txt"]
    apart = "The council approved a 40 million budget [S1]. Councillors approved it [S2]."
    together = (
        "The council approved a 40 million budget [S1, S2], though one source puts the "
        "budget at 55 million [S3]."
    )
    assert bench.coverage(labels(bench), bench.from_cited_text(apart, files)).corroborated == 0
    both = bench.coverage(labels(bench), bench.from_cited_text(together, files))
    assert (both.corroborated, both.surfaced) == (1, 1)


def test_kept_outputs_read_back_as_they_were(bench: ModuleType, tmp_path: Path) -> None:
    text = "The vote was 7 to 2 [S2, S1]."
    output = bench.Output("one prompt", "town", 1.5, 1, 20, 7, text, ("a.txt", "b.txt"))
    bench.save([output], tmp_path / "outputs.json")
    (again,) = bench.saved(tmp_path / "outputs.json")
    assert again == output
    assert again.shown() == bench.from_cited_text(text, ["a.txt", "b.txt"])


def test_a_cited_list_item_cites_for_the_points_nested_under_it(bench: ModuleType) -> None:
    text = "- **[S2]**: Budget story\n  - The vote was 7 to 2.\n- Not cited here.\n"
    shown = bench.from_cited_text(text, ["a.txt", "b.txt"])
    assert [(s.text, sorted(s.files)) for s in shown] == [
        ("- ****: Budget story", ["b.txt"]),
        ("- The vote was 7 to 2.", ["b.txt"]),
        ("- Not cited here.", []),
    ]
