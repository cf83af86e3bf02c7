"""Recorded model HTTP: where cassettes live, how requests are matched (method, path, JSON body)
and what is scrubbed before anything is written."""

from __future__ import annotations

import json
import os
from typing import Any

import vcr
from vcr.request import Request as VcrRequest

from .paths import CASSETTES

RECORDING = os.environ.get("BRIEFING_RECORD") == "1"


# In replay nothing is contacted; the port only has to be stable (paths are matched, not hosts).
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"


SECRET_HEADERS = [
    "authorization",
    "api-key",
    "x-api-key",
    "cookie",
    "set-cookie",
    "openai-organization",
]


def json_body(request: VcrRequest) -> Any:
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body


def json_body_matcher(recorded: VcrRequest, live: VcrRequest) -> None:
    if json_body(recorded) != json_body(live):
        raise AssertionError("request JSON bodies differ (did a prompt, schema or setting change?)")


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
    return response


def vcr_for(module: str) -> vcr.VCR:
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES / module),
        record_mode="all" if RECORDING else "none",
        match_on=["method", "path", "json_body"],
        filter_headers=SECRET_HEADERS,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", json_body_matcher)
    return recorder
