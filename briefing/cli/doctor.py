"""`briefing doctor`: what a user runs when something is off.

Each check gives one line: what it looked at, what it found, and, when it failed, how to fix
it. The checks cover the installation (Python and package versions), the embedded model
(its file and sha256), the runtime (the configuration the self-test chose for this CPU, the
llama.cpp CPU features in use, prompt and generation rates measured now on a fixed text), the
cache folder, and, with `--base-url`, the endpoint (does it answer, which structured-output
dialect it speaks, how long a round trip takes).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from briefing.atomic_files import check_writable
from briefing.errors import BriefingError
from briefing.local.runtime import (
    Probe,
    Trial,
    choose,
    cpu_name,
    default_threads,
    llama_cpp_version,
    probe_in_child,
    read_record,
    record_path,
)
from briefing.local.weights import EMBEDDED_MODEL, LOCAL_EXTRA_HINT, embedded_model_path
from briefing.model.client import ModelClient
from briefing.model.endpoint import resolve
from briefing.reconcile import embeddings
from briefing.settings import Settings

_PACKAGES = ("briefing", "openai", "pydantic", "llama_cpp_python", "trafilatura")
_HASH_CHUNK = 8 * 1024 * 1024
_FEATURES = ("AVX", "AVX2", "AVX512", "AVX512_VNNI", "AMX_INT8", "NEON", "ARM_FMA", "F16C", "FMA")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    found: str
    fix: str = ""


class _Pong(BaseModel):
    """Any JSON object will do: the check is whether a structured request gets JSON back."""

    model_config = ConfigDict(extra="allow")
    ok: bool | None = None


def checks(
    settings: Settings, probe: Callable[[Path, int], Probe] = probe_in_child
) -> Iterator[Check]:
    """Every check in order; the model checks only when no --base-url is given."""
    yield _python()
    yield _packages()
    yield _cache_folder(settings.cache_dir)
    yield _sentence_encoder()
    if settings.base_url:
        yield from _endpoint(settings)
        return
    model, path = _model_file(settings)
    yield model
    if path is not None:
        yield from _runtime(settings, path, probe)


def _python() -> Check:
    return Check("python", True, f"{platform.python_version()} on {platform.machine()}")


def _packages() -> Check:
    versions = []
    for package in _PACKAGES:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package} not installed")
    return Check("packages", True, ", ".join(versions))


def _cache_folder(cache_dir: Path) -> Check:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        check_writable(cache_dir)
    except OSError as error:
        return Check(
            "cache folder",
            False,
            f"{cache_dir} is not writable: {error.strerror}",
            "choose another --cache-dir or BRIEFING_CACHE_DIR",
        )
    return Check("cache folder", True, f"{cache_dir} is writable")


def _sentence_encoder() -> Check:
    if not embeddings.available():
        return Check(
            "sentence encoder",
            False,
            "not installed: claims are matched across articles by their words only",
            embeddings.INSTALL_HINT,
        )
    try:
        started = time.monotonic()
        embeddings.encoder().embed(["A sentence to check the encoder with."])
    except BriefingError as error:
        return Check("sentence encoder", False, error.message, error.hint)
    took = time.monotonic() - started
    return Check("sentence encoder", True, f"all-MiniLM-L6-v2, weights verified ({took:.1f} s)")


def _model_file(settings: Settings) -> tuple[Check, Path | None]:
    """The model file's check, and its path when it can be served."""
    if settings.model_path is not None:
        path = settings.model_path.expanduser()
        try:
            with path.open("rb") as model:
                magic = model.read(4)
        except OSError as error:
            return Check("model", False, f"{path}: {error.strerror}", "check --model-path"), None
        if magic != b"GGUF":
            return Check("model", False, f"{path} is not a GGUF file", "check --model-path"), None
        return Check("model", True, f"{path} (a GGUF file)"), path
    try:
        path = embedded_model_path(settings.cache_dir)
    except BriefingError as error:
        return Check("model", False, error.message, error.hint), None
    if _sha256(path) != EMBEDDED_MODEL.sha256:
        path.with_suffix(".sha256").unlink(missing_ok=True)  # the next run assembles it again
        fix = "run briefing doctor again to reassemble it from the installed parts"
        return Check("model", False, f"{path} does not match its sha256", fix), None
    return Check("model", True, f"{path} (sha256 verified)"), path


def _runtime(
    settings: Settings, model_path: Path, probe: Callable[[Path, int], Probe]
) -> Iterator[Check]:
    if llama_cpp_version() == "absent":
        yield Check("runtime", False, "llama-cpp-python is not installed", LOCAL_EXTRA_HINT)
        return
    measure = probe(model_path, default_threads())
    try:
        choice = choose(settings.cache_dir, measure)
    except BriefingError as error:
        yield Check("runtime", False, error.message, error.hint)
        return
    record = read_record(record_path(settings.cache_dir))
    yield Check(
        "runtime",
        True,
        f"llama-cpp-python {llama_cpp_version()} on {cpu_name()}: {choice.configuration}; "
        f"sampler {choice.sampler}; self-test record: {record.notice() if record else 'none'}",
    )
    yield _speed(measure(choice.configuration))


def _speed(trial: Trial) -> Check:
    if not trial.ok:
        return Check(
            "speed",
            False,
            f"{trial.configuration} failed now: {trial.failure}",
            "delete the runtime record in the cache folder's runtime/ to test again",
        )
    features = _features_in_use(trial.system_info or "")
    return Check(
        "speed",
        True,
        f"{trial.rates()} on a fixed text, {default_threads()} threads; "
        f"CPU features in use: {features or 'none reported'}",
    )


def _features_in_use(system_info: str) -> str:
    """The `X = 1` entries of llama.cpp's system info that name CPU instruction sets."""
    found = []
    for part in system_info.replace("|", " ").split():
        name, _, value = part.partition("=")
        if value == "1" and name.strip() in _FEATURES:
            found.append(name.strip())
    if not found:  # newer llama.cpp: "CPU : SSE3 = 1 | AVX = 1 | ..."
        for entry in system_info.split("|"):
            name, _, value = entry.partition("=")
            name = name.split(":")[-1].strip()
            if value.strip() == "1" and name in _FEATURES:
                found.append(name)
    return ", ".join(dict.fromkeys(found))


def _endpoint(settings: Settings) -> Iterator[Check]:
    assert settings.base_url is not None
    endpoint = resolve(settings).endpoint
    quick = replace(endpoint, timeout=min(endpoint.timeout, 60.0), max_retries=0)
    with ModelClient(quick, max_reasks=1) as client:
        yield from _endpoint_checks(client, settings.base_url)


def _endpoint_checks(client: ModelClient, base_url: str) -> Iterator[Check]:
    try:
        started = time.monotonic()
        model = client.model
        listed = time.monotonic() - started
    except BriefingError as error:
        yield Check("endpoint", False, error.message, error.hint)
        return
    yield Check("endpoint", True, f"{base_url} answers; model {model} ({listed:.2f} s)")
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
    try:
        started = time.monotonic()
        client.structured(
            "Answer with JSON only.", 'Reply {"ok": true}.', _Pong, schema, max_tokens=16
        )
        round_trip = time.monotonic() - started
    except BriefingError as error:
        yield Check("structured output", False, error.message, error.hint)
        return
    yield Check(
        "structured output",
        True,
        f"dialect {client.mode}; a short structured answer took {round_trip:.2f} s",
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as model:
        while chunk := model.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


__all__ = ["Check", "checks"]
