"""The daily run's folder: `OUT/YYYY-MM-DD/` per day, `OUT/latest` pointing at the newest,
and a lock so two runs never write the same folder at once.

An edge: only file-system work and the clock. Re-running a day replaces that day's files as
one set (`output_set`); the previous day's `briefing.json` is what "new since the last
briefing" compares against. A failed run leaves `latest` on the last complete day.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO

from briefing.atomic_files import open_in_place, replace_with_symlink
from briefing.errors import BusyError, OutputError

LOCK_NAME = ".briefing.lock"
LATEST = "latest"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
Clock = Callable[[], datetime]


def day_folder(out_root: Path, day: date) -> Path:
    return out_root / day.isoformat()


@contextmanager
def locked(
    out_root: Path, deadline: timedelta, now: Clock = lambda: datetime.now(UTC)
) -> Iterator[None]:
    """Hold `out_root`'s lock for the block; raise `BusyError` if another run holds it.

    The lock is an OS file lock, so a run that dies releases it and the next run takes it
    over. The file names the holder: its pid, when it started and `deadline`, how long a run
    should take, so a run that finds the lock held can say whether its holder looks hung."""
    path = out_root / LOCK_NAME
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"cannot write to {out_root}: {error.strerror}", hint="choose another output folder"
        ) from error
    try:
        handle = os.fdopen(open_in_place(path), "r+", encoding="utf-8")
    except OSError as error:
        raise OutputError(
            f"cannot use the lock file {path}: {error.strerror}",
            hint="remove it if it is not yours, or choose another output folder",
        ) from error
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            handle.seek(0)
            raise _busy(out_root, handle.read(), now()) from error
        _record_holder(handle, now(), deadline)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _record_holder(handle: IO[str], started: datetime, deadline: timedelta) -> None:
    handle.seek(0)
    handle.truncate()
    minutes = deadline.total_seconds() / 60
    holder = {"pid": os.getpid(), "started": started.isoformat(), "deadline_minutes": minutes}
    handle.write(json.dumps(holder) + "\n")
    handle.flush()


def _busy(out_root: Path, recorded: str, now: datetime) -> BusyError:
    """What to say about the run holding the lock, from what its lock file records."""
    busy = f"another briefing run is writing to {out_root}"
    wait = "wait for it to finish; runs of the same folder never overlap"
    try:
        holder = json.loads(recorded)
        pid = int(holder["pid"])
        held = now - datetime.fromisoformat(holder["started"])
        deadline = timedelta(minutes=float(holder["deadline_minutes"]))
    except (ValueError, TypeError, KeyError):  # an older run's line, or nothing
        return BusyError(f"{busy} ({recorded.strip() or 'another process'})", hint=wait)
    if held > deadline:
        return BusyError(
            f"{busy}: pid {pid} has held the lock for {_duration(held)}, past its own deadline "
            f"of {_duration(deadline)}",
            hint=f"if it is hung, kill it with `kill {pid}` and run again",
        )
    return BusyError(
        f"{busy}: pid {pid} has held the lock for {_duration(held)}, within its deadline of "
        f"{_duration(deadline)}",
        hint=wait,
    )


def _duration(span: timedelta) -> str:
    """`span` as 3h12m, 40m or 12s."""
    seconds = max(int(span.total_seconds()), 0)
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


def previous_briefing(out_root: Path, day: date) -> Path | None:
    """The `briefing.json` of the newest day before `day`, if any."""
    if not out_root.is_dir():
        return None
    earlier = sorted(
        entry
        for entry in out_root.iterdir()
        if _DAY.match(entry.name) and entry.name < day.isoformat() and not entry.is_symlink()
    )
    for folder in reversed(earlier):
        if (folder / "briefing.json").is_file():
            return folder / "briefing.json"
    return None


def is_newest(out_root: Path, folder: Path) -> bool:
    """True unless a later day's folder exists (a backfill must not move `latest` back)."""
    return not any(
        _DAY.match(entry.name) and entry.name > folder.name and entry.is_dir()
        for entry in out_root.iterdir()
    )


def point_latest(out_root: Path, folder: Path) -> Path:
    """Make `out_root/latest` a relative symlink to `folder`, replaced atomically; where
    symlinks are not allowed, a copy of the folder stands in."""
    latest = out_root / LATEST
    try:
        replace_with_symlink(latest, folder.name)
    except OSError:
        if latest.is_symlink() or latest.is_file():
            latest.unlink()
        shutil.copytree(folder, latest, dirs_exist_ok=True)
    return latest


def last_complete(out_root: Path) -> Path | None:
    """The folder `latest` stands for, when it holds a complete briefing (its JSON)."""
    latest = out_root / LATEST
    if not (latest / "briefing.json").is_file():
        return None
    return latest.resolve() if latest.is_symlink() else latest
