"""A daily `briefing run`: the cron line or systemd user units for it, and their installers.

    parse_time("7:30")                      -> time(7, 30); anything but 24-hour H:MM/HH:MM fails
    daily_command(executable, config)       -> [/abs/briefing, run, --config, /abs/briefing.toml]
    crontab_line(at, command, log=...)      -> "# briefing: daily run at 07:30\\n30 7 * * * cd ..."
    systemd_units(at, command, ...)         -> {"briefing.service": ..., "briefing.timer": ...}
    install_systemd(units, directory)       writes the unit files; never calls systemctl
    install_crontab(line)                   appends to `crontab -l` and writes it back (`crontab -`)

The text generators are pure. The job runs in the config file's folder, the folder a user
would `cd` into to try the command by hand: cron and the systemd user manager otherwise start
it in $HOME, and a relative path (such as the default `--out out`) would land there instead.
Both cron and systemd read the time in the machine's local time zone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import time
from pathlib import Path

from briefing.atomic_files import replace_file
from briefing.errors import ScheduleError

_TIME = re.compile(r"(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])")
_UNIT_NAME = re.compile(r"[A-Za-z0-9_.:-]+")
_UNIT_SUFFIXES = (".service", ".timer")
# ExecStart= arguments holding any of these are written in double quotes
_SYSTEMD_QUOTE = re.compile(r"""[\s"';\\]""")
_SYSTEMD_UNSAFE_EXECUTABLE = re.compile(r"""["'\\]""")

Run = Callable[..., "subprocess.CompletedProcess[str]"]


