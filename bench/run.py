"""Benchmark: the embedded model's floor, the seeds run, a cached re-run, a peer, and scaling.

Not a test: it runs the real embedded model for over an hour on a 2-core machine. Usage:
    python bench/run.py [--sizes 10 50 100] [--no-peer] [--repeats 3] [--readme]
It needs the project installed with the `local` extra. The peer (LangChain's map-reduce
summarize chain) runs in its own environment, bench/.venv, created here from
bench/requirements.txt on first use, so LangChain never enters the project's environment.
Every run gets a fresh answer cache, except the re-run, which reuses a seeds run's.
The seeds run is repeated (3 times by default) and the floor measured before the first and
after each; each run is compared with the two measurements around it, taken together, and the
table shows the median run (the machine's speed drifts by several percent within minutes).
`--readme` replaces the table between the bench markers in README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version
from pathlib import Path
from typing import Any

from corpus import perturbed_corpus

from briefing import Settings
from briefing.diagnostics import Diagnostics
from briefing.local.runtime import (
    Configuration,
    RuntimeChoice,
    choose,
    default_threads,
    probe_in_child,
)
from briefing.local.runtime_probe import disable_extra_buffers
from briefing.local.server import running_server, stop
from briefing.local.weights import EMBEDDED_MODEL, embedded_model_path
from briefing.model.endpoint import resolve
from briefing.pipeline import prepare
from briefing.sources.ingest import read_documents

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BENCH = ROOT / "bench"
VENV = BENCH / ".venv"
README = ROOT / "README.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")
GENERATION_SAMPLE = 200  # tokens generated to measure the generation rate


@dataclass(frozen=True)
class Rates:
    prompt_per_second: float
    generation_per_second: float
    seed_tokens: int
    seed_read_seconds: float
    generation_seconds: float  # to generate GENERATION_SAMPLE tokens

    def around(self, after: Rates) -> Rates:
        """These rates and those measured `after` the runs, as one: the time of both reads and
        both samples together, so a machine that speeds up or slows down meanwhile (these VMs
        drift by 10% within minutes) weighs on the floor as on the runs it frames."""
        read = self.seed_read_seconds + after.seed_read_seconds
        generating = self.generation_seconds + after.generation_seconds
        return Rates(
            prompt_per_second=2 * self.seed_tokens / read,
            generation_per_second=2 * GENERATION_SAMPLE / generating,
            seed_tokens=self.seed_tokens,
            seed_read_seconds=read / 2,
            generation_seconds=generating / 2,
        )


@dataclass(frozen=True)
class Run:
    label: str
    articles: int
    article_tokens: int
    seconds: float
    calls: int
    cached_calls: int
    prompt_tokens: int
    completion_tokens: int
    claim_tokens: int  # what the extract stage generated: the claims as the model wrote them
    evaluated_tokens: int | None  # prompt tokens the server evaluated (the rest it reused)
    peak_rss: int
    words: int
    citations: int
    exit_code: int


@dataclass(frozen=True)
class Framed:
    """A seeds run and the floor measured just before and just after it: the machine's speed
    drifts by several percent between runs minutes apart, so each run is compared with the
    floor around it, and the benchmark reports the median of several."""

    run: Run
    before: Rates
    after: Rates
    cache: Path

    def rates(self) -> Rates:
        return self.before.around(self.after)

    def ratio(self) -> float:
        return self.run.seconds / floor_seconds(self.run, self.rates())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 50, 100])
    parser.add_argument("--no-peer", action="store_true", help="skip the LangChain peer")
    parser.add_argument(
        "--repeats", type=int, default=3, metavar="N",
        help="seeds runs, each between two measurements of the floor; the table shows the median",
    )  # fmt: skip
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    arguments = parser.parse_args()
    if arguments.repeats < 1:
        parser.error("--repeats must be 1 or more")

    settings = Settings.from_env()
    model_path = embedded_model_path(settings.cache_dir)
    seeds = sorted(SEEDS.glob("*.txt"))
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    corpora = {
        size: perturbed_corpus(seeds, size, work / f"corpus-{size}") for size in arguments.sizes
    }
    python = peer_python() if not arguments.no_peer else None

    load = os.getloadavg()[0]
    say(f"work folder: {work}; load average {load:.2f}")
    if load > 0.5:
        say("the machine is busy: generation slows sharply when another process takes a core")
    runtime = choose(settings.cache_dir, probe_in_child(model_path, default_threads()))
    before, token_counts = measure_floor(model_path, runtime, [SEEDS, *corpora.values()])
    say(f"floor, before the first seeds run: {before}")
    framed: list[Framed] = []
    for repeat in range(1, arguments.repeats + 1):
        seeds_cache = fresh_cache(work / f"cache-seeds-{repeat}", settings.cache_dir)
        seeds_run = run_briefing(
            "seeds", SEEDS, work / f"seeds-{repeat}", seeds_cache, token_counts[SEEDS]
        )
        after, _ = measure_floor(model_path, runtime, [SEEDS])
        say(f"floor, after seeds run {repeat}: {after}")
        framed.append(Framed(seeds_run, before, after, seeds_cache))
        before = after
    median = sorted(framed, key=Framed.ratio)[len(framed) // 2]
    rerun = run_briefing("cached re-run", SEEDS, work / "again", median.cache, token_counts[SEEDS])
    peer = (
        run_peer(python, model_path, settings, seeds, work, token_counts[SEEDS]) if python else None
    )
    scaling = []
    for size, corpus in corpora.items():
        cache = fresh_cache(work / f"cache-{size}", settings.cache_dir)
        out = work / f"out-{size}"
        scaling.append(run_briefing(f"{size} articles", corpus, out, cache, token_counts[corpus]))
    table = render(median, framed, rerun, peer, scaling, load)
    print(table)
    if arguments.readme:
        write_readme(table)
    return 0


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the floor: llama-cpp-python directly, no server, no prompt around the text ----------------


def measure_floor(
    model_path: Path, runtime: RuntimeChoice, corpora: Sequence[Path]
) -> tuple[Rates, dict[Path, int]]:
    """Read every seed article once (timed) and generate a sample; count every corpus's tokens.
    The model is loaded as the runtime's self-test chose for the server on this CPU."""
    from llama_cpp import Llama

    if runtime.configuration is Configuration.no_extra_buffers:
        disable_extra_buffers()

    threads = os.cpu_count() or 1
    model = Llama(
        model_path=str(model_path), n_ctx=8192, n_threads=threads, n_threads_batch=threads,
        verbose=False,
    )  # fmt: skip
    texts = {corpus: article_texts(corpus) for corpus in corpora}
    counts = {
        corpus: sum(len(model.tokenize(text.encode(), add_bos=False)) for text in articles)
        for corpus, articles in texts.items()
    }
    read_seconds = 0.0
    for text in texts[corpora[0]]:
        tokens = model.tokenize(text.encode(), add_bos=True)
        model.reset()  # type: ignore[no-untyped-call]
        started = time.perf_counter()
        model.eval(tokens)
        read_seconds += time.perf_counter() - started
    generation_seconds = _time_generation(model, texts[corpora[0]][0])
    del model
    rates = Rates(
        prompt_per_second=counts[corpora[0]] / read_seconds,
        generation_per_second=GENERATION_SAMPLE / generation_seconds,
        seed_tokens=counts[corpora[0]],
        seed_read_seconds=read_seconds,
        generation_seconds=generation_seconds,
    )
    return rates, counts


