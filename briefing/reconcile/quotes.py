"""Who said what: quoted speech and explicitly attributed positions, found in the articles'
own text (no model), each with the named speaker the article gives it to. Pure.

Only attributions the text makes plainly count: the speaker's name (or "he"/"she" for the one
person the paragraph has just quoted or named as speaking) right beside the quotation and a
verb of saying. A surname alone is completed from the article's first full mention, and the
role is taken as the article writes it ("HRR chief executive Tomas Ekberg", "Ilse Brandvold,
the union's general secretary,"). A quotation nobody is named for is left out: the wrong
speaker is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from briefing.types.stages import Article, Evidence, Quote, QuoteKind, Sentence

_SAY = (
    r"(?:said|says|told\s+(?:reporters|journalists|the\s+[A-Z]?\w+|[A-Z]\w+)|added|warned|"
    r"argued|insisted|stressed|noted|explained|wrote|asked|declared|acknowledged|admitted|"
    r"concluded|continued|stated|remarked|replied|recalled)"
)
_NAME_WORD = r"(?:[A-Z][a-zà-ÿ'’.-]+|[A-Z]{2,}[a-z]*|Mc[A-Z][a-z]+|(?:de|van|von|da|del|di)\b)"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,4}}"
_ROLE = r"[^,.;:“”\"]{3,80}?"
_QUOTE = re.compile(r"[“\"](?P<words>[^”\"]{12,}?)[,.!?]?[”\"]")
_AFTER = re.compile(
    rf"^[,.!?]?[”\"]?\s*(?:"
    rf"(?P<pronoun>he|she)\s+{_SAY}"
    rf"|{_SAY}\s+(?P<pre_role_b>[a-z][^,.;“”\"]{{0,60}}?\s)?(?P<name_b>{_NAME})(?:,\s*(?P<role_b>{_ROLE})(?:[,.]|$))?"
    rf"|(?P<pre_role_a>(?:[A-Za-z][\w'’-]*\s+){{0,5}}?)(?P<name_a>{_NAME})(?:,\s*(?P<role_a>{_ROLE}),)?\s+{_SAY}"
    rf")"
)
_BEFORE = re.compile(
    rf"(?:^|[.!?]\s+|,\s+)(?P<pre_role>(?:[A-Za-z][\w'’-]*\s+){{0,5}}?)(?P<name>{_NAME})"
    rf"(?:,\s*(?P<role>{_ROLE}),)?\s+{_SAY}(?:\s+\w+)?\s*[:,]?\s*$"
)
_PARAPHRASE = re.compile(
    rf"^(?:(?P<pronoun>He|She)|(?P<pre_role>(?:[A-Za-z][\w'’-]*\s+){{0,5}}?)(?P<name>{_NAME})"
    rf"(?:,\s*(?P<role>{_ROLE}),)?)\s+(?:said|says|told\s+\w+|added|warned|argued)\s+"
    rf"(?:that\s+)?(?!(?:in|on|at|outside|inside|after|before|during|to|from|with|by|for|of)\b)"
    rf"(?P<words>[a-z][^“”\"]{{12,}}?)\.?$"
)
_TITLES = frozenset(
    "minister president secretary chief director governor mayor senator chancellor premier "
    "chair chairman chairwoman chairperson spokesperson spokesman spokeswoman commissioner "
    "general admiral colonel captain sergeant lieutenant officer dr dr. professor prof "
    "ambassador envoy judge justice representative rep. sen. gov. executive ceo head "
    "leader king queen prince pope".split()
)
_NOT_NAMES = frozenset(
    "the a an it this that they we i you he she officials police authorities sources "
    "analysts experts critics residents".split()
)
MIN_POSITION_WORDS = 5
"""Words a reported position needs: "told reporters outside the station" reports nothing."""
_LEADING_WORDS = frozenset(
    "as and but when while after before then later meanwhile however also so yet still "
    "in on at of for from with by".split()
)
_HONORIFICS = frozenset({"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "prof", "prof."})
SAME_QUOTE = 90.0
"""rapidfuzz ratio above which two outlets' quotations are the same words."""


@dataclass(frozen=True)
class _Speaker:
    name: str
    role: str | None


def find_quotes(articles: Sequence[Article]) -> list[Quote]:
    """Every attributed quotation and position, the same words from several outlets once,
    grouped by speaker in the order speakers first appear."""
    found: list[Quote] = []
    by_speaker: dict[str, list[int]] = {}  # positions in `found`: only one speaker's compare
    for article in articles:
        for quote in _in_article(article):
            _merge(found, by_speaker.setdefault(quote.speaker, []), quote)
    order = {q.speaker: i for i, q in reversed(list(enumerate(found)))}
    return sorted(found, key=lambda q: order[q.speaker])


