"""The transport: requests to the endpoint, the error table, rate limits and the client's
lifecycle, through `ModelClient` against the fake endpoint in process (no network)."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx2
import openai
import pytest

from briefing.errors import EndpointError, RequestFailedError
from briefing.model.client import ModelClient
from briefing.model.structured import OutputMode
from briefing.model.transport import Endpoint

from .support.answers import GOOD, Answer, ask
from .support.endpoint import FakeEndpoint, Reply, client_for


def test_requests_are_deterministic() -> None:
    fake = FakeEndpoint(replies=[Reply(GOOD)])
    ask(client_for(fake, mode=OutputMode.json_schema))

    (request,) = fake.requests
    assert request["temperature"] == 0
    assert request["seed"] == 42
    assert request["max_tokens"] == 50
    assert request["model"] == "m"


def test_the_sdk_is_imported_by_the_first_request_not_by_the_program() -> None:
    """0.4 s that a run of cached answers never needs, and that a run starting the embedded
    model's server spends while the server loads."""
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, briefing.cli.app, briefing.pipeline; "
         "print('openai' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert imported.stdout.strip() == "False"


# --- the error table: one row each, the SDK's error kept as the cause ----------------------------

ROWS = [  # the reply, the error it becomes, what that says, and the SDK error kept as its cause
    pytest.param(Reply(status=401), EndpointError, "rejected the API key",
                 openai.AuthenticationError, id="wrong key"),
    pytest.param(Reply(status=403), EndpointError, "rejected the API key",
                 openai.PermissionDeniedError, id="forbidden"),
    pytest.param(Reply(status=404), EndpointError, "has no model 'm' or no chat API",
                 openai.NotFoundError, id="no such model"),
    pytest.param(Reply(status=429), RequestFailedError, r"\(HTTP 429\) after 0 retries",
                 openai.RateLimitError, id="rate limited"),
    pytest.param(Reply(dropped=True), EndpointError,
                 r"cannot reach the model endpoint at http://model\.test/v1",
                 openai.APIConnectionError, id="unreachable"),
    pytest.param(Reply(status=503), RequestFailedError, "answered HTTP 503: .*fake failure 503",
                 openai.InternalServerError, id="server failure"),
    pytest.param(Reply(status=409), RequestFailedError, "answered HTTP 409",
                 openai.ConflictError, id="any other status"),
]  # fmt: skip


@pytest.mark.parametrize(("reply", "kind", "message", "cause"), ROWS)
def test_each_sdk_error_says_what_happened_and_keeps_its_cause(
    reply: Reply, kind: type[EndpointError], message: str, cause: type[Exception]
) -> None:
    fake = FakeEndpoint(replies=[reply])
    with pytest.raises(kind, match=message) as raised:
        ask(client_for(fake, mode=OutputMode.json_schema))
    assert type(raised.value) is kind
    assert isinstance(raised.value.__cause__, cause)


@pytest.mark.loopback
def test_an_answer_that_outlasts_the_timeout_is_a_failed_request_with_its_cause(
    fake: FakeEndpoint,
) -> None:
    fake.replies = [Reply(trickle=0.05)]  # headers, then a byte every 50 ms, forever
    client = ModelClient(
        Endpoint(base_url=fake.base_url, model="m", timeout=0.5, max_retries=0),
        mode=OutputMode.json_schema,
    )
    started = time.monotonic()
    with pytest.raises(RequestFailedError, match=r"did not answer within 0\.5 s") as raised:
        ask(client)
    assert time.monotonic() - started < 10
    assert isinstance(raised.value.__cause__, openai.APITimeoutError)


def test_wrong_api_key_names_the_variable() -> None:
    fake = FakeEndpoint(replies=[Reply(status=401)])
    with pytest.raises(EndpointError, match="rejected the API key") as raised:
        ask(client_for(fake, mode=OutputMode.json_schema))
    assert "OPENAI_API_KEY" in str(raised.value)


def test_missing_model_name_is_taken_from_the_endpoint() -> None:
    fake = FakeEndpoint(model="served-model", replies=[Reply(GOOD)])
    client = client_for(fake, model=None, mode=OutputMode.json_schema)

    ask(client)
    assert fake.paths == ["/v1/models", "/v1/chat/completions"]
    assert fake.requests[0]["model"] == "served-model"


@pytest.mark.parametrize("call", ["chat", "models", "embeddings"])
def test_a_web_page_instead_of_the_api_is_an_endpoint_error(call: str) -> None:
    fake = FakeEndpoint(page="<html>Sign in</html>")
    client = client_for(fake, model=None if call == "models" else "m")
    requests = {
        "chat": lambda: ask(client),
        "models": lambda: client.model,
        "embeddings": lambda: client.embed(["a"], "e"),
    }
    with pytest.raises(EndpointError, match="answered with a web page or other text") as raised:
        requests[call]()
    assert "often ends in /v1" in str(raised.value)
    if call != "chat":  # the SDK fails to decode the page; a chat answer it hands back as text
        assert isinstance(raised.value.__cause__, AttributeError)


