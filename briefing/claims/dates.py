"""Turn a date as an article writes it into ISO 8601, relative to the article's publication.

Pure. `normalise` returns `YYYY-MM-DD`, `YYYY-MM` or `YYYY` at the precision the text gives,
or None when the text is not a date it understands, or is relative ("next month", "on
Wednesday") and the article has no publication date: undated rather than guessed.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterable
from datetime import date, timedelta

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_WEEKDAYS = {calendar.day_name[number].lower(): number for number in range(7)}
MONTH_AND_DAY_NAMES = frozenset(_MONTHS) | frozenset(_WEEKDAYS)
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[89]\d\d|20\d\d|21\d\d)"

_ABSOLUTE = (
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"),
    re.compile(rf"{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?"),
    re.compile(rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?"),
    re.compile(rf"{_MONTH}(?:,?\s+(?:of\s+)?{_YEAR})?"),
    re.compile(rf"(?:in\s+|since\s+|by\s+)?{_YEAR}"),
)
_RELATIVE_DAY = {"today": 0, "yesterday": -1, "tomorrow": 1}
_SHIFT = {"last": -1, "past": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}
_RELATIVE = re.compile(
    r"(?:(?P<shift>last|past|previous|this|next|coming)\s+)?(?P<unit>month|year|"
    + "|".join(_WEEKDAYS)
    + r")"
)


# Each pattern as whole words, compiled once (dates_in runs on every claim and sentence).
_WHOLE_WORDS = [re.compile(rf"\b(?:{p.pattern})\b", re.IGNORECASE) for p in (*_ABSOLUTE, _RELATIVE)]


def dates_in(text: str) -> list[str]:
    """Date expressions in `text`, as written, longest first where they overlap."""
    return list(_dates_in(text))


@functools.lru_cache(maxsize=1 << 14)  # reconciling looks at the same passages many times
def _dates_in(text: str) -> tuple[str, ...]:
    found: list[tuple[int, int]] = []
    for pattern in _WHOLE_WORDS:
        for match in pattern.finditer(text):
            if not _reads_as_date(match):
                continue
            span = match.span()
            if not any(start <= span[0] and span[1] <= end for start, end in found):
                found = [f for f in found if not (span[0] <= f[0] and f[1] <= span[1])]
                found.append(span)
    return tuple(text[start:end] for start, end in sorted(found))


def isos_in(text: str, published: date | None) -> set[str]:
    """Every date in `text` that can be placed, as ISO."""
    return isos_of(dates_in(text), published)


def isos_of(written: Iterable[str], published: date | None) -> set[str]:
    """The dates (as `dates_in` finds them) that can be placed, as ISO."""
    return {iso for when in written if (iso := normalise(when, published))}


def dates_agree(a: set[str], b: set[str]) -> bool:
    """Two sets of ISO dates agree when either is empty or some pair is the same date at
    the coarser precision ("2024-04" and "2024-04-10" agree)."""
    return not a or not b or any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def _reads_as_date(match: re.Match[str]) -> bool:
    """Not the verb "may" or "march", nor the "year" of "70-year-old"."""
    parts = match.groupdict()
    if parts.get("unit") in {"month", "year"} and not parts.get("shift"):
        return False
    month = parts.get("month")
    alone = month is not None and not parts.get("day") and not parts.get("year")
    return not (alone and month is not None and month[0].islower())


def normalise(when: str, published: date | None) -> str | None:
    text = " ".join(when.lower().replace(",", ", ").split()).strip(" .")
    text = re.sub(r"^(?:on|in|at|by|since|from|until|the)\s+", "", text)
    for pattern in _ABSOLUTE:
        if found := pattern.fullmatch(text):
            return _absolute(found.groupdict(), published)
    if published is None:
        return None
    if text in _RELATIVE_DAY:
        return (published + timedelta(days=_RELATIVE_DAY[text])).isoformat()
    if found := _RELATIVE.fullmatch(text):
        return _relative(found["shift"], found["unit"], published)
    return None


def _absolute(parts: dict[str, str | None], published: date | None) -> str | None:
    year_text, month_text, day_text = parts.get("year"), parts.get("month"), parts.get("day")
    year = int(year_text) if year_text else None
    if not month_text:
        return f"{year:04d}" if year else None
    month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
    if year is None:
        if published is None:
            return None
        year = _nearest_year(month, published)
    if not day_text:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, int(day_text)).isoformat()
    except ValueError:
        return None


def _nearest_year(month: int, published: date) -> int:
    """The year that puts `month` closest to publication ("in January", written in December,
    means next January)."""
    candidates = (published.year - 1, published.year, published.year + 1)
    return min(
        candidates, key=lambda year: abs((year - published.year) * 12 + month - published.month)
    )


def _relative(shift_word: str | None, unit: str, published: date) -> str:
    shift = _SHIFT[shift_word] if shift_word else 0
    if unit == "year":
        return f"{published.year + shift:04d}"
    if unit == "month":
        months = published.year * 12 + published.month - 1 + shift
        return f"{months // 12:04d}-{months % 12 + 1:02d}"
    return _weekday(_WEEKDAYS[unit], shift_word, published).isoformat()


def _weekday(weekday: int, shift_word: str | None, published: date) -> date:
    """A bare weekday in news copy is the nearest one around publication, earlier on ties
    ("on Wednesday" in a Thursday story means yesterday); "next"/"last" push a week out."""
    ahead = (weekday - published.weekday()) % 7
    behind = ahead - 7 if ahead else 0
    if shift_word in {"next", "coming"}:
        return published + timedelta(days=ahead or 7)
    if shift_word in {"last", "past", "previous"}:
        return published + timedelta(days=behind or -7)
    return published + timedelta(days=ahead if ahead < -behind else behind)
