"""The only module that talks to the model endpoint (any OpenAI-compatible server).

It owns three things: error mapping (SDK errors become `EndpointError`s that say what to do),
the structured-output ladder (detected once per endpoint, see DESIGN.md), and re-asking with
the validation error when an answer does not fit its schema. HTTP failures (429 with its
Retry-After, 5xx, timeouts) are retried by the SDK; invalid answers by tenacity. Never both
for one failure.

Every answer goes through the `CallCache` when one is given, and is accounted per stage in
`usage` (with its cost when the model's price is known). A client may be shared by threads:
accounting and ladder detection are locked, and an endpoint that has to be started first (the
embedded model's server) is started by the first call that misses the cache.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from briefing.deadlines import whole_response_within_timeout
from briefing.errors import (
    BriefingError,
    BudgetError,
    EndpointError,
    ModelOutputError,
    RequestFailedError,
)
from briefing.model import prompts
from briefing.model.cache import CachedAnswer, CallCache, call_key, digest
from briefing.model.costs import Price
from briefing.model.tokens import counter_for
from briefing.types.contract import StageUsage, Usage

T = TypeVar("T", bound=BaseModel)

SEED = 42
NO_KEY = "sk-no-key-needed"  # local servers ignore the key, the SDK insists on one
_log = logging.getLogger(__name__)


class OutputMode(StrEnum):
    """The structured-output ladder, best first."""

    json_schema = "json_schema"  # OpenAI, vLLM, llama-server, Ollama
    json_object_schema = "json_object+schema"  # llama-cpp-python's server
    json_object = "json_object"  # JSON mode, schema in the prompt
    prompt = "prompt"  # no JSON mode at all: schema in the prompt, JSON extracted


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    model: str | None = None
    api_key: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 600.0
    max_retries: int = 2
    identity: str | None = None  # names the endpoint in cache keys; default: `base_url`


@dataclass(frozen=True)
class Spending:
    """What calls cost and how much a run may spend (`limit` None: no limit)."""

    price: Price | None = None
    limit: float | None = None
    embedding_price: Price | None = None


@dataclass(frozen=True)
class _Call:
    """What one structured call asks for, besides the conversation."""

    name: str
    schema: dict[str, Any]
    max_tokens: int
    stage: str


class _InvalidAnswer(Exception):
    """An answer that does not parse or validate; the next attempt re-asks with `problem`."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class ModelClient:
    """Structured chat completions against one endpoint, with usage accounting."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        http_client: httpx2.Client | None = None,
        max_reasks: int = 2,
        mode: OutputMode | None = None,
        cache: CallCache | None = None,
        spending: Spending | None = None,
        start: Callable[[], str] | None = None,
        crash: Callable[[], BriefingError | None] | None = None,
    ) -> None:
        """`start`, when given, is called once before the first request that needs the
        endpoint and returns its base URL (it starts a server); `endpoint.base_url` stands in
        until then. `crash`, when given, says whether that server has died: a failed request
        is then reported as its crash, not as an endpoint that cannot be reached."""
        self.endpoint = endpoint
        self.usage = Usage()
        self.mode = mode
        self.cache = cache
        self.spending = spending or Spending()
        self._max_reasks = max_reasks
        self._http_client = http_client
        self._start = start
        self._crash = crash
        self._sdk: openai.OpenAI | None = None
        self._model = endpoint.model
        self._connecting = threading.Lock()
        self._detecting = threading.Lock()
        self._accounting = threading.Lock()
        self._reserved = 0.0  # cost bounds of the calls in flight

    @property
    def base_url(self) -> str:
        return str(self._sdk.base_url).rstrip("/") if self._sdk else self.endpoint.base_url

    @property
    def _client(self) -> openai.OpenAI:
        with self._connecting:
            if self._sdk is None:
                base_url = self._start() if self._start else self.endpoint.base_url
                self._sdk = openai.OpenAI(
                    base_url=base_url,
                    api_key=self.endpoint.api_key or NO_KEY,
                    timeout=self.endpoint.timeout,
                    max_retries=self.endpoint.max_retries,
                    http_client=self._http_client or _deadline_client(),
                )
            return self._sdk

    @property
    def model(self) -> str:
        if self._model is None:
            self._model = self._first_served_model()
        return self._model

    def is_ready(self) -> bool:
        """True once the endpoint answers a model listing (used to wait for a server)."""
        try:
            self._client.with_options(max_retries=0, timeout=2.0).models.list()
        except openai.APIError:
            return False
        return True

    def structured(
        self,
        system: str,
        user: str,
        output: type[T],
        schema: dict[str, Any],
        *,
        max_tokens: int,
        stage: str = "other",
    ) -> T:
        """Ask for one JSON object matching `schema` and return it validated as `output`;
        `stage` names the part of the run the call's usage is counted under."""
        conversation: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        retrying = Retrying(
            stop=stop_after_attempt(self._max_reasks + 1),
            retry=retry_if_exception_type(_InvalidAnswer),
            reraise=True,
        )
        call = _Call(output.__name__, schema, max_tokens, stage)
        try:
            for attempt in retrying:
                with attempt:
                    answer, finish_reason = self._complete(conversation, call)
                    try:
                        return _validated(answer, finish_reason, output)
                    except _InvalidAnswer as invalid:
                        conversation = [
                            *conversation,
                            {"role": "assistant", "content": answer},
                            {
                                "role": "user",
                                "content": prompts.render("reask", problem=invalid.problem),
                            },
                        ]
                        raise
        except _InvalidAnswer as invalid:
            raise ModelOutputError(
                f"the model's answer stayed invalid after {self._max_reasks} re-asks: "
                f"{_first_line(invalid.problem)}",
                hint="try a larger model with --model-path or --model",
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    @property
    def _identity(self) -> str:
        return self.endpoint.identity or self.endpoint.base_url

    def _key(self, conversation: Sequence[ChatCompletionMessageParam], call: _Call) -> str:
        return chat_key(
            self._identity,
            self.model,
            conversation,
            output=call.name,
            schema=call.schema,
            max_tokens=call.max_tokens,
        )

    # --- one completion: from the cache, or through the ladder -----------------------------

    def _complete(
        self, conversation: list[ChatCompletionMessageParam], call: _Call
    ) -> tuple[str, str | None]:
        answer = self._answered(
            self._key(conversation, call),
            call.stage,
            self.spending.price,
            lambda: self._prompt_tokens(conversation, call),
            call.max_tokens,
            lambda: self._made(conversation, call),
        )
        return answer.text, answer.finish_reason

    def _made(self, conversation: list[ChatCompletionMessageParam], call: _Call) -> CachedAnswer:
        completion, seconds = self._completion(conversation, call)
        answer, finish_reason = _answer_text(completion)
        tokens = completion.usage  # an endpoint that reports none is counted here instead
        return CachedAnswer(
            text=answer,
            finish_reason=finish_reason,
            prompt_tokens=tokens.prompt_tokens
            if tokens
            else self._prompt_tokens(conversation, call),
            completion_tokens=tokens.completion_tokens if tokens else self._count(answer),
            seconds=round(seconds, 3),
        )

    def _completion(
        self, conversation: list[ChatCompletionMessageParam], call: _Call
    ) -> tuple[ChatCompletion, float]:
        if self.mode is None:
            with self._detecting:  # one thread walks the ladder; the others wait for its rung
                if self.mode is None:
                    return self._detect_mode(conversation, call)
        return self._request(self.mode, conversation, call)

    def _detect_mode(
        self, conversation: list[ChatCompletionMessageParam], call: _Call
    ) -> tuple[ChatCompletion, float]:
        for mode in OutputMode:
            try:
                answer = self._request(mode, conversation, call, probing=True)
            except _Unsupported:
                continue
            self.mode = mode
            return answer
        raise EndpointError(
            f"the endpoint at {self.base_url} rejected every request format",
            hint="check that it serves OpenAI-compatible chat completions",
        )

    def _request(
        self,
        mode: OutputMode,
        conversation: list[ChatCompletionMessageParam],
        call: _Call,
        *,
        probing: bool = False,
        rate_limited: int = 0,
    ) -> tuple[ChatCompletion, float]:
        """One completion in `mode`. A probe is not retried by the SDK, since a 400 or 500
        there means "try the next rung"; a 429 says nothing of the format, so the probe
        waits as the server says and asks again, as the SDK would."""
        messages, response_format = _shape_request(mode, conversation, call.schema, call.name)
        client = self._client.with_options(max_retries=0) if probing else self._client
        extra: dict[str, Any] = {}
        if response_format is not None:
            extra["response_format"] = response_format
        started = time.monotonic()
        try:
            completion: ChatCompletion = client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0,
                seed=SEED,
                max_tokens=call.max_tokens,
                **extra,
            )
        except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
            if probing:
                raise _Unsupported from error
            raise self._endpoint_error(error, one_request=True) from error
        except openai.InternalServerError as error:
            if probing and mode is not OutputMode.prompt:
                raise _Unsupported from error
            raise self._endpoint_error(error, one_request=True) from error
        except openai.RateLimitError as error:
            asked = _asked_wait(error.response.headers.get("retry-after"))
            if asked is not None and asked > LONGEST_RATE_LIMIT_WAIT:
                raise EndpointError(
                    f"the endpoint at {self.base_url} is rate limiting and asks to wait "
                    f"{asked:,.0f} s, longer than a run waits ({LONGEST_RATE_LIMIT_WAIT:.0f} s)",
                    hint="try again later, or lower --concurrency",
                ) from error
            if not probing or rate_limited >= self.endpoint.max_retries:
                raise self._endpoint_error(error, one_request=True) from error
            wait = _retry_after(error.response.headers.get("retry-after"))
            _log.warning(
                "the endpoint at %s is rate limiting: waiting %.1f s before asking again "
                "(a run waits at most %.0f s)",
                self.base_url, wait, LONGEST_RATE_LIMIT_WAIT,
            )  # fmt: skip
            time.sleep(wait)
            return self._request(
                mode, conversation, call, probing=True, rate_limited=rate_limited + 1
            )
        except openai.APIError as error:
            raise self._endpoint_error(error, one_request=True) from error
        if not isinstance(completion, ChatCompletion):  # the SDK hands back text it can't parse
            raise self._not_the_api()
        return completion, time.monotonic() - started

    def embed(self, texts: Sequence[str], model: str) -> list[list[float]]:
        """Embeddings of `texts` from the endpoint's embeddings API, in order."""
        key = call_key("embeddings", {"endpoint": self._identity, "model": model,
                                      "input": list(texts)})  # fmt: skip
        answer = self._answered(
            key,
            "embed",
            self.spending.embedding_price,
            lambda: sum(map(self._count, texts)),
            0,
            lambda: self._embedded(texts, model),
        )
        return answer.vectors or []

    def _embedded(self, texts: Sequence[str], model: str) -> CachedAnswer:
        started = time.monotonic()
        try:
            response = self._client.embeddings.create(model=model, input=list(texts))
        except openai.APIError as error:
            raise self._endpoint_error(error) from error
        except AttributeError:  # the SDK cannot decode vectors out of text that is not JSON
            raise self._not_the_api() from None
        ordered = sorted(response.data, key=lambda item: item.index)
        if len(ordered) != len(texts):
            raise EndpointError(
                f"the endpoint at {self.base_url} returned {len(ordered)} embeddings "
                f"for {len(texts)} texts",
                hint="check the embedding model, or leave --embedding-model out",
            )
        return CachedAnswer(
            vectors=[list(item.embedding) for item in ordered],
            prompt_tokens=response.usage.prompt_tokens
            if response.usage
            else sum(map(self._count, texts)),
            seconds=round(time.monotonic() - started, 3),
        )

    # --- the cache, accounting and the budget ---------------------------------------------

    def _answered(
        self,
        key: str,
        stage: str,
        price: Price | None,
        prompt_tokens: Callable[[], int],
        answer_tokens: int,
        make: Callable[[], CachedAnswer],
    ) -> CachedAnswer:
        """The cached answer under `key`, or one `make` gives within the budget, counted
        under `stage` at `price` and stored."""
        if self.cache and (cached := self.cache.get(key)):
            self._record(stage, cached, from_cache=True, price=price)
            return cached
        reserved = self._reserve(stage, price, prompt_tokens, answer_tokens)
        try:
            made = make()
        finally:
            self._release(reserved)
        self._record(stage, made, from_cache=False, price=price)
        if self.cache:
            self.cache.put(key, made)
        return made

    def _record(
        self,
        stage: str,
        answer: CachedAnswer,
        *,
        from_cache: bool,
        price: Price | None,
    ) -> None:
        """Count one answer under `stage`; a model's answer costs `price`."""
        with self._accounting:
            for usage in (self.usage, self.usage.stages.setdefault(stage, StageUsage())):
                if from_cache:
                    usage.cached_calls += 1
                    continue
                usage.llm_calls += 1
                usage.prompt_tokens += answer.prompt_tokens
                usage.completion_tokens += answer.completion_tokens
                usage.model_seconds += answer.seconds
            if not from_cache and price is not None:
                cost = price.of(answer.prompt_tokens, answer.completion_tokens)
                self.usage.cost = (self.usage.cost or 0.0) + cost
        _log.debug(
            "%s %s: %d prompt + %d completion tokens, %.1f s",
            stage,
            "answer from the cache" if from_cache else "model call",
            answer.prompt_tokens,
            answer.completion_tokens,
            answer.seconds,
        )

    def _reserve(
        self, stage: str, price: Price | None, prompt_tokens: Callable[[], int], answer: int
    ) -> float:
        """Refuse a call that could take the run past its limit, counting its whole answer
        budget and the calls still in flight, before anything is sent; else set its bound
        aside until `_release`, and return that bound."""
        limit = self.spending.limit
        if price is None or limit is None:
            return 0.0
        bound = price.of(prompt_tokens(), answer)
        with self._accounting:
            spent = self.usage.cost or 0.0
            if spent + self._reserved + bound > limit:
                raise BudgetError(
                    f"stopped before a model call ({stage}) that could take the cost past "
                    f"${limit:g}: ${spent:.4f} spent so far",
                    hint="the answers so far are cached; raise --max-cost and run again to go on",
                )
            self._reserved += bound
        return bound

    def _release(self, reserved: float) -> None:
        with self._accounting:
            self._reserved -= reserved

    def _prompt_tokens(self, conversation: list[ChatCompletionMessageParam], call: _Call) -> int:
        contents = [str(message.get("content", "")) for message in conversation]
        return sum(map(self._count, contents)) + self._count(json.dumps(call.schema))

    def _count(self, text: str) -> int:
        return counter_for(self.model)(text)

    def _first_served_model(self) -> str:
        try:
            listing = self._client.models.list()
        except openai.APIError as error:
            raise self._endpoint_error(error) from error
        except AttributeError:  # the SDK cannot page through text that is not JSON
            raise self._not_the_api() from None
        for served in listing:
            return served.id
        raise EndpointError(
            f"the endpoint at {self.base_url} serves no models",
            hint="pass --model or set BRIEFING_MODEL",
        )

    def _not_the_api(self) -> EndpointError:
        return EndpointError(
            f"the endpoint at {self.base_url} answered with a web page or other text, "
            "not the API's JSON",
            hint="point --base-url, BRIEFING_BASE_URL or endpoint.base_url at the "
            "OpenAI-compatible API, which often ends in /v1",
        )

    def _endpoint_error(
        self, error: openai.APIError, *, one_request: bool = False
    ) -> BriefingError:
        """What `error` means for the user. With `one_request`, an HTTP error that outlasted the
        retries and a timeout are a `RequestFailedError`: the endpoint works, that request
        did not (the article that asked is left out, the others go on)."""
        if self._crash is not None and isinstance(
            error, openai.APIConnectionError | openai.InternalServerError
        ):
            crashed = self._crash()
            if crashed is not None:
                return crashed
        where = self.base_url
        if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
            return EndpointError(
                f"the endpoint at {where} rejected the API key",
                hint=f"set {self.endpoint.api_key_env} or pass --api-key",
            )
        if isinstance(error, openai.NotFoundError):
            return EndpointError(
                f"the endpoint at {where} has no model {self._model!r} or no chat API",
                hint="pass --model or set BRIEFING_MODEL to a model it serves",
            )
        failed = RequestFailedError if one_request else EndpointError
        if isinstance(error, openai.RateLimitError):
            return failed(
                f"the endpoint at {where} kept refusing requests as too many (HTTP 429) after "
                f"{self.endpoint.max_retries} retries",
                hint="lower --concurrency, raise endpoint.max_retries, or try again later",
            )
        if isinstance(error, openai.APITimeoutError):
            return failed(
                f"the endpoint at {where} did not answer within {self.endpoint.timeout:g} s",
                hint="check the server, or raise endpoint.timeout in the config",
            )
        if isinstance(error, openai.APIConnectionError):
            return EndpointError(
                f"cannot reach the model endpoint at {where}",
                hint="start the server, or fix --base-url, BRIEFING_BASE_URL or "
                "endpoint.base_url in the config",
            )
        if isinstance(error, openai.APIStatusError):
            return failed(
                f"the endpoint at {where} answered HTTP {error.status_code}: "
                f"{_first_line(str(error.message))}",
                hint="check the server's log",
            )
        return EndpointError(f"the endpoint at {where} failed: {_first_line(str(error))}")


