"""Split cleaned article text into numbered sentences with character offsets.

Pure. Each line of the cleaned text (a paragraph or a bullet) is split on its own, so a
sentence never spans two paragraphs; `text[s.start:s.end] == s.text` always holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from briefing.types.stages import Article, Sentence

_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt adm cmdr gov sen rep rev st jr sr inc corp co
    ltd no nos vol fig approx est dept univ vs etc e.g i.e a.m p.m jan feb mar apr jun jul
    aug sep sept oct nov dec""".split()
)
# A boundary candidate: terminal punctuation, optional closing quotes/brackets, whitespace,
# then something that can open a sentence.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_BULLET = re.compile(r"^(?:[•·▪◦‣*–-]|\d{1,2}[.)])\s+")
_WORD_BEFORE = re.compile(r"(\S+)$")
# Longer runs without a sentence end (lists glued together, text with no punctuation) are cut
# at a space, so one "sentence" can neither swamp a prompt nor become an unreadable quote.
MAX_SENTENCE_CHARS = 1200


def split_sentences(text: str, first_number: int = 1) -> list[Sentence]:
    """Number every sentence of `text`, starting at `first_number`."""
    sentences: list[Sentence] = []
    for start, end in _spans(text):
        sentences.append(
            Sentence(
                number=first_number + len(sentences), start=start, end=end, text=text[start:end]
            )
        )
    return sentences


def segment(article: Article) -> Article:
    return article.model_copy(update={"sentences": tuple(split_sentences(article.text))})


def _spans(text: str) -> Iterator[tuple[int, int]]:
    offset = 0
    for line in text.split("\n"):
        bullet = _BULLET.match(line)
        line_start = offset + (bullet.end() if bullet else 0)
        body = text[line_start : offset + len(line)]
        for start, end in _line_spans(body):
            yield line_start + start, line_start + end
        offset += len(line) + 1


def _line_spans(line: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in _BOUNDARY.finditer(line):
        if _is_abbreviation(line[start : match.start() + 1]):
            continue
        end = match.end()
        yield from _trimmed(line, start, end)
        start = end
    yield from _trimmed(line, start, len(line))


def _is_abbreviation(before: str) -> bool:
    """True when the period ending `before` belongs to an abbreviation or an initial."""
    found = _WORD_BEFORE.search(before)
    if not found or not before.endswith("."):
        return False
    word = found.group(1).lstrip("(\"'“‘[").rstrip(".")
    lowered = word.lower()
    if lowered in _ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "Lloyd J. Austin"
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word))  # U.S., U.K., e.g


def _trimmed(line: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = line.rfind(" ", start + 1, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
        while start < end and line[start].isspace():
            start += 1
    if end - start >= 2:
        yield start, end


_CLAUSE_BREAK = re.compile(
    r",\s+|;\s+|:\s+|\s+[—–-]\s+"
    r"|\s+(?:and|but|while|as|after|before|which|who|when|where|although|because|since)\s+"
)
MIN_CLAUSE_WORDS = 3
MIN_SPLIT_WORDS = 16
"""A sentence shorter than this states one fact, or its clauses are too short to mean much."""


def clauses(text: str, longer_than: int = MIN_SPLIT_WORDS, *, pairs: bool = True) -> list[str]:
    """A long sentence's clauses of three words or more, alone and (with `pairs`, for
    comparing meaning, not for a reader) each with the next: a long sentence often states
    several facts, and another source may state only one."""
    if len(text.split()) < longer_than:
        return []
    parts = [part for part in _CLAUSE_BREAK.split(text) if len(part.split()) >= MIN_CLAUSE_WORDS]
    if len(parts) < 2:
        return []
    return parts + ([f"{first} {second}" for first, second in pairwise(parts)] if pairs else [])
