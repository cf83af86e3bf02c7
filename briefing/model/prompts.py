"""Render the Jinja2 templates in `prompts/`: fixed system prompt first, data fenced.

Templates ship inside the wheel as `briefing/prompts/`; in a source checkout they are read
from the repository's top-level `prompts/` folder.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from briefing.model.cache import digest

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_FENCE_TAG = re.compile(r"<\s*(/?)\s*(article|claims)\b", re.I)


def prompt_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "prompts", _PACKAGE_DIR.parent / "prompts"):
        if (candidate / "system.j2").is_file():
            return candidate
    raise FileNotFoundError("briefing's prompt templates are missing; reinstall the package")


def fenced(text: str) -> str:
    """Neutralise anything in data that could close or open a fence of ours."""
    return _FENCE_TAG.sub(r"‹\1\2", text)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompt_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=False,
    )
    environment.filters["fenced"] = fenced
    return environment


def render(name: str, **values: Any) -> str:
    return _environment().get_template(f"{name}.j2").render(**values).strip()


@cache
def fingerprint() -> str:
    """A hash of every template's source: part of each cached answer's key."""
    sources = {path.name: path.read_text(encoding="utf-8") for path in prompt_dir().glob("*.j2")}
    return digest(sources)