def chat_key(
    endpoint: str,
    model: str,
    conversation: Sequence[Mapping[str, object]],
    *,
    output: str,
    schema: dict[str, Any],
    max_tokens: int,
) -> str:
    """The cache key of one structured chat completion (a dry run looks answers up by it)."""
    return call_key(
        "chat",
        {
            "endpoint": endpoint,
            "model": model,
            "templates": prompts.fingerprint(),
            "output": output,
            "schema": digest(schema),
            "parameters": {"temperature": 0, "seed": SEED, "max_tokens": max_tokens},
            "messages": list(conversation),
        },
    )


class _Unsupported(Exception):
    """The endpoint refused this rung of the ladder."""


def _deadline_client() -> httpx2.Client:
    """The SDK's own HTTP client, except that each request's whole answer must come within
    the request's timeout (`endpoint.timeout`), however slowly the server sends it."""
    return openai.DefaultHttpxClient(event_hooks={"request": [whole_response_within_timeout]})


def _shape_request(
    mode: OutputMode,
    conversation: list[ChatCompletionMessageParam],
    schema: dict[str, Any],
    name: str,
) -> tuple[list[ChatCompletionMessageParam], dict[str, Any] | None]:
    if mode is OutputMode.json_schema:
        strict = {"name": name, "schema": schema, "strict": True}
        return conversation, {"type": "json_schema", "json_schema": strict}
    if mode is OutputMode.json_object_schema:
        return conversation, {"type": "json_object", "schema": schema}
    hint = prompts.render("schema", schema=json.dumps(schema, separators=(",", ":")))
    first_user = next(i for i, message in enumerate(conversation) if message["role"] == "user")
    first = conversation[first_user]
    with_schema: ChatCompletionMessageParam = {
        "role": "user",
        "content": f"{first.get('content', '')}\n\n{hint}",
    }
    messages = [*conversation[:first_user], with_schema, *conversation[first_user + 1 :]]
    return messages, ({"type": "json_object"} if mode is OutputMode.json_object else None)


