"""A run's outputs (`briefing.md`, `.json`, `.html`) published as one set: whoever reads the
output folder sees the previous run's complete set or the new run's, never a mix, even when
the run is killed at any instant.

An edge: `write_outputs` renders a briefing and publishes it, `ensure_writable` fails before
any model work when the folder cannot be written; the rest is file-system work. The layout
of an output folder:

    briefing.md   -> .briefing-sets/current/briefing.md     relative links, made once
    briefing.json -> .briefing-sets/current/briefing.json
    briefing.html -> .briefing-sets/current/briefing.html
    .briefing-sets/current -> 5f0c3a9e21b7                  switched in one os.replace
    .briefing-sets/5f0c3a9e21b7/briefing.{md,json,html}     this run's set
    .briefing-sets/0a8d4c2f9e13/...                         the previous set, kept for
                                                            readers still on it

A run writes its whole set into a fresh folder, then switches `current`: the one step that
changes what the visible names show. Older sets are pruned. Regular files left by an older
version are first copied into a set of their own, so they too change only in that one step.
Where the file system has no symbolic links, each file is replaced on its own instead.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import stat
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from briefing.atomic_files import check_writable, new_folder, replace_file, replace_with_symlink
from briefing.errors import OutputError
from briefing.output.html import to_html
from briefing.output.markdown import to_json, to_markdown
from briefing.types.contract import Briefing

SETS = ".briefing-sets"
CURRENT = "current"
NAMES = ("briefing.md", "briefing.json", "briefing.html")
_NO_SYMLINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS}
_STRAY_LINK = re.compile(r"^\.briefing\.(md|json|html)\.[0-9a-f]{8}\.partial$")


def ensure_writable(out_dir: Path) -> None:
    """Fail before any model work when the output folder cannot be written."""
    with _writing_to(out_dir):
        check_writable(out_dir)
        check_sets_folder(out_dir)


def write_outputs(
    briefing: Briefing, out_dir: Path, formats: Sequence[str] = ("md", "json", "html")
) -> list[Path]:
    """Write `briefing.md`, `briefing.json` and `briefing.html` (those `formats` name) into
    `out_dir` as one set (`output_set`): a reader sees the previous run's files or all of
    this run's, never a mix."""
    renderers = {"md": to_markdown, "json": to_json, "html": to_html}
    with _writing_to(out_dir):
        return publish(
            out_dir, {f"briefing.{suffix}": renderers[suffix](briefing) for suffix in formats}
        )


@contextmanager
def _writing_to(out_dir: Path) -> Iterator[None]:
    """Create `out_dir` and turn any file-system failure inside into one `OutputError`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as error:
        raise OutputError(
            f"cannot write to {out_dir}: {error.strerror}", hint="choose another --out folder"
        ) from error


def publish(out_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write `files` (name -> text, names from `NAMES`) into `out_dir` as one set, replacing
    the previous set in one step; the paths of the visible files, in the order given.

    A visible name this set lacks disappears with the switch; `OSError` for a failure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sets = out_dir / SETS
    with _holding(sets):
        fresh = _write_set(sets, files)
        try:
            previous = _adopt_loose_files(out_dir, sets) or _current(sets)
            for name in files:
                _link_visible(out_dir, name)
            replace_with_symlink(sets / CURRENT, fresh.name)
        except OSError as error:
            shutil.rmtree(fresh, ignore_errors=True)
            if error.errno not in _NO_SYMLINKS:
                raise
            return _replace_one_by_one(out_dir, sets, files)
        _drop_dangling_links(out_dir)
        _prune(sets, keep={fresh.name, previous})
    return [out_dir / name for name in files]


def check_sets_folder(out_dir: Path) -> None:
    """Refuse, before any work, a sets folder that is a link or not a folder."""
    sets = out_dir / SETS
    if sets.is_symlink() or (sets.exists() and not sets.is_dir()):
        raise _refused(sets)


def _refused(sets: Path) -> OutputError:
    kind = "a symbolic link" if sets.is_symlink() else "not a folder"
    return OutputError(
        f"cannot write to {sets.parent}: {sets} is {kind}, which briefing never follows",
        hint=f"remove {sets}; briefing creates it itself",
    )


@contextmanager
def _holding(sets: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sets folder (created if missing) for the block, so two
    runs writing the same output folder take turns; a link or file under its name is refused."""
    with contextlib.suppress(FileExistsError):
        sets.mkdir()
    try:
        handle = os.open(sets, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        if error.errno not in {errno.ELOOP, errno.ENOTDIR}:
            raise
        raise _refused(sets) from error
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _write_set(sets: Path, files: Mapping[str, str]) -> Path:
    fresh = new_folder(sets)
    try:
        for name, text in files.items():
            replace_file(fresh / name, text)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return fresh


def _current(sets: Path) -> str | None:
    """The name of the set `current` points at, if any."""
    try:
        return os.readlink(sets / CURRENT)
    except OSError:
        return None


def _visible_target(name: str) -> str:
    return f"{SETS}/{CURRENT}/{name}"


def _is_own_link(path: Path) -> bool:
    try:
        return os.readlink(path) == _visible_target(path.name)
    except OSError:
        return False


def _link_visible(out_dir: Path, name: str) -> None:
    """Point the visible `name` through `current` unless it already is. Until `current`
    holds a file of that name the link leads nowhere, which reads as no such file."""
    visible = out_dir / name
    if not _is_own_link(visible):
        replace_with_symlink(visible, _visible_target(name))


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _adopt_loose_files(out_dir: Path, sets: Path) -> str | None:
    """Regular files under the visible names (an older version's outputs) become a set of
    their own, with whatever the other visible names show now, so that turning them into
    links changes nothing a reader sees. The adopted set's name, or None with nothing to do."""
    loose = [name for name in NAMES if _is_regular_file(out_dir / name)]
    if not loose:
        return None
    adopted = new_folder(sets)
    for name in NAMES:
        visible = out_dir / name
        if name in loose or (_is_own_link(visible) and visible.is_file()):
            replace_file(adopted / name, visible.read_bytes())
    replace_with_symlink(sets / CURRENT, adopted.name)
    for name in loose:
        replace_with_symlink(out_dir / name, _visible_target(name))
    return adopted.name


def _drop_dangling_links(out_dir: Path) -> None:
    """Remove visible links the current set has no file for, and temporary links a killed
    run left behind."""
    for name in NAMES:
        visible = out_dir / name
        if _is_own_link(visible) and not visible.exists():
            visible.unlink(missing_ok=True)
    for entry in os.scandir(out_dir):
        if _STRAY_LINK.match(entry.name) and entry.is_symlink():
            Path(entry.path).unlink(missing_ok=True)


def _prune(sets: Path, keep: set[str | None]) -> None:
    """Delete every set but `keep` (this run's and the previous, which a reader may still be
    reading), and any stray entries a killed run left."""
    for entry in os.scandir(sets):
        if entry.name == CURRENT or entry.name in keep:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            Path(entry.path).unlink(missing_ok=True)


def _replace_one_by_one(out_dir: Path, sets: Path, files: Mapping[str, str]) -> list[Path]:
    """Without symbolic links: each file replaced on its own (whole, but not as a set)."""
    shutil.rmtree(sets, ignore_errors=True)
    for name, text in files.items():
        replace_file(out_dir / name, text)
    return [out_dir / name for name in files]


__all__ = [
    "CURRENT",
    "NAMES",
    "SETS",
    "check_sets_folder",
    "ensure_writable",
    "publish",
    "write_outputs",
]
