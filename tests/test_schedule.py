"""schedule: the daily job as a crontab line or systemd user units, and their installers."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.daily.schedule import (
    crontab_line,
    daily_command,
    install_crontab,
    install_systemd,
    parse_time,
    systemd_units,
    systemd_user_dir,
)
from briefing.errors import ScheduleError

EXECUTABLE = "/opt/brief ing/bin/briefing"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "my news" / "100% daily"
    folder.mkdir(parents=True)
    path = folder / "brief ing.toml"
    path.write_text('title = "Morning"\n', encoding="utf-8")
    return path


# --- parse_time -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("23:05", time(23, 5)),
        ("00:00", time(0, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 07:30 ", time(7, 30)),
    ],
)
def test_parse_time_accepts_24_hour_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "25:00",
        "24:00",
        "7:60",
        "7:5",
        "007:30",
        "07:30:00",
        "07.30",
        "0730",
        "7",
        "7am",
        "7:30 pm",
        "-1:30",
        "",
        "   ",
        "07:30\n08:00",
        "٠٧:٣٠",  # Arabic-Indic digits: \d would take them
        "07:3O",
    ],
)
def test_parse_time_refuses_anything_else(text: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_time(text)
    assert caught.value.message == f"--at {text!r} is not a time of day (use HH:MM, 24-hour)"
    assert caught.value.hint
    assert "\n" not in str(caught.value).replace(repr(text), "")


def test_parse_time_message_names_the_value() -> None:
    with pytest.raises(
        ScheduleError, match=r"--at '25:00' is not a time of day \(use HH:MM, 24-hour\)"
    ):
        parse_time("25:00")


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_valid_time_round_trips(hour: int, minute: int) -> None:
    expected = time(hour, minute)
    assert parse_time(f"{hour:02d}:{minute:02d}") == expected
    assert parse_time(f"{hour}:{minute:02d}") == expected
    assert f"{parse_time(f'{hour}:{minute:02d}'):%H:%M}" == f"{hour:02d}:{minute:02d}"


@given(st.text(max_size=8))
def test_parse_time_returns_the_written_time_or_raises_input_error(text: str) -> None:
    try:
        parsed = parse_time(text)
    except ScheduleError:
        return
    assert f"{parsed:%H:%M}" == text.strip().zfill(5)


# --- daily_command ----------------------------------------------------------------------


def test_daily_command_is_absolute(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(config.parent)
    command = daily_command("/usr/bin/briefing", Path(config.name))
    assert command == ["/usr/bin/briefing", "run", "--config", str(config.resolve())]


def test_daily_command_makes_a_relative_executable_absolute(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(config.parent.parent)
    command = daily_command("./venv/bin/briefing", config)
    assert command[0] == str(config.parent.parent / "venv" / "bin" / "briefing")


def test_daily_command_looks_a_bare_name_up_on_path(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "briefing"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert daily_command("briefing", config)[0] == str(script)
    with pytest.raises(ScheduleError, match="cannot find 'no-such-briefing' on PATH"):
        daily_command("no-such-briefing", config)


def test_daily_command_refuses_a_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="does not exist"):
        daily_command("/usr/bin/briefing", tmp_path / "nope.toml")


# --- crontab_line -----------------------------------------------------------------------


def _cron_fields(line: str) -> tuple[str, list[str], str]:
    """The comment, the five time fields and the command of `crontab_line`'s output."""
    comment, entry = line.split("\n")
    fields = entry.split(" ", 5)
    return comment, fields[:5], fields[5]


def _as_cron_passes_it_to_sh(command: str) -> str:
    """What cron hands to /bin/sh: `\\%` becomes `%`; an unescaped `%` would end the command."""
    assert re.search(r"(?<!\\)%", command) is None, "an unescaped % cuts the cron command"
    return command.replace("\\%", "%")


def test_crontab_line_fields_and_comment(config: Path) -> None:
    command = daily_command("/usr/bin/briefing", config)
    comment, fields, _ = _cron_fields(crontab_line(time(7, 30), command))
    assert comment == "# briefing: daily run at 07:30"
    assert fields == ["30", "7", "*", "*", "*"]


@given(st.integers(0, 23), st.integers(0, 59))
def test_crontab_time_fields_are_minute_then_hour(hour: int, minute: int) -> None:
    comment, fields, _ = _cron_fields(crontab_line(time(hour, minute), ["/usr/bin/briefing"]))
    assert fields == [str(minute), str(hour), "*", "*", "*"]
    assert comment == f"# briefing: daily run at {hour:02d}:{minute:02d}"


