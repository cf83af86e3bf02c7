"""Safe writes (issue #19, item 3): temporary and lock files never follow a planted link, and
the three outputs change as one set, so a kill at any instant leaves the previous complete set
or the new one.

The kill is tested two ways: every file-system step of a write is made to "die" in turn (that
call and all later ones fail, so no clean-up runs, as with SIGKILL), and a forked writer is
killed with a real SIGKILL at many random instants.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import random
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing import atomic_files
from briefing.atomic_files import open_in_place, replace_file, replace_with_symlink, replacing
from briefing.cli.app import app
from briefing.daily import folders
from briefing.errors import OutputError
from briefing.output.publish import CURRENT, NAMES, SETS, ensure_writable, publish

from .support.endpoint import MODEL, FakeEndpoint
from .support.paths import SEED_FILES

VICTIM_TEXT = "the victim's own content\n"


def run_set(tag: str, names: tuple[str, ...] = NAMES) -> dict[str, str]:
    """The files of one run, each saying which run and which file it is."""
    return {name: f"{tag}\n{name}\n" + "x" * 5000 for name in names}


def visible(out: Path) -> dict[str, str]:
    """What a reader of `out` finds under the three visible names."""
    return {name: (out / name).read_text() for name in NAMES if (out / name).is_file()}


def victim(tmp_path: Path) -> Path:
    target = tmp_path / "victim.txt"
    target.write_text(VICTIM_TEXT)
    return target


def set_folders(out: Path) -> list[str]:
    return sorted(p.name for p in (out / SETS).iterdir() if p.name != CURRENT)


# --- atomic_files -----------------------------------------------------------------------------


def test_a_replacement_that_fails_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), replacing(target) as file:
        file.write(b"half of the new")
        raise RuntimeError("disk full, say")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]

    replace_file(target, "new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.fixture
def zeros_first(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], str]:
    """Random names whose first pick (in each call of the function under test) is all zeros,
    then fresh ones, so a test can plant a link under exactly the name tried first."""
    picks = itertools.count()

    def token_hex(size: int) -> str:
        pick = next(picks)
        return "00" * size if pick == 0 else f"{pick:0{2 * size}x}"

    monkeypatch.setattr(atomic_files.secrets, "token_hex", token_hex)
    return lambda size: "00" * size


def test_a_temporary_file_never_opens_a_link_planted_under_its_name(
    tmp_path: Path, zeros_first: Callable[[int], str]
) -> None:
    target = victim(tmp_path)
    planted = tmp_path / f".briefing.md.{zeros_first(4)}.partial"
    planted.symlink_to(target)
    replace_file(tmp_path / "briefing.md", "new\n")
    assert target.read_text() == VICTIM_TEXT and planted.is_symlink()
    assert (tmp_path / "briefing.md").read_text() == "new\n"


def test_a_temporary_link_never_replaces_a_link_planted_under_its_name(
    tmp_path: Path, zeros_first: Callable[[int], str]
) -> None:
    target = victim(tmp_path)
    planted = tmp_path / f".latest.{zeros_first(4)}.partial"
    planted.symlink_to(target)
    replace_with_symlink(tmp_path / "latest", "2026-11-21")
    assert os.readlink(tmp_path / "latest") == "2026-11-21"
    assert os.readlink(planted) == str(target) and target.read_text() == VICTIM_TEXT


def test_a_new_set_folder_is_never_a_link_planted_under_its_name(
    tmp_path: Path, zeros_first: Callable[[int], str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    planted = tmp_path / zeros_first(6)
    planted.symlink_to(elsewhere, target_is_directory=True)
    made = atomic_files.new_folder(tmp_path)
    assert made != planted and made.is_dir() and not made.is_symlink()
    assert list(elsewhere.iterdir()) == []


def test_replacing_a_link_replaces_the_link_not_its_target(tmp_path: Path) -> None:
    target = victim(tmp_path)
    link = tmp_path / "briefing.md"
    link.symlink_to(target)
    replace_file(link, "new\n")
    assert not link.is_symlink() and link.read_text() == "new\n"
    assert target.read_text() == VICTIM_TEXT

    link.unlink()
    link.symlink_to(target)
    replace_with_symlink(link, "elsewhere")
    assert os.readlink(link) == "elsewhere" and target.read_text() == VICTIM_TEXT


def test_text_and_bytes_replace_a_file_alike(tmp_path: Path) -> None:
    replace_file(tmp_path / "text", "Tōkyō\n")
    replace_file(tmp_path / "bytes", "Tōkyō\n".encode())
    assert (tmp_path / "text").read_bytes() == (tmp_path / "bytes").read_bytes()


def test_init_force_replaces_a_link_planted_under_the_name_not_its_target(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    target = tmp_path / "briefing.toml"
    target.symlink_to(victim)
    result = CliRunner().invoke(app, ["init", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == VICTIM_TEXT
    assert not target.is_symlink() and "[sources]" in target.read_text()


def test_a_file_opened_in_place_must_be_a_regular_file_of_its_own(tmp_path: Path) -> None:
    target = victim(tmp_path)
    cases = {
        "link": lambda path: path.symlink_to(target),
        "dangling link": lambda path: path.symlink_to(tmp_path / "nowhere"),
        "pipe": lambda path: os.mkfifo(path),
        "hard link": lambda path: os.link(target, path),
    }
    problems = {}
    for case, plant in cases.items():
        path = tmp_path / case
        plant(path)
        with pytest.raises(OSError) as refused:
            open_in_place(path)
        problems[case] = refused.value.strerror
    assert problems == {
        "link": "it is a symbolic link, which is never followed",
        "dangling link": "it is a symbolic link, which is never followed",
        "pipe": "it is not a regular file",
        "hard link": "it has other hard links, so writing it would change other files",
    }
    assert target.read_text() == VICTIM_TEXT and not (tmp_path / "nowhere").exists()
    os.close(open_in_place(tmp_path / "fresh.lock"))
    assert (tmp_path / "fresh.lock").is_file()


# --- the output set ---------------------------------------------------------------------------


def test_the_visible_files_are_links_into_the_current_set_and_old_sets_are_pruned(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    for tag in "ABC":
        assert publish(out, run_set(tag)) == [out / name for name in NAMES]
    assert visible(out) == run_set("C")
    for name in NAMES:
        assert os.readlink(out / name) == f"{SETS}/{CURRENT}/{name}"
    assert len(set_folders(out)) == 2  # this run's and the previous, for readers still on it
    assert os.readlink(out / SETS / CURRENT) in set_folders(out)
    assert sorted(p.name for p in out.iterdir()) == sorted([*NAMES, SETS])


def test_an_older_version_s_regular_files_become_links(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name, text in run_set("old").items():
        (out / name).write_text(text)
    publish(out, run_set("new"))
    assert visible(out) == run_set("new")
    assert all((out / name).is_symlink() for name in NAMES)


def test_a_format_left_out_disappears_with_the_switch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(out, run_set("A"))
    publish(out, run_set("B", ("briefing.md",)))
    assert visible(out) == run_set("B", ("briefing.md",))
    assert sorted(p.name for p in out.iterdir()) == sorted(["briefing.md", SETS])
    publish(out, run_set("C"))
    assert visible(out) == run_set("C")


def test_without_symbolic_links_each_file_is_replaced_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_symlinks(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    out = tmp_path / "out"
    publish(out, run_set("A"))
    publish(out, run_set("B"))
    assert visible(out) == run_set("B")
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)
    assert not any((out / name).is_symlink() for name in NAMES)


def test_a_folder_that_cannot_be_written_is_refused_before_any_work(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    ensure_writable(fresh)
    assert list(fresh.iterdir()) == []  # the probe is gone
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(OutputError) as refused:
        ensure_writable(tmp_path / "a-file" / "out")
    assert str(refused.value).startswith(f"cannot write to {tmp_path / 'a-file' / 'out'}: ")
    assert "choose another --out folder" in str(refused.value)


def test_a_sets_folder_that_is_a_link_is_refused_and_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text(VICTIM_TEXT)
    out = tmp_path / "out"
    out.mkdir()
    (out / SETS).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError) as refused:
        publish(out, run_set("A"))
    assert str(refused.value) == (
        f"cannot write to {out}: {out / SETS} is a symbolic link, which briefing never follows "
        f"(remove {out / SETS}; briefing creates it itself)"
    )
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]


# --- killed at every step ---------------------------------------------------------------------


class Killed(BaseException):
    """The process "died" at this file-system call."""


_STEPS = ("open", "mkdir", "symlink", "replace", "rename", "unlink", "rmdir", "fsync")


@contextmanager
def killed_at(step: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Count every file-system call that could change something; the `step`th and every
    later one raise `Killed`, so nothing after the "kill" runs, clean-up included."""
    counter = itertools.count()
    dead = False

    def deadly(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            nonlocal dead
            dead = dead or next(counter) == step
            if dead:
                raise Killed
            return real(*args, **kwargs)

        return call

    with monkeypatch.context() as patched:
        for name in _STEPS:
            patched.setattr(os, name, deadly(getattr(os, name)))
        yield


def older_version_files(out: Path, files: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text)


SCENARIOS: dict[str, tuple[Callable[[Path], None], dict[str, str], dict[str, str]]] = {
    # name: (how the folder is before, what a reader sees before, the new set)
    "first run": (lambda out: None, {}, run_set("new")),
    "next run": (lambda out: publish(out, run_set("old")), run_set("old"), run_set("new")),
    "after an older version": (
        lambda out: older_version_files(out, run_set("old")),
        run_set("old"),
        run_set("new"),
    ),
    "fewer formats": (
        lambda out: publish(out, run_set("old")),
        run_set("old"),
        run_set("new", ("briefing.md",)),
    ),
    "more formats": (
        lambda out: publish(out, run_set("old", ("briefing.json",))),
        run_set("old", ("briefing.json",)),
        run_set("new"),
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_kill_at_any_step_leaves_the_old_set_or_the_new_one(
    scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before, old, new = SCENARIOS[scenario]
    outcomes = []
    for step in itertools.count():
        out = tmp_path / f"step-{step}"
        before(out)
        try:
            with killed_at(step, monkeypatch):
                publish(out, new)
        except Killed:
            seen = visible(out)
            assert seen in (old, new), f"killed at step {step}: a mix of two runs"
            outcomes.append("new" if seen == new and new != old else "old")
            publish(out, run_set("after"))  # the next run recovers from whatever was left
            assert visible(out) == run_set("after")
            assert len(set_folders(out)) <= 2
            assert sorted(p.name for p in out.iterdir()) == sorted([*NAMES, SETS])
            continue
        assert visible(out) == new
        break
    assert step > 10 and "old" in outcomes  # the kill really landed mid-write, many times over


def test_a_writer_killed_by_sigkill_at_random_instants_leaves_one_complete_set(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    chance = random.Random(19)
    complete = 0
    for attempt in range(25):
        child = os.fork()
        if child == 0:  # the writer: publish numbered sets until killed
            try:
                for number in itertools.count(attempt * 1_000_000):
                    publish(out, run_set(f"run {number}"))
            finally:
                os._exit(1)
        time.sleep(chance.uniform(0.01, 0.15))
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        seen = visible(out)
        if not seen and not complete:
            continue  # killed before the first set was complete
        complete += 1
        tags = {text.partition("\n")[0] for text in seen.values()}
        assert len(seen) == 3 and len(tags) == 1, f"after kill {attempt}: {sorted(tags)}"
        assert seen == run_set(tags.pop())
    assert complete > 10  # most kills landed while sets were being replaced
    publish(out, run_set("final"))
    assert visible(out) == run_set("final") and len(set_folders(out)) <= 2


# --- through the command ----------------------------------------------------------------------


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(arg) for arg in args])


def config_for(folder: Path, fake: FakeEndpoint) -> Path:
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_FILES[0], folder / "articles" / SEED_FILES[0].name)
    config = folder / "briefing.toml"
    config.write_text(
        f'[sources]\npaths = ["articles"]\n[endpoint]\nbase_url = "{fake.base_url}"\n'
        f'model = "{MODEL}"\nmax_retries = 0\nmatch_by = "words"\n'  # no encoder: not tested here
    )
    return config


OLD_FIXED_NAMES = (
    ".briefing-write-check",
    ".briefing.md.partial",
    ".briefing.json.partial",
    ".briefing.html.partial",
)


@pytest.mark.loopback
def test_links_planted_under_the_old_fixed_names_are_left_alone(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    target = victim(tmp_path)
    config = config_for(tmp_path, fake)
    day = tmp_path / "briefings" / "2026-11-21"
    day.mkdir(parents=True)
    for name in OLD_FIXED_NAMES:
        (day / name).symlink_to(target)
    (day.parent / ".latest.partial").symlink_to(target)
    out = tmp_path / "out"
    out.mkdir()
    for name in OLD_FIXED_NAMES:
        (out / name).symlink_to(target)

    ran = cli("run", "--config", config, "--date", "2026-11-21", "--no-deliver")
    assert ran.exit_code == 0, ran.output
    made = cli("generate", "--config", config, "--out", out)
    assert made.exit_code == 0, made.output

    assert target.read_text() == VICTIM_TEXT
    assert json.loads((out / "briefing.json").read_text())["sources"]
    assert (tmp_path / "briefings" / "latest" / "briefing.md").read_text().startswith("# ")


@pytest.mark.loopback
def test_a_planted_lock_link_is_refused_with_one_line_naming_it(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    target = victim(tmp_path)
    config = config_for(tmp_path, fake)
    lock = tmp_path / "briefings" / folders.LOCK_NAME
    lock.parent.mkdir()
    lock.symlink_to(target)

    result = cli("run", "--config", config, "--no-deliver")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot use the lock file {lock}: it is a symbolic link, which is never "
        "followed (remove it if it is not yours, or choose another output folder)"
    ]
    assert target.read_text() == VICTIM_TEXT and fake.chat_requests == []


@pytest.mark.loopback
def test_a_planted_sets_folder_link_is_refused_before_any_model_work(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / SETS).symlink_to(elsewhere, target_is_directory=True)
    result = cli("generate", SEED_FILES[0], "--out", out, "--base-url", fake.base_url,
                 "--model", MODEL)  # fmt: skip
    assert result.exit_code == 1
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert line == (
        f"error: cannot write to {out}: {out / SETS} is a symbolic link, which briefing never "
        f"follows (remove {out / SETS}; briefing creates it itself)"
    )
    assert list(elsewhere.iterdir()) == [] and fake.chat_requests == []  # refused up front