def _time_generation(model: Any, text: str) -> float:
    """Seconds to generate GENERATION_SAMPLE tokens greedily after an article-length prompt."""
    prompt = model.tokenize(f"{text}\n\nThe key facts of this article are:\n".encode())
    started = 0.0
    for produced, _ in enumerate(model.generate(prompt, temp=0.0)):
        if produced == 0:  # the first token arrives once the prompt is read: start the clock
            started = time.perf_counter()
        elif produced == GENERATION_SAMPLE:
            return time.perf_counter() - started
    raise AssertionError("generate() ended early")  # it is an endless generator


def article_texts(folder: Path) -> list[str]:
    """The articles' text as the pipeline reads it (cleaned, boilerplate removed)."""
    articles = prepare(read_documents([folder]), Diagnostics())
    return [article.text for article in articles]


def floor_seconds(run: Run, rates: Rates) -> float:
    return (
        run.article_tokens / rates.prompt_per_second
        + run.claim_tokens / rates.generation_per_second
    )


# --- the project's runs: the README's main command, timed from outside -----------------------


def fresh_cache(folder: Path, user_cache: Path) -> Path:
    """An empty answer cache that shares with the user's cache what a run does once per
    machine: the assembled embedded model and the runtime's self-test on this CPU."""
    folder.mkdir(parents=True)
    for once in ("models", "runtime"):
        (folder / once).symlink_to(user_cache / once, target_is_directory=True)
    return folder


