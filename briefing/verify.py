"""Check a claim against the sentences it cites: the program, not the model, owns the evidence.

Pure. A claim passes when every sentence number it cites exists, every number it states
occurs in those sentences, and enough of its content words come from them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MIN_CONTENT_OVERLAP = 0.5
_STEM_LENGTH = 5

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100",
    "thousand": "1000", "eighteen": "18", "double": "2", "twice": "2", "triple": "3",
}  # fmt: skip
_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just more most must my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those
    through to too under until up upon very was we were what when where which while who whom
    why will with would you your said says say according new amid its it's also""".split()
)


def numbers_in(text: str) -> set[str]:
    """Numbers as digits without separators; small number words count as their digits."""
    found = {match.replace(",", "") for match in _NUMBER.findall(text)}
    found |= {
        _NUMBER_WORDS[w] for w in (w.lower() for w in _WORD.findall(text)) if w in _NUMBER_WORDS
    }
    return found


def content_stems(text: str) -> set[str]:
    words = (word.lower().strip("'’-") for word in _WORD.findall(text))
    return {word[:_STEM_LENGTH] for word in words if len(word) > 2 and word not in _STOPWORDS}


def evidence_problems(claim: str, evidence: Iterable[str]) -> list[str]:
    """Why `claim` is not supported by the `evidence` texts (empty when it is)."""
    source = " ".join(evidence)
    problems: list[str] = []
    missing_numbers = sorted(numbers_in(claim) - numbers_in(source))
    if missing_numbers:
        problems.append(f"numbers not in the cited text: {', '.join(missing_numbers)}")
    claim_stems = content_stems(claim)
    if claim_stems:
        overlap = len(claim_stems & content_stems(source)) / len(claim_stems)
        if overlap < MIN_CONTENT_OVERLAP:
            problems.append(f"only {overlap:.0%} of its words come from the cited text")
    return problems


def citation_problems(cited: Iterable[int], available: int) -> list[str]:
    unknown = sorted({number for number in cited if not 1 <= number <= available})
    if unknown:
        return [f"cites sentences that do not exist: {', '.join(map(str, unknown))}"]
    return []
