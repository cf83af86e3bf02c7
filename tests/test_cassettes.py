"""Cassette hygiene: no recorded interaction holds a secret, and a changed request never
replays a stale answer.

The scan looks at every cassette under `cassettes/` for secret headers (authorization, API
keys, cookies), `sk-` style keys, bearer tokens, and the values of environment variables
whose names say they hold a key, token, secret or password. It reports where, never what.
Planted secrets in a temporary cassette show each rule fires, and a recording made through
conftest's vcr configuration, against the loopback fake with a key, shows that recording
scrubs them. Replay goes through `briefing.model.client.ModelClient` under the same vcr
configuration and matcher the `cassette` fixture uses.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException

from briefing.claims.extract import ANSWER_TOKENS
from briefing.model.client import ModelClient
from briefing.model.structured import OutputMode
from briefing.model.transport import NO_KEY, Endpoint
from briefing.types.answers import ArticleSummary

from .support.cassettes import RECORDING, REPLAY_BASE_URL, vcr_for
from .support.endpoint import MODEL, Reply, fake_endpoint
from .support.paths import CASSETTES

CASSETTE_FILES = sorted(CASSETTES.rglob("*.yaml"))
SECRET_VARIABLE = re.compile(r"KEY|TOKEN|SECRET|PASSW(OR)?D|CREDENTIAL", re.I)
SECRET_HEADER = re.compile(r"auth|api[-_]?key|cookie|token|secret|session|organization", re.I)
SK_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}")
BEARER = re.compile(r"\bbearer\s+(?=[\w.~+/-]*\d)[\w.~+/-]{16,}=*", re.I)
TRIVIAL = {"true", "false", "none", "null", "yes", "no", NO_KEY}
# The recorded request replayed below: one seed's extraction by the embedded model.
RECORDED = CASSETTES / "test_extract_cassette" / "test_seed_extraction_is_grounded[S1].yaml"


# --- the scan -------------------------------------------------------------------------------


def secret_values(environ: Mapping[str, str]) -> dict[str, str]:
    """Set variables named like a key, token, secret or password, with a non-trivial value."""
    return {
        name: value
        for name, value in environ.items()
        if SECRET_VARIABLE.search(name) and len(value) >= 8 and value.lower() not in TRIVIAL
    }


def secrets_in(path: Path, environ: Mapping[str, str]) -> list[str]:
    """Where `path` holds something secret, described without the secret itself."""
    raw = path.read_text(encoding="utf-8")
    data = yaml.safe_load(raw) or {}
    found: list[str] = []
    for number, interaction in enumerate(data.get("interactions", []), start=1):
        for side in ("request", "response"):
            for header in (interaction.get(side) or {}).get("headers") or {}:
                if SECRET_HEADER.search(header):
                    found.append(f"interaction {number}: {side} header {header!r}")
    texts = [raw, *_strings(data)]  # parsed too: YAML folds long lines and escapes characters
    for rule, pattern in (("an sk- style key", SK_KEY), ("a bearer token", BEARER)):
        if any(pattern.search(text) for text in texts):
            found.append(rule)
    for name, value in secret_values(environ).items():
        if any(value in text for text in texts):
            found.append(f"the value of ${name}")
    return found


def _strings(node: Any) -> Iterator[str]:
    """Every string in `node`, with the JSON inside request and response bodies opened."""
    if isinstance(node, str):
        yield node
        try:
            inner = json.loads(node)
        except ValueError:
            return
        if not isinstance(inner, str):
            yield from _strings(inner)
    elif isinstance(node, bytes):
        yield from _strings(node.decode("utf-8", "replace"))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def test_there_are_cassettes_to_scan() -> None:
    assert len(CASSETTE_FILES) >= 5


@pytest.mark.parametrize(
    "cassette_file", CASSETTE_FILES, ids=[str(p.relative_to(CASSETTES)) for p in CASSETTE_FILES]
)
def test_no_cassette_holds_a_secret(cassette_file: Path) -> None:
    assert secrets_in(cassette_file, os.environ) == []


PLANTED_KEY = "sk-proj-" + "A1b2C3d4" * 4
PLANTED = {
    "authorization header": ("request", "headers", "Authorization", "interaction 1: request"),
    "api-key header": ("request", "headers", "api-key", "interaction 1: request"),
    "cookie header": ("response", "headers", "Set-Cookie", "interaction 1: response"),
    "sk- key in a body": ("request", "body", PLANTED_KEY, "an sk- style key"),
    "bearer token in a body": ("response", "body", "Bearer eyJhbGciOi.J9x7Qz1", "a bearer"),
    "an environment secret": ("request", "body", "correct-horse-battery", "$BRIEFING_TEST_TOKEN"),
}


@pytest.mark.parametrize("kind", PLANTED)
def test_the_scan_finds_a_planted_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setenv("BRIEFING_TEST_TOKEN", "correct-horse-battery")
    data = yaml.safe_load(RECORDED.read_text(encoding="utf-8"))
    clean = tmp_path / "clean.yaml"
    clean.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert secrets_in(clean, os.environ) == []

    side, where, secret, reported = PLANTED[kind]
    interaction = data["interactions"][0][side]
    if where == "headers":
        interaction["headers"][secret] = ["kept-out-of-this-message"]
    elif side == "request":  # inside the JSON body, deep in the prompt
        body = json.loads(interaction["body"])
        body["messages"][1]["content"] += f"\nnote: {secret}"
        interaction["body"] = json.dumps(body)
    else:
        interaction["body"]["string"] += f" {secret}"
    planted = tmp_path / "planted.yaml"
    planted.write_text(yaml.safe_dump(data), encoding="utf-8")

    (found,) = secrets_in(planted, os.environ)
    assert reported in found
    assert "correct-horse" not in found and PLANTED_KEY not in found  # where, never what


@pytest.mark.loopback
@pytest.mark.skipif(RECORDING, reason="not while re-recording the cassettes")
def test_recording_through_the_harness_scrubs_the_key_and_cookies(
    tmp_path: Path, loopback: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-test-" + "9f8e7d6c" * 4
    monkeypatch.setenv("BRIEFING_TEST_API_KEY", key)
    cassette_file = tmp_path / "recorded.yaml"
    with fake_endpoint() as fake:
        fake.api_key = key  # any other key is refused, so the key was sent
        fake.replies = [Reply(headers={"Set-Cookie": "session=0123456789abcdef"})]
        article = "<article>\n[1] Tokyo and Washington agreed on a new command.\n</article>"
        with (
            ModelClient(
                Endpoint(base_url=fake.base_url, model=MODEL, api_key=key, max_retries=0),
                mode=OutputMode.json_object,
            ) as client,
            vcr_for("unused").use_cassette(str(cassette_file), record_mode="all"),
        ):
            summary = client.structured("system", article, ArticleSummary, {}, max_tokens=64)
    assert summary.claims and len(fake.chat_requests) == 1
    assert "/v1/chat/completions" in cassette_file.read_text()
    assert secrets_in(cassette_file, os.environ) == []


# --- a changed request fails instead of replaying -------------------------------------------


def recorded_request() -> dict[str, Any]:
    (interaction,) = yaml.safe_load(RECORDED.read_text(encoding="utf-8"))["interactions"]
    body: dict[str, Any] = json.loads(interaction["request"]["body"])
    return body


@contextmanager
def replaying() -> Iterator[Cassette]:
    """The recorded cassette, under the vcr configuration and matcher the `cassette` fixture
    uses (record mode "none": a request it does not hold is refused)."""
    with vcr_for(RECORDED.parent.name).use_cassette(RECORDED.name) as cassette:
        yield cassette


def ask(body: dict[str, Any]) -> ArticleSummary:
    """Send `body`'s request through the project's client, as extraction does."""
    system, user = (message["content"] for message in body["messages"])
    with ModelClient(
        Endpoint(base_url=REPLAY_BASE_URL, model=body["model"], max_retries=0),
        mode=OutputMode.json_object_schema,  # as the recording's `embedded_client`
        max_reasks=0,
    ) as client:
        return client.structured(
            system,
            user,
            ArticleSummary,
            body["response_format"]["schema"],
            max_tokens=body["max_tokens"],
            stage="extract",
        )


@pytest.mark.skipif(RECORDING, reason="replays only")
def test_the_recorded_request_replays_through_the_client() -> None:
    body = recorded_request()
    assert body["max_tokens"] == ANSWER_TOKENS  # the request is today's extraction request
    with replaying() as cassette:
        summary = ask(body)
    assert cassette.play_count == 1 and cassette.all_played
    assert len(summary.claims) >= 3


def _one_letter(text: str) -> str:
    """`text` with one letter changed: "Summarise" -> "Summarize", else its first "a"."""
    changed = text.replace("Summarise", "Summarize", 1)
    return changed if changed != text else text.replace("a", "e", 1)


@pytest.mark.skipif(RECORDING, reason="replays only")
@pytest.mark.parametrize("part", ["user prompt", "system prompt", "max_tokens"])
def test_a_one_character_change_fails_instead_of_replaying_a_stale_answer(part: str) -> None:
    body = recorded_request()
    messages = body["messages"]
    if part == "user prompt":
        messages[1]["content"] = _one_letter(messages[1]["content"])
    elif part == "system prompt":
        messages[0]["content"] = _one_letter(messages[0]["content"])
    else:
        body["max_tokens"] += 1
    assert body != recorded_request()

    with (
        replaying() as cassette,
        pytest.raises(CannotOverwriteExistingCassetteException) as refused,
    ):
        ask(body)
    assert cassette.play_count == 0  # no stale answer was played
    assert "json_body" in str(refused.value)  # the message says which part differs, and why:
    assert "request JSON bodies differ (did a prompt, schema or setting change?)" in str(
        refused.value
    )