# --- embeddings ----------------------------------------------------------------------------------


def embedding(index: int, vector: list[float]) -> dict[str, object]:
    return {"object": "embedding", "index": index, "embedding": vector}


def test_embeddings_come_back_in_input_order_and_are_counted() -> None:
    body = {
        "object": "list",
        "model": "e",
        "data": [embedding(1, [0.0, 1.0]), embedding(0, [1.0, 0.0])],
        "usage": {"prompt_tokens": 7, "total_tokens": 7},
    }
    fake = FakeEndpoint(replies=[Reply(body=body)])
    client = client_for(fake)

    assert client.embed(["first", "second"], "e") == [[1.0, 0.0], [0.0, 1.0]]
    assert fake.paths == ["/v1/embeddings"]
    assert fake.requests[0]["input"] == ["first", "second"]
    assert fake.requests[0]["model"] == "e"
    assert (client.usage.llm_calls, client.usage.prompt_tokens) == (1, 7)


def test_missing_embeddings_are_an_endpoint_error() -> None:
    body = {"object": "list", "model": "e", "data": [embedding(0, [1.0])], "usage": None}
    with pytest.raises(EndpointError, match="returned 1 embeddings for 2 texts"):
        client_for(FakeEndpoint(replies=[Reply(body=body)])).embed(["a", "b"], "e")


def test_an_endpoint_without_embeddings_is_an_endpoint_error() -> None:
    with pytest.raises(EndpointError) as raised:
        client_for(FakeEndpoint()).embed(["a"], "e")  # no vectors: a 404
    assert isinstance(raised.value.__cause__, openai.NotFoundError)


# --- rate limits ---------------------------------------------------------------------------------


def rate_limited(seconds: str) -> Reply:
    return Reply(status=429, headers={"retry-after": seconds})


@pytest.mark.parametrize("mode", [OutputMode.json_schema, None], ids=["known rung", "probing"])
def test_a_429_waits_as_long_as_retry_after_says_then_succeeds(mode: OutputMode | None) -> None:
    # The SDK's own backoff starts at 0.5 s, so waiting 1.2 s shows the header was honoured.
    fake = FakeEndpoint(replies=[rate_limited("1.2"), Reply(GOOD)])
    client = client_for(fake, mode=mode, retries=2)

    started = time.monotonic()
    assert ask(client) == Answer(verdict="ok", score=3)

    assert time.monotonic() - started >= 1.2
    assert client.mode is OutputMode.json_schema and client.usage.llm_calls == 1


def test_endless_429s_end_in_a_message_about_the_rate_limit() -> None:
    fake = FakeEndpoint(replies=[rate_limited("0"), rate_limited("0")])
    with pytest.raises(EndpointError, match="HTTP 429") as raised:
        ask(client_for(fake, mode=OutputMode.json_schema, retries=1))
    assert "--concurrency" in str(raised.value)


def test_a_429_asking_for_longer_than_a_run_waits_ends_at_once_and_says_so() -> None:
    fake = FakeEndpoint(replies=[rate_limited("99999") for _ in range(4)])
    started = time.monotonic()
    with pytest.raises(EndpointError, match="asks to wait 99,999 s") as raised:
        ask(client_for(fake, mode=OutputMode.json_schema, retries=3))
    assert time.monotonic() - started < 20  # the SDK's own short backoff, never 99,999 s
    assert "try again later" in str(raised.value)
    assert isinstance(raised.value.__cause__, openai.RateLimitError)


# --- the lifecycle -------------------------------------------------------------------------------


def test_the_endpoint_is_started_by_the_first_call_and_only_once() -> None:
    starts: list[str] = []
    fake = FakeEndpoint(replies=[Reply(GOOD), Reply(GOOD)])

    def start() -> str:
        starts.append("started")
        return fake.base_url

    client = client_for(fake, mode=OutputMode.json_schema, start=start)
    assert client.model == "m" and not starts  # naming the model needs no server
    ask(client)
    ask(client)
    assert starts == ["started"]


@pytest.mark.parametrize("used", [True, False], ids=["after a request", "never used"])
def test_the_client_closes_its_http_client_when_done(used: bool) -> None:
    http_client = httpx2.Client(transport=FakeEndpoint(replies=[Reply(GOOD)]).transport())
    endpoint = Endpoint(base_url="http://model.test/v1", model="m", max_retries=0)
    with ModelClient(endpoint, http_client=http_client, mode=OutputMode.json_schema) as client:
        if used:
            ask(client)
        assert not http_client.is_closed
    assert http_client.is_closed


def test_a_failed_run_closes_the_client_too() -> None:
    http_client = httpx2.Client(transport=FakeEndpoint(replies=[Reply(status=401)]).transport())
    endpoint = Endpoint(base_url="http://model.test/v1", model="m", max_retries=0)
    with (
        pytest.raises(EndpointError),
        ModelClient(endpoint, http_client=http_client, mode=OutputMode.json_schema) as client,
    ):
        ask(client)
    assert http_client.is_closed
