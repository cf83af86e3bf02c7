"""The steps of `briefing run` (`app.daily_run`): the day's folder, the changes since the
last run, delivery, and the stale delivery after a failed run."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from pydantic import ValidationError

from briefing.cli.options import RunPlan
from briefing.cli.terminal import tell, tell_all
from briefing.daily import folders
from briefing.daily.changes import load_previous, with_since_last
from briefing.daily.deliver import deliver, stale_notice
from briefing.diagnostics import Diagnostics
from briefing.errors import BriefingError
from briefing.output.html import to_html
from briefing.output.markdown import to_markdown
from briefing.output.publish import ensure_writable, write_outputs
from briefing.pipeline import generate
from briefing.progress import Progress, record
from briefing.redact import printable
from briefing.types.contract import Briefing


def day_briefing(
    plan: RunPlan, root: Path, when: date, progress: Progress, diagnostics: Diagnostics
) -> tuple[Briefing, Path, list[Path]]:
    """Write the day's briefing under `root` and point `latest` at it when it is the newest;
    the briefing, its folder and the files written. A failure leaves `latest` as it was."""
    with folders.locked(root, timedelta(minutes=plan.settings.run_deadline_minutes)):
        folder = folders.day_folder(root, when)
        ensure_writable(folder)
        briefing = generate(plan.sources, plan.settings, progress=progress, diagnostics=diagnostics)
        briefing = _with_changes(briefing, folders.previous_briefing(root, when), diagnostics)
        written = write_outputs(briefing, folder, plan.formats)
        if folders.is_newest(root, folder):
            folders.point_latest(root, folder)
    return briefing, folder, written


def delivered(
    briefing: Briefing,
    file: Path,
    plan: RunPlan,
    diagnostics: Diagnostics,
    stale: str | None = None,
) -> None:
    """Deliver `briefing`, written at `file` (the HTML or the Markdown), if delivery is set;
    each delivery that fails is an error in `diagnostics`."""
    if not _delivers(plan):
        return
    deliver(
        briefing, to_markdown(briefing), to_html(briefing), str(file),
        plan.loaded.config.delivery, os.environ, diagnostics=diagnostics,
        published=f"{file.parent.name}/{file.name}", stale=stale,
    )  # fmt: skip


def deliver_stale(plan: RunPlan, root: Path, when: date, error: BriefingError) -> None:
    """After a failed run of the newest day, deliver the last complete briefing marked stale
    (`stale_notice`), so its readers learn why no new one came; say what was sent."""
    if not _delivers(plan):
        return
    problems = Diagnostics()
    folder = folders.last_complete(root)
    if folder is None:
        problems.error("no earlier complete briefing to deliver in its place")
        tell_all(problems)
        return
    if not folders.is_newest(root, folders.day_folder(root, when)):
        return  # a backfill: the latest briefing is not stale
    try:
        briefing = Briefing.model_validate_json((folder / "briefing.json").read_bytes())
    except (OSError, ValidationError):
        problems.error(f"{folder / 'briefing.json'} cannot be read to deliver in its place")
        tell_all(problems)
        return
    day = folder.name if folder.name != folders.LATEST else f"{briefing.generated_at:%Y-%m-%d}"
    failed_run = "today's run" if when == date.today() else f"the run of {when.isoformat()}"
    notice = stale_notice(failed_run, printable(error.message), day)
    file = folder / ("briefing.html" if (folder / "briefing.html").is_file() else "briefing.md")
    delivered(briefing, file, plan, problems, stale=notice)
    tell_all(problems)
    if not problems.errors:
        tell(f"delivered the briefing of {day} in its place, marked stale")
        record.info(f"delivered the briefing of {day} in its place, marked stale")


def _with_changes(briefing: Briefing, previous: Path | None, diagnostics: Diagnostics) -> Briefing:
    """`briefing` with a "new since the last briefing" section when a previous run exists."""
    if previous is None:
        return briefing
    try:
        earlier = load_previous(previous.read_text(encoding="utf-8"))
    except (OSError, BriefingError) as error:
        diagnostics.warn(f"could not compare with {previous}: {error}; no 'new since' section")
        return briefing.model_copy(update={"warnings": diagnostics.warnings})
    return with_since_last(briefing, earlier)


def _delivers(plan: RunPlan) -> bool:
    delivery = plan.loaded.config.delivery
    return delivery.webhook is not None or delivery.email is not None
