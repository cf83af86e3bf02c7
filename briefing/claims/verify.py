"""Check a claim against the sentences it cites: the program, not the model, owns the evidence.

Pure. A claim passes when every sentence number it cites exists, every number, name and
month or weekday it states occurs in those sentences, enough of its content words come from
them, and it does not flip their polarity: a negated claim needs a negation in its sentences,
and a claim may not assert what they negate.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Mapping

MIN_CONTENT_OVERLAP = 0.5
_STEM_LENGTH = 5

_NEGATOR = re.compile(
    r"\b(?:not|no|never|neither|nor|none|nothing|nobody|without)\b|n['’]t\b", re.IGNORECASE
)
_NEGATED_REACH = 3  # content words after a negator that it negates
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NUMBER_WORDS = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19",
    "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100",
    "thousand": "1000", "double": "2", "twice": "2", "triple": "3",
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


_NAME_TOKEN = re.compile(r"[A-Za-z](?:[A-Za-z'’]|\.(?=[A-Za-z]))*\.?")
_MULTI_WORD_NAMES_KEYS = {
    "united states": "US", "united kingdom": "UK", "european union": "EU",
    "united nations": "UN", "soviet union": "USSR",
}  # fmt: skip
_MULTI_WORD_NAMES = re.compile(
    "|".join(rf"\b{name}\b" for name in _MULTI_WORD_NAMES_KEYS), re.IGNORECASE
)
_POSSESSIVE = re.compile(r"['’]s$")
_SPACED_INITIALS = re.compile(r"\b([A-Z])\.\s(?=[A-Z]\.)")
_DEMONYMS = {
    "usa": "us", "america": "us", "american": "us", "americans": "us", "british": "uk",
    "britain": "uk", "chinese": "china", "french": "france", "german": "germany",
    "russian": "russia", "indian": "india", "australian": "australia", "european": "europe",
    "israeli": "israel", "ukrainian": "ukraine", "iranian": "iran", "vietnamese": "vietnam",
    "taiwanese": "taiwan", "filipino": "philippines", "philippine": "philippines",
    "dutch": "netherlands", "spanish": "spain", "italian": "italy", "turkish": "turkey",
    "canadian": "canada", "mexican": "mexico", "brazilian": "brazil", "pakistani": "pakistan",
}  # fmt: skip
# Role words are capitalised before a name but are not names themselves.
TITLE_WORDS = frozenset(
    """president prime minister secretary general chief foreign defense defence state
    ambassador chancellor premier senator governor mayor admiral commander minister's
    vice deputy mr mrs ms dr""".split()
)


_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12}
_NUMERIC_WORDS = frozenset(_NUMBER_WORDS) | frozenset(_SCALES)
_NUMBER_WORD = r"\b(?:" + "|".join(_NUMBER_WORDS) + r")\b"
_NUMBER_OR_WORD = re.compile(rf"{_NUMBER.pattern}|{_NUMBER_WORD}")
_SCALED = re.compile(rf"({_NUMBER.pattern}|{_NUMBER_WORD})[\s-]+({'|'.join(_SCALES)})\b")


_TEXTS_CACHED = 1 << 14
"""Texts whose numbers, names and words are kept: reconciling compares the same claims and
passages with one another thousands of times. The cached dicts are never handed out."""


def numbers_in(text: str) -> set[str]:
    """Numbers as digits without separators; number words count as their digits, and an
    amount with a scale word as its value ("fifty thousand" and "50,000" are both 50000)."""
    return set(_numbers(text))


_CLOCK = re.compile(r"\b(\d{1,2})[:.](\d{2})(?=\s*[ap]\.?m\b)|\b(\d{1,2}):(\d{2})\b", re.IGNORECASE)
"""A time of day: "7:52", "7.52 a.m." and "7:52am" are one time, whatever the separator."""


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _numbers(text: str) -> dict[str, str]:
    """Each number of `text` by its value, with the words it was written in (read only)."""
    found: dict[str, str] = {}
    lowered = text.lower()
    scaled_spans = []
    for match in _CLOCK.finditer(lowered):
        hours, minutes = (match[1], match[2]) if match[1] else (match[3], match[4])
        found.setdefault(f"{int(hours)}:{minutes}", text[match.start() : match.end()])
        scaled_spans.append(match.span())
    for match in _SCALED.finditer(lowered):
        amount, scale = match.groups()
        value = (
            float(amount.replace(",", "")) if amount[0].isdigit() else int(_NUMBER_WORDS[amount])
        )
        found.setdefault(f"{value * _SCALES[scale]:.0f}", text[match.start() : match.end()])
        scaled_spans.append(match.span())
    for match in _NUMBER_OR_WORD.finditer(lowered):
        if any(start <= match.start() < end for start, end in scaled_spans):
            continue
        number = _NUMBER_WORDS.get(match[0], match[0].replace(",", ""))
        found.setdefault(number, text[match.start() : match.end()])
    return found


_AMOUNT = re.compile(
    rf"(?:{_NUMBER.pattern}|{_NUMBER_WORD})(?:[\s-]+(?:{'|'.join(_SCALES)})\b)?"
    r"\s*(?P<unit>%|per\s?cent\b|[A-Za-z][A-Za-z-]*)",
    re.IGNORECASE,
)


def amounts(text: str, skip: Iterable[str] = ()) -> dict[str, set[str]]:
    """Numbers by what they count: "50,000 troops" and "fifty thousand troops" give
    {"troop": {"50000"}}, "2% of GDP" gives {"%": {"2"}}. Passages in `skip` (dates, say) are
    left out, and so are numbers followed by a stopword, which name no unit."""
    return {unit: set(values) for unit, values in _amounts(text, tuple(skip)).items()}


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _amounts(text: str, skip: tuple[str, ...]) -> dict[str, frozenset[str]]:
    for passage in skip:
        text = text.replace(passage, " ")
    found: dict[str, set[str]] = {}
    for match in _AMOUNT.finditer(text):
        unit = match["unit"].lower()
        if unit in _STOPWORDS or unit in _NUMERIC_WORDS:
            continue
        key = "%" if unit == "%" or unit.startswith("per") else unit.rstrip("s")[:_STEM_LENGTH]
        found.setdefault(key, set()).update(
            numbers_in(match[0][: match.start("unit") - match.start()])
        )
    return {unit: frozenset(values) for unit, values in found.items() if values}


def is_stopword(word: str) -> bool:
    return word.lower() in _STOPWORDS


def content_stems(text: str) -> set[str]:
    return set(frozen_content_stems(text))


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def frozen_content_stems(text: str) -> frozenset[str]:
    """`content_stems`, kept per text: not to be changed by the caller."""
    return frozenset(word[:_STEM_LENGTH] for word in _content_words(text))


def _content_words(text: str) -> list[str]:
    words = (word.lower().strip("'’-") for word in _WORD.findall(text))
    return [
        word
        for word in words
        if len(word) > 2 and word not in _STOPWORDS and word not in _NUMERIC_WORDS
    ]


def names_in(text: str, known: Iterable[str] = ()) -> set[str]:
    return set(_names(text, known))


def names_as_written(text: str, known: Iterable[str] = ()) -> dict[str, str]:
    """`names_in`, mapping each key to the way `text` writes the name."""
    return dict(_names(text, known))


def _names(text: str, known: Iterable[str] = ()) -> dict[str, str]:
    """Names in `text` by comparable key (read only): capitalised words and acronyms (not
    role titles), with aliases and demonyms folded ("U.S." and "American" are "us"). A text's
    first word counts only when it is an acronym or its key is in `known`, since a capital
    there says nothing."""
    if isinstance(known, frozenset):  # a corpus's names: the same for every text it compares
        return _names_knowing(text, known)
    return _names_knowing(text, frozenset(known))


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _names_knowing(text: str, known_keys: frozenset[str]) -> dict[str, str]:
    text = _folded(text)
    keys: dict[str, str] = {}
    for position, match in enumerate(_NAME_TOKEN.finditer(text)):
        word = match[0].rstrip(".")
        key = _name_word_key(word)
        if key is None:
            continue
        first = position == 0 or text[: match.start()].rstrip().endswith((".", ":", "!", "?"))
        if first and not (word.isupper() and len(word) > 1) and key not in known_keys:
            continue
        keys.setdefault(key, _POSSESSIVE.sub("", word))
    return keys


def _name_word_key(word: str) -> str | None:
    """The key of a capitalised word that may be a name: not a role title or a stopword."""
    if not word[0].isupper() or word.lower() in TITLE_WORDS:
        return None
    key = name_key(word)
    return None if key in _STOPWORDS else key


def _folded(text: str) -> str:
    """Multi-word names as one word, and "U. S." spelled "U.S."."""
    text = _SPACED_INITIALS.sub(r"\1.", text)
    return _MULTI_WORD_NAMES.sub(lambda m: _MULTI_WORD_NAMES_KEYS[m[0].lower()], text)


def name_key(word: str) -> str:
    word = _POSSESSIVE.sub("", word).replace(".", "").lower()
    word = _DEMONYMS.get(word, word)
    return word if len(word) <= 3 else word[:_STEM_LENGTH]


def name_companions(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each name key, the keys written beside it in one multi-word name somewhere in
    `texts` ("Veridane Therapeutics" makes "veridane" and "therapeutics" companions)."""
    companions: dict[str, set[str]] = {}
    for text in texts:
        for run in _name_runs(_folded(text)):
            for key in run:
                companions.setdefault(key, set()).update(run - {key})
    return {key: frozenset(others) for key, others in companions.items() if others}