LONGEST_RATE_LIMIT_WAIT = 30.0
"""Seconds a run waits for a rate-limited endpoint at a time; a server asking for longer is
told to the user at once instead of being waited for."""


def _asked_wait(header: str | None) -> float | None:
    """Seconds a 429's Retry-After asks for, when it gives a number."""
    try:
        return max(float(header), 0.0) if header else None
    except ValueError:
        return None


def _retry_after(
    header: str | None, default: float = 1.0, longest: float = LONGEST_RATE_LIMIT_WAIT
) -> float:
    """Seconds to wait after a 429: what Retry-After asks for, within reason."""
    asked = _asked_wait(header)
    return min(default if asked is None else asked, longest)


def _answer_text(completion: ChatCompletion) -> tuple[str, str | None]:
    if not completion.choices:
        return "", None
    choice = completion.choices[0]
    return choice.message.content or "", choice.finish_reason


def _validated(answer: str, finish_reason: str | None, output: type[T]) -> T:
    if finish_reason == "length":
        raise _InvalidAnswer("the answer was cut off at the token limit; write a shorter answer")
    if not answer.strip():
        raise _InvalidAnswer("the answer was empty")
    try:
        return output.model_validate_json(extract_json(answer))
    except ValidationError as error:
        raise _InvalidAnswer(_describe(error)) from None


