"""Key developments grouped by the occasion they belong to, and where an occasion happened."""

from __future__ import annotations

from briefing.compose.sections import event_of, grouped_by_event
from briefing.output.html import to_html
from briefing.output.markdown import to_markdown
from briefing.reconcile.events import place
from briefing.types.contract import Section, SectionKind, Statement
from briefing.types.stages import Citation, Event

from .support.builders import briefing

STRIKE = Event(
    id="e1", what="Rail strike halts services", sources=("S1", "S2", "S3"), when="2026-03-10",
    where="Halden",
)  # fmt: skip
DERAILMENT = Event(id="e2", what="Commuter train derails", sources=("S4", "S5"))


def development(text: str, *sources: str) -> Statement:
    return Statement(
        text=text,
        citations=tuple(
            Citation(source=s, quote=f"{s} says so.", start=0, end=11) for s in sources
        ),
        corroboration=len(sources),
    )


def developments(*statements: Statement) -> Section:
    return Section(heading="Key developments", kind=SectionKind.developments, statements=statements)


def test_a_development_belongs_to_the_event_most_of_its_sources_report() -> None:
    assert event_of(development("Strike began.", "S1", "S2", "S4"), [STRIKE, DERAILMENT]) == "e1"
    assert (
        event_of(development("Carriages left the rails.", "S4", "S5"), [STRIKE, DERAILMENT]) == "e2"
    )


def test_a_development_split_evenly_between_events_is_across_them() -> None:
    assert event_of(development("Union blames staffing.", "S1", "S4"), [STRIKE, DERAILMENT]) is None


def test_groups_follow_the_events_order_and_keep_most_sources_first_within() -> None:
    section = developments(
        development("Union blames staffing.", "S1", "S4"),
        development("Carriages left the rails.", "S4", "S5"),
        development("Strike began.", "S1", "S2", "S3"),
        development("Commuters took buses.", "S2", "S3"),
    )
    grouped = grouped_by_event(section, [STRIKE, DERAILMENT])
    assert [(s.text, s.event) for s in grouped.statements] == [
        ("Strike began.", "e1"),
        ("Commuters took buses.", "e1"),
        ("Carriages left the rails.", "e2"),
        ("Union blames staffing.", None),
    ]


def test_one_event_leaves_the_developments_ungrouped() -> None:
    section = developments(development("Strike began.", "S1", "S2"))
    assert grouped_by_event(section, [STRIKE]) == section


def test_markdown_and_html_show_each_event_with_its_date_place_and_sources() -> None:
    grouped = grouped_by_event(
        developments(
            development("Strike began.", "S1", "S2"),
            development("Carriages left the rails.", "S4", "S5"),
        ),
        [STRIKE, DERAILMENT],
    )
    result = briefing(grouped).model_copy(update={"events": (STRIKE, DERAILMENT)})
    markdown = to_markdown(result)
    strike = markdown.index(
        "### Rail strike halts services \\(2026-03-10, Halden\\): reported mainly by S1, S2 and S3"
    )
    derailment = markdown.index("### Commuter train derails: reported mainly by S4 and S5")
    assert strike < markdown.index("- Strike began.") < derailment
    assert derailment < markdown.index("- Carriages left the rails.")
    assert "\n\n\n" not in markdown.split("## Sources")[0]
    html = to_html(result)
    assert "<h3>Commuter train derails: reported mainly by S4 and S5</h3>" in html


def test_the_place_is_the_one_most_sources_name() -> None:
    texts = [
        ["The ministers met in Washington on Tuesday.", "They spoke in Washington again."],
        ["Talks at the White House ended in Washington."],
        ["The talks in March were held at the Pentagon."],
    ]
    assert place(texts) == "Washington"


def test_a_venue_or_body_met_at_is_not_taken_for_the_place() -> None:
    assert place([["The drug was approved at Lakeview Health System."]]) is None


def test_months_and_days_are_not_places() -> None:
    assert place([["The strike began in March and ended on Friday."]]) is None
    assert place([["Voting closes in June.", "Results come in Monday."]]) is None
