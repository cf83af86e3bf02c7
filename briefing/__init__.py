"""briefing: news articles on one topic in, one sourced Markdown briefing out.

import briefing
result = briefing.generate(["seeds/"], briefing.Settings(base_url="http://127.0.0.1:8080/v1"))
briefing.write_outputs(result, Path("out"))

The public names are imported when first used: the embedded model's server process
(`python -m briefing.local.embedded_server`) imports this package too, and would otherwise
spend 0.45 s of its start importing the pipeline it never runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefing.errors import (
        BriefingError,
        EndpointError,
        InputError,
        ModelOutputError,
        ModelSetupError,
    )
    from briefing.output.markdown import to_json, to_markdown
    from briefing.output.publish import write_outputs
    from briefing.pipeline import generate
    from briefing.settings import Settings
    from briefing.types.contract import Briefing

_HOMES = {
    "Briefing": "briefing.types.contract",
    "BriefingError": "briefing.errors",
    "EndpointError": "briefing.errors",
    "InputError": "briefing.errors",
    "ModelOutputError": "briefing.errors",
    "ModelSetupError": "briefing.errors",
    "Settings": "briefing.settings",
    "generate": "briefing.pipeline",
    "to_json": "briefing.output.markdown",
    "to_markdown": "briefing.output.markdown",
    "write_outputs": "briefing.output.publish",
}

__all__ = [
    "Briefing",
    "BriefingError",
    "EndpointError",
    "InputError",
    "ModelOutputError",
    "ModelSetupError",
    "Settings",
    "generate",
    "to_json",
    "to_markdown",
    "write_outputs",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'briefing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once imported, an attribute like any other
    return value