def run_briefing(
    label: str,
    sources: Path,
    out: Path,
    cache: Path,
    article_tokens: int,
    options: Sequence[str] = (),
) -> Run:
    say(f"{label}: briefing generate {sources} {' '.join(options)}")
    command = [sys.executable, "-m", "briefing", "generate", str(sources), "--out", str(out),
               *options]  # fmt: skip
    env = {**os.environ, "BRIEFING_CACHE_DIR": str(cache)}
    log = out.with_suffix(".log")
    wall_start = time.time()
    started = time.perf_counter()
    with log.open("w") as output, peak_rss_of_tree() as peak:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        peak.watch(process.pid)
        try:
            exit_code = process.wait()
        finally:
            stop(process)  # interrupted: the run stops its model server on SIGTERM
    seconds = time.perf_counter() - started
    if exit_code not in (0, 2):
        raise SystemExit(f"{label} failed with exit code {exit_code}; see {log}")
    data = json.loads((out / "briefing.json").read_text())
    usage = data["usage"]
    statements = [s for section in data["sections"] for s in section["statements"]]
    run = Run(
        label=label,
        articles=sum(source["duplicate_of"] is None for source in data["sources"]),
        article_tokens=article_tokens,
        seconds=seconds,
        calls=usage["llm_calls"],
        cached_calls=usage["cached_calls"],
        prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"],
        claim_tokens=usage["stages"].get("extract", {}).get("completion_tokens", 0),
        evaluated_tokens=evaluated_tokens(cache / "server.log", since=wall_start),
        peak_rss=peak.bytes,
        words=len((out / "briefing.md").read_text().split()),
        citations=sum(len(statement["citations"]) for statement in statements),
        exit_code=exit_code,
    )
    say(f"{label}: {run}")
    return run


_EVALUATED = re.compile(r"prompt eval time = .*?/\s*(\d+) tokens")


def evaluated_tokens(server_log: Path, since: float) -> int | None:
    """The prompt tokens the embedded server evaluated, by its own log: a prompt that starts
    like the one before it is evaluated only from where they differ. None when no server
    wrote the log since `since` (a run on another server, or answered from the cache)."""
    if not server_log.is_file() or server_log.stat().st_mtime < since:
        return None
    found = _EVALUATED.findall(server_log.read_text(encoding="utf-8", errors="replace"))
    return sum(map(int, found)) if found else None


class PeakRss:
    """Polls the summed resident memory of a process and all its descendants: every 0.2 s
    for the processes known, and looks for new ones every second. Finding them reads every
    process's /proc entry (1.7 ms here): doing that every 0.2 s took one of the model's two
    cores 0.9% of the time, which the floor, measured without it, never pays."""

    def __init__(self) -> None:
        self.bytes = 0
        self._root: int | None = None
        self._done = threading.Event()

    def watch(self, pid: int) -> None:
        self._root = pid

    def poll(self) -> None:
        tree: list[int] = []
        for polled in itertools.count():
            if self._done.wait(0.2):
                return
            if self._root is None:
                continue
            if polled % 5 == 0 or not tree:
                tree = _tree(self._root)
            self.bytes = max(self.bytes, sum(_rss(pid) for pid in tree))


@contextmanager
def peak_rss_of_tree() -> Iterator[PeakRss]:
    peak = PeakRss()
    poller = threading.Thread(target=peak.poll, daemon=True)
    poller.start()
    try:
        yield peak
    finally:
        peak._done.set()
        poller.join()


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def _rss(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) * 1024 if found else 0


