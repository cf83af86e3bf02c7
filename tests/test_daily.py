"""The daily job through the real entry point: config, dated runs, the lock, exit codes, the
cache, the "new since" section, dry runs, budgets, delivery, progress and scheduling.

A fake OpenAI-compatible server on 127.0.0.1 (`fake_endpoint`) stands in for the model, so
these tests count requests and inject faults; the recorded-model version of the cache test
is in test_daily_cassette.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from briefing.config import EXAMPLE, load
from briefing.daily import folders
from briefing.reconcile import embeddings

from .support.daily import cli, daily, write_config
from .support.endpoint import MODEL, FakeEndpoint, Reply
from .support.paths import SEED_FILES
from .support.receivers import Mailbox, Receiver, parsed, parts_of, smtp_server, webhook_receiver

pytestmark = pytest.mark.loopback
needs_the_encoder = pytest.mark.skipif(
    not embeddings.available(), reason="the sentence encoder is not installed"
)


def test_init_writes_an_example_that_loads_and_does_not_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "briefing.toml"
    assert cli("init", target).exit_code == 0
    assert target.read_text() == EXAMPLE
    assert load(target).config.output.dir == "briefings"

    again = cli("init", target)
    assert again.exit_code == 1
    assert again.stderr.strip() == f"error: {target} already exists (pass --force to replace it)"


def test_dated_runs_point_latest_at_the_newest_and_list_what_is_new(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake)
    first = daily(config, "--date", "2026-11-20")
    assert first.exit_code == 0, first.output
    day_one = json.loads((tmp_path / "briefings/2026-11-20/briefing.json").read_text())
    assert "since_last" not in {section["kind"] for section in day_one["sections"]}

    shutil.copy(SEED_FILES[2], tmp_path / "articles" / SEED_FILES[2].name)
    second = daily(config, "--date", "2026-11-21")
    assert second.exit_code == 0, second.output

    latest = tmp_path / "briefings" / "latest"
    assert latest.is_symlink() and latest.resolve() == (tmp_path / "briefings/2026-11-21")
    day_two = json.loads((latest / "briefing.json").read_text())
    (since,) = [s for s in day_two["sections"] if s["kind"] == "since_last"]
    new_sources = {
        c["source"] for s in since["statements"] if s["change"] == "new" for c in s["citations"]
    }
    assert new_sources == {"S3"}  # only the article added on day two brings new items
    assert day_two["since_last"]["new"] and not day_two["since_last"]["dropped"]
    assert "New since" in (latest / "briefing.md").read_text()


def test_a_rerun_of_the_day_is_answered_by_the_cache_and_replaces_the_files(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake)
    assert daily(config, "--date", "2026-11-21").exit_code == 0
    requests = len(fake.chat_requests)
    assert requests == 3  # two articles and the composition

    again = daily(config, "--date", "2026-11-21")
    assert again.exit_code == 0, again.output
    assert len(fake.chat_requests) == requests
    assert "0 model calls (3 answered by the cache)" in again.stdout
    folders = sorted(p.name for p in (tmp_path / "briefings").iterdir())
    assert folders == [".briefing.lock", "2026-11-21", "latest"]

    fresh = daily(config, "--date", "2026-11-21", "--no-cache")
    assert fresh.exit_code == 0 and len(fake.chat_requests) == 2 * requests


def test_a_second_run_while_one_holds_the_folder_stops_with_a_message(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, 'match_by = "words"')  # the encoder is not tested here
    with folders.locked(tmp_path / "briefings", timedelta(minutes=40)):
        busy = daily(config)
    assert busy.exit_code == 1
    (line,) = busy.stderr.strip().splitlines()
    assert re.fullmatch(
        rf"error: another briefing run is writing to {re.escape(str(tmp_path / 'briefings'))}: "
        rf"pid {os.getpid()} has held the lock for \d+s, within its deadline of 40m \(wait for "
        r"it to finish; runs of the same folder never overlap\)",
        line,
    )
    assert fake.chat_requests == []
    assert daily(config).exit_code == 0  # the lock is released with its holder


def test_a_lock_held_past_its_deadline_names_the_pid_to_kill(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, "[limits]", "run_deadline_minutes = 40")
    hours_ago = datetime.now(UTC) - timedelta(hours=3, minutes=12)
    with folders.locked(tmp_path / "briefings", timedelta(minutes=40), now=lambda: hours_ago):
        busy = daily(config)
    assert busy.exit_code == 1
    (line,) = busy.stderr.strip().splitlines()
    assert line.endswith(
        f": pid {os.getpid()} has held the lock for 3h12m, past its own deadline of 40m "
        f"(if it is hung, kill it with `kill {os.getpid()}` and run again)"
    )
    assert fake.chat_requests == []


def test_a_lock_left_by_a_run_that_died_is_taken_over(tmp_path: Path, fake: FakeEndpoint) -> None:
    config = write_config(
        tmp_path, fake, 'match_by = "words"', "[limits]", "run_deadline_minutes = 40"
    )
    with subprocess.Popen(["true"]) as ended:  # its pid names no process once it has ended
        pass
    lock = tmp_path / "briefings" / folders.LOCK_NAME
    lock.parent.mkdir()
    started = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    lock.write_text(json.dumps({"pid": ended.pid, "started": started, "deadline_minutes": 40}))
    result = daily(config)
    assert result.exit_code == 0, result.output
    holder = json.loads(lock.read_text())
    assert holder["pid"] == os.getpid() and holder["deadline_minutes"] == 40


def test_flags_override_the_file_which_overrides_the_environment(
    tmp_path: Path, fake: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_MODEL", "env-model")
    monkeypatch.setenv("BRIEFING_CONCURRENCY_IS_NOT_A_SETTING", "9")
    config = write_config(tmp_path, fake)

    def model_used(*args: str) -> str:
        result = daily(config, "--dry-run", *args)
        assert result.exit_code == 0, result.output
        return re.search(r"Dry run with (\S+)", result.stdout)[1]  # type: ignore[index]

    assert model_used("--model", "flag-model") == "flag-model"
    assert model_used() == MODEL
    config.write_text(config.read_text().replace(f'model = "{MODEL}"\n', ""))
    assert model_used() == "env-model"


def test_a_bad_config_is_a_one_line_error_naming_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "briefing.toml"
    config.write_text('[endpoint]\nmodle = "x"\n')
    result = daily(config)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {config.resolve()}: unknown setting endpoint.modle "
        "(check the spelling against `briefing init`'s example)"
    )
    config.write_text("[endpoint\n")
    assert "is not valid TOML" in daily(config).stderr
    assert "no config file" in daily(tmp_path / "missing.toml").stderr


def test_a_failed_source_still_writes_the_briefing_and_exits_2(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, articles=1)
    (tmp_path / "articles" / "broken.txt").write_bytes(b"\x00\x01binary\x00" * 50)
    result = daily(config)
    assert result.exit_code == 2
    assert "broken.txt" in result.stderr
    assert (tmp_path / "briefings" / "latest" / "briefing.md").is_file()
    data = json.loads((tmp_path / "briefings" / "latest" / "briefing.json").read_text())
    assert any("broken.txt" in failure for failure in data["failures"])


def test_an_endpoint_failure_exits_3(tmp_path: Path, fake: FakeEndpoint) -> None:
    config = write_config(tmp_path, fake, articles=1)
    fake.replies = [Reply(status=401)] * 4
    result = daily(config)
    assert result.exit_code == 3
    assert "rejected the API key" in result.stderr and "OPENAI_API_KEY" in result.stderr


def test_a_dry_run_counts_tokens_and_cost_calls_nothing_and_writes_nothing(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    prices = [f'[prices."{MODEL}"]', "input = 2.0", "output = 8.0"]
    config = write_config(tmp_path, fake, *prices)
    result = daily(config, "--dry-run")
    assert result.exit_code == 0, result.output
    assert fake.chat_requests == [] and not (tmp_path / "briefings").exists()

    rows = {row[0]: row[1:] for row in _table(result.stdout)}
    calls, cached, prompt, completion, cost = rows["extract"]
    assert (calls, cached) == ("2", "0")
    assert float(cost.lstrip("$")) == pytest.approx(
        (_number(prompt) * 2.0 + _number(completion) * 8.0) / 1e6, abs=1e-4
    )
    assert rows["compose"][0] == "1"

    assert daily(config).exit_code == 0
    after = {row[0]: row[1:] for row in _table(daily(config, "--dry-run").stdout)}
    assert after["extract"][:2] == ["0", "2"]  # both articles are answered by the cache


PRICED = [f'[prices."{MODEL}"]', "input = 1000.0", "output = 0.0"]  # $1 per 1,000 tokens
# Counted before each call, the bound is about $1.05 for a seed's extraction; the fake bills
# about $0.87 for the first seed and $0.18 for SHORT.
SHORT = "Talks in Tokyo\n\n2024-03-25\n\nJapan will double its defense budget by 2027.\n"


def test_max_cost_leaves_out_the_articles_it_cannot_afford(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, *PRICED)
    (tmp_path / "articles" / SEED_FILES[0].name).write_text(SHORT)  # and cheap to compose over
    stopped = daily(config, "--max-cost", "1.1", "--concurrency", "1")
    assert stopped.exit_code == 2, stopped.output
    assert "S2" in stopped.stderr and "could take the cost past $1.1" in stopped.stderr
    data = json.loads((tmp_path / "briefings/latest/briefing.json").read_text())
    assert [source["claims_verified"] > 0 for source in data["sources"]] == [True, False]
    assert data["usage"]["cost"] <= 1.1 and data["failures"]
    assert len(fake.chat_requests) == 2  # S1 and the composition

    resumed = daily(config, "--max-cost", "100")
    assert resumed.exit_code == 0, resumed.output
    assert "(1 answered by the cache)" in resumed.stdout  # S1 was not bought twice
    assert len(fake.chat_requests) == 4


def test_max_cost_stops_before_the_composition_and_keeps_the_extractions(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    # Output priced high, so the composition's larger answer cap sets it apart: the bounds are
    # about $7.2 for an extraction and $11.9 for the composition; the fake bills about $2.4
    # an article.
    priced = [f'[prices."{MODEL}"]', "input = 1000.0", "output = 10000.0"]
    config = write_config(tmp_path, fake, *priced)
    stopped = daily(config, "--max-cost", "15", "--concurrency", "1")
    assert stopped.exit_code == 2
    (line,) = stopped.stderr.strip().splitlines()[-1:]
    assert line.startswith("error: stopped before a model call (compose)")
    assert "raise --max-cost and run again" in line
    assert not (tmp_path / "briefings" / "latest").exists()

    resumed = daily(config, "--max-cost", "100")
    assert resumed.exit_code == 0, resumed.output
    assert "answered by the cache" in resumed.stdout
    assert len(fake.chat_requests) == 3  # S1, S2, then only the composition: none bought twice


def test_reads_in_flight_count_against_the_budget(tmp_path: Path, fake: FakeEndpoint) -> None:
    fake.delay = 0.3  # both articles would be in flight at once if the budget allowed it
    config = write_config(tmp_path, fake, *PRICED)
    assert daily(config, "--max-cost", "1.5", "--concurrency", "2").exit_code == 2
    assert fake.most_in_flight == 1


def test_max_cost_needs_a_known_price(tmp_path: Path, fake: FakeEndpoint) -> None:
    config = write_config(tmp_path, fake)
    remote = config.read_text().replace(fake.base_url, "https://llm.example/v1")
    config.write_text(remote)
    result = daily(config, "--max-cost", "1")
    assert result.exit_code == 1
    assert f"no price is known for the model '{MODEL}'" in result.stderr
    assert f'add [prices."{MODEL}"]' in result.stderr


def test_articles_are_read_concurrently_at_a_remote_endpoint(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.delay = 0.3
    config = write_config(tmp_path, fake, "concurrency = 3", articles=4)
    assert daily(config).exit_code == 0
    # Three at a time, the first finding the structured-output rung while the others try its top.
    assert fake.most_in_flight == 3

    fake.most_in_flight = 0
    assert daily(config, "--no-cache", "--concurrency", "1").exit_code == 0
    assert fake.most_in_flight == 1


def test_a_429_with_retry_after_is_waited_out(tmp_path: Path, fake: FakeEndpoint) -> None:
    config = write_config(tmp_path, fake, articles=1, retries=2)
    fake.replies = [Reply(status=429, headers={"retry-after": "0.2"})]
    result = daily(config)
    assert result.exit_code == 0, result.output
    assert len(fake.chat_requests) == 2
    assert "is rate limiting: waiting 0.2 s before asking again" in result.stderr  # said so


def test_the_log_file_records_the_run_and_quiet_prints_only_the_result(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake)
    log = tmp_path / "run.log"
    result = daily(config, "--quiet", "--log-file", str(log), "--verbose")
    assert result.exit_code == 0, result.output
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines())
    assert result.stdout.startswith("Wrote ")
    text = log.read_text()
    assert "reading 2 articles" in text and "composing the briefing" in text
    assert "extract model call:" in text  # --verbose logs every call

    plain = daily(config, "--no-cache")
    assert "reading 2 articles" in plain.stderr and "S1" in plain.stderr


@needs_the_encoder
def test_cache_stats_and_clear(tmp_path: Path, fake: FakeEndpoint) -> None:
    config = write_config(tmp_path, fake)
    assert daily(config).exit_code == 0
    stats = cli("cache", "stats", "--config", config)
    assert stats.exit_code == 0 and stats.stdout.startswith("3 cached answers")
    assert re.search(r"\n[1-9]\d* sets of sentence vectors", stats.stdout), stats.stdout
    cleared = cli("cache", "clear", "--config", config)
    assert cleared.stdout.startswith("Removed 3 cached answers")
    assert "Removed 0 sets" not in cleared.stdout
    emptied = cli("cache", "stats").stdout
    assert emptied.startswith("0 cached answers") and "\n0 sets of sentence vectors" in emptied
    assert daily(config, "--no-cache").exit_code == 0  # neither answers nor vectors kept
    assert cli("cache", "stats").stdout == emptied


@needs_the_encoder
def test_a_rerun_reads_the_kept_vectors_and_never_loads_the_encoder(
    tmp_path: Path, fake: FakeEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, fake)
    first = cli("generate", "--config", config, "--out", tmp_path / "first")
    assert first.exit_code == 0, first.output

    def unread(*_: object) -> None:
        raise AssertionError("the encoder's weights were read for vectors the cache keeps")

    monkeypatch.setattr(embeddings, "encoder", unread)
    again = cli("generate", "--config", config, "--out", tmp_path / "again")
    assert again.exit_code == 0, again.output
    briefings = [
        json.loads((tmp_path / run / "briefing.json").read_text()) for run in ("first", "again")
    ]
    for briefing in briefings:
        del briefing["generated_at"], briefing["usage"]
    assert briefings[0] == briefings[1] and briefings[0]["clusters"]


def _table(output: str) -> list[list[str]]:
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] in {"extract", "digest", "compose"}:
            rows.append(cells)
    return rows


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_run_delivers_to_the_configured_webhook_and_a_failure_exits_2(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    with webhook_receiver(status=200) as receiver:
        published = 'link = "https://intranet.example/briefings/"'
        config = write_config(
            tmp_path, fake, "[delivery.webhook]", f'url = "{receiver.url}"', published
        )
        result = daily(config, "--date", "2026-11-21")
    assert result.exit_code == 0, result.output
    ((_, posted),) = receiver.posts
    assert "https://intranet.example/briefings/2026-11-21/briefing.html" in json.dumps(posted)

    with webhook_receiver(status=500) as failing:
        config = write_config(tmp_path, fake, "[delivery.webhook]", f'url = "{failing.url}"')
        failed = daily(config, "--date", "2026-11-21")
    assert failed.exit_code == 2
    assert "webhook delivery" in failed.stderr and "HTTP 500" in failed.stderr
    assert (tmp_path / "briefings/2026-11-21/briefing.md").is_file()  # the briefing is kept


def test_schedule_prints_a_crontab_line_and_systemd_units(tmp_path: Path) -> None:
    config = tmp_path / "my briefing.toml"
    config.write_text("")
    result = cli("schedule", "--at", "07:30", "--config", config)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    cron = next(line for line in lines if line.startswith("30 7 * * * "))
    assert "run --config" in cron and "'" in cron  # the path with a space is quoted
    assert "OnCalendar=*-*-* 07:30:00" in result.stdout
    assert "ExecStart=" in result.stdout and "Persistent=true" in result.stdout


def test_schedule_installs_systemd_user_units(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config = tmp_path / "briefing.toml"
    config.write_text("")
    result = cli("schedule", "--at", "6:05", "--config", config, "--install", "systemd")
    assert result.exit_code == 0, result.output
    timer = (tmp_path / "xdg/systemd/user/briefing.timer").read_text()
    assert "OnCalendar=*-*-* 06:05:00" in timer
    assert "systemctl --user enable --now briefing.timer" in result.stdout


def test_schedule_refuses_a_bad_time(tmp_path: Path) -> None:
    result = cli("schedule", "--at", "25:00", "--config", tmp_path / "briefing.toml")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --at '25:00' is not a time of day")


def test_a_backfilled_day_leaves_latest_on_the_newest(tmp_path: Path, fake: FakeEndpoint) -> None:
    config = write_config(tmp_path, fake)
    assert daily(config, "--date", "2026-11-21").exit_code == 0
    assert daily(config, "--date", "2026-11-01").exit_code == 0
    latest = tmp_path / "briefings" / "latest"
    assert latest.resolve().name == "2026-11-21"


def test_the_log_file_records_warnings_the_result_and_errors(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    config = write_config(tmp_path, fake, articles=1)
    (tmp_path / "articles" / "broken.txt").write_bytes(b"\x00binary\x00" * 50)
    log = tmp_path / "run.log"
    assert daily(config, "--log-file", str(log)).exit_code == 2
    text = log.read_text()
    assert "warning: skipped" in text and "broken.txt" in text
    assert "Wrote " in text and "exit code 2" in text

    fake.replies = [Reply(status=500)] * 8
    assert daily(config, "--no-cache", "--log-file", str(log)).exit_code == 3
    assert "error: the endpoint at" in log.read_text() and "exit code 3" in log.read_text()


def test_scheduling_the_same_job_at_a_new_time_replaces_it_only_with_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "crontab"
    fake_crontab = tmp_path / "bin" / "crontab"
    fake_crontab.parent.mkdir()
    fake_crontab.write_text(
        f'#!/bin/sh\nif [ "$1" = -l ]; then cat {table} 2>/dev/null || '
        f"{{ echo 'no crontab for you' >&2; exit 1; }}; else cat > {table}; fi\n"
    )
    fake_crontab.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_crontab.parent}:/usr/bin:/bin")
    config = tmp_path / "briefing.toml"
    config.write_text("")

    assert cli("schedule", "--at", "07:00", "-c", config, "--install", "cron").exit_code == 0
    moved = cli("schedule", "--at", "08:00", "-c", config, "--install", "cron")
    assert moved.exit_code == 1 and "already runs this job at another time" in moved.stderr
    forced = cli("schedule", "--at", "08:00", "-c", config, "--install", "cron", "--force")
    assert forced.exit_code == 0, forced.output
    entries = [line for line in table.read_text().splitlines() if not line.startswith("#")]
    assert len(entries) == 1 and entries[0].startswith("0 8 * * * ")
    assert " -m briefing run --config " in entries[0]  # this interpreter, not a test runner


# --- a failed day: `latest` stays, delivery says the briefing is stale (#19, item 12) --------


def delivering_config(
    folder: Path, fake: FakeEndpoint, receiver: Receiver, mailbox: Mailbox
) -> Path:
    return write_config(
        folder, fake, 'match_by = "words"',  # the encoder is not tested here
        "[delivery.webhook]", f'url = "{receiver.url}"',
        'link = "https://intranet.example/briefings/"',
        "[delivery.email]", 'host = "127.0.0.1"', f"port = {mailbox.port}",
        'security = "none"', 'sender = "briefing@example.com"', 'to = ["me@example.com"]',
        'subject = "Briefing: {title}"',
        articles=1,
    )  # fmt: skip


def break_every_source(fake: FakeEndpoint, folder: Path) -> None:
    for article in (folder / "articles").iterdir():
        article.write_bytes(b"\x00binary\x00" * 50)


def fail_every_call(fake: FakeEndpoint, folder: Path) -> None:
    fake.replies = [Reply(status=500)] * 8


FAILURES = {  # how the day fails, and the exit code that says so
    "the endpoint fails": (fail_every_call, 3),
    "every source fails": (break_every_source, 1),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_day_keeps_latest_and_delivers_the_last_briefing_marked_stale(
    tmp_path: Path, fake: FakeEndpoint, failure: str
) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    break_it, code = FAILURES[failure]
    with webhook_receiver() as receiver, smtp_server() as mailbox:
        config = delivering_config(tmp_path, fake, receiver, mailbox)
        assert daily(config, "--date", yesterday).exit_code == 0
        ((_, fresh),) = receiver.posts
        receiver.posts.clear()
        mailbox.envelopes.clear()
        break_it(fake, tmp_path)
        failed = daily(config, "--no-cache")

    assert failed.exit_code == code
    latest = tmp_path / "briefings" / "latest"
    assert latest.resolve().name == yesterday and (latest / "briefing.json").is_file()
    assert not (tmp_path / "briefings" / date.today().isoformat() / "briefing.md").exists()
    *notes, error = failed.stderr.strip().splitlines()
    assert error.startswith("error: ")
    reason = error.removeprefix("error: ").partition(" (")[0]
    notice = f"stale: today's run failed: {reason}; this is the briefing of {yesterday}"
    assert f"delivered the briefing of {yesterday} in its place, marked stale" in notes

    ((_, posted),) = receiver.posts
    assert posted["blocks"][0]["text"]["text"] == f"*{notice}*"
    assert posted["blocks"][1:] == fresh["blocks"]  # the same briefing, the link to its day
    assert f"https://intranet.example/briefings/{yesterday}/briefing.html" in json.dumps(posted)
    ((_, _, raw),) = mailbox.envelopes
    mail = parsed(raw)
    assert mail["Subject"].startswith(f"{notice} — Briefing: ")
    assert parts_of(mail)["text/plain"].splitlines()[0] == notice


def test_a_first_day_that_fails_says_there_is_nothing_to_send_instead(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    with webhook_receiver() as receiver, smtp_server() as mailbox:
        config = delivering_config(tmp_path, fake, receiver, mailbox)
        fake.replies = [Reply(status=500)] * 8
        failed = daily(config)
    assert failed.exit_code == 3
    assert "error: no earlier complete briefing to deliver in its place" in failed.stderr
    assert receiver.posts == [] and mailbox.envelopes == []
    assert not (tmp_path / "briefings" / "latest").exists()


def test_a_busy_folder_or_a_failed_backfill_sends_no_stale_briefing(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    yesterday = date.today() - timedelta(days=1)
    with webhook_receiver() as receiver, smtp_server() as mailbox:
        config = delivering_config(tmp_path, fake, receiver, mailbox)
        assert daily(config, "--date", yesterday.isoformat()).exit_code == 0
        receiver.posts.clear()
        mailbox.envelopes.clear()
        with folders.locked(tmp_path / "briefings", timedelta(minutes=40)):
            assert daily(config).exit_code == 1  # the run holding the folder delivers
        fake.replies = [Reply(status=500)] * 8
        backfill = (yesterday - timedelta(days=7)).isoformat()
        assert daily(config, "--date", backfill, "--no-cache").exit_code == 3
    assert receiver.posts == [] and mailbox.envelopes == []
    assert (tmp_path / "briefings" / "latest").resolve().name == yesterday.isoformat()
