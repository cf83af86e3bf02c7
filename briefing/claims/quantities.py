"""Amounts as the ranges a reader takes them to mean, so that counts can be compared. Pure.

"about 4,000 people" is 3,600–4,400 people, "more than 6,000 residents" is anything above
6,000, "$31,500" is 31,500 dollars exactly: two sources disagree on a count when they count
the same unit and their ranges do not meet. "1,842 patients" and "about 1,800 patients"
agree; "about 4,000" and "more than 6,000" do not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from briefing.claims.dates import dates_in

_ABOUT = 0.1  # "about N" is N give or take a tenth
_HEDGES = {
    "about": "about", "around": "about", "roughly": "about", "approximately": "about",
    "some": "about", "an estimated": "about", "estimated": "about", "close to": "nearly",
    "nearly": "nearly", "almost": "nearly", "more than": "above", "over": "above",
    "upwards of": "above", "in excess of": "above", "at least": "from", "fewer than": "below",
    "less than": "below", "under": "below", "below": "below", "up to": "to", "at most": "to",
}  # fmt: skip
_SMALL = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
} | {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
     "eighty": 80, "ninety": 90}  # fmt: skip
_NUMBER_WORDS = "|".join(sorted([*_SMALL, "hundred"], key=len, reverse=True))
_CURRENCY = {"$": "$", "us$": "$", "€": "€", "£": "£", "¥": "¥"}
_QUANTITY = re.compile(
    r"(?:(?P<hedge>" + "|".join(sorted(map(re.escape, _HEDGES), key=len, reverse=True)) + r")\s+)?"
    r"(?P<currency>US\$|[$€£¥])?\s?"
    r"(?P<number>\d[\d,]*(?:\.\d+)?|\b(?:(?:" + _NUMBER_WORDS + r")\b[\s-]?)+)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|m)\b)?"
    r"(?:\s*(?P<unit>%|per\s?cent\b|percent\b|[A-Za-z][A-Za-z-]*))?",
    re.IGNORECASE,
)
_UNIT_STEM = 5
_UNIT_SYNONYMS = {
    "dolla": "$", "euro": "€", "pound": "£", "perce": "%", "%": "%",
    # counts of people, however a report names them
    "perso": "peopl", "resid": "peopl", "civil": "peopl", "indiv": "peopl", "inhab": "peopl",
}  # fmt: skip
_NOT_UNITS = frozenset(
    "a an the and or of to in on at for with by from as is are was were be been has have had "
    "that this it its per cent who which than year years".split()
)


@dataclass(frozen=True)
class Quantity:
    """A count of `unit` somewhere in `low`–`high`, as `text` writes it."""

    unit: str
    low: float
    high: float
    text: str

    def meets(self, other: Quantity) -> bool:
        """The two ranges share a value (a count both statements allow)."""
        return self.low <= other.high and other.low <= self.high


def quantities(text: str) -> list[Quantity]:
    """Every count in `text` with a unit: a currency, a percentage or the noun after it.
    Dates and years are not counts."""
    for date in dates_in(text):
        text = text.replace(date, " " * len(date))
    found = []
    for match in _QUANTITY.finditer(text):
        value = _value(match["number"])
        if value is None:
            continue
        if _year_like(match["number"], value) and not match["currency"] and not match["scale"]:
            continue  # a year
        unit = _unit(match)
        if unit is None:
            continue
        value *= _scale(match["scale"])
        low, high = _range(value, _HEDGES.get((match["hedge"] or "").lower()))
        found.append(Quantity(unit, low, high, " ".join(match[0].split())))
    return found


def disagreeing(a: list[Quantity], b: list[Quantity]) -> list[tuple[Quantity, Quantity]]:
    """Pairs that count the same unit with ranges that do not meet, where neither text
    also gives a count of that unit the other allows (then they may count different things)."""
    pairs = []
    for first in a:
        same_unit = [other for other in b if other.unit == first.unit]
        if not same_unit or any(first.meets(other) for other in same_unit):
            continue
        if any(q.meets(other) for q in a if q.unit == first.unit for other in same_unit):
            continue
        pairs += [(first, other) for other in same_unit]
    return pairs


def _year_like(number: str, value: float) -> bool:
    """1900 to 2100 written as four plain digits ("2,000 patients" is a count)."""
    return number.isdigit() and 1900 <= value <= 2100


def _value(number: str) -> float | None:
    """ "3,400" is 3400.0; "twenty-five" 25.0; "five hundred" 500.0."""
    if number[0].isdigit():
        return float(number.replace(",", ""))
    total = 0
    for word in re.split(r"[\s-]+", number.lower().strip()):
        if word == "hundred":
            total = max(total, 1) * 100
        elif word in _SMALL:
            total += _SMALL[word]
        elif word:
            return None
    return float(total)


def _unit(match: re.Match[str]) -> str | None:
    if match["currency"]:
        return _CURRENCY[match["currency"].lower()]
    unit = (match["unit"] or "").lower()
    if unit == "%" or (unit.startswith("per") and unit.endswith("cent")):
        return "%"
    if not unit or unit in _NOT_UNITS:
        return None
    stem = unit.rstrip("s")[:_UNIT_STEM]
    return _UNIT_SYNONYMS.get(stem, stem)


def _scale(scale: str | None) -> float:
    return {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
            "trillion": 1e12}.get((scale or "").lower(), 1.0)  # fmt: skip


def _range(value: float, hedge: str | None) -> tuple[float, float]:
    if hedge == "about":
        return value * (1 - _ABOUT), value * (1 + _ABOUT)
    if hedge == "nearly":
        return value * (1 - _ABOUT), value
    if hedge == "above":
        return math.nextafter(value, math.inf), math.inf
    if hedge == "from":
        return value, math.inf
    if hedge == "below":
        return 0.0, math.nextafter(value, -math.inf)
    if hedge == "to":
        return 0.0, value
    return value, value