# --- the peer: LangChain map-reduce in its own environment, on a server started like ours -----


@dataclass(frozen=True)
class PeerRun:
    seconds: float
    calls: int
    prompt_tokens: int
    completion_tokens: int
    words: int
    citations: int
    langchain: str
    ours: Run  # our seeds run on the same server, right after the peer


def peer_python() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        say(f"creating the peer's environment in {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    requirements = BENCH / "requirements.txt"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
    return python


def run_peer(
    python: Path,
    model_path: Path,
    settings: Settings,
    seeds: Sequence[Path],
    work: Path,
    seed_tokens: int,
) -> PeerRun:
    """The peer, then our seeds run again on the same running server (neither starts it)."""
    say("peer: LangChain map_reduce summarize chain")
    served = resolve(settings).server_options()  # the runtime this CPU runs, as in a real run
    options = dataclasses.replace(
        served,
        model_path=model_path,
        alias=EMBEDDED_MODEL.name,
        log_path=Path(tempfile.mkdtemp(prefix="briefing-bench-server-")) / "server.log",
    )
    with running_server(options) as server:
        base_url = server.base_url
        command = [str(python), str(BENCH / "peer.py"), "--base-url", base_url,
                   "--model", EMBEDDED_MODEL.name, *map(str, seeds)]  # fmt: skip
        finished = subprocess.run(command, check=True, capture_output=True, text=True)
        ours = run_briefing(
            "seeds, on the peer's server, --concurrency 1",
            SEEDS,
            work / "seeds-same-server",
            fresh_cache(work / "cache-same-server", settings.cache_dir),
            seed_tokens,
            # One request at a time, as the README advises for a local single-slot server and
            # as the peer's chain sends its own.
            options=["--base-url", base_url, "--model", EMBEDDED_MODEL.name, "--concurrency", "1"],
        )
    result = json.loads(finished.stdout)
    say(f"peer output:\n{result['output']}")
    return PeerRun(
        seconds=result["seconds"],
        calls=result["calls"],
        prompt_tokens=result["prompt_tokens"],
        completion_tokens=result["completion_tokens"],
        words=len(result["output"].split()),
        citations=len(re.findall(r"\[\^?\d+\]|\[S\d+\]", result["output"])),
        langchain=result["langchain"],
        ours=ours,
    )


# --- the table -------------------------------------------------------------------------------


def render(
    median: Framed,
    framed: Sequence[Framed],
    rerun: Run,
    peer: PeerRun | None,
    scaling: list[Run],
    load: float,
) -> str:
    seeds, rates, before, after = median.run, median.rates(), median.before, median.after
    floor = floor_seconds(seeds, rates)
    lines = [
        f"Measured {date.today().isoformat()} on {machine()} (load average {load:.2f} at the "
        f"start); model {EMBEDDED_MODEL.name}, llama-cpp-python {version('llama-cpp-python')}.",
        "",
        "| run | articles | wall s | s / article | model calls | prompt tok | completion tok "
        "| × floor | peak RSS | output words | citations |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| floor: read {seeds.article_tokens:,} article tokens once at "
        f"{rates.prompt_per_second:.1f} tok/s + write {seeds.claim_tokens:,} claim tokens at "
        f"{rates.generation_per_second:.1f} tok/s (measured before and after that seeds run: "
        f"{before.prompt_per_second:.1f} and {after.prompt_per_second:.1f}, "
        f"{before.generation_per_second:.1f} and {after.generation_per_second:.1f} tok/s) "
        f"| {seeds.articles} | {floor:.1f} | "
        f"{floor / seeds.articles:.1f} | – | {seeds.article_tokens:,} | {seeds.claim_tokens:,} "
        "| 1.00 | – | – | – |",
        _row(seeds, rates),
        _row(rerun, rates, cached=True),
    ]
    if peer:
        lines.append(
            f"| peer: LangChain {peer.langchain} map_reduce, same server | {seeds.articles} | "
            f"{peer.seconds:.1f} | {peer.seconds / seeds.articles:.1f} | {peer.calls} | "
            f"{peer.prompt_tokens:,} | {peer.completion_tokens:,} | "
            f"{peer.seconds / floor:.2f} | – | {peer.words:,} | {peer.citations} |"
        )
        lines.append(_row(peer.ours, rates, rss_of="client only"))  # the server is not its child
    lines += [_row(run, rates) for run in scaling]
    lines += ["", *_verdicts(median, framed, rerun, peer, scaling)]
    return "\n".join(lines)


def _row(run: Run, rates: Rates, cached: bool = False, rss_of: str = "") -> str:
    calls = f"{run.calls} ({run.cached_calls} cached)" if cached else str(run.calls)
    ratio = "–" if cached else f"{run.seconds / floor_seconds(run, rates):.2f}"
    return (
        f"| {run.label} | {run.articles} | {run.seconds:.1f} | {run.seconds / run.articles:.1f} "
        f"| {calls} | {run.prompt_tokens:,}{_evaluated(run)} | {run.completion_tokens:,} | {ratio} "
        f"| {run.peak_rss / 2**30:.2f} GiB{', ' + rss_of if rss_of else ''} | {run.words:,} "
        f"| {run.citations} |"
    )


def _evaluated(run: Run) -> str:
    return "" if run.evaluated_tokens is None else f" ({run.evaluated_tokens:,} evaluated)"


def _verdicts(
    median: Framed, framed: Sequence[Framed], rerun: Run, peer: PeerRun | None, scaling: list[Run]
) -> list[str]:
    seeds, ratio = median.run, median.ratio()
    each = ", ".join(
        f"{one.ratio():.2f}× ({one.run.seconds:.1f} s against "
        f"{floor_seconds(one.run, one.rates()):.1f} s)"
        for one in framed
    )
    lines = [
        f"- Seeds run: {ratio:.2f}× the floor, the median of {len(framed)} runs in order: {each} "
        f"(target ≤ 1.3×): {_met(ratio <= 1.3)}.",
        f"- Cached re-run: {rerun.calls} model calls in {rerun.seconds:.1f} s "
        f"(target 0 calls, < 3 s): {_met(rerun.calls == 0 and rerun.seconds < 3)}.",
    ]
    if peer:
        versus = peer.ours.seconds / peer.seconds
        lines.append(
            f"- Against the peer, both on one running server: {versus:.2f}× its wall time "
            f"(quality per second is `bench/side_by_side.py`'s); {peer.ours.words:,} words with "
            f"{peer.ours.citations} citations against its {peer.words:,} words with "
            f"{peer.citations}. With the model's start, the seeds run is "
            f"{seeds.seconds / peer.seconds:.2f}× the peer."
        )
    if len(scaling) >= 2:
        first, last = scaling[0], scaling[-1]
        growth = (last.seconds / last.articles) / (first.seconds / first.articles)
        peak = max(run.peak_rss for run in [seeds, *scaling])
        lines.append(
            f"- Scaling: {last.seconds / last.articles:.1f} s per article at {last.articles} "
            f"against {first.seconds / first.articles:.1f} at {first.articles} ({growth:.2f}×; "
            f"target ≤ 1.10×); peak RSS {peak / 2**30:.2f} GiB (target < 2 GB): "
            f"{_met(growth <= 1.10 and peak < 2e9)}."
        )
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    cpu = found.group(1).strip() if found else platform.processor() or "unknown CPU"
    flags = re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M)
    vector = sorted(
        flag
        for flag in (flags.group(1).split() if flags else [])
        if flag in {"avx", "avx2", "fma", "f16c"} or flag.startswith(("avx512", "amx"))
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu} ({' '.join(vector) or 'no AVX'}), {os.cpu_count()} cores, {memory:.0f} GiB "
        f"RAM, Python {platform.python_version()}"
    )


def write_readme(table: str) -> None:
    text = README.read_text()
    start, end = (text.index(marker) for marker in MARKERS)
    README.write_text(text[: start + len(MARKERS[0])] + "\n" + table + "\n" + text[end:])
    say(f"wrote the table into {README}")


if __name__ == "__main__":
    sys.exit(main())
