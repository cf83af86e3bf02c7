"""Model-side faults through the real entry point (`briefing run`), against the loopback fake.

Each fault is checked three ways: what the user reads (one `error:` line on stderr naming the
cause and what to do, never a traceback; or a warning naming the article left out), the exit
code (0 ok, 2 partial: the briefing was written without an article the model failed on, 3 the
endpoint cannot be used, or failed on every article), and that nothing already computed is
lost: good articles are in the briefing, its JSON `failures` name what was left out, and every
answer received is in the cache, so the next run sends only the requests that were never
answered (counted on the fake).

The 429 that is waited out on the first request is test_daily.py's
`test_a_429_with_retry_after_is_waited_out`; here 429s come mid-run, through the SDK's retries.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from briefing.local.server import free_port

from .support.briefings import cited_sources
from .support.daily import daily, write_config
from .support.endpoint import MODEL, TRICKLE_LIMIT, FakeEndpoint, Reply, fake_endpoint
from .support.paths import SEED_FILES

pytestmark = pytest.mark.loopback

MALFORMED = '{"main_event": "Talks", "claims": [}'
OFF_SCHEMA = '{"main_event": "Talks"}'
CUT_OFF = '{"main_event": "Talks", "claims": [{"text": "The'
# A bad answer, and what the re-ask tells the model about it.
BAD_ANSWERS = {
    "malformed": (Reply(MALFORMED), "answer: Invalid JSON"),
    "off-schema": (Reply(OFF_SCHEMA), "claims: Field required"),
    "empty": (Reply(""), "the answer was empty"),
    "truncated": (Reply(CUT_OFF, finish_reason="length"), "cut off at the token limit"),
}
FAST_RETRY = {"retry-after-ms": "20"}  # the SDK waits this long instead of its backoff
BY_WORDS = 'match_by = "words"'  # the sentence encoder is slow on a shared CPU, and not tested here


def configure(
    folder: Path, fake: FakeEndpoint, *extra: str, retries: int = 0, articles: int = 2
) -> Path:
    """Seeds read one at a time, so scripted replies meet requests in a known order."""
    return write_config(folder, fake, "concurrency = 1", *extra, articles=articles, retries=retries)


def error_line(result: Any) -> str:
    """The run's one `error:` line; it ended by a message, not a traceback."""
    assert_no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    return str(errors[0])


def assert_no_traceback(result: Any) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def written(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "briefings/latest/briefing.json").read_text())
    return data


def verified(data: dict[str, Any]) -> dict[str, int]:
    return {source["id"]: source["claims_verified"] for source in data["sources"]}


# --- answers that do not fit: re-asked, capped, and contained to their article --------------


@pytest.mark.parametrize("kind", BAD_ANSWERS)
def test_a_bad_answer_is_re_asked_and_the_next_valid_one_used(
    tmp_path: Path, fake: FakeEndpoint, kind: str
) -> None:
    bad, problem = BAD_ANSWERS[kind]
    fake.replies = [bad]
    config = configure(tmp_path, fake)
    result = daily(config)
    assert result.exit_code == 0, result.output
    assert_no_traceback(result)
    assert fake.received == 4  # S1, its re-ask, S2, the composition
    reask = fake.chat_requests[1]["messages"]
    assert reask[-2] == {"role": "assistant", "content": bad.content}
    assert problem in reask[-1]["content"]
    data = written(tmp_path)
    assert data["failures"] == [] and cited_sources(data) == {"S1", "S2"}

    again = daily(config)  # the bad answer and the re-ask's answer are both cached
    assert again.exit_code == 0 and fake.received == 4
    assert "0 model calls (4 answered by the cache)" in again.stdout


