"""The model client against a scripted endpoint (httpx2.MockTransport, no network)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from pydantic import BaseModel

from briefing.errors import BudgetError, EndpointError, ModelOutputError
from briefing.model.client import Endpoint, ModelClient, OutputMode, Spending, schema_of
from briefing.model.costs import Price


class Answer(BaseModel):
    verdict: str
    score: int


SCHEMA = schema_of(Answer)
GOOD = '{"verdict": "ok", "score": 3}'


def completion(content: str, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
    }


class Script:
    """Answers requests in order and keeps their JSON bodies."""

    def __init__(
        self, *answers: tuple[int, dict[str, Any]] | Callable[[], httpx2.Response]
    ) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.paths.append(request.url.path)
        self.requests.append(json.loads(request.content) if request.content else {})
        answer = self.answers.pop(0)
        if callable(answer):
            return answer()
        status, body = answer
        return httpx2.Response(status, json=body)


def client_for(
    script: Script,
    *,
    model: str | None = "m",
    mode: OutputMode | None = None,
    retries: int = 0,
    **options: Any,
) -> ModelClient:
    transport = httpx2.MockTransport(script)
    return ModelClient(
        Endpoint(base_url="http://model.test/v1", model=model, max_retries=retries),
        http_client=httpx2.Client(transport=transport),
        mode=mode,
        **options,
    )


def ask(client: ModelClient) -> Answer:
    return client.structured("system", "user", Answer, SCHEMA, max_tokens=50)


def test_ladder_falls_back_once_and_remembers_the_rung() -> None:
    script = Script(
        (500, {"error": {"message": "json_schema not supported"}}),
        (200, completion(GOOD)),
        (200, completion('{"verdict": "again", "score": 1}')),
    )
    client = client_for(script)

    assert ask(client) == Answer(verdict="ok", score=3)
    assert ask(client).verdict == "again"

    formats = [request.get("response_format") for request in script.requests]
    assert formats[0]["type"] == "json_schema"
    assert formats[0]["json_schema"]["schema"] == SCHEMA
    assert formats[1] == formats[2] == {"type": "json_object", "schema": SCHEMA}
    assert client.mode is OutputMode.json_object_schema
    assert client.usage.llm_calls == 2  # the refused probe produced no completion


def test_ladder_reaches_plain_prompt_with_schema_in_the_message() -> None:
    refused = (400, {"error": {"message": "unknown response_format"}})
    script = Script(refused, refused, refused, (200, completion(f"Sure! ```json\n{GOOD}\n```")))
    client = client_for(script)

    assert ask(client).score == 3
    last = script.requests[-1]
    assert "response_format" not in last
    assert '"verdict"' in last["messages"][1]["content"]
    assert last["messages"][0] == {"role": "system", "content": "system"}
    assert client.mode is OutputMode.prompt


def test_requests_are_deterministic() -> None:
    script = Script((200, completion(GOOD)))
    ask(client_for(script, mode=OutputMode.json_schema))

    request = script.requests[0]
    assert request["temperature"] == 0
    assert request["seed"] == 42
    assert request["max_tokens"] == 50
    assert request["model"] == "m"


def test_invalid_answer_is_re_asked_with_the_validation_error() -> None:
    script = Script((200, completion('{"verdict": "ok"}')), (200, completion(GOOD)))
    client = client_for(script, mode=OutputMode.json_object_schema)

    assert ask(client).score == 3
    reask = script.requests[1]["messages"]
    assert reask[2] == {"role": "assistant", "content": '{"verdict": "ok"}'}
    assert "score: Field required" in reask[3]["content"]
    assert client.usage.llm_calls == 2
    assert client.usage.prompt_tokens == 20 and client.usage.completion_tokens == 8


def test_re_asks_stop_at_the_cap() -> None:
    script = Script(*[(200, completion("no json here"))] * 3)
    client = client_for(script, mode=OutputMode.json_object_schema)

    with pytest.raises(
        ModelOutputError, match="stayed invalid after 2 re-asks: the answer held no JSON"
    ):
        ask(client)
    assert len(script.requests) == 3


def test_truncated_answer_is_re_asked() -> None:
    script = Script((200, completion('{"verdict": "o', "length")), (200, completion(GOOD)))
    client = client_for(script, mode=OutputMode.json_object_schema)

    assert ask(client).verdict == "ok"
    assert "cut off at the token limit" in script.requests[1]["messages"][3]["content"]


def test_wrong_api_key_names_the_variable() -> None:
    script = Script((401, {"error": {"message": "Incorrect API key"}}))
    with pytest.raises(EndpointError, match="rejected the API key") as raised:
        ask(client_for(script, mode=OutputMode.json_schema))
    assert "OPENAI_API_KEY" in str(raised.value)


def test_connection_failure_says_where() -> None:
    def refuse() -> httpx2.Response:
        raise httpx2.ConnectError("connection refused")

    with pytest.raises(
        EndpointError, match=r"cannot reach the model endpoint at http://model\.test/v1"
    ):
        ask(client_for(Script(refuse), mode=OutputMode.json_schema))


def test_missing_model_name_is_taken_from_the_endpoint() -> None:
    models = {
        "object": "list",
        "data": [{"id": "served-model", "object": "model", "created": 0, "owned_by": "me"}],
    }
    script = Script((200, models), (200, completion(GOOD)))
    client = client_for(script, model=None, mode=OutputMode.json_schema)

    ask(client)
    assert script.paths == ["/v1/models", "/v1/chat/completions"]
    assert script.requests[1]["model"] == "served-model"


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


def embedding(index: int, vector: list[float]) -> dict[str, Any]:
    return {"object": "embedding", "index": index, "embedding": vector}


def test_embeddings_come_back_in_input_order_and_are_counted() -> None:
    body = {
        "object": "list",
        "model": "e",
        "data": [embedding(1, [0.0, 1.0]), embedding(0, [1.0, 0.0])],
        "usage": {"prompt_tokens": 7, "total_tokens": 7},
    }
    script = Script((200, body))
    client = client_for(script)

    assert client.embed(["first", "second"], "e") == [[1.0, 0.0], [0.0, 1.0]]
    assert script.paths == ["/v1/embeddings"]
    assert script.requests[0]["input"] == ["first", "second"]
    assert script.requests[0]["model"] == "e"
    assert (client.usage.llm_calls, client.usage.prompt_tokens) == (1, 7)


def test_missing_embeddings_are_an_endpoint_error() -> None:
    body = {"object": "list", "model": "e", "data": [embedding(0, [1.0])], "usage": None}
    with pytest.raises(EndpointError, match="returned 1 embeddings for 2 texts"):
        client_for(Script((200, body))).embed(["a", "b"], "e")


def test_an_endpoint_without_embeddings_is_an_endpoint_error() -> None:
    script = Script((404, {"error": {"message": "no such route"}}))
    with pytest.raises(EndpointError):
        client_for(script).embed(["a"], "e")


@pytest.mark.parametrize("call", ["chat", "models", "embeddings"])
def test_a_web_page_instead_of_the_api_is_an_endpoint_error(call: str) -> None:
    page = httpx2.Response(200, text="<html>Sign in</html>", headers={"content-type": "text/html"})
    client = client_for(Script(lambda: page), model=None if call == "models" else "m")
    requests = {
        "chat": lambda: ask(client),
        "models": lambda: client.model,
        "embeddings": lambda: client.embed(["a"], "e"),
    }
    with pytest.raises(EndpointError, match="answered with a web page or other text") as raised:
        requests[call]()
    assert "often ends in /v1" in str(raised.value)


def rate_limited(seconds: str) -> Callable[[], httpx2.Response]:
    return lambda: httpx2.Response(
        429, headers={"retry-after": seconds}, json={"error": {"message": "slow down"}}
    )


@pytest.mark.parametrize("mode", [OutputMode.json_schema, None], ids=["known rung", "probing"])
def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(mode: OutputMode | None) -> None:
    # The SDK's own backoff starts at 0.5 s, so waiting 1.2 s shows the header was honoured.
    script = Script(rate_limited("1.2"), (200, completion(GOOD)))
    client = client_for(script, mode=mode, retries=2)

    started = time.monotonic()
    assert ask(client) == Answer(verdict="ok", score=3)

    assert time.monotonic() - started >= 1.2
    assert client.mode is OutputMode.json_schema and client.usage.llm_calls == 1


def test_endless_429s_end_in_a_message_about_the_rate_limit() -> None:
    script = Script(rate_limited("0"), rate_limited("0"))
    with pytest.raises(EndpointError, match="HTTP 429") as raised:
        ask(client_for(script, mode=OutputMode.json_schema, retries=1))
    assert "--concurrency" in str(raised.value)


def test_a_429_asking_for_longer_than_a_run_waits_ends_at_once_and_says_so() -> None:
    script = Script(*(rate_limited("99999") for _ in range(4)))
    started = time.monotonic()
    with pytest.raises(EndpointError, match="asks to wait 99,999 s") as raised:
        ask(client_for(script, mode=OutputMode.json_schema, retries=3))
    assert time.monotonic() - started < 20  # the SDK's own short backoff, never 99,999 s
    assert "try again later" in str(raised.value)


def test_usage_is_counted_per_stage_with_its_cost() -> None:
    script = Script((200, completion(GOOD)), (200, completion(GOOD)))
    client = client_for(
        script, mode=OutputMode.json_schema, spending=Spending(price=Price(input=1e6, output=2e6))
    )
    client.structured("s", "u", Answer, SCHEMA, max_tokens=50, stage="extract")
    client.structured("s", "u2", Answer, SCHEMA, max_tokens=50, stage="compose")

    assert client.usage.stages["extract"].prompt_tokens == 10
    assert client.usage.stages["compose"].completion_tokens == 4
    assert client.usage.cost == pytest.approx(2 * (10 * 1 + 4 * 2))


def test_a_call_that_could_pass_the_budget_is_not_sent() -> None:
    expensive = completion(GOOD)
    expensive["usage"] = {"prompt_tokens": 990, "completion_tokens": 0, "total_tokens": 990}
    script = Script((200, expensive))
    # $1 per prompt token: the first call's prompt (a few dozen tokens) fits in $1,000; it
    # spends $990, so the next one would pass the limit and is refused before it is sent.
    spending = Spending(price=Price(input=1e6, output=0), limit=1000)
    client = client_for(script, mode=OutputMode.json_schema, spending=spending)
    ask(client)

    with pytest.raises(BudgetError, match=r"past \$1000: \$990.0000 spent") as raised:
        ask(client)
    assert "raise --max-cost" in str(raised.value)
    assert len(script.requests) == 1 and client.usage.cost == 990


def test_the_endpoint_is_started_by_the_first_call_and_only_once() -> None:
    starts: list[str] = []
    script = Script((200, completion(GOOD)), (200, completion(GOOD)))

    def start() -> str:
        starts.append("started")
        return "http://model.test/v1"

    client = client_for(script, mode=OutputMode.json_schema, start=start)
    assert client.model == "m" and not starts  # naming the model needs no server
    ask(client)
    ask(client)
    assert starts == ["started"]


def test_an_endpoint_that_reports_no_usage_is_counted_and_charged() -> None:
    silent = completion(GOOD)
    del silent["usage"]
    script = Script((200, silent))
    client = client_for(
        script, mode=OutputMode.json_schema, spending=Spending(price=Price(input=1e6, output=0))
    )
    ask(client)
    assert client.usage.prompt_tokens > 0 and client.usage.completion_tokens > 0
    assert client.usage.cost == client.usage.prompt_tokens


def test_embeddings_are_charged_at_their_own_price_and_kept_within_the_budget() -> None:
    body = {
        "object": "list",
        "model": "e",
        "data": [{"object": "embedding", "index": 0, "embedding": [1.0]}],
        "usage": {"prompt_tokens": 1000, "total_tokens": 1000},
    }
    script = Script((200, body))
    spending = Spending(
        price=Price(input=1e6, output=1e6), embedding_price=Price(input=1, output=0), limit=0.00105
    )
    client = client_for(script, spending=spending)
    client.embed(["a claim"], "e")
    assert client.usage.cost == pytest.approx(0.001)  # 1,000 tokens at $1 per million

    with pytest.raises(BudgetError, match=r"\(embed\)"):
        client.embed(["a longer claim " * 100], "e")
    assert len(script.requests) == 1
