"""The content-addressed cache of model answers, through the client that uses it."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from briefing.model.cache import CachedAnswer, CallCache, call_key
from briefing.model.client import ModelClient
from briefing.model.endpoint import resolve
from briefing.model.structured import OutputMode
from briefing.settings import Settings

from .support.answers import GOOD, SCHEMA, Answer, ask
from .support.endpoint import FakeEndpoint, Reply, client_for


def cached_client(fake: FakeEndpoint, folder: Path) -> ModelClient:
    return client_for(fake, mode=OutputMode.json_schema, cache=CallCache(folder))


def answering(*replies: str) -> FakeEndpoint:
    return FakeEndpoint(replies=[Reply(content) for content in replies])


def test_an_unchanged_call_is_answered_from_the_cache(tmp_path: Path) -> None:
    first = answering(GOOD)
    ask(cached_client(first, tmp_path))

    again = FakeEndpoint()
    client = cached_client(again, tmp_path)
    assert ask(client) == Answer(verdict="ok", score=3)
    assert again.requests == []
    assert (client.usage.llm_calls, client.usage.cached_calls) == (0, 1)
    assert client.usage.prompt_tokens == 0  # tokens count the model's work in this run


def test_a_change_in_prompt_schema_or_limits_misses_the_cache(tmp_path: Path) -> None:
    ask(cached_client(answering(GOOD), tmp_path))

    fake = answering(GOOD, GOOD, GOOD)
    client = cached_client(fake, tmp_path)
    client.structured("system", "another user", Answer, SCHEMA, max_tokens=50)
    client.structured("system", "user", Answer, {**SCHEMA, "minProperties": 1}, max_tokens=50)
    client.structured("system", "user", Answer, SCHEMA, max_tokens=51)
    assert len(fake.requests) == 3


def test_another_model_or_endpoint_misses_the_cache(tmp_path: Path) -> None:
    ask(cached_client(answering(GOOD), tmp_path))
    other_model = answering(GOOD)
    ask(client_for(other_model, model="n", mode=OutputMode.json_schema, cache=CallCache(tmp_path)))
    assert len(other_model.requests) == 1


def test_re_asks_are_cached_too_so_a_replay_makes_no_call(tmp_path: Path) -> None:
    fake = answering('{"verdict": "ok"}', GOOD)
    ask(cached_client(fake, tmp_path))
    assert len(fake.requests) == 2

    replay = FakeEndpoint()
    client = cached_client(replay, tmp_path)
    assert ask(client).score == 3 and client.usage.cached_calls == 2
    assert replay.requests == []


def test_a_corrupt_entry_is_made_again(tmp_path: Path) -> None:
    ask(cached_client(answering(GOOD), tmp_path))
    (entry,) = tmp_path.glob("??/*.json")
    entry.write_text("{not json")

    fake = answering(GOOD)
    ask(cached_client(fake, tmp_path))
    assert len(fake.requests) == 1
    assert json.loads(entry.read_text())["text"] == GOOD


def test_stats_and_clear(tmp_path: Path) -> None:
    cache = CallCache(tmp_path / "calls")
    assert cache.stats().entries == 0 and cache.clear() == 0
    for n in range(3):
        cache.put(call_key("chat", {"n": n}), CachedAnswer(text="x" * 10))

    stats = cache.stats()
    assert stats.entries == 3 and stats.bytes > 30 and stats.oldest and stats.newest
    assert cache.clear() == 3
    assert cache.stats().entries == 0 and not list((tmp_path / "calls").iterdir())


def test_an_unwritable_cache_costs_speed_not_results(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    fake = answering(GOOD)
    assert ask(cached_client(fake, blocker / "calls")).score == 3


@given(
    st.dictionaries(st.sampled_from(["kind", "format", "a", "b"]) | st.text(), st.text()), st.text()
)
def test_keys_ignore_key_order_and_tell_kinds_apart(request: dict[str, object], kind: str) -> None:
    reordered = dict(reversed(list(request.items())))
    assert call_key(kind, request) == call_key(kind, reordered)
    assert call_key(kind, request) != call_key(kind + "x", request)


def test_two_local_models_of_the_same_name_never_share_answers(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "model.gguf", tmp_path / "b" / "model.gguf"
    for path, size in ((first, 10), (second, 20)):
        path.parent.mkdir()
        path.write_bytes(b"x" * size)
    identities = {resolve(Settings(model_path=path)).cache_identity for path in (first, second)}
    embedded = resolve(Settings()).cache_identity
    assert len(identities | {embedded}) == 3
    assert resolve(Settings(base_url="http://x/v1")).cache_identity == "http://x/v1"
