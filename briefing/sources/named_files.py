"""Read a file the user names, safely: only a regular file, only up to a size cap, never
blocking on a pipe. Anything else is named as what it is.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from briefing.errors import InputError

_KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO), not a file",
    stat.S_IFCHR: "a character device, not a file",
    stat.S_IFBLK: "a block device, not a file",
    stat.S_IFSOCK: "a socket, not a file",
    stat.S_IFDIR: "a folder, not a file",
}


def what_is(path: Path) -> str | None:
    """Why `path` cannot be read as a file ("a symlink loop", "a named pipe ..."), or None
    when it is a regular file."""
    try:
        found = path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symlink loop"
        if error.errno == errno.ENOENT:
            return "a broken symlink" if path.is_symlink() else "not there"
        return f"unreadable ({error.strerror})"
    if stat.S_ISREG(found.st_mode):
        return None
    return _KINDS.get(stat.S_IFMT(found.st_mode), "not a regular file")


def read_named(path: Path, what: str, max_bytes: int, hint: str) -> bytes:
    """The bytes of the regular file `path` (`what` names it in errors: "the config file"),
    at most `max_bytes`; an `InputError` for anything else."""
    problem = what_is(path)
    if problem is not None:
        raise InputError(f"cannot read {what} {path}: {problem}", hint=hint)
    try:
        # O_NONBLOCK: should the path be swapped for a pipe after the check, open won't hang.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise InputError(f"cannot read {what} {path}: {error.strerror}", hint=hint) from error
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise InputError(f"{what} {path} is not a regular file", hint=hint)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{what} {path} is larger than {max_bytes // 1024:,} KB", hint=hint)
    return data