def test_crontab_line_quotes_spaces_and_escapes_percent(config: Path, tmp_path: Path) -> None:
    log = tmp_path / "logs 50%" / "briefing.log"
    command = [EXECUTABLE, "run", "--config", str(config)]
    _, _, shell = _cron_fields(crontab_line(time(6, 0), command, log=log))
    assert shlex.split(_as_cron_passes_it_to_sh(shell)) == [
        "cd",
        str(config.parent),
        "&&",
        *command,
        ">>",
        str(log),
        "2>&1",
    ]
    assert r"100\% daily" in shell


def test_crontab_line_runs_in_the_config_folder(config: Path) -> None:
    _, _, shell = _cron_fields(crontab_line(time(6, 0), ["/b", "run", f"--config={config}"]))
    assert shlex.split(_as_cron_passes_it_to_sh(shell))[:3] == ["cd", str(config.parent), "&&"]


def test_crontab_line_without_config_or_log_is_just_the_command() -> None:
    _, _, shell = _cron_fields(crontab_line(time(6, 0), ["/usr/bin/briefing", "run"]))
    assert shell == "/usr/bin/briefing run"


def test_crontab_line_refuses_line_breaks(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="line break"):
        crontab_line(time(6, 0), ["/usr/bin/briefing", "--config", "/a\nb/c.toml"])
    with pytest.raises(ScheduleError, match="empty"):
        crontab_line(time(6, 0), [])


@pytest.mark.skipif(sys.platform == "win32", reason="cron runs /bin/sh")
def test_crontab_command_runs_under_sh_with_the_exact_arguments(
    config: Path, tmp_path: Path
) -> None:
    """The command part, as cron would pass it to sh, reaches the program intact."""
    log = tmp_path / "out 10%" / "run $HOME.log"
    log.parent.mkdir()
    program = "import os, sys; print(os.getcwd()); print(sys.argv[1:])"
    command = [sys.executable, "-c", program, "run", "--config", str(config), "it's $HOME"]
    _, _, shell = _cron_fields(crontab_line(time(6, 0), command, log=log))
    subprocess.run(["/bin/sh", "-c", _as_cron_passes_it_to_sh(shell)], check=True, timeout=30)
    cwd, argv = log.read_text(encoding="utf-8").splitlines()
    assert Path(cwd) == config.parent.resolve()
    assert argv == repr(["run", "--config", str(config), "it's $HOME"])


# --- systemd_units ----------------------------------------------------------------------


def _parse_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def _split_exec(value: str) -> list[str]:
    """ExecStart= split as systemd does for these words: quotes and backslash escapes like a
    POSIX shell's double quotes, then `%%` and `$$` each back to one character."""
    return [word.replace("%%", "%").replace("$$", "$") for word in shlex.split(value)]


def test_systemd_units_service_and_timer(config: Path) -> None:
    command = daily_command("/usr/bin/briefing", config)
    units = systemd_units(time(7, 30), command, working_directory=config.parent)
    assert sorted(units) == ["briefing.service", "briefing.timer"]

    service = _parse_unit(units["briefing.service"])
    assert service["Unit"]["Description"]
    assert service["Service"]["Type"] == "oneshot"
    assert _split_exec(service["Service"]["ExecStart"]) == command
    working_directory = service["Service"]["WorkingDirectory"]
    assert working_directory.replace("%%", "%") == str(config.parent.resolve())
    assert "Install" not in service  # started by the timer, not enabled itself

    timer = _parse_unit(units["briefing.timer"])
    assert timer["Unit"]["Description"]
    assert timer["Timer"]["OnCalendar"] == "*-*-* 07:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["RandomizedDelaySec"] == "0"
    assert timer["Timer"]["Unit"] == "briefing.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


@given(st.integers(0, 23), st.integers(0, 59))
def test_systemd_on_calendar_for_every_time(hour: int, minute: int) -> None:
    units = systemd_units(time(hour, minute), ["/usr/bin/briefing"], working_directory=Path("/"))
    on_calendar = _parse_unit(units["briefing.timer"])["Timer"]["OnCalendar"]
    assert on_calendar == f"*-*-* {hour:02d}:{minute:02d}:00"


def test_systemd_exec_start_quotes_spaces_and_escapes_percent_and_dollar(config: Path) -> None:
    command = [EXECUTABLE, "run", "--config", str(config), "$HOME", 'say "hi"\\', "", ";"]
    units = systemd_units(time(6, 0), command, working_directory=config.parent)
    exec_start = _parse_unit(units["briefing.service"])["Service"]["ExecStart"]
    assert exec_start.startswith(f'"{EXECUTABLE}" run --config "')
    assert '100%% daily/brief ing.toml"' in exec_start
    assert " $$HOME " in exec_start
    assert r'"say \"hi\"\\"' in exec_start
    assert exec_start.endswith(' "" \\;')
    assert _split_exec(exec_start) == command


