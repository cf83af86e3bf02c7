"""The only module that imports `openai`: requests to one OpenAI-compatible endpoint.

A `Transport` owns the SDK client (and its HTTP client, which it closes), sends chat
completions, embeddings and model listings with the endpoint's timeout and retries, and turns
the SDK's errors into `EndpointError`s that say what to do (`_error_table`), raised `from` the
SDK's error so the cause is kept. HTTP failures (429 with its Retry-After, 5xx, timeouts) are
retried by the SDK; a probe of an output format is not, since its refusal means "try the next
format" (see `structured`).

`openai` is imported by the first request, not with this module: it takes 0.4 s, which a run
whose answers are all cached never needs, and which a run that starts the embedded model's
server spends while the server loads.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx2

from briefing.deadlines import whole_response_within_timeout
from briefing.errors import BriefingError, EndpointError, RequestFailedError

SEED = 42
NO_KEY = "sk-no-key-needed"  # local servers ignore the key, the SDK insists on one
LONGEST_RATE_LIMIT_WAIT = 30.0
"""Seconds a run waits for a rate-limited endpoint at a time; a server asking for longer is
told to the user at once instead of being waited for."""

_log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

Message: TypeAlias = "ChatCompletionMessageParam"
Conversation: TypeAlias = "list[ChatCompletionMessageParam]"


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    model: str | None = None
    api_key: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 600.0
    max_retries: int = 2
    identity: str | None = None  # names the endpoint in cache keys; default: `base_url`

    @property
    def cache_identity(self) -> str:
        return self.identity or self.base_url


@dataclass(frozen=True)
class Completion:
    """One chat answer as the endpoint sent it; `prompt_tokens` and `completion_tokens` are
    None when the endpoint reports no usage."""

    text: str
    finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    seconds: float


@dataclass(frozen=True)
class Embeddings:
    vectors: list[list[float]]
    prompt_tokens: int | None
    seconds: float


class FormatRefused(Exception):
    """A probed output format was refused by the endpoint (the SDK's error is the cause);
    `failure` is how the request would have failed had it not been a probe."""

    def __init__(self, failure: BriefingError) -> None:
        super().__init__(failure.message)
        self.failure = failure


class Probe(Enum):
    """A chat request that tries an output format: the errors that say the format is refused
    raise `FormatRefused`. A server answers a format it does not take with a 400 or 422;
    llama-cpp-python's answers `json_schema` with a 500, so above the last format that counts
    too, while at the last one a 500 is the server's own failure."""

    format = "format"
    last_format = "last format"

    def refusals(self) -> tuple[type[openai.APIError], ...]:
        import openai

        refused = (openai.BadRequestError, openai.UnprocessableEntityError)
        return (*refused, openai.InternalServerError) if self is Probe.format else refused


class Transport:
    """Requests to one endpoint. `start`, when given, is called once before the first
    request and returns the endpoint's base URL (it starts a server); `crash`, when given,
    says whether that server has died, so a failed request is reported as its crash."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        http_client: httpx2.Client | None = None,
        start: Callable[[], str] | None = None,
        crash: Callable[[], BriefingError | None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._http_client = http_client
        self._start = start
        self._crash = crash
        self._sdk: openai.OpenAI | None = None
        self._model = endpoint.model
        self._connecting = threading.Lock()

    @property
    def base_url(self) -> str:
        return str(self._sdk.base_url).rstrip("/") if self._sdk else self.endpoint.base_url

    @property
    def model(self) -> str:
        """The configured model, else the endpoint's first served one (asked once)."""
        if self._model is None:
            self._model = self._first_served_model()
        return self._model

    def close(self) -> None:
        """Close the HTTP client and its pooled connections; the transport is done."""
        with self._connecting:
            if self._sdk is not None:
                self._sdk.close()  # and the HTTP client it was given
            elif self._http_client is not None:
                self._http_client.close()

    def is_ready(self) -> bool:
        """True once the endpoint answers a model listing (used to wait for a server)."""
        import openai

        try:
            self._client().with_options(max_retries=0, timeout=2.0).models.list()
        except openai.APIError:
            return False
        return True

    def chat(
        self,
        messages: Conversation,
        response_format: dict[str, Any] | None,
        max_tokens: int,
        *,
        probe: Probe | None = None,
    ) -> Completion:
        """One chat completion. A `probe` of `response_format` is not retried by the SDK, and
        a 429 (which says nothing of the format) is waited out as the server asks, as the SDK
        would."""
        probing = probe is not None
        self._client()  # the server, if any, starts before the SDK is imported
        import openai

        refusals = probe.refusals() if probe else ()
        for rate_limited in range(self.endpoint.max_retries + 1):
            try:
                return self._completion(messages, response_format, max_tokens, probing)
            except refusals as error:
                raise FormatRefused(self._error_for(error, one_request=True)) from error
            except openai.RateLimitError as error:
                self._refuse_a_long_wait(error)
                if not probing or rate_limited >= self.endpoint.max_retries:
                    raise self._error_for(error, one_request=True) from error
                self._wait_as_asked(error)
            except openai.APIError as error:
                raise self._error_for(error, one_request=True) from error
        raise AssertionError("unreachable: the last rate-limited attempt raises")

    def embed(self, texts: Sequence[str], model: str) -> Embeddings:
        """Embeddings of `texts` from the endpoint's embeddings API, in order."""
        self._client()  # the server, if any, starts before the SDK is imported
        import openai

        started = time.monotonic()
        try:
            response = self._client().embeddings.create(model=model, input=list(texts))
        except openai.APIError as error:
            raise self._error_for(error) from error
        except AttributeError as error:  # the SDK cannot decode vectors out of non-JSON text
            raise self._not_the_api() from error
        ordered = sorted(response.data, key=lambda item: item.index)
        if len(ordered) != len(texts):
            raise EndpointError(
                f"the endpoint at {self.base_url} returned {len(ordered)} embeddings "
                f"for {len(texts)} texts",
                hint="check the embedding model, or leave --embedding-model out",
            )
        return Embeddings(
            vectors=[list(item.embedding) for item in ordered],
            prompt_tokens=response.usage.prompt_tokens if response.usage else None,
            seconds=time.monotonic() - started,
        )

    def _client(self) -> openai.OpenAI:
        """The SDK's client, made by the first call: the server, if any, is started first."""
        with self._connecting:
            if self._sdk is None:
                base_url = self._start() if self._start else self.endpoint.base_url
                import openai  # once the server, if any, has started: see the module's doc

                self._sdk = openai.OpenAI(
                    base_url=base_url,
                    api_key=self.endpoint.api_key or NO_KEY,
                    timeout=self.endpoint.timeout,
                    max_retries=self.endpoint.max_retries,
                    http_client=self._http_client or _deadline_client(),
                )
            return self._sdk

    def _completion(
        self,
        messages: Conversation,
        response_format: dict[str, Any] | None,
        max_tokens: int,
        probing: bool,
    ) -> Completion:
        from openai.types.chat import ChatCompletion

        client = self._client().with_options(max_retries=0) if probing else self._client()
        extra: dict[str, Any] = {}
        if response_format is not None:
            extra["response_format"] = response_format
        started = time.monotonic()
        completion: ChatCompletion = client.chat.completions.create(
            model=self.model,
            messages=messages,
            temperature=0,
            seed=SEED,
            max_tokens=max_tokens,
            **extra,
        )
        if not isinstance(completion, ChatCompletion):  # the SDK hands back text it can't parse
            raise self._not_the_api()
        seconds = time.monotonic() - started
        text, finish_reason = "", None
        if completion.choices:
            choice = completion.choices[0]
            text, finish_reason = choice.message.content or "", choice.finish_reason
        usage = completion.usage
        return Completion(
            text=text,
            finish_reason=finish_reason,
            prompt_tokens=usage.prompt_tokens if usage else None,
            completion_tokens=usage.completion_tokens if usage else None,
            seconds=seconds,
        )

    def _refuse_a_long_wait(self, error: openai.RateLimitError) -> None:
        asked = _asked_wait(error.response.headers.get("retry-after"))
        if asked is not None and asked > LONGEST_RATE_LIMIT_WAIT:
            raise EndpointError(
                f"the endpoint at {self.base_url} is rate limiting and asks to wait "
                f"{asked:,.0f} s, longer than a run waits ({LONGEST_RATE_LIMIT_WAIT:.0f} s)",
                hint="try again later, or lower --concurrency",
            ) from error

    def _wait_as_asked(self, error: openai.RateLimitError) -> None:
        wait = _retry_after(error.response.headers.get("retry-after"))
        _log.warning(
            "the endpoint at %s is rate limiting: waiting %.1f s before asking again "
            "(a run waits at most %.0f s)",
            self.base_url, wait, LONGEST_RATE_LIMIT_WAIT,
        )  # fmt: skip
        time.sleep(wait)

    def _first_served_model(self) -> str:
        import openai

        try:
            listing = self._client().models.list()
        except openai.APIError as error:
            raise self._error_for(error) from error
        except AttributeError as error:  # the SDK cannot page through text that is not JSON
            raise self._not_the_api() from error
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

    def _error_for(self, error: openai.APIError, *, one_request: bool = False) -> BriefingError:
        """What `error` means for the user: the crash of the server behind the endpoint when
        it died, else the first row of `_error_table` that matches. With `one_request`, a row
        that concerns one request is a `RequestFailedError`: the endpoint works, that request
        did not (the article that asked is left out, the others go on)."""
        import openai

        if self._crash is not None and isinstance(
            error, openai.APIConnectionError | openai.InternalServerError
        ):
            crashed = self._crash()
            if crashed is not None:
                return crashed
        for row in _error_table():
            if isinstance(error, row.error):
                failed = RequestFailedError if one_request and row.one_request else EndpointError
                return failed(row.message(self, error), hint=row.hint(self))
        return EndpointError(f"the endpoint at {self.base_url} failed: {_first_line(str(error))}")


@dataclass(frozen=True)
class _Row:
    """One row of the error table: an SDK error, whether it concerns one request only (not the
    endpoint as a whole), and the message and hint the user sees."""

    error: type[openai.APIError]
    one_request: bool
    message: Callable[[Transport, Any], str]
    hint: Callable[[Transport], str]


@cache
def _error_table() -> tuple[_Row, ...]:
    """The SDK's errors and what they mean: the first match wins, so subclasses come before
    their bases."""
    import openai

    return (
        _Row(
            openai.AuthenticationError,
            False,
            lambda t, _: f"the endpoint at {t.base_url} rejected the API key",
            lambda t: f"set {t.endpoint.api_key_env} or pass --api-key",
        ),
        _Row(
            openai.PermissionDeniedError,
            False,
            lambda t, _: f"the endpoint at {t.base_url} rejected the API key",
            lambda t: f"set {t.endpoint.api_key_env} or pass --api-key",
        ),
        _Row(
            openai.NotFoundError,
            False,
            lambda t, _: f"the endpoint at {t.base_url} has no model {t._model!r} or no chat API",
            lambda _: "pass --model or set BRIEFING_MODEL to a model it serves",
        ),
        _Row(
            openai.RateLimitError,
            True,
            lambda t, _: (
                f"the endpoint at {t.base_url} kept refusing requests as too many "
                f"(HTTP 429) after {t.endpoint.max_retries} retries"
            ),
            lambda _: "lower --concurrency, raise endpoint.max_retries, or try again later",
        ),
        _Row(
            openai.APITimeoutError,
            True,
            lambda t, _: (
                f"the endpoint at {t.base_url} did not answer within {t.endpoint.timeout:g} s"
            ),
            lambda _: "check the server, or raise endpoint.timeout in the config",
        ),
        _Row(
            openai.APIConnectionError,
            False,
            lambda t, _: f"cannot reach the model endpoint at {t.base_url}",
            lambda _: (
                "start the server, or fix --base-url, BRIEFING_BASE_URL or "
                "endpoint.base_url in the config"
            ),
        ),
        _Row(
            openai.APIStatusError,
            True,
            lambda t, error: (
                f"the endpoint at {t.base_url} answered HTTP {error.status_code}: "
                f"{_first_line(str(error.message))}"
            ),
            lambda _: "check the server's log",
        ),
    )


def _deadline_client() -> httpx2.Client:
    """The SDK's own HTTP client, except that each request's whole answer must come within
    the request's timeout (`endpoint.timeout`), however slowly the server sends it."""
    import openai

    return openai.DefaultHttpxClient(event_hooks={"request": [whole_response_within_timeout]})


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


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "no details"