def _merge(found: list[Quote], speakers: list[int], quote: Quote) -> None:
    """Merge `quote` into the speaker's quote (among `speakers`, positions in `found`) of the
    same words, or add it."""
    for index in speakers:
        known = found[index]
        if fuzz.ratio(known.words, quote.words) >= SAME_QUOTE:
            sources = {e.source for e in known.evidence}
            extra = tuple(e for e in quote.evidence if e.source not in sources)
            found[index] = known.model_copy(
                update={"evidence": known.evidence + extra, "role": known.role or quote.role}
            )
            return
    speakers.append(len(found))
    found.append(quote)


def _in_article(article: Article) -> Iterator[Quote]:
    names = _full_names(article.text)
    for paragraph_start, paragraph in _paragraphs(article.text):
        for quote, speaker, kind, (start, end) in _attributed(paragraph, names):
            evidence = _passage(article, paragraph_start + start, paragraph_start + end)
            if evidence is None:
                continue
            yield Quote(
                speaker=speaker.name,
                role=speaker.role,
                words=quote,
                kind=kind,
                evidence=(evidence,),
            )


def _attributed(
    paragraph: str, names: dict[str, _Speaker]
) -> Iterator[tuple[str, _Speaker, QuoteKind, tuple[int, int]]]:
    """(words, speaker, kind, span) for each attribution in the paragraph, in order; the span
    runs from the words to where the speaker is named (a sentence before, for "he said" or a
    quotation that goes on), so the cited passage shows who said it."""
    previous: _Speaker | None = None
    named_at = 0  # where the previous speaker was named
    position = 0
    for match in _QUOTE.finditer(paragraph):
        for found in _positions(paragraph, position, match.start(), names, previous, named_at):
            previous, named_at = found[1], found[3][0]
            yield found
        tail = match.end() - 1
        after = _speaker_after(paragraph[tail:], names, previous)
        before = None if after else _speaker_before(paragraph[position : match.start()], names)
        if after and after[0] is not previous:
            speaker, span = after[0], (match.start(), tail + after[1])
        elif after:
            speaker, span = after[0], (named_at, tail + after[1])
        elif before:
            speaker, span = before[0], (position + before[1], match.end())
        elif _continues(paragraph, match.start()) and previous is not None:
            speaker, span = previous, (named_at, match.end())
        else:
            speaker = None
        position = match.end()
        if speaker is not None:
            previous, named_at = speaker, span[0]
            yield match["words"].strip(), speaker, QuoteKind.direct, span
    for found in _positions(paragraph, position, len(paragraph), names, previous, named_at):
        previous, named_at = found[1], found[3][0]
        yield found


def _positions(
    paragraph: str,
    start: int,
    end: int,
    names: dict[str, _Speaker],
    previous: _Speaker | None,
    named_at: int,
) -> Iterator[tuple[str, _Speaker, QuoteKind, tuple[int, int]]]:
    """Attributed positions ("X said that ...") between `start` and `end`; one given to "he"
    or "she" is cited from where that speaker was named."""
    for at, sentence in _sentences_between(paragraph, start, end):
        stated = _paraphrase(sentence, names, previous)
        if stated is not None:
            span = (at if stated[1] is not previous else named_at, at + len(sentence))
            previous, named_at = stated[1], span[0]
            yield stated[0], stated[1], QuoteKind.paraphrase, span


def _continues(paragraph: str, start: int) -> bool:
    """A second quotation straight after an attributed one ("...," X said. "More.")."""
    before = paragraph[:start].rstrip()
    return before.endswith((".", "said", "says")) and bool(re.search(r"[”\"][^“”\"]*$", before))


def _sentences_between(paragraph: str, start: int, end: int) -> Iterator[tuple[int, str]]:
    text = paragraph[start:end]
    for match in re.finditer(r"[^.!?]+[.!?]", text):
        sentence = match.group().strip()
        if sentence and sentence[0].isupper():
            yield (
                start + match.start() + (len(match.group()) - len(match.group().lstrip())),
                sentence,
            )