def parse_time(text: str) -> time:
    """The time of day in `text`, written `H:MM` or `HH:MM` on a 24-hour clock."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ScheduleError(
            f"--at {text!r} is not a time of day (use HH:MM, 24-hour)",
            hint="for example --at 07:30",
        )
    return time(int(match["hour"]), int(match["minute"]))


def daily_command(launcher: str | Sequence[str], config: Path) -> list[str]:
    """The argv of the daily job: the launcher (an executable, or an interpreter with its
    arguments such as `python -m briefing`) made absolute, `run`, `--config`, the config."""
    words = [launcher] if isinstance(launcher, str) else list(launcher)
    _require_program(words)
    program = [_absolute_executable(words[0]), *words[1:]]
    return [*program, "run", "--config", str(_absolute_config(config))]


def _absolute_executable(executable: str) -> str:
    """`executable` as an absolute path, looked up on PATH when it is a bare name.

    Symlinks are kept: a venv's entry point is only right when reached through the venv.
    """
    if os.sep not in executable and (os.altsep is None or os.altsep not in executable):
        found = shutil.which(executable)
        if found is None:
            raise ScheduleError(
                f"cannot find {executable!r} on PATH to schedule it",
                hint="give the full path of the briefing executable",
            )
        executable = found
    return os.path.abspath(os.path.expanduser(executable))


def _absolute_config(config: Path) -> Path:
    """`config` resolved; it must exist, or every scheduled run would fail unseen."""
    path = config.expanduser().resolve()
    if not path.is_file():
        raise ScheduleError(
            f"config file {str(config)!r} does not exist",
            hint="schedule an existing briefing.toml",
        )
    return path


def _config_folder(command: Sequence[str]) -> Path | None:
    """The folder of the `--config` file in `command`, or None when it names none."""
    for index, argument in enumerate(command):
        if argument == "--config" and index + 1 < len(command):
            return Path(command[index + 1]).parent
        if argument.startswith("--config="):
            return Path(argument.removeprefix("--config=")).parent
    return None


def _one_line(value: str) -> str:
    """`value`, refused if it holds a line break (it would end the crontab or unit line)."""
    if "\n" in value or "\r" in value:
        raise ScheduleError(
            f"{value!r} contains a line break and cannot be scheduled",
            hint="move the config or log to a path without line breaks",
        )
    return value


def _require_program(command: Sequence[str]) -> None:
    if not command:
        raise ScheduleError("the scheduled command is empty", hint="use daily_command to build it")


_COMMENT = "# briefing: daily run at"
ENV_FILE = ".config/briefing/env"


def _comment(at: time) -> str:
    return f"{_COMMENT} {at:%H:%M}"


def crontab_line(at: time, command: Sequence[str], *, log: Path | None = None) -> str:
    """A comment line and the crontab entry running `command` daily at `at` (no final newline).

    The job `cd`s into the config's folder first (see the module docstring); output goes to
    `log` (appended) when given, else cron mails it or drops it.
    """
    _require_program(command)
    words = [shlex.quote(_one_line(argument)) for argument in command]
    shell = " ".join(words)
    folder = _config_folder(command)
    if folder is not None:
        shell = f"cd {shlex.quote(_one_line(str(folder)))} && {shell}"
    if log is not None:
        shell += f" >> {shlex.quote(_one_line(str(log.expanduser().absolute())))} 2>&1"
    # cron turns an unescaped % into a newline (and feeds the rest to stdin), quoted or not
    shell = shell.replace("%", r"\%")
    return f"{_comment(at)}\n{at.minute} {at.hour} * * * {shell}"


def _systemd_exec(command: Sequence[str]) -> str:
    """`command` as an ExecStart= value: words quoted and escaped as systemd splits them."""
    _require_program(command)
    return " ".join([_systemd_executable(command[0]), *map(_systemd_word, command[1:])])


def _systemd_executable(executable: str) -> str:
    """The program in ExecStart=: specifiers apply to it but `$` variables do not, and
    systemd refuses quote characters or backslashes in it."""
    if _SYSTEMD_UNSAFE_EXECUTABLE.search(_one_line(executable)):
        raise ScheduleError(
            f"systemd cannot run {executable!r}: its path holds a quote or backslash",
            hint="install briefing under a plain path, or use --install cron",
        )
    word = f'"{executable}"' if _SYSTEMD_QUOTE.search(executable) else executable
    return _systemd_specifiers(word)


def _systemd_word(argument: str) -> str:
    """One ExecStart= argument after the program, quoted and escaped for systemd."""
    word = _one_line(argument)
    if word == ";":  # a lone ; separates commands in older systemd
        return r"\;"
    if word == "" or _SYSTEMD_QUOTE.search(word):
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _systemd_specifiers(word).replace("$", "$$")


def _systemd_specifiers(value: str) -> str:
    """`value` with `%` doubled, so systemd does not read it as a specifier like %h."""
    return value.replace("%", "%%")


def systemd_units(
    at: time, command: Sequence[str], *, name: str = "briefing", working_directory: Path
) -> dict[str, str]:
    """`<name>.service` (oneshot running `command`) and `<name>.timer` (daily at `at`).

    The timer is Persistent: a run missed while the machine was off happens at next boot.
    """
    if not _UNIT_NAME.fullmatch(name):
        raise ScheduleError(
            f"{name!r} cannot name a systemd unit",
            hint="use letters, digits, '-', '_', '.' or ':'",
        )
    folder = _one_line(str(working_directory.expanduser().resolve()))
    service = (
        "[Unit]\n"
        f"Description=briefing: daily news briefing ({name})\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={_systemd_specifiers(folder)}\n"
        "# API keys and passwords (the variables the config names), one VAR=value a line;\n"
        "# the user manager does not see your shell's exports. '-': the file is optional.\n"
        f"EnvironmentFile=-%h/{ENV_FILE}\n"
        f"ExecStart={_systemd_exec(command)}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=briefing: run {name}.service daily at {at:%H:%M}\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {at:%H:%M}:00\n"
        "Persistent=true\n"
        "RandomizedDelaySec=0\n"
        f"Unit={name}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}


def systemd_user_dir(environ: Mapping[str, str]) -> Path:
    """Where systemd looks for a user's own units: `$XDG_CONFIG_HOME/systemd/user`."""
    config_home = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(config_home):  # the XDG spec says to ignore a relative value
        home = environ.get("HOME") or str(Path.home())
        config_home = os.path.join(home, ".config")
    return Path(config_home) / "systemd" / "user"


