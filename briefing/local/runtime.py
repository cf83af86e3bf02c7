"""Choose how to run the embedded model on this CPU: a one-time self-test, remembered.

llama.cpp's native build uses what the CPU says it has; some virtual machines advertise AMX
tile instructions and then fault on them (SIGILL). So the first time the embedded model runs
with a llama-cpp-python version on a CPU, each configuration below is tried in a child process
(`runtime_probe`), which loads the model, reads a fixed text and writes a few tokens:

1. `native`: ggml's extra buffer types on (AMX tiles where usable, repacked weights): fastest.
2. `no-extra-buffers`: the same build without them, for CPUs that fault on (1).

The fastest configuration that worked is kept, with both its reading and writing rates, in
`<cache>/runtime/<version>-<cpu>.json`; a later run reads it instead of testing again. A
server that crashes on a configuration during a real run marks it failed there, so the next
run falls back by itself. `briefing doctor` shows the record and measures again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ValidationError

from briefing.atomic_files import replace_file
from briefing.errors import ModelSetupError

PROBE_TIMEOUT_SECONDS = 300.0
# What one seeds extraction asks of the runtime, to rank configurations by: about 900 prompt
# tokens read and 400 written (README, "Speed").
_TYPICAL_PROMPT_TOKENS = 900
_TYPICAL_GENERATED_TOKENS = 400


class Configuration(StrEnum):
    native = "native"
    no_extra_buffers = "no-extra-buffers"

    @property
    def server_flags(self) -> list[str]:
        return ["--no-extra-buffers"] if self is Configuration.no_extra_buffers else []


class Trial(BaseModel):
    """How one configuration fared in the self-test."""

    configuration: Configuration
    ok: bool
    prompt_tps: float | None = None
    generated_tps: float | None = None
    sampler: str | None = None  # "favourite-first", or "stock: <why>"
    system_info: str | None = None
    failure: str | None = None  # e.g. "illegal instruction (SIGILL)"

    @property
    def seconds_for_typical_call(self) -> float:
        if not (self.prompt_tps and self.generated_tps):
            return float("inf")
        return (
            _TYPICAL_PROMPT_TOKENS / self.prompt_tps
            + _TYPICAL_GENERATED_TOKENS / self.generated_tps
        )

    def rates(self) -> str:
        return f"{self.prompt_tps:g} prompt / {self.generated_tps:g} generated tok/s"


class RuntimeRecord(BaseModel):
    """The self-test's outcome for one llama-cpp-python version on one CPU."""

    llama_cpp_version: str
    cpu: str
    trials: list[Trial]

    @property
    def chosen(self) -> Trial | None:
        working = [trial for trial in self.trials if trial.ok]
        return min(working, key=lambda t: t.seconds_for_typical_call) if working else None

    def notice(self) -> str:
        """One line: what was chosen, its rates, and what the others did."""
        chosen = self.chosen
        if chosen is None:
            return "; ".join(f"{t.configuration}: {t.failure}" for t in self.trials)
        others = [
            f"{t.configuration}: {t.rates() if t.ok else t.failure}"
            for t in self.trials
            if t is not chosen
        ]
        line = f"embedded runtime on this CPU: {chosen.configuration} ({chosen.rates()})"
        return line + (f"; {'; '.join(others)}" if others else "")


Probe = Callable[[Configuration], Trial]


@dataclass(frozen=True)
class RuntimeChoice:
    """What the server is started with."""

    configuration: Configuration
    sampler: str  # "favourite-first", or "stock: <why the self-test ruled it out>"
    notice: str | None  # shown once, when the self-test has just run

    @property
    def favourite_first(self) -> bool:
        return self.sampler == "favourite-first"

    @property
    def server_flags(self) -> list[str]:
        sampler = "favourite-first" if self.favourite_first else "stock"
        return [*self.configuration.server_flags, "--sampler", sampler]


def choose(cache_dir: Path, probe: Probe) -> RuntimeChoice:
    """The recorded configuration for this CPU, or the self-test's pick (then recorded)."""
    path = record_path(cache_dir)
    record = read_record(path)
    notice = None
    if record is None or (record.chosen is None and _untried(record)):
        record = self_test(probe, tried=record.trials if record else [])
        write_record(path, record)
        notice = record.notice()
    chosen = record.chosen
    if chosen is None:
        raise ModelSetupError(
            f"the embedded model's runtime fails on this CPU in every configuration "
            f"({record.notice()})",
            hint="reinstall llama-cpp-python for this machine: pip install --force-reinstall "
            "--no-cache-dir 'llama-cpp-python[server]', then run briefing doctor; or pass "
            "--base-url to use another endpoint",
        )
    return RuntimeChoice(
        configuration=chosen.configuration, sampler=chosen.sampler or "stock", notice=notice
    )


