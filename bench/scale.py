"""Scale benchmark: many look-alike articles through the whole pipeline, and files read by name.

    python bench/scale.py                         # 10, 100, 250, 1000 and 2000 articles
    python bench/scale.py --sizes 250 2000        # chosen sizes
    python bench/scale.py --profile 2000          # and where the time goes at 2,000 (cProfile)

Not a test, and no real model: the fake OpenAI-compatible server of tests/support/endpoint.py
answers instantly on 127.0.0.1 (an article's first sentences as claims), so what is measured is
the program's own work. Issue #19, item 1: templated articles (tests/support/lookalikes.py:
"Mayor X of Town N opened bridge number N on <date> at a cost of $N million ...") differ
pairwise in their counts and dates, which made the reconciliation quadratic; the target is 2,000
articles in < 60 s and < 2 GB. Each size runs `python -m briefing generate DIR --no-cache` as a
child process with the worktree's package first on PYTHONPATH, and prints its wall time, peak
resident memory (the child's own, from wait4), the size of briefing.json and the disagreements
it holds. Item 5: files read by name (--sources-file, --config) are regular files under a size
cap; the last table shows a file at the cap read, and a file over it, /dev/zero and a FIFO
refused, each promptly.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import pstats
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.config import MAX_CONFIG_BYTES  # noqa: E402
from briefing.sources.ingest import MAX_SOURCES_FILE_BYTES  # noqa: E402
from tests.support.endpoint import MODEL, fake_endpoint  # noqa: E402
from tests.support.lookalikes import write_lookalikes  # noqa: E402

SIZES = (10, 100, 250, 1000, 2000)
TARGET_SECONDS, TARGET_BYTES, TARGET_AT = 60.0, 2 * 1024**3, 2000
PROMPT_SECONDS = 5.0  # a refused or capped file named on the command line ends within this
PROFILE_ROWS = 25


@dataclass(frozen=True)
class Finished:
    exit_code: int | None  # None: killed at the time limit
    seconds: float
    cpu_seconds: float  # user + system: what the run cost, however busy the machine was
    peak_rss: int  # bytes
    stderr: str


def run_child(args: Sequence[str], env: dict[str, str], timeout: float) -> Finished:
    """Run `args`, killing it after `timeout` seconds; its own peak RSS from wait4."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        killed = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                os.kill(child.pid, signal.SIGKILL)
                killed = True
                _, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        seconds = time.monotonic() - started
        stderr.seek(0)
        text = stderr.read().decode("utf-8", "replace")
    code = None if killed else child.returncode
    cpu = usage.ru_utime + usage.ru_stime
    return Finished(code, seconds, cpu, usage.ru_maxrss * 1024, text)


def child_env(cache: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "BRIEFING_CACHE_DIR": str(cache)}


def compile_package() -> None:
    """Write the package's bytecode before any run is timed, as an installed package has it:
    with PYTHONDONTWRITEBYTECODE set (these machines set it) an edited worktree's modules are
    otherwise compiled again by every child, 0.2-0.3 s of each run's start."""
    compileall.compile_dir(ROOT / "briefing", quiet=1)


# --- item 1: look-alike articles ------------------------------------------------------------


@dataclass(frozen=True)
class Scaled:
    articles: int
    run: Finished
    json_bytes: int | None
    disagreements_shown: int | None
    disagreements_in_json: int | None
    clusters: int | None


def scaled_run(count: int, timeout: float, profile: Path | None = None) -> Scaled:
    with tempfile.TemporaryDirectory(prefix="briefing-scale-") as temp:
        folder, out = Path(temp) / "articles", Path(temp) / "out"
        write_lookalikes(folder, count)
        with fake_endpoint() as fake:
            command = [sys.executable]
            if profile is not None:
                command += ["-m", "cProfile", "-o", str(profile)]
            command += ["-m", "briefing", "generate", str(folder), "--out", str(out)]
            command += ["--base-url", fake.base_url, "--model", MODEL, "--no-cache", "--quiet"]
            finished = run_child(command, child_env(Path(temp) / "cache"), timeout)
        written = out / "briefing.json"
        if not written.is_file():
            return Scaled(count, finished, None, None, None, None)
        data: dict[str, Any] = json.loads(written.read_text(encoding="utf-8"))
        section = next(s for s in data["sections"] if s["kind"] == "disagreements")
        return Scaled(
            count,
            finished,
            written.stat().st_size,
            len(section["statements"]),
            len(data["conflicts"]),
            len(data["clusters"]),
        )