def test_systemd_executable_keeps_dollar_but_doubles_percent() -> None:
    """systemd expands specifiers in the program path but never $VARIABLES."""
    units = systemd_units(time(6, 0), ["/opt/a$b/50%/briefing", "run"], working_directory=Path("/"))
    exec_start = _parse_unit(units["briefing.service"])["Service"]["ExecStart"]
    assert exec_start == "/opt/a$b/50%%/briefing run"


@pytest.mark.parametrize("executable", ['/opt/a"b/briefing', "/opt/a'b/briefing", "/opt/a\\b/x"])
def test_systemd_refuses_an_executable_it_cannot_run(executable: str) -> None:
    with pytest.raises(ScheduleError, match="systemd cannot run"):
        systemd_units(time(6, 0), [executable, "run"], working_directory=Path("/"))


def test_systemd_units_take_a_name(config: Path) -> None:
    units = systemd_units(
        time(6, 0), ["/usr/bin/briefing"], name="briefing-tech", working_directory=config.parent
    )
    assert sorted(units) == ["briefing-tech.service", "briefing-tech.timer"]
    timer = _parse_unit(units["briefing-tech.timer"])
    assert timer["Timer"]["Unit"] == "briefing-tech.service"
    with pytest.raises(ScheduleError, match="cannot name a systemd unit"):
        systemd_units(time(6, 0), ["/b"], name="../evil", working_directory=config.parent)