def self_test(probe: Probe, tried: Sequence[Trial] = ()) -> RuntimeRecord:
    """Try every configuration not tried yet (one known to crash stays failed)."""
    trials = list(tried)
    known = {trial.configuration for trial in trials}
    trials += [probe(each) for each in Configuration if each not in known]
    return RuntimeRecord(llama_cpp_version=llama_cpp_version(), cpu=cpu_name(), trials=trials)


def mark_crashed(cache_dir: Path, configuration: Configuration, failure: str) -> None:
    """Remember that the server crashed on `configuration`, so the next run avoids it."""
    path = record_path(cache_dir)
    record = read_record(path)
    if record is None:
        return
    trials = [
        Trial(configuration=configuration, ok=False, failure=failure)
        if trial.configuration is configuration
        else trial
        for trial in record.trials
    ]
    write_record(path, record.model_copy(update={"trials": trials}))


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


def _untried(record: RuntimeRecord) -> bool:
    return {trial.configuration for trial in record.trials} != set(Configuration)


def probe_in_child(model_path: Path, threads: int) -> Probe:
    """A probe that runs `runtime_probe` in a child process, so a fault kills only the child."""

    def probe(configuration: Configuration) -> Trial:
        command = [
            sys.executable, "-m", "briefing.local.runtime_probe",
            "--model", str(model_path), "--threads", str(threads),
            *(["--no-extra-buffers"] if configuration is Configuration.no_extra_buffers else []),
        ]  # fmt: skip
        try:
            finished = subprocess.run(
                command,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=PROBE_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            failure = f"did not finish within {PROBE_TIMEOUT_SECONDS:.0f} s"
            return Trial(configuration=configuration, ok=False, failure=failure)
        if finished.returncode != 0:
            failure = describe_exit(finished.returncode)
            last = last_meaningful_line(finished.stderr.splitlines())
            if last:
                failure += f": {last}"
            return Trial(configuration=configuration, ok=False, failure=failure)
        try:
            measured = json.loads(finished.stdout.strip().splitlines()[-1])
            return Trial(configuration=configuration, ok=True, **measured)
        except (IndexError, ValueError, ValidationError):
            failure = "printed no measurement"
            return Trial(configuration=configuration, ok=False, failure=failure)

    return probe


def describe_exit(returncode: int) -> str:
    """A process's exit status in words: "illegal instruction (SIGILL)", "exit code 1"."""
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        number = signal.Signals(-returncode)
    except ValueError:
        return f"signal {-returncode}"
    description = signal.strsignal(number) or number.name
    return f"{description.split(':')[0].lower()} ({number.name})"


_NOISE = ("INFO:", "llama_", "load", "print_info", "ggml_", "graph_", "clip_", "~llama",
          "briefing: ")  # fmt: skip


def last_meaningful_line(lines: Sequence[str]) -> str | None:
    """The last line of a server log or stderr that says something: not blank, not an
    access-log or loading line, not a progress line."""
    for line in reversed(lines):
        text = line.strip()
        if text and not text.startswith(_NOISE) and not set(text) <= set(".-= "):
            return text[:200]
    return None


def record_path(cache_dir: Path) -> Path:
    key = f"{llama_cpp_version()}-{cpu_fingerprint()}"
    return cache_dir / "runtime" / f"{key}.json"


def read_record(path: Path) -> RuntimeRecord | None:
    try:
        return RuntimeRecord.model_validate_json(path.read_bytes())
    except (OSError, ValueError):
        return None


def write_record(path: Path, record: RuntimeRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, record.model_dump_json(indent=2) + "\n")


def llama_cpp_version() -> str:
    try:
        return importlib.metadata.version("llama_cpp_python")
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def cpu_name() -> str:
    for line in _cpuinfo().splitlines():
        if line.startswith("model name") and ":" in line:
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    for line in _cpuinfo().splitlines():
        if line.startswith(("flags", "Features")) and ":" in line:
            return sorted(set(line.split(":", 1)[1].split()))
    return []


def cpu_fingerprint() -> str:
    """Short and stable for one kind of CPU: its architecture, name and instruction flags."""
    described = "|".join([platform.machine(), cpu_name(), *cpu_flags()])
    return f"{platform.machine()}-{hashlib.sha256(described.encode()).hexdigest()[:12]}"


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return ""  # macOS and others: the architecture and platform.processor() name it
