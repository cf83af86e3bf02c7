"""Structured output: the output-format ladder, schema shaping, validation and re-asks.

Servers disagree on `response_format`, so the ladder (best first, see DESIGN.md) is walked
once per endpoint and its rung remembered. An answer that does not parse or validate is asked
again with the validation error (tenacity, capped); HTTP failures are the transport's.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from briefing.errors import EndpointError, ModelOutputError
from briefing.model import prompts
from briefing.model.transport import (
    Completion,
    Conversation,
    FormatRefused,
    Message,
    Probe,
    Transport,
)

T = TypeVar("T", bound=BaseModel)


class OutputMode(StrEnum):
    """The structured-output ladder, best first."""

    json_schema = "json_schema"  # OpenAI, vLLM, llama-server, Ollama
    json_object_schema = "json_object+schema"  # llama-cpp-python's server
    json_object = "json_object"  # JSON mode, schema in the prompt
    prompt = "prompt"  # no JSON mode at all: schema in the prompt, JSON extracted


_TOP_RUNG = next(iter(OutputMode))


@dataclass(frozen=True)
class StructuredRequest:
    """What one structured call asks for, besides the conversation."""

    name: str
    schema: dict[str, Any]
    max_tokens: int
    stage: str


class InvalidAnswer(Exception):
    """An answer that does not parse or validate; the next attempt re-asks with `problem`."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class OutputLadder:
    """Which rung of the ladder an endpoint takes: given, or found by its first request. It
    may be shared by threads: one walks the ladder; the others meanwhile ask on the top rung,
    which most endpoints take, and only when it is refused wait for the walker's rung (a
    refusal is a quick 400, while waiting would cost a whole answer's time)."""

    def __init__(self, mode: OutputMode | None = None) -> None:
        self.mode = mode
        self._detecting = threading.Lock()

    def complete(
        self, transport: Transport, conversation: Conversation, request: StructuredRequest
    ) -> Completion:
        if self.mode is None:
            if self._detecting.acquire(blocking=False):
                try:
                    if self.mode is None:
                        return self._find_the_rung(transport, conversation, request)
                finally:
                    self._detecting.release()
            else:
                try:
                    return self._on_the_top_rung(transport, conversation, request)
                except FormatRefused as refused:
                    with self._detecting:  # the walker's rung; or walk, if the walker failed
                        if self.mode is None:
                            return self._find_the_rung(transport, conversation, request)
                    if self.mode is _TOP_RUNG:  # the format is taken: the server failed
                        raise refused.failure from refused
        return _send(transport, self.mode, conversation, request)

    def _on_the_top_rung(
        self, transport: Transport, conversation: Conversation, request: StructuredRequest
    ) -> Completion:
        answer = _send(transport, _TOP_RUNG, conversation, request, probe=Probe.format)
        if self.mode is None:
            self.mode = _TOP_RUNG
        return answer

    def _find_the_rung(
        self, transport: Transport, conversation: Conversation, request: StructuredRequest
    ) -> Completion:
        for mode in OutputMode:
            probe = Probe.last_format if mode is OutputMode.prompt else Probe.format
            try:
                answer = _send(transport, mode, conversation, request, probe=probe)
            except FormatRefused:
                continue
            self.mode = mode
            return answer
        raise EndpointError(
            f"the endpoint at {transport.base_url} rejected every request format",
            hint="check that it serves OpenAI-compatible chat completions",
        )


def _send(
    transport: Transport,
    mode: OutputMode,
    conversation: Conversation,
    request: StructuredRequest,
    *,
    probe: Probe | None = None,
) -> Completion:
    messages, response_format = shape_request(mode, conversation, request.schema, request.name)
    return transport.chat(messages, response_format, request.max_tokens, probe=probe)


def shape_request(
    mode: OutputMode, conversation: Conversation, schema: dict[str, Any], name: str
) -> tuple[Conversation, dict[str, Any] | None]:
    """The messages and `response_format` that ask for `schema` in `mode`."""
    if mode is OutputMode.json_schema:
        strict = {"name": name, "schema": schema, "strict": True}
        return conversation, {"type": "json_schema", "json_schema": strict}
    if mode is OutputMode.json_object_schema:
        return conversation, {"type": "json_object", "schema": schema}
    hint = prompts.render("schema", schema=json.dumps(schema, separators=(",", ":")))
    first_user = next(i for i, message in enumerate(conversation) if message["role"] == "user")
    first = conversation[first_user]
    with_schema: Message = {
        "role": "user",
        "content": f"{first.get('content', '')}\n\n{hint}",
    }
    messages = [*conversation[:first_user], with_schema, *conversation[first_user + 1 :]]
    return messages, ({"type": "json_object"} if mode is OutputMode.json_object else None)


def ask_until_valid(
    ask: Callable[[Conversation], tuple[str, str | None]],
    system: str,
    user: str,
    output: type[T],
    max_reasks: int,
) -> T:
    """`output` validated out of `ask`'s answer to the conversation; an invalid answer is
    re-asked with what is wrong, at most `max_reasks` times."""
    conversation: Conversation = [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]
    retrying = Retrying(
        stop=stop_after_attempt(max_reasks + 1),
        retry=retry_if_exception_type(InvalidAnswer),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                answer, finish_reason = ask(conversation)
                try:
                    return validated(answer, finish_reason, output)
                except InvalidAnswer as invalid:
                    conversation = [
                        *conversation,
                        {"role": "assistant", "content": answer},
                        {
                            "role": "user",
                            "content": prompts.render("reask", problem=invalid.problem),
                        },
                    ]
                    raise
    except InvalidAnswer as invalid:
        raise ModelOutputError(
            f"the model's answer stayed invalid after {max_reasks} re-asks: "
            f"{_first_line(invalid.problem)}",
            hint="try a larger model with --model-path or --model",
        ) from invalid
    raise AssertionError("unreachable: tenacity either returns or raises")


def validated(answer: str, finish_reason: str | None, output: type[T]) -> T:
    if finish_reason == "length":
        raise InvalidAnswer("the answer was cut off at the token limit; write a shorter answer")
    if not answer.strip():
        raise InvalidAnswer("the answer was empty")
    try:
        return output.model_validate_json(extract_json(answer))
    except ValidationError as error:
        raise InvalidAnswer(_describe(error)) from error


def extract_json(text: str) -> str:
    """The outermost JSON object in `text` (models wrap JSON in prose or code fences)."""
    start = text.find("{")
    end = text.rfind("}")
    if start == -1 or end < start:
        raise InvalidAnswer("the answer held no JSON object")
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
