"""Structured output: the format ladder, re-asks with the validation error, and the schema's
shape, through `ModelClient` against the fake endpoint in process (no network)."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from briefing.errors import EndpointError, ModelOutputError
from briefing.model.client import ModelClient
from briefing.model.endpoint import Endpoint
from briefing.model.structured import InvalidAnswer, OutputMode, extract_json, schema_of

from .support.answers import GOOD, SCHEMA, Answer, ask
from .support.endpoint import FakeEndpoint, Reply, client_for, completion


def test_ladder_falls_back_once_and_remembers_the_rung() -> None:
    fake = FakeEndpoint(
        replies=[Reply(status=500), Reply(GOOD), Reply('{"verdict": "again", "score": 1}')]
    )
    client = client_for(fake)

    assert ask(client) == Answer(verdict="ok", score=3)
    assert ask(client).verdict == "again"

    formats = [request.get("response_format") for request in fake.requests]
    assert formats[0]["type"] == "json_schema"
    assert formats[0]["json_schema"]["schema"] == SCHEMA
    assert formats[1] == formats[2] == {"type": "json_object", "schema": SCHEMA}
    assert client.mode is OutputMode.json_object_schema
    assert client.usage.llm_calls == 2  # the refused probe produced no completion


def test_ladder_reaches_plain_prompt_with_schema_in_the_message() -> None:
    refused = Reply(status=400)
    fake = FakeEndpoint(replies=[refused, refused, refused, Reply(f"Sure! ```json\n{GOOD}\n```")])
    client = client_for(fake)

    assert ask(client).score == 3
    last = fake.requests[-1]
    assert "response_format" not in last
    assert '"verdict"' in last["messages"][1]["content"]
    assert last["messages"][0] == {"role": "system", "content": "system"}
    assert client.mode is OutputMode.prompt


def test_an_endpoint_that_refuses_every_format_says_so() -> None:
    fake = FakeEndpoint(replies=[Reply(status=422)] * 4)
    with pytest.raises(EndpointError, match="rejected every request format"):
        ask(client_for(fake))
    assert len(fake.requests) == len(OutputMode)


def test_a_server_failure_at_the_last_rung_is_the_servers_not_the_formats() -> None:
    failed = Reply(status=500)
    fake = FakeEndpoint(replies=[failed] * 4)
    with pytest.raises(EndpointError, match="answered HTTP 500"):
        ask(client_for(fake))


def _ask_at_once(client: ModelClient, askers: int) -> list[Answer]:
    with ThreadPoolExecutor(askers) as pool:
        return list(pool.map(lambda _: ask(client), range(askers)))


def test_while_the_first_request_finds_the_rung_the_others_ask_on_the_top_one() -> None:
    fake = FakeEndpoint(delay=0.3, replies=[Reply(GOOD)] * 4)
    client = client_for(fake)

    assert _ask_at_once(client, 4) == [Answer(verdict="ok", score=3)] * 4
    assert fake.most_in_flight == 4  # none waited for the first answer
    assert {r["response_format"]["type"] for r in fake.requests} == {"json_schema"}
    assert client.mode is OutputMode.json_schema


def test_askers_refused_on_the_top_rung_wait_for_the_rung_the_first_request_finds() -> None:
    formats: list[str | None] = []
    lock = threading.Lock()

    def handle(request: httpx2.Request) -> httpx2.Response:
        shape = json.loads(request.content).get("response_format") or {}
        with lock:
            formats.append(shape.get("type"))
        if shape.get("type") == "json_schema":
            return httpx2.Response(400, json={"error": {"message": "json_schema unsupported"}})
        time.sleep(0.2)
        return httpx2.Response(200, json=completion(GOOD))

    client = ModelClient(
        Endpoint(base_url="http://fake.test/v1", model="m", max_retries=0),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handle)),
    )

    assert _ask_at_once(client, 3) == [Answer(verdict="ok", score=3)] * 3
    assert client.mode is OutputMode.json_object_schema
    assert formats.count("json_schema") == 3  # one quick refusal each
    assert formats.count("json_object") == 3


def test_invalid_answer_is_re_asked_with_the_validation_error() -> None:
    fake = FakeEndpoint(
        replies=[Reply(body=completion('{"verdict": "ok"}')), Reply(body=completion(GOOD))]
    )
    client = client_for(fake, mode=OutputMode.json_object_schema)

    assert ask(client).score == 3
    reask = fake.requests[1]["messages"]
    assert reask[2] == {"role": "assistant", "content": '{"verdict": "ok"}'}
    assert "score: Field required" in reask[3]["content"]
    assert client.usage.llm_calls == 2
    assert client.usage.prompt_tokens == 20 and client.usage.completion_tokens == 8


def test_re_asks_stop_at_the_cap_and_keep_the_last_problem_as_the_cause() -> None:
    fake = FakeEndpoint(replies=[Reply("no json here")] * 3)
    client = client_for(fake, mode=OutputMode.json_object_schema)

    with pytest.raises(
        ModelOutputError, match="stayed invalid after 2 re-asks: the answer held no JSON"
    ) as raised:
        ask(client)
    assert len(fake.requests) == 3
    assert isinstance(raised.value.__cause__, InvalidAnswer)


def test_an_answer_off_the_schema_keeps_the_validation_error_as_the_cause() -> None:
    fake = FakeEndpoint(replies=[Reply('{"verdict": "ok"}')])
    with pytest.raises(ModelOutputError, match="score: Field required") as raised:
        ask(client_for(fake, mode=OutputMode.json_schema, max_reasks=0))
    invalid = raised.value.__cause__
    assert isinstance(invalid, InvalidAnswer)
    assert type(invalid.__cause__).__name__ == "ValidationError"


def test_truncated_answer_is_re_asked() -> None:
    fake = FakeEndpoint(replies=[Reply('{"verdict": "o', finish_reason="length"), Reply(GOOD)])
    client = client_for(fake, mode=OutputMode.json_object_schema)

    assert ask(client).verdict == "ok"
    assert "cut off at the token limit" in fake.requests[1]["messages"][3]["content"]


def test_schema_is_inlined_and_closed() -> None:
    class Outer(BaseModel):
        """A docstring that should not reach the model."""

        title: str
        inner: list[Answer]

    schema = schema_of(Outer)
    assert "$defs" not in json.dumps(schema) and "$ref" not in json.dumps(schema)
    assert set(schema["properties"]) == {"title", "inner"}
    assert schema["additionalProperties"] is False
    assert schema["properties"]["inner"]["items"]["additionalProperties"] is False
    assert "description" not in schema


@given(
    before=st.text().filter(lambda t: "{" not in t), after=st.text().filter(lambda t: "}" not in t)
)
def test_the_json_object_is_found_in_whatever_wraps_it(before: str, after: str) -> None:
    assert extract_json(f"{before}{GOOD}{after}") == GOOD