def _paraphrase(
    sentence: str, names: dict[str, _Speaker], previous: _Speaker | None
) -> tuple[str, _Speaker] | None:
    match = _PARAPHRASE.match(sentence)
    if match is None:
        return None
    if match["pronoun"]:
        if previous is None:
            return None
        speaker: _Speaker | None = previous
    else:
        speaker = _named(match["pre_role"], match["name"], match["role"], names)
    if speaker is None:
        return None
    words = re.sub(r"^that\s+", "", match["words"].strip().rstrip(".,"))
    if len(words.split()) < MIN_POSITION_WORDS:
        return None
    return words, speaker


def _speaker_after(
    text: str, names: dict[str, _Speaker], previous: _Speaker | None
) -> tuple[_Speaker, int] | None:
    """The speaker named right after a quotation, and where that attribution ends."""
    match = _AFTER.match(text)
    if match is None:
        return None
    if match["pronoun"]:
        speaker = previous
    elif match["name_a"]:
        speaker = _named(match["pre_role_a"], match["name_a"], match["role_a"], names)
    else:
        speaker = _named(match["pre_role_b"], match["name_b"], match["role_b"], names)
    return (speaker, match.end()) if speaker is not None else None


def _speaker_before(text: str, names: dict[str, _Speaker]) -> tuple[_Speaker, int] | None:
    """The speaker named right before a quotation, and where that attribution starts."""
    match = _BEFORE.search(text)
    if match is None:
        return None
    speaker = _named(match["pre_role"], match["name"], match["role"], names)
    return (speaker, match.start("pre_role")) if speaker is not None else None


def _named(
    pre_role: str | None, name: str, role: str | None, names: dict[str, _Speaker]
) -> _Speaker | None:
    """The speaker as a full name and a role: title words before the name belong to the
    role ("Labour Minister Sofia Berg"), a surname alone is completed from the article."""
    words = re.sub(r"(?<=[a-z]{2})\.$", "", name).split()  # a sentence's full stop
    while words and words[0].lower() in _LEADING_WORDS:  # "As Hegseth concluded"
        words = words[1:]
    titled = [i for i, word in enumerate(words) if word.lower().rstrip(".") in _TITLES]
    title_words = words[: titled[-1] + 1] if titled else []
    words = words[len(title_words) :]
    if not words or words[0].lower() in _NOT_NAMES:
        return None
    full = " ".join(words)
    known = names.get(words[-1])
    if len(words) == 1:
        if known is None:
            return None
        full = known.name
    before = " ".join([*(pre_role or "").split(), *title_words]).strip()
    before = re.sub(r"^(?:the|a|an|and|but|as)\s+", "", before, flags=re.I) if before else ""
    written = (role or "").strip() or before or None
    if written and (not any(c.isalpha() for c in written) or written.lower() in _HONORIFICS):
        written = None
    if written is None and known is not None and known.name == full:
        written = known.role
    return _Speaker(full, written)


def _full_names(text: str) -> dict[str, _Speaker]:
    """Surname -> the first full mention (two to four capitalised words) ending with it, with
    the role written beside it: title words before ("Labour Minister Sofia Berg") or an
    apposition after ("Per Olsen, a driver with 19 years at HRR,")."""
    found: dict[str, _Speaker] = {}
    pattern = rf"\b({_NAME_WORD}(?:\s+{_NAME_WORD}){{1,5}})\b(?:,\s*(?P<role>{_ROLE}),)?"
    for match in re.finditer(pattern, text):
        words = match.group(1).split()
        titled = [i for i, word in enumerate(words) if word.lower().rstrip(".") in _TITLES]
        title = words[: titled[-1] + 1] if titled else []
        name = words[len(title) :]
        if len(name) >= 2 and name[0].lower() not in _NOT_NAMES:
            role = (match["role"] or "").strip() or " ".join(title) or None
            found.setdefault(name[-1], _Speaker(" ".join(name), role))
    return found


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    position = 0
    for paragraph in text.split("\n\n"):
        yield position, paragraph
        position += len(paragraph) + 2


def _passage(article: Article, start: int, end: int) -> Evidence | None:
    """The article's sentences from the one holding `start` to the one holding `end - 1`, as
    one passage (exactly the article's text between them)."""
    first = _sentence_at(article, start)
    last = _sentence_at(article, max(start, end - 1))
    if first is None or last is None:
        return None
    if last.number <= first.number:
        return Evidence.of(article.id, first)
    return Evidence(
        source=article.id,
        sentence=first.number,
        quote=article.text[first.start : last.end],
        start=first.start,
        end=last.end,
    )


def _sentence_at(article: Article, offset: int) -> Sentence | None:
    for sentence in article.sentences:
        if sentence.start <= offset < sentence.end:
            return sentence
    return next((s for s in article.sentences if s.start >= offset), None)