def _name_runs(text: str) -> list[set[str]]:
    """The keys of each run of capitalised words that only spaces separate ("Lloyd J.
    Austin", "U.S. Navy"); a full stop ends a run."""
    runs: list[set[str]] = []
    run: set[str] = set()
    end = -1
    for match in _NAME_TOKEN.finditer(text):
        word = match[0].rstrip(".")
        key = _name_word_key(word)
        if key is None or end < 0 or not text[end : match.start()].isspace():
            if len(run) > 1:
                runs.append(run)
            run = set()
        if key is not None:
            run.add(key)
        end = match.end()
        if match[0].endswith(".") and len(word) > 1 and "." not in word:  # a full stop
            end = -1
    if len(run) > 1:
        runs.append(run)
    return runs


def word_keys(text: str) -> set[str]:
    """Every word of `text` as a name key, to look names up in."""
    return set(_word_keys(text))


@functools.lru_cache(maxsize=_TEXTS_CACHED)
def _word_keys(text: str) -> frozenset[str]:
    text = _folded(text)
    return frozenset(name_key(match[0].rstrip(".")) for match in _NAME_TOKEN.finditer(text))


def evidence_problems(
    claim: str,
    evidence: Iterable[str],
    known_names: Iterable[str] = (),
    companions: Mapping[str, frozenset[str]] | None = None,
) -> list[str]:
    """Why `claim` is not supported by the `evidence` texts (empty when it is).

    A name missing from the evidence is forgiven when `companions` (the article's
    multi-word names, `name_companions`) pairs it with a name the evidence has: a claim may
    call "Veridane" by the full name the article gives it, "Veridane Therapeutics"."""
    source = " ".join(evidence)
    problems: list[str] = []
    numbers = _numbers(claim)
    missing_numbers = sorted(numbers[value] for value in numbers.keys() - numbers_in(source))
    if missing_numbers:
        problems.append(f"numbers not in the cited text: {', '.join(missing_numbers)}")
    names = _names(claim, known_names)
    in_source = word_keys(source)
    missing_names = sorted(
        names[key]
        for key in names.keys() - in_source
        if not (companions and companions.get(key, frozenset()) & in_source)
    )
    if missing_names:
        problems.append(f"names not in the cited text: {', '.join(missing_names)}")
    claim_stems = content_stems(claim)
    if claim_stems:
        overlap = len(claim_stems & content_stems(source)) / len(claim_stems)
        if overlap < MIN_CONTENT_OVERLAP:
            problems.append(f"only {overlap:.0%} of its words come from the cited text")
    return problems + polarity_problems(claim, source)


def polarity_problems(claim: str, source: str) -> list[str]:
    """A claim that negates where its source does not, or asserts what its source negates
    ("Japan will double ..." from "Japan will not double ..."). A negation in the source
    about other words ("not merely a procedural update but a historic overhaul") is fine."""
    if _NEGATOR.search(claim):
        if not _NEGATOR.search(source):
            return ["it negates what the cited text says"]
        return []
    claim_stems = content_stems(claim)
    for match in _NEGATOR.finditer(source):
        following = _content_words(source[match.end() :])[:_NEGATED_REACH]
        negated = [word for word in following if word[:_STEM_LENGTH] in claim_stems]
        if negated:
            phrase = " ".join(source[match.start() :].split()[: _NEGATED_REACH + 2])
            return [f"the cited text negates it (“{phrase} …”)"]
    return []


def citation_problems(cited: Iterable[int], shown: Collection[int]) -> list[str]:
    """Sentence numbers the model cited that were not among those `shown` to it."""
    unknown = sorted({number for number in cited if number not in shown})
    if unknown:
        return [f"cites sentences that do not exist: {', '.join(map(str, unknown))}"]
    return []