def extract_json(text: str) -> str:
    """The outermost JSON object in `text` (models wrap JSON in prose or code fences)."""
    start = text.find("{")
    end = text.rfind("}")
    if start == -1 or end < start:
        raise _InvalidAnswer("the answer held no JSON object")
    return text[start : end + 1]


def _describe(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or 'answer'}: {item['msg']}"
        for item in error.errors()[:5]
    ]
    return "; ".join(problems)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "no details"


def schema_of(output: type[BaseModel]) -> dict[str, Any]:
    """`output`'s JSON schema in the plain form every server's grammar accepts.

    References are inlined, titles dropped (they cost prompt tokens and some grammars trip on
    them), and objects closed with `additionalProperties: false` as strict mode requires.
    Built once per model (pydantic took 8 ms a request) and handed out as a fresh copy, which
    callers adapt.
    """
    schema: dict[str, Any] = json.loads(_schema_text(output))
    return schema


@functools.cache
def _schema_text(output: type[BaseModel]) -> str:
    schema = output.model_json_schema()
    definitions = schema.pop("$defs", {})
    return json.dumps(_inline(schema, definitions))


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    shaped: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title":
            continue
        if key == "properties":
            shaped[key] = {name: _inline(sub, definitions) for name, sub in value.items()}
        else:
            shaped[key] = _inline(value, definitions)
    if shaped.get("type") == "object":
        shaped.pop("description", None)  # a class docstring: prompt tokens, no guidance
        shaped["additionalProperties"] = False
    return shaped