@pytest.mark.parametrize("kind", BAD_ANSWERS)
def test_an_answer_bad_after_every_re_ask_leaves_its_article_out_and_exits_2(
    tmp_path: Path, fake: FakeEndpoint, kind: str
) -> None:
    bad, problem = BAD_ANSWERS[kind]
    fake.replies = [bad] * 3
    config = configure(tmp_path, fake)
    result = daily(config)
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    (warning,) = [line for line in result.stderr.splitlines() if SEED_FILES[0].name in line]
    assert warning.startswith("warning: S1 (") and problem.split(":")[0] in warning
    assert "stayed invalid after 2 re-asks" in warning
    assert warning.endswith("(try a larger model with --model-path or --model)")
    assert fake.received == 5  # S1 three times, S2, the composition

    data = written(tmp_path)
    (failure,) = data["failures"]
    assert failure.startswith("S1 (") and SEED_FILES[0].name in failure
    assert verified(data)["S1"] == 0 and verified(data)["S2"] > 0
    assert cited_sources(data) == {"S2"}

    again = daily(config)  # nothing received is asked again, bad answers included: the
    # same model at temperature 0 would give them again (another model is another cache key)
    assert again.exit_code == 2 and fake.received == 5


def test_re_asks_stop_at_the_cap_and_say_why_nothing_was_briefed(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.replies = [Reply(OFF_SCHEMA)] * 10
    result = daily(configure(tmp_path, fake, articles=1))
    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert "the model's answer stayed invalid after 2 re-asks: claims: Field required" in line
    assert line.endswith("(try a larger model with --model-path or --model)")
    assert fake.received == 3 and len(fake.replies) == 7  # one answer and two re-asks
    assert not (tmp_path / "briefings" / "latest").exists()


def _cite_missing_sentences(answer: dict[str, Any]) -> dict[str, Any]:
    claims = answer["claims"]
    claims[0]["sentences"] = [999]
    claims.append({"text": "The alliance was dissolved.", "sentences": [999], "type": "event"})
    return answer


def test_claims_citing_a_sentence_that_does_not_exist_are_dropped_and_the_rest_kept(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.replies = [Reply(edit=_cite_missing_sentences)]
    config = configure(tmp_path, fake)
    result = daily(config)
    assert result.exit_code == 0, result.output
    assert_no_traceback(result)
    assert fake.received == 3  # nothing to re-ask: the answer fits the schema

    data = written(tmp_path)
    (s1,) = [claims for claims in data["extracted"] if claims["source"] == "S1"]
    missing = [claim for claim in s1["claims"] if "999" in " ".join(claim["problems"])]
    assert len(missing) == 2
    for claim in missing:
        assert claim["problems"][0] == "cites sentences that do not exist: 999"
        assert not claim["verified"] and claim["evidence"] == []
    kept = [claim for claim in s1["claims"] if claim["verified"]]
    assert kept and verified(data)["S1"] == len(kept)
    assert re.search(rf"  S1 .*: {len(kept)} of {len(s1['claims'])} claims verified", result.stderr)
    kept_sentences = {e["sentence"] for claim in kept for e in claim["evidence"]}
    assert {figure["evidence"]["sentence"] for figure in s1["figures"]} <= kept_sentences
    assert cited_sources(data) == {"S1", "S2"}
    statements = [s["text"] for section in data["sections"] for s in section["statements"]]
    assert not any("dissolved" in text for text in statements)


# --- the endpoint fails: retried where that can help; a request that still fails leaves its
# article out (exit 2); an endpoint that cannot be used at all is one message and exit 3 -----


def test_a_429_mid_run_is_retried_by_the_sdk(tmp_path: Path, fake: FakeEndpoint) -> None:
    fake.replies = [Reply(), Reply(status=429, headers={"retry-after": "0.05"})]
    result = daily(configure(tmp_path, fake, retries=2))
    assert result.exit_code == 0, result.output
    assert fake.received == 4 and len(fake.chat_requests) == 3


def test_a_transient_500_is_retried_and_the_run_succeeds(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.replies = [
        Reply(),
        Reply(status=500, headers=FAST_RETRY),
        Reply(status=503, headers=FAST_RETRY),
    ]
    result = daily(configure(tmp_path, fake, retries=2))
    assert result.exit_code == 0, result.output
    assert fake.received == 5 and len(fake.chat_requests) == 3
    assert written(tmp_path)["failures"] == []


PERSISTENT = {
    429: "kept refusing requests as too many (HTTP 429) after 2 retries "
    "(lower --concurrency, raise endpoint.max_retries, or try again later)",
    500: "answered HTTP 500: Error code: 500 - fake failure 500 (check the server's log)",
    503: "answered HTTP 503: Error code: 503 - fake failure 503 (check the server's log)",
}


ONLY_IN_S2 = "poised to announce a significant restructuring"


def asked_only_about_s2(requests: list[dict[str, Any]]) -> bool:
    """Whether these chat requests asked the model to read one article, S2, and no other."""
    users = [m["content"] for body in requests for m in body["messages"] if m["role"] == "user"]
    articles = [content for content in users if "</article>" in content]
    return len(articles) == 1 and ONLY_IN_S2 in articles[0]


def left_out(result: Any, folder: Path, article: str, problem: str) -> None:
    """The briefing was written without `article` (exit 2), which is listed like a failed
    source: a warning on stderr and a line in the JSON's `failures`, both saying `problem`."""
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    lines = result.stderr.splitlines()
    (warning,) = [line for line in lines if line.startswith(f"warning: {article} (")]
    assert problem in warning
    data = written(folder)
    (failure,) = data["failures"]
    assert warning == f"warning: {failure}"
    assert verified(data)[article] == 0 and article not in cited_sources(data)


@pytest.mark.parametrize("status", PERSISTENT)
def test_a_persistent_http_error_leaves_its_article_out_and_the_run_goes_on(
    tmp_path: Path, fake: FakeEndpoint, status: int
) -> None:
    failing = Reply(status=status, headers={"retry-after": "0.02", **FAST_RETRY})
    fake.replies = [Reply(), *[failing] * 3]
    config = configure(tmp_path, fake, BY_WORDS, retries=2)
    result = daily(config)
    left_out(result, tmp_path, "S2", f"the endpoint at {fake.base_url} {PERSISTENT[status]}")
    assert fake.received == 5  # S1, S2 and its two retries, the composition
    assert cited_sources(written(tmp_path)) == {"S1"}

    healed = daily(config)  # S1's answer is not bought twice
    assert healed.exit_code == 0, healed.output
    assert asked_only_about_s2(fake.chat_requests[2:])  # after S1 and the composition
    assert "answered by the cache)" in healed.stdout


def test_without_the_cache_a_failing_article_loses_none_of_the_others(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    # Every request about S2's article fails, whichever request finds the output format.
    assert [ONLY_IN_S2 in seed.read_text() for seed in SEED_FILES[:3]] == [False, True, False]
    fake.fails = lambda body: 500 if ONLY_IN_S2 in json.dumps(body) else 0
    config = write_config(tmp_path, fake, "concurrency = 4", BY_WORDS, articles=3)
    result = daily(config, "--no-cache")
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    data = written(tmp_path)
    (failure,) = data["failures"]
    assert "answered HTTP 500" in failure
    assert cited_sources(data) == {"S1", "S3"}


def test_when_every_article_fails_the_run_fails_and_writes_nothing(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.replies = [Reply(delay=2.0)] * 2
    result = daily(configure(tmp_path, fake, "timeout = 0.3"))
    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(f"error: the endpoint at {fake.base_url} did not answer within 0.3 s")
    assert fake.received == 2  # both articles were tried
    assert not (tmp_path / "briefings" / "latest").exists()


def test_a_timeout_leaves_its_article_out_and_names_the_limit(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.replies = [Reply(), Reply(delay=1.5)]
    config = configure(tmp_path, fake, "timeout = 0.4", BY_WORDS)
    result = daily(config)
    left_out(result, tmp_path, "S2", f"the endpoint at {fake.base_url} did not answer within 0.4 s")
    assert "endpoint.timeout" in result.stderr
    assert fake.received == 3

    fake.replies = []
    healed = daily(config)
    assert healed.exit_code == 0, healed.output
    assert asked_only_about_s2(fake.chat_requests[2:])  # after S1 and the composition
    assert "answered by the cache)" in healed.stdout


GENEROUS = 30.0  # seconds; the deadline tested is 1 s, a reply that never ends runs 120 s


def test_an_answer_that_never_ends_is_cut_off_at_the_timeout(
    tmp_path: Path, fake: FakeEndpoint
) -> None:
    fake.replies = [Reply(), Reply(trickle=0.05)]  # headers, then a byte every 50 ms, forever
    config = configure(tmp_path, fake, "timeout = 1", BY_WORDS)
    started = time.monotonic()
    result = daily(config)
    assert time.monotonic() - started < GENEROUS < TRICKLE_LIMIT
    left_out(result, tmp_path, "S2", f"the endpoint at {fake.base_url} did not answer within 1 s")
    assert fake.received == 3


def test_an_answer_cut_off_at_the_timeout_is_retried(tmp_path: Path, fake: FakeEndpoint) -> None:
    fake.replies = [Reply(), Reply(trickle=0.05)]
    result = daily(configure(tmp_path, fake, "timeout = 1", BY_WORDS, retries=1))
    assert result.exit_code == 0, result.output
    assert fake.received == 4  # S1, S2 cut off, S2 again, the composition
    assert written(tmp_path)["failures"] == []


def test_a_refused_connection_says_where_and_what_to_do(tmp_path: Path, fake: FakeEndpoint) -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"  # free a moment ago, so nothing listens
    config = configure(tmp_path, fake)
    config.write_text(config.read_text().replace(fake.base_url, closed))
    result = daily(config)
    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(f"error: cannot reach the model endpoint at {closed} (start the server")
    assert "endpoint.base_url" in line and "--base-url" in line


def test_a_server_killed_mid_run_fails_clearly_and_the_next_run_resumes(
    tmp_path: Path, loopback: None
) -> None:
    with fake_endpoint() as first:
        first.stop_after = 1  # it answers S1, then goes away
        config = configure(tmp_path, first)
        result = daily(config)
        port = urlsplit(first.base_url).port
    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(f"error: cannot reach the model endpoint at {first.base_url}")
    assert len(first.chat_requests) == 1

    with fake_endpoint(port=port) as second:  # the same endpoint, restarted
        resumed = daily(config)
    assert resumed.exit_code == 0, resumed.output
    assert second.received == 2  # S2 and the composition; S1 came from the cache
    assert "2 model calls (1 answered by the cache)" in resumed.stdout
    assert cited_sources(written(tmp_path)) == {"S1", "S2"}


@pytest.mark.parametrize("variable", [None, "MY_KEY"])
def test_a_wrong_api_key_names_the_variable_that_holds_it(
    tmp_path: Path, fake: FakeEndpoint, monkeypatch: pytest.MonkeyPatch, variable: str | None
) -> None:
    fake.api_key = "sk-right"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    extra = [f'api_key_env = "{variable}"'] if variable else []
    if variable:
        monkeypatch.setenv(variable, "sk-also-wrong")
    config = configure(tmp_path, fake, *extra)
    result = daily(config)
    assert result.exit_code == 3, result.output
    line = error_line(result)
    named = variable or "OPENAI_API_KEY"
    assert line.startswith(f"error: the endpoint at {fake.base_url} rejected the API key (")
    assert f" {named} " in line and "--api-key" in line
    if variable:
        assert "OPENAI_API_KEY" not in line
    assert fake.chat_requests == []

    monkeypatch.setenv(named, "sk-right")  # the variable the message names is the one read
    fixed = daily(config)
    assert fixed.exit_code == 0, fixed.output


@pytest.mark.parametrize("model_named", [True, False])
def test_a_web_page_instead_of_the_api_is_a_message_about_the_base_url(
    tmp_path: Path, fake: FakeEndpoint, model_named: bool
) -> None:
    fake.page = "<!doctype html><title>Model hub</title><p>Welcome</p>"
    config = configure(tmp_path, fake)
    if not model_named:  # then the first request lists the endpoint's models
        config.write_text(config.read_text().replace(f'model = "{MODEL}"\n', ""))
    result = daily(config)
    assert result.exit_code == 3, result.output
    line = error_line(result)
    assert line.startswith(
        f"error: the endpoint at {fake.base_url} answered with a web page or other text"
    )
    assert "/v1" in line and "--base-url" in line
