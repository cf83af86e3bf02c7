"""Greedy sampling under a grammar that consults the grammar only when it has to.

Stock llama-cpp-python runs the grammar over all ~152k vocabulary entries before every pick,
about 18 ms a token on a 2-core laptop, more than half the cost of the token itself. Here the
penalised favourite token is checked alone first, then the next best one at a time, and the
whole vocabulary is filtered only when the grammar rejects the first 16; the penalties are
applied to the tokens in their window only (1.3 ms a token to 0.4 on the AMD EPYC). Greedy
decoding picks the highest-scoring token the grammar allows either way, so the output is the
same token for token (`tests/test_embedded_server.py` compares the two on the real model).

Only the embedded server process imports this module (`embedded_server`).
"""

from __future__ import annotations

import ctypes
from collections import deque
from typing import Any

import llama_cpp
import numpy as np
from llama_cpp import _internals
from llama_cpp.llama import Llama

_ASKED_BEFORE_FILTERING = 16
"""Tokens asked about one at a time, best first, before the whole vocabulary is filtered: a
question costs about 5 µs, filtering about 11 ms."""
_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class FavouriteFirstGrammarSampler:
    """Greedy sampling with repeat penalties and a grammar, the grammar consulted lazily.

    Duck-types the one method `Llama` uses of `_internals.LlamaSampler`: `sample(ctx, idx)`,
    which returns the token and advances the penalties' and the grammar's state with it.

    The penalties change only the logits of the tokens picked within their window, so only
    those are put through llama.cpp's penalty sampler (its own arithmetic, on a few dozen
    entries instead of the whole vocabulary: 0.6 ms a token less). When the grammar rejects
    the favourite, the next best tokens are asked about one at a time before the whole
    vocabulary is filtered: the first one it allows is the one filtering would pick.
    """

    def __init__(self, llama: Any, grammar: Any, penalties: dict[str, Any]) -> None:
        self._n_vocab = int(llama.n_vocab())
        self._penalties = _internals.LlamaSampler()  # type: ignore[no-untyped-call,unused-ignore]
        self._penalties.add_penalties(n_vocab=self._n_vocab, **penalties)
        self._grammar = _internals.LlamaSampler()  # type: ignore[no-untyped-call,unused-ignore]
        self._grammar.add_grammar(llama._model, grammar)
        self._candidates = np.zeros(self._n_vocab, dtype=_TOKEN_DATA)
        self._candidates["id"] = np.arange(self._n_vocab, dtype=np.intc)
        self._favourite = np.zeros(1, dtype=_TOKEN_DATA)
        # llama.cpp's window: the last `penalty_last_n` picks (none when it is 0 or less).
        window = max(int(penalties.get("penalty_last_n", 0)), 0)
        self._picked: deque[int] = deque(maxlen=window)
        self._penalised = np.zeros(window, dtype=_TOKEN_DATA)
        self.overruled = 0  # picks where the grammar rejected the favourite; for tests
        self.filtered = 0  # of those, picks that filtered the whole vocabulary; for tests
        self.penalised = 0  # picks whose window changed which token is the favourite; for tests

    def sample(self, ctx: Any, idx: int = -1) -> int:
        logits = llama_cpp.llama_get_logits_ith(ctx.ctx, idx)
        token = self.pick(np.ctypeslib.as_array(logits, shape=(self._n_vocab,)))
        self._penalties.accept(token)
        self._grammar.accept(token)
        self._picked.append(token)
        return token

    def pick(self, logits: np.ndarray[Any, Any]) -> int:
        """The highest-scoring token the grammar allows, after the penalties."""
        scores = self._after_penalties(logits)
        for asked in range(_ASKED_BEFORE_FILTERING):
            token = int(np.argmax(scores))  # the first of equals, as filtering would pick
            if self._grammar_allows(token, scores[token]):
                if asked:
                    self.overruled += 1
                return token
            scores[token] = -np.inf
        self.overruled += 1
        self.filtered += 1
        self._candidates["logit"] = scores
        self._apply(self._grammar, self._candidates)
        return int(np.argmax(self._candidates["logit"]))

    def _after_penalties(self, logits: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        scores = np.array(logits, dtype=np.single)  # a copy: `logits` is the context's own
        if not self._picked:
            return scores
        picked = np.fromiter(set(self._picked), dtype=np.intc)
        window = self._penalised[: len(picked)]
        window["id"] = picked
        window["logit"] = scores[picked]
        self._apply(self._penalties, window)
        favourite = int(np.argmax(scores))
        scores[picked] = window["logit"]
        self.penalised += int(np.argmax(scores)) != favourite
        return scores

    def _grammar_allows(self, token: int, score: float) -> bool:
        self._favourite["id"] = token
        self._favourite["logit"] = score
        self._apply(self._grammar, self._favourite)
        return bool(np.isfinite(self._favourite["logit"][0]))

    @staticmethod
    def _apply(sampler: Any, candidates: np.ndarray[Any, Any]) -> None:
        array = llama_cpp.llama_token_data_array(
            data=candidates.ctypes.data_as(llama_cpp.llama_token_data_p),
            size=len(candidates),
            selected=-1,
            sorted=False,
        )
        llama_cpp.llama_sampler_apply(sampler.sampler, ctypes.byref(array))


_stock_init_sampler = getattr(Llama, "_init_sampler", None)
_NEEDED_FUNCTIONS = (
    "llama_get_logits_ith",
    "llama_sampler_apply",
    "llama_token_data_array",
    "llama_token_data_p",
)
_NEEDED_SAMPLER_METHODS = ("add_penalties", "add_grammar", "accept")


def missing_internals() -> str | None:
    """What this sampler needs of llama-cpp-python's private parts and does not find, or None.

    Checked before `install()`: a llama-cpp-python that renamed them gets the stock sampler."""
    if _stock_init_sampler is None:
        return "llama-cpp-python's Llama has no _init_sampler"
    sampler = getattr(_internals, "LlamaSampler", None)
    if sampler is None:
        return "llama-cpp-python has no _internals.LlamaSampler"
    for method in _NEEDED_SAMPLER_METHODS:
        if not callable(getattr(sampler, method, None)):
            return f"llama-cpp-python's LlamaSampler has no {method}()"
    for function in _NEEDED_FUNCTIONS:
        if not hasattr(llama_cpp, function):
            return f"llama-cpp-python has no {function}"
    return None


def _init_sampler(self: Any, **settings: Any) -> Any:
    # At temperature 0 stock sampling is greedy whatever the mirostat settings say.
    favourite_first_applies = (
        settings.get("grammar") is not None
        and settings.get("temp") == 0.0
        and settings.get("logits_processor") is None
    )
    if not favourite_first_applies:
        return _stock_init_sampler(self, **settings)  # type: ignore[misc]
    penalties = {
        "penalty_last_n": self.last_n_tokens_size,
        "penalty_repeat": settings.get("repeat_penalty", 1.0),
        "penalty_freq": settings.get("frequency_penalty", 0.0),
        "penalty_present": settings.get("presence_penalty", 0.0),
    }
    return FavouriteFirstGrammarSampler(self, settings["grammar"], penalties)


def install() -> None:
    """Make every `Llama` in this process sample greedy grammar requests favourite-first."""
    setattr(Llama, "_init_sampler", _init_sampler)  # noqa: B010 (mypy rejects method assignment)


def uninstall() -> None:
    """Give `Llama` its stock sampler back."""
    setattr(Llama, "_init_sampler", _stock_init_sampler)  # noqa: B010
