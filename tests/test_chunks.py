"""Token counting offline and chunking that keeps the article's own sentence numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.claims.chunks import ENUM_TOKENS_PER_SENTENCE, chunk_sentences, line_for
from briefing.claims.extract import plan_chunks
from briefing.errors import ConfigError
from briefing.model.tokens import FALLBACK_ENCODING, counter_for
from briefing.types.stages import Sentence

from .support.seeds import seed_articles

count = counter_for("qwen2.5-coder-1.5b-instruct-q4_k_m")


def sentences(lengths: list[int]) -> list[Sentence]:
    built, start = [], 0
    for number, length in enumerate(lengths, start=1):
        text = " ".join(["word"] * length)
        built.append(Sentence(number=number, start=start, end=start + len(text), text=text))
        start += len(text) + 1
    return built


def cost(chunk: tuple[Sentence, ...]) -> int:
    return sum(count(line_for(s)) + ENUM_TOKENS_PER_SENTENCE for s in chunk)


def test_unknown_models_count_with_the_offline_cl100k_encoding() -> None:
    import tiktoken

    offline = tiktoken.get_encoding(FALLBACK_ENCODING)
    text = "Japan's Self-Defense Forces set up a joint command (JJOC) in 2025."
    assert count(text) == len(offline.encode(text))
    assert counter_for("gpt-3.5-turbo")(text) == count(text)  # cl100k_base, read offline


def test_a_short_article_is_one_chunk() -> None:
    given_sentences = sentences([10, 12, 8])
    assert chunk_sentences(given_sentences, budget=1000, count=count) == [tuple(given_sentences)]


def test_no_sentences_no_chunks() -> None:
    assert chunk_sentences([], budget=100, count=count) == []


def test_a_little_over_one_window_splits_into_halves_not_a_scrap() -> None:
    given_sentences = sentences([20] * 12)
    total = cost(tuple(given_sentences))
    chunks = chunk_sentences(given_sentences, budget=int(total * 0.6), count=count)
    assert [len(chunk) for chunk in chunks] == [6, 6]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=40), st.integers(30, 400))
def test_chunks_cover_every_sentence_in_order_within_budget(
    lengths: list[int], budget: int
) -> None:
    given_sentences = sentences(lengths)
    chunks = chunk_sentences(given_sentences, budget=budget, count=count)
    assert [s for chunk in chunks for s in chunk] == given_sentences  # global numbers kept
    for chunk in chunks:
        assert cost(chunk) <= budget or len(chunk) == 1


def test_seed_articles_fit_the_embedded_model_in_one_chunk() -> None:
    for article in seed_articles().values():
        assert len(plan_chunks(article, article.sentences, "m", context_window=8192)) == 1


def test_a_small_context_window_chunks_a_seed_with_its_own_numbers() -> None:
    article = seed_articles()["S3"]
    chunks = plan_chunks(article, article.sentences, "m", context_window=1700)
    assert len(chunks) >= 2
    assert [s.number for chunk in chunks for s in chunk] == [s.number for s in article.sentences]


def test_a_context_window_too_small_for_the_prompt_is_a_clear_error() -> None:
    article = seed_articles()["S1"]
    with pytest.raises(ConfigError) as raised:
        plan_chunks(article, article.sentences, "m", context_window=1024)
    assert "leaves no room for article text" in raised.value.message
    hint = raised.value.hint or ""
    assert hint.startswith("use a model with a window of at least")
    needed = int(hint.split("at least ")[1].split()[0])
    assert plan_chunks(article, article.sentences, "m", context_window=needed)
