"""Progress: a record in the log for every event, and a live bar on a terminal."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from briefing.progress import Progress, logging_to, silent
from briefing.types.contract import Usage


def test_every_event_is_logged_with_the_model_speed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="briefing")
    progress = Progress()
    progress.stage("reading 2 articles", total=2)
    progress.advance("S1: 6 of 8 claims verified", Usage(completion_tokens=300, model_seconds=10))
    progress("condensed the claims in 1 round(s)")

    assert caplog.messages == [
        "reading 2 articles",
        "  S1: 6 of 8 claims verified (30.0 tok/s)",
        "condensed the claims in 1 round(s)",
    ]


def test_a_terminal_gets_a_bar_with_stage_step_and_speed() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with Progress(console) as progress:
        progress.stage("reading 2 articles", total=2)
        progress.advance("S1 done", Usage(completion_tokens=60, model_seconds=2))
        console.print("above the bar")
        progress.advance("S2 done", Usage(completion_tokens=90, model_seconds=3))
    shown = screen.getvalue()
    assert "reading 2 articles" in shown and "S2 done" in shown
    assert "2/2" in shown and "30.0 tok/s" in shown and "above the bar" in shown


def test_plain_logs_go_to_stderr_at_the_chosen_level(capsys: pytest.CaptureFixture[str]) -> None:
    with logging_to(None, level=logging.WARNING):
        Progress()("a note")
        logging.getLogger("briefing").warning("a warning")
    assert capsys.readouterr().err == "a warning\n"
    with logging_to(None, level=logging.INFO):
        Progress()("a note")
    assert capsys.readouterr().err == "a note\n"


def test_silent_reports_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="briefing")
    silent.stage("x", 1)
    silent.advance("y")
    silent("z")
    assert caplog.messages == []
