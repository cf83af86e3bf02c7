"""Files replaced whole or not at all, and never written through a link someone planted.

An edge: the one place that creates temporary files, links and lock files. A temporary file
or link gets a fresh random name in its target's folder and is created with `O_EXCL` (and
`O_NOFOLLOW`), so nothing planted under any name is followed, truncated or overwritten. A
file is written, fsync'd and renamed over its target with `os.replace`; on failure the
temporary file is removed. A kill at any instant leaves the old file or the new one, and at
worst a stray `.NAME.XXXXXXXX.partial` beside it.

Failures are `OSError`s; the callers say in their own words what could not be written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_IN_PLACE = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_ATTEMPTS = 100  # random names that are all taken mean something is planting them


def temporary_name(target: Path) -> Path:
    """A fresh, unpredictable name for a temporary stand-in of `target`, beside it."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")


def create_new(target: Path, mode: int = 0o666) -> tuple[int, Path]:
    """A newly created, empty temporary file beside `target`: its descriptor (open for
    writing) and its path. `mode` is narrowed by the umask, as for any new file."""
    for _ in range(_ATTEMPTS):
        candidate = temporary_name(target)
        try:
            return os.open(candidate, _NEW_FILE, mode), candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


@contextmanager
def replacing(path: Path, mode: int = 0o666, durable: bool = True) -> Iterator[BinaryIO]:
    """A new file to write in the block; when the block ends without error it replaces
    `path` in one step, else it is removed and `path` is untouched. `durable` also flushes
    it to disk first, so a power cut cannot leave an empty file under the name."""
    handle, temporary = create_new(path, mode)
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    if durable:
        sync_folder(path.parent)


def replace_file(path: Path, content: str | bytes, mode: int = 0o666, durable: bool = True) -> None:
    """Replace `path` with `content` (text as UTF-8) in one step (`replacing`)."""
    with replacing(path, mode, durable) as file:
        file.write(content.encode("utf-8") if isinstance(content, str) else content)


def replace_with_symlink(link: Path, target: str) -> None:
    """Make `link` a symbolic link to `target` in one step: a fresh link made under a
    temporary name is renamed over it. Whatever `link` was (a file, a link) is replaced,
    never followed; a folder under that name is left alone (`IsADirectoryError`)."""
    temporary = _new_symlink(link, target)
    try:
        os.replace(temporary, link)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    sync_folder(link.parent)


def _new_symlink(link: Path, target: str) -> Path:
    for _ in range(_ATTEMPTS):
        candidate = temporary_name(link)
        try:
            os.symlink(target, candidate)
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary link name", str(link.parent))


def new_folder(parent: Path, prefix: str = "") -> Path:
    """A newly created folder with a random name under `parent` (never an existing one)."""
    for _ in range(_ATTEMPTS):
        candidate = parent / f"{prefix}{secrets.token_hex(6)}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused folder name", str(parent))


def sync_folder(folder: Path) -> None:
    """Flush `folder`'s entries (a rename in it) to disk; some file systems cannot, which
    only costs durability across a power cut."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def check_writable(folder: Path) -> None:
    """Create and remove a file of a fresh name in `folder`, so nothing planted in it is
    followed or truncated; `OSError` when the folder cannot be written."""
    handle, probe = create_new(folder / ".briefing-write-check")
    os.close(handle)
    probe.unlink()


def open_in_place(path: Path) -> int:
    """Open the regular file `path` for reading and writing, creating it if needed, without
    following a link: a symbolic link, anything but a regular file, or a file with other hard
    links (writing it would write theirs) is refused with an `OSError` saying which."""
    try:
        handle = os.open(path, _IN_PLACE, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OSError(error.errno, "it is a symbolic link, which is never followed") from error
        raise
    found = os.fstat(handle)
    problem = _not_own_file(found)
    if problem is not None:
        os.close(handle)
        raise OSError(errno.EPERM, problem)
    return handle


def _not_own_file(found: os.stat_result) -> str | None:
    if not stat.S_ISREG(found.st_mode):
        return "it is not a regular file"
    if found.st_nlink > 1:
        return "it has other hard links, so writing it would change other files"
    return None


__all__ = [
    "check_writable",
    "create_new",
    "new_folder",
    "open_in_place",
    "replace_file",
    "replace_with_symlink",
    "replacing",
    "sync_folder",
    "temporary_name",
]
