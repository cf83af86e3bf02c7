"""The embedded runtime's self-test: which configuration runs on this CPU, remembered."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from briefing.errors import ModelSetupError
from briefing.local.embedded_server import take_own_flags
from briefing.local.runtime import (
    Configuration,
    Trial,
    choose,
    describe_exit,
    last_meaningful_line,
    mark_crashed,
    read_record,
    record_path,
)


class Probes:
    """A stand-in for the child-process probe: fixed outcomes per configuration, counted."""

    def __init__(self, **outcomes: Trial) -> None:
        self.outcomes = {Configuration(name.replace("_", "-")): t for name, t in outcomes.items()}
        self.calls: list[Configuration] = []

    def __call__(self, configuration: Configuration) -> Trial:
        self.calls.append(configuration)
        return self.outcomes[configuration]


def works(configuration: Configuration, prompt: float, generated: float) -> Trial:
    return Trial(configuration=configuration, ok=True, prompt_tps=prompt,
                 generated_tps=generated, sampler="favourite-first")  # fmt: skip


def faults(configuration: Configuration) -> Trial:
    return Trial(configuration=configuration, ok=False, failure="illegal instruction (SIGILL)")


NATIVE, PLAIN = Configuration.native, Configuration.no_extra_buffers


def test_a_cpu_that_faults_on_the_native_configuration_falls_back_and_says_so(
    tmp_path: Path,
) -> None:
    probes = Probes(native=faults(NATIVE), no_extra_buffers=works(PLAIN, 80, 10))

    choice = choose(tmp_path, probes)

    assert choice.configuration is PLAIN
    assert choice.server_flags == ["--no-extra-buffers", "--sampler", "favourite-first"]
    assert choice.notice == (
        "embedded runtime on this CPU: no-extra-buffers (80 prompt / 10 generated tok/s); "
        "native: illegal instruction (SIGILL)"
    )


def test_the_fastest_working_configuration_is_kept_and_both_rates_are_shown(
    tmp_path: Path,
) -> None:
    probes = Probes(native=works(NATIVE, 150, 33), no_extra_buffers=works(PLAIN, 80, 10))

    choice = choose(tmp_path, probes)

    assert choice.configuration is NATIVE
    assert choice.server_flags == ["--sampler", "favourite-first"]
    assert choice.notice is not None
    assert "native (150 prompt / 33 generated tok/s)" in choice.notice
    assert "no-extra-buffers: 80 prompt / 10 generated tok/s" in choice.notice


def test_the_outcome_is_remembered_so_later_runs_test_nothing(tmp_path: Path) -> None:
    probes = Probes(native=faults(NATIVE), no_extra_buffers=works(PLAIN, 80, 10))
    choose(tmp_path, probes)

    again = choose(tmp_path, probes)

    assert probes.calls == [NATIVE, PLAIN]  # only the first run probed
    assert again.configuration is PLAIN and again.notice is None
    assert record_path(tmp_path).parent == tmp_path / "runtime"


def test_a_crash_in_a_real_run_moves_the_next_run_to_the_other_configuration(
    tmp_path: Path,
) -> None:
    probes = Probes(native=works(NATIVE, 150, 33), no_extra_buffers=works(PLAIN, 80, 10))
    assert choose(tmp_path, probes).configuration is NATIVE

    mark_crashed(tmp_path, NATIVE, "illegal instruction (SIGILL)")

    assert choose(tmp_path, probes).configuration is PLAIN
    record = read_record(record_path(tmp_path))
    assert record is not None and not record.trials[0].ok


def test_a_sampler_that_failed_its_check_is_not_used(tmp_path: Path) -> None:
    stock = works(NATIVE, 150, 33).model_copy(update={"sampler": "stock: no _init_sampler"})
    probes = Probes(native=stock, no_extra_buffers=faults(PLAIN))

    choice = choose(tmp_path, probes)

    assert not choice.favourite_first
    assert choice.server_flags == ["--sampler", "stock"]


def test_a_runtime_that_fails_everywhere_says_what_to_do(tmp_path: Path) -> None:
    probes = Probes(native=faults(NATIVE), no_extra_buffers=faults(PLAIN))

    with pytest.raises(ModelSetupError) as failed:
        choose(tmp_path, probes)

    assert "fails on this CPU in every configuration" in failed.value.message
    assert "native: illegal instruction (SIGILL)" in failed.value.message
    assert "--base-url" in failed.value.hint and "briefing doctor" in failed.value.hint


@pytest.mark.parametrize(
    ("returncode", "words"),
    [
        (-signal.SIGILL, "illegal instruction (SIGILL)"),
        (-signal.SIGKILL, "killed (SIGKILL)"),
        (-signal.SIGSEGV, "segmentation fault (SIGSEGV)"),
        (1, "exit code 1"),
        (0, "exit code 0"),
    ],
)
def test_an_exit_status_is_described_in_words(returncode: int, words: str) -> None:
    assert describe_exit(returncode) == words


def test_the_last_meaningful_log_line_skips_access_and_loading_lines() -> None:
    log = [
        "llama_model_loader: loaded meta data",
        "GGML_ASSERT(x) failed",
        'INFO:     127.0.0.1:5 - "GET /v1/models HTTP/1.1" 200 OK',
        "",
        "......",
    ]
    assert last_meaningful_line(log) == "GGML_ASSERT(x) failed"
    assert last_meaningful_line(log[2:]) is None


def test_the_embedded_server_takes_its_own_flags_and_passes_the_rest_on() -> None:
    rest, extra_buffers, sampler = take_own_flags(
        ["--model", "m.gguf", "--no-extra-buffers", "--sampler", "stock", "--port", "1"]
    )
    assert rest == ["--model", "m.gguf", "--port", "1"]
    assert not extra_buffers and sampler == "stock"
    assert take_own_flags(["--port", "1"]) == (["--port", "1"], True, "favourite-first")