def install_systemd(
    units: Mapping[str, str], directory: Path, *, replace: bool = False
) -> list[Path]:
    """Write `units` into `directory`; returns their paths, including ones already identical.

    Refuses, before writing anything, when a unit file exists with other content, unless
    `replace`. Enabling the timer is left to `systemctl --user`.
    """
    paths = [directory / _unit_file_name(file_name) for file_name in units]
    stale = [
        (path, text)
        for path, text in zip(paths, units.values(), strict=True)
        if _current_text(path) != text
    ]
    for path, _ in stale:
        if path.exists() and not replace:
            raise ScheduleError(
                f"{path} already exists with different content",
                hint="pass --force to replace it",
            )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ScheduleError(
            f"cannot create {directory}: {error.strerror or error}",
            hint="check the permissions of its parent folders",
        ) from error
    for path, text in stale:
        _write_atomically(path, text)
    return paths


def _unit_file_name(file_name: str) -> str:
    if not _UNIT_NAME.fullmatch(file_name) or not file_name.endswith(_UNIT_SUFFIXES):
        raise ScheduleError(
            f"{file_name!r} is not a unit file name", hint="use name.service/.timer"
        )
    return file_name


def _current_text(path: Path) -> str | None:
    """What `path` holds, or None when it is missing, unreadable or not text."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` in one step (`atomic_files`), so no half unit is left."""
    try:
        replace_file(path, text)
    except OSError as error:
        raise ScheduleError(
            f"cannot write {path}: {error.strerror or error}",
            hint=f"check that {path.parent} is writable",
        ) from error


_NO_CRON = "install cron, or use --install systemd"


def _crontab(
    run: Run, *arguments: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`crontab <arguments>` through `run`, with output captured as text."""
    try:
        return run(
            ["crontab", *arguments], input=stdin, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise ScheduleError("the crontab command is not installed", hint=_NO_CRON) from error
    except OSError as error:
        raise ScheduleError(
            f"cannot run crontab: {error.strerror or error}", hint=_NO_CRON
        ) from error


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] if lines else "no message"


def _current_crontab(run: Run) -> str:
    """The user's crontab; empty when they have none. Any other failure raises, since
    writing back what could not be read would wipe the existing entries."""
    listed = _crontab(run, "-l")
    if listed.returncode == 0:
        return listed.stdout
    if listed.returncode == 1 and "no crontab for" in listed.stderr.lower():
        return ""
    raise ScheduleError(
        f"crontab -l failed: {_first_line(listed.stderr)}",
        hint="fix the crontab, or use --install systemd",
    )


def install_crontab(
    line: str,
    *,
    run: Run = subprocess.run,
    replace: bool = False,
) -> bool:
    """Append `line` (entry and comment, from `crontab_line`) to the user's crontab.

    Returns False, changing nothing, when its entry is already there; True once installed.
    The same job at another time is refused (it would run twice a day) unless `replace`,
    which takes the old entry and its comment out.
    """
    current = _current_crontab(run)
    existing = {entry.strip() for entry in current.splitlines()}
    entries = [entry for entry in line.splitlines() if entry.strip() and not entry.startswith("#")]
    if entries and all(entry.strip() in existing for entry in entries):
        return False
    current = _without_other_times(current, entries, replace)
    if current and not current.endswith("\n"):
        current += "\n"
    written = _crontab(run, "-", stdin=current + line.rstrip("\n") + "\n")
    if written.returncode != 0:
        raise ScheduleError(
            f"crontab - refused the new crontab: {_first_line(written.stderr)}",
            hint=_NO_CRON,
        )
    return True


def _without_other_times(current: str, entries: Sequence[str], replace: bool) -> str:
    """`current` without the entries that run the same command as `entries` at other
    times (and the comment line above each); refused unless `replace`."""
    commands = {_cron_command(entry) for entry in entries}
    lines = current.splitlines()
    stale = [i for i, entry in enumerate(lines) if _cron_command(entry) in commands]
    if not stale:
        return current
    if not replace:
        raise ScheduleError(
            f"your crontab already runs this job at another time: {lines[stale[0]].strip()}",
            hint="pass --force to replace it",
        )
    dropped = set(stale) | {i - 1 for i in stale if i > 0 and lines[i - 1].startswith(_COMMENT)}
    kept = [entry for i, entry in enumerate(lines) if i not in dropped]
    return "\n".join(kept) + ("\n" if kept else "")


def _cron_command(entry: str) -> str | None:
    """What a crontab entry runs (everything after its five time fields)."""
    fields = entry.strip().split(None, 5)
    return fields[5] if len(fields) == 6 and not entry.lstrip().startswith("#") else None
