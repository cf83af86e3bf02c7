"""A stand-in for llama-cpp-python's server, to run the embedded server's lifecycle against."""

from __future__ import annotations

from pathlib import Path

import pytest


def stand_in_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, main_source: str) -> None:
    """Put a stand-in `llama_cpp.server` (whose `__main__` is `main_source`) and `uvicorn`
    first on PYTHONPATH, so the embedded server's lifecycle runs against it."""
    site = tmp_path / "site"
    (site / "llama_cpp" / "server").mkdir(parents=True)
    (site / "llama_cpp" / "__init__.py").write_text("")
    (site / "llama_cpp" / "server" / "__init__.py").write_text("")
    (site / "llama_cpp" / "server" / "__main__.py").write_text(main_source)
    (site / "uvicorn").mkdir()
    (site / "uvicorn" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
