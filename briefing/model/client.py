"""`ModelClient`: the `Model` the stages call, composed of one piece per job.

    transport   requests to the endpoint, its SDK client, and the error table
    structured  the output-format ladder, validation and re-asks
    ledger      usage per stage, cost, and the budget
    cache       answers stored by what shaped them

Every answer goes through the cache when one is given, and is counted in the ledger. A
client may be shared by threads; it is closed when done (`with ModelClient(...) as client:`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel

from briefing.closing import Closing
from briefing.errors import BriefingError
from briefing.model import prompts
from briefing.model.cache import CachedAnswer, CallCache, call_key, digest
from briefing.model.costs import Price
from briefing.model.ledger import Ledger, Spending, Tokens
from briefing.model.structured import (
    OutputLadder,
    OutputMode,
    StructuredRequest,
    ask_until_valid,
)
from briefing.model.tokens import counter_for
from briefing.model.transport import SEED, Conversation, Endpoint, Transport
from briefing.types.contract import Usage

T = TypeVar("T", bound=BaseModel)


class ModelClient(Closing):
    """Structured chat completions and embeddings from one endpoint, cached and accounted."""

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
        self.cache = cache
        self.ledger = Ledger(spending)
        self._transport = Transport(endpoint, http_client=http_client, start=start, crash=crash)
        self._ladder = OutputLadder(mode)
        self._max_reasks = max_reasks

    def close(self) -> None:
        self._transport.close()

    @property
    def usage(self) -> Usage:
        return self.ledger.usage

    @property
    def model(self) -> str:
        return self._transport.model

    @property
    def mode(self) -> OutputMode | None:
        """The output-format rung the endpoint takes; None until its first request."""
        return self._ladder.mode

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def is_ready(self) -> bool:
        return self._transport.is_ready()

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
        request = StructuredRequest(output.__name__, schema, max_tokens, stage)
        return ask_until_valid(
            lambda conversation: self._chat(conversation, request),
            system,
            user,
            output,
            self._max_reasks,
        )

    def embed(self, texts: Sequence[str], model: str) -> list[list[float]]:
        """Embeddings of `texts` from the endpoint's embeddings API, in order."""
        key = call_key("embeddings", {"endpoint": self.endpoint.cache_identity, "model": model,
                                      "input": list(texts)})  # fmt: skip
        answer = self._cached_or_asked(
            key,
            "embed",
            self.ledger.spending.embedding_price,
            lambda: sum(map(self._count, texts)),
            0,
            lambda: self._embeddings(texts, model),
        )
        return answer.vectors or []

    def _chat(
        self, conversation: Conversation, request: StructuredRequest
    ) -> tuple[str, str | None]:
        key = chat_key(
            self.endpoint.cache_identity,
            self.model,
            conversation,
            output=request.name,
            schema=request.schema,
            max_tokens=request.max_tokens,
        )
        answer = self._cached_or_asked(
            key,
            request.stage,
            self.ledger.spending.price,
            lambda: self._prompt_tokens(conversation, request),
            request.max_tokens,
            lambda: self._chat_answer(conversation, request),
        )
        return answer.text, answer.finish_reason

    def _chat_answer(self, conversation: Conversation, request: StructuredRequest) -> CachedAnswer:
        """The endpoint's answer; an endpoint that reports no usage is counted here instead."""
        completion = self._ladder.complete(self._transport, conversation, request)
        prompt_tokens = completion.prompt_tokens
        completion_tokens = completion.completion_tokens
        return CachedAnswer(
            text=completion.text,
            finish_reason=completion.finish_reason,
            prompt_tokens=self._prompt_tokens(conversation, request)
            if prompt_tokens is None
            else prompt_tokens,
            completion_tokens=self._count(completion.text)
            if completion_tokens is None
            else completion_tokens,
            seconds=round(completion.seconds, 3),
        )

    def _embeddings(self, texts: Sequence[str], model: str) -> CachedAnswer:
        embeddings = self._transport.embed(texts, model)
        prompt_tokens = embeddings.prompt_tokens
        return CachedAnswer(
            vectors=embeddings.vectors,
            prompt_tokens=sum(map(self._count, texts)) if prompt_tokens is None else prompt_tokens,
            seconds=round(embeddings.seconds, 3),
        )

    def _cached_or_asked(
        self,
        key: str,
        stage: str,
        price: Price | None,
        prompt_tokens: Callable[[], int],
        answer_tokens: int,
        ask: Callable[[], CachedAnswer],
    ) -> CachedAnswer:
        """The cached answer under `key`, or one `ask` gets within the budget, counted
        under `stage` at `price` and stored."""
        if self.cache and (cached := self.cache.get(key)):
            self.ledger.record(stage, _tokens_of(cached), from_cache=True, price=price)
            return cached
        reserved = self.ledger.reserve(stage, price, prompt_tokens, answer_tokens)
        try:
            answer = ask()
        finally:
            self.ledger.release(reserved)
        self.ledger.record(stage, _tokens_of(answer), from_cache=False, price=price)
        if self.cache:
            self.cache.put(key, answer)
        return answer

    def _prompt_tokens(self, conversation: Conversation, request: StructuredRequest) -> int:
        contents = [str(message.get("content", "")) for message in conversation]
        return sum(map(self._count, contents)) + self._count(json.dumps(request.schema))

    def _count(self, text: str) -> int:
        return counter_for(self.model)(text)


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


def _tokens_of(answer: CachedAnswer) -> Tokens:
    return Tokens(answer.prompt_tokens, answer.completion_tokens, answer.seconds)
