"""briefing: news articles on one topic in, one sourced Markdown briefing out.

import briefing
result = briefing.generate(["seeds/"], briefing.Settings(base_url="http://127.0.0.1:8080/v1"))
briefing.write_outputs(result, Path("out"))
"""

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