def scaled_table(rows: Sequence[Scaled]) -> list[str]:
    lines = [
        "| articles | exit | wall s | CPU s | s / article | peak RSS | briefing.json | clusters "
        "| disagreements shown | in briefing.json |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        run = row.run
        code = "killed" if run.exit_code is None else str(run.exit_code)
        lines.append(
            f"| {row.articles:,} | {code} | {run.seconds:.1f} | {run.cpu_seconds:.1f} "
            f"| {run.seconds / row.articles:.3f} "
            f"| {_size(run.peak_rss)} | {_size(row.json_bytes)} | {_count(row.clusters)} "
            f"| {_count(row.disagreements_shown)} | {_count(row.disagreements_in_json)} |"
        )
    return lines


def verdict(rows: Sequence[Scaled]) -> str:
    at = next((row for row in rows if row.articles == TARGET_AT), None)
    if at is None:
        return f"(target: {TARGET_AT:,} articles in < {TARGET_SECONDS:.0f} s and < 2 GB; not run)"
    met = (
        at.run.exit_code in (0, 2)
        and at.run.seconds < TARGET_SECONDS
        and at.run.peak_rss < TARGET_BYTES
    )
    return (
        f"Target {TARGET_AT:,} articles in < {TARGET_SECONDS:.0f} s and < 2 GB: "
        f"{'met' if met else 'MISSED'} ({at.run.seconds:.1f} s, {_size(at.run.peak_rss)})."
    )


# --- #21 item 5: a remote endpoint, simulated ---------------------------------------------------


@dataclass(frozen=True)
class Remote:
    articles: int
    latency: float
    concurrency: int
    run: Finished
    calls: int | None
    reading_seconds: float | None  # from "reading N articles" to the last article read
    after_reading_seconds: float | None  # from then to "composing the briefing"

    @property
    def floor(self) -> float | None:
        """The calls' latency, spread over the concurrency: what no client can beat."""
        return None if self.calls is None else self.calls * self.latency / self.concurrency


def remote_run(count: int, latency: float, concurrency: int, timeout: float) -> Remote:
    """`count` articles drawn from the seeds (bench/corpus.py), against the fake endpoint
    answering each call after `latency` seconds, read `concurrency` at a time."""
    from corpus import perturbed_corpus

    with tempfile.TemporaryDirectory(prefix="briefing-remote-") as temp:
        folder = perturbed_corpus(sorted((ROOT / "seeds").glob("*.txt")), count, Path(temp) / "a")
        out, log = Path(temp) / "out", Path(temp) / "run.log"
        with fake_endpoint() as fake:
            fake.delay = latency
            command = [sys.executable, "-m", "briefing", "generate", str(folder)]
            command += ["--out", str(out), "--base-url", fake.base_url, "--model", MODEL]
            command += ["--no-cache", "--quiet", "--log-file", str(log)]
            command += ["--concurrency", str(concurrency)]
            finished = run_child(command, child_env(Path(temp) / "cache"), timeout)
        written = out / "briefing.json"
        calls = json.loads(written.read_text())["usage"]["llm_calls"] if written.is_file() else None
        stamps = _stage_times(log.read_text(encoding="utf-8") if log.is_file() else "")
        return Remote(count, latency, concurrency, finished, calls, *stamps)


_STAMP = re.compile(r"^\S+ (\d\d):(\d\d):(\d\d),(\d{3}) ")


def _stage_times(log: str) -> tuple[float | None, float | None]:
    """Seconds reading the articles, and seconds from the last one read to the composition."""
    reading = last_read = composing = None
    for line in log.splitlines():
        stamp = _STAMP.match(line)
        if stamp is None:
            continue
        hours, minutes, seconds, millis = map(int, stamp.groups())
        at = hours * 3600 + minutes * 60 + seconds + millis / 1000
        if " reading " in line and " articles" in line and reading is None:
            reading = at
        elif "claims verified" in line or ": not read (" in line:
            last_read = at
        elif "composing the briefing" in line:
            composing = at
    if reading is None or last_read is None or composing is None:
        return None, None
    return last_read - reading, composing - last_read


def remote_table(row: Remote) -> list[str]:
    run, floor = row.run, row.floor
    ratio = f"{run.seconds / floor:.2f}" if floor else "–"
    return [
        "| articles | latency | concurrency | exit | wall s | CPU s | model calls "
        "| calls × latency / concurrency | × that | reading s | reading to composing s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {row.articles} | {row.latency:.1f} s | {row.concurrency} "
        f"| {'killed' if run.exit_code is None else run.exit_code} | {run.seconds:.1f} "
        f"| {run.cpu_seconds:.1f} | {_count(row.calls)} | {_seconds(floor)} | {ratio} "
        f"| {_seconds(row.reading_seconds)} | {_seconds(row.after_reading_seconds)} |",
    ]


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


# --- item 5: files read by name -------------------------------------------------------------


@dataclass(frozen=True)
class NamedFile:
    case: str
    run: Finished


def named_file_runs(timeout: float) -> list[NamedFile]:
    """A sources file at the cap read (a dry run: no model), a file over the cap, /dev/zero
    and a FIFO refused, for --sources-file and --config."""
    with tempfile.TemporaryDirectory(prefix="briefing-named-") as temp:
        folder = Path(temp)
        articles = write_lookalikes(folder / "articles", 10)
        at_cap = folder / "at-cap.txt"
        listing = "".join(f"{path}\n" for path in articles)
        padding = "# " + "x" * 98 + "\n"
        lines = (MAX_SOURCES_FILE_BYTES - len(listing.encode())) // len(padding)
        at_cap.write_text(padding * lines + listing, encoding="utf-8")
        over = folder / "over-cap.txt"
        with over.open("wb") as file:
            file.truncate(64 * 1024 * 1024)  # sparse: 64 MB of nothing to list
        fifo = folder / "pipe"
        os.mkfifo(fifo)
        env = child_env(folder / "cache")
        briefing = [sys.executable, "-m", "briefing", "generate", "--out", str(folder / "out")]
        briefing += ["--base-url", "http://127.0.0.1:9/v1", "--model", MODEL]
        at_cap_size = f"{at_cap.stat().st_size / 1024:,.0f} KB"
        cases = [
            (f"--sources-file at the cap ({at_cap_size}, 10 paths), --dry-run",
             ["--sources-file", str(at_cap), "--dry-run"]),
            ("--sources-file of 64 MB", ["--sources-file", str(over)]),
            ("--sources-file /dev/zero", ["--sources-file", "/dev/zero"]),
            ("--sources-file a FIFO nobody writes to", ["--sources-file", str(fifo)]),
            (f"--config of 64 MB (cap {MAX_CONFIG_BYTES // 1024:,} KB)",
             [str(articles[0]), "--config", str(over)]),
            ("--config /dev/zero", [str(articles[0]), "--config", "/dev/zero"]),
            ("--config a FIFO nobody writes to", [str(articles[0]), "--config", str(fifo)]),
        ]  # fmt: skip
        return [NamedFile(case, run_child(briefing + args, env, timeout)) for case, args in cases]


def named_table(rows: Sequence[NamedFile]) -> list[str]:
    lines = [
        "| file named | exit | wall s | prompt | first line on stderr |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        run = row.run
        code = "killed" if run.exit_code is None else str(run.exit_code)
        first = next(iter(run.stderr.strip().splitlines()), "")
        prompt = "yes" if run.exit_code is not None and run.seconds < PROMPT_SECONDS else "NO"
        lines.append(f"| {row.case} | {code} | {run.seconds:.2f} | {prompt} | {_cell(first)} |")
    return lines


# --- profile ----------------------------------------------------------------------------------


def print_profile(path: Path) -> None:
    stats = pstats.Stats(str(path))
    for order in ("tottime", "cumulative"):
        print(f"\nTop {PROFILE_ROWS} by {order}:")
        stats.sort_stats(order).print_stats(PROFILE_ROWS)


def _size(value: int | None) -> str:
    if value is None:
        return "–"
    if value >= 1024**3:
        return f"{value / 1024**3:.2f} GB"
    if value >= 1024**2:
        return f"{value / 1024**2:.0f} MB"
    return f"{value / 1024:.0f} KB"


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _cell(text: str, limit: int = 110) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per size")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="after the table, cProfile one run of N articles"
    )
    parser.add_argument("--no-named-files", action="store_true", help="skip the item-5 table")
    parser.add_argument(
        "--remote", type=int, metavar="N", help="also N articles at a simulated remote endpoint"
    )
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per call (--remote)")
    parser.add_argument("--concurrency", type=int, default=8, help="calls at once (--remote)")
    options = parser.parse_args(argv)
    compile_package()
    rows: list[Scaled] = []
    for count in options.sizes:
        rows.append(scaled_run(count, options.timeout))
        print(scaled_table(rows)[-1], file=sys.stderr, flush=True)  # progress
    if rows:
        print("\n".join(scaled_table(rows)))
        print(f"\n{verdict(rows)}")
    if options.profile:  # a run of its own: the profiler slows what it measures
        with tempfile.TemporaryDirectory(prefix="briefing-profile-") as temp:
            profile = Path(temp) / "scale.prof"
            profiled = scaled_run(options.profile, options.timeout, profile)
            print(f"\nProfiled run: {scaled_table([profiled])[-1]}")
            if profile.is_file():
                print_profile(profile)
    if options.remote:
        remote = remote_run(options.remote, options.latency, options.concurrency, options.timeout)
        print("\n" + "\n".join(remote_table(remote)))
    if not options.no_named_files:
        print()
        print("\n".join(named_table(named_file_runs(timeout=30.0))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