def test_systemd_working_directory_is_absolute(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(config.parent.parent)
    units = systemd_units(time(6, 0), ["/b"], working_directory=Path(config.parent.name))
    working_directory = _parse_unit(units["briefing.service"])["Service"]["WorkingDirectory"]
    assert working_directory == str(config.parent.resolve()).replace("%", "%%")


# --- systemd_user_dir and install_systemd -----------------------------------------------


def test_systemd_user_dir() -> None:
    assert systemd_user_dir({"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/u"}) == Path(
        "/x/cfg/systemd/user"
    )
    assert systemd_user_dir({"HOME": "/home/u"}) == Path("/home/u/.config/systemd/user")
    # the XDG spec: an empty or relative XDG_CONFIG_HOME is ignored
    assert systemd_user_dir({"XDG_CONFIG_HOME": "", "HOME": "/home/u"}) == Path(
        "/home/u/.config/systemd/user"
    )
    assert systemd_user_dir({"XDG_CONFIG_HOME": "cfg", "HOME": "/home/u"}) == Path(
        "/home/u/.config/systemd/user"
    )


@pytest.fixture
def units_dir(tmp_path: Path) -> Path:
    return tmp_path / "config" / "systemd" / "user"


def _units(config: Path, at: time = time(7, 30)) -> dict[str, str]:
    command = daily_command("/usr/bin/briefing", config)
    return systemd_units(at, command, working_directory=config.parent)


def test_install_systemd_writes_both_files(config: Path, tmp_path: Path) -> None:
    directory = tmp_path / "config" / "systemd" / "user"
    units = _units(config)
    written = install_systemd(units, directory)
    assert written == [directory / "briefing.service", directory / "briefing.timer"]
    for path in written:
        assert path.read_text(encoding="utf-8") == units[path.name]
    assert sorted(p.name for p in directory.iterdir()) == ["briefing.service", "briefing.timer"]


def test_install_systemd_again_with_the_same_units_is_fine(config: Path, units_dir: Path) -> None:
    units = _units(config)
    first = install_systemd(units, units_dir)
    assert install_systemd(units, units_dir) == first


def test_install_systemd_refuses_to_overwrite_different_units(
    config: Path, units_dir: Path
) -> None:
    install_systemd(_units(config), units_dir)
    before = {path.name: path.read_text(encoding="utf-8") for path in units_dir.iterdir()}
    changed = _units(config, at=time(8, 0))
    with pytest.raises(ScheduleError, match="already exists with different content") as caught:
        install_systemd(changed, units_dir)
    assert "--force" in caught.value.hint
    after = {path.name: path.read_text(encoding="utf-8") for path in units_dir.iterdir()}
    assert after == before

    install_systemd(changed, units_dir, replace=True)
    assert (units_dir / "briefing.timer").read_text(encoding="utf-8") == changed["briefing.timer"]
    assert sorted(p.name for p in units_dir.iterdir()) == ["briefing.service", "briefing.timer"]


def test_install_systemd_writes_nothing_when_one_unit_conflicts(
    config: Path, units_dir: Path
) -> None:
    units_dir.mkdir(parents=True)
    (units_dir / "briefing.timer").write_text("[Timer]\nOnCalendar=daily\n", encoding="utf-8")
    with pytest.raises(ScheduleError):
        install_systemd(_units(config), units_dir)
    assert not (units_dir / "briefing.service").exists()


def test_install_systemd_refuses_file_names_outside_the_directory(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match="not a unit file name"):
        install_systemd({"../briefing.service": "[Unit]\n"}, tmp_path / "user")


# --- install_crontab --------------------------------------------------------------------


class FakeCrontab:
    """Stands in for `subprocess.run` on `crontab -l` and `crontab -`."""

    def __init__(
        self,
        table: str | None = None,
        *,
        installed: bool = True,
        list_error: tuple[int, str] | None = None,
        write_error: str | None = None,
    ) -> None:
        self.table = table  # None: the user has no crontab
        self.installed = installed
        self.list_error = list_error
        self.write_error = write_error
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
        argv = list(argv)
        self.calls.append(argv)
        if not self.installed:
            raise FileNotFoundError(2, "No such file or directory", "crontab")
        assert options.get("text") is True
        assert options.get("check") is False
        if argv == ["crontab", "-l"]:
            if self.list_error is not None:
                return subprocess.CompletedProcess(argv, self.list_error[0], "", self.list_error[1])
            if self.table is None:
                return subprocess.CompletedProcess(argv, 1, "", "no crontab for tester\n")
            return subprocess.CompletedProcess(argv, 0, self.table, "")
        if argv == ["crontab", "-"]:
            if self.write_error is not None:
                return subprocess.CompletedProcess(argv, 1, "", self.write_error)
            self.table = options["input"]
            return subprocess.CompletedProcess(argv, 0, "", "")
        raise AssertionError(f"unexpected command {argv}")


LINE = (
    "# briefing: daily run at 07:30\n30 7 * * * cd /n && /usr/bin/briefing run --config /n/b.toml"
)


def test_install_crontab_without_a_crontab_creates_one() -> None:
    fake = FakeCrontab(table=None)
    assert install_crontab(LINE, run=fake) is True
    assert fake.table == LINE + "\n"
    assert fake.calls == [["crontab", "-l"], ["crontab", "-"]]


def test_install_crontab_keeps_existing_entries() -> None:
    existing = "MAILTO=me@example.com\n0 * * * * /usr/bin/backup"  # no final newline
    fake = FakeCrontab(table=existing)
    assert install_crontab(LINE, run=fake) is True
    assert fake.table == existing + "\n" + LINE + "\n"


def test_install_crontab_already_installed_changes_nothing() -> None:
    fake = FakeCrontab(table=f"0 * * * * /usr/bin/backup\n{LINE}\n")
    assert install_crontab(LINE, run=fake) is False
    assert fake.calls == [["crontab", "-l"]]


def test_install_crontab_twice_installs_once() -> None:
    fake = FakeCrontab(table="")
    assert install_crontab(LINE, run=fake) is True
    assert install_crontab(LINE, run=fake) is False
    assert fake.table == LINE + "\n"


def test_install_crontab_with_the_generated_line(config: Path) -> None:
    line = crontab_line(time(7, 30), daily_command("/usr/bin/briefing", config))
    fake = FakeCrontab(table=None)
    assert install_crontab(line, run=fake) is True
    assert install_crontab(line, run=fake) is False
    assert fake.table == line + "\n"


def test_install_crontab_without_the_crontab_command() -> None:
    with pytest.raises(ScheduleError) as caught:
        install_crontab(LINE, run=FakeCrontab(installed=False))
    assert "crontab" in caught.value.message
    assert caught.value.hint == "install cron, or use --install systemd"
    assert "\n" not in str(caught.value)


def test_install_crontab_when_crontab_refuses_the_new_table() -> None:
    fake = FakeCrontab(table=None, write_error='"-":1: bad minute\nerrors in crontab file\n')
    with pytest.raises(ScheduleError, match="bad minute") as caught:
        install_crontab(LINE, run=fake)
    assert "--install systemd" in caught.value.hint
    assert "\n" not in str(caught.value)


def test_install_crontab_does_not_write_when_it_cannot_read() -> None:
    """Writing back a crontab that could not be listed would wipe the user's entries."""
    fake = FakeCrontab(list_error=(1, "You (tester) are not allowed to use this program\n"))
    with pytest.raises(ScheduleError, match="not allowed"):
        install_crontab(LINE, run=fake)
    assert fake.calls == [["crontab", "-l"]]
