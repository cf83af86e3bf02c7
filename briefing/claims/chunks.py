"""Split an article's numbered sentences into chunks that fit the model's context window.

Pure. Sentence numbers stay those of the whole article, so claims from any chunk cite the
article's own numbering. Chunks are balanced: an article a little over one window becomes
two halves rather than a full chunk and a scrap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from briefing.model.tokens import Counter
from briefing.types.stages import Sentence

# A number in the schema's sentence enum costs about this much when the schema is in the prompt.
ENUM_TOKENS_PER_SENTENCE = 3


def line_for(sentence: Sentence) -> str:
    """How a sentence appears in the prompt (the same form `prompts/extract.j2` writes)."""
    return f"[{sentence.number}] {sentence.text}\n"


def chunk_sentences(
    sentences: Sequence[Sentence], budget: int, count: Counter
) -> list[tuple[Sentence, ...]]:
    """Consecutive runs of `sentences` of at most `budget` tokens each (a single sentence
    longer than that gets a chunk to itself)."""
    costs = [count(line_for(s)) + ENUM_TOKENS_PER_SENTENCE for s in sentences]
    total = sum(costs)
    if total <= budget:
        return [tuple(sentences)] if sentences else []
    target = total / math.ceil(total / budget)
    chunks: list[tuple[Sentence, ...]] = []
    current: list[Sentence] = []
    used = 0
    for sentence, cost in zip(sentences, costs, strict=True):
        if current and (used + cost > budget or used + cost / 2 > target):
            chunks.append(tuple(current))
            current, used = [], 0
        current.append(sentence)
        used += cost
    if current:
        chunks.append(tuple(current))
    return chunks
