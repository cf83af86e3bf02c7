"""Article-level checks that run before and after the model reads an article. Pure.

- `addressed_to_model`: sentences that read as instructions to an AI ("ignore previous
  instructions ..."). They are withheld from the prompt, so they can neither steer the model
  nor be cited.
- `self_contradictions`: a sentence that names as the threat the very actor the rest of the
  article says is responding to a different one (an article about China's buildup that once
  says "challenges posed by Japan, Japan has committed ..."). Flagged as a possible error in
  the source; claims that repeat it are not passed on as fact.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from briefing.claims.verify import is_stopword, name_key
from briefing.types.stages import Article, Sentence, SourceIssue

_TO_MODEL = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|"
        r"directions|guidelines|(?:everything|all of the|the text) above)\b",
        r"\b(?:system prompt|developer message|jailbreak|new instructions?)\b",
        r"\byou are (?:now )?(?:an? |the )?(?:ai|assistant|language model|chatbot|llm)\b",
        r"\b(?:as an|to the|dear|attention) (?:ai|assistant|language model|llm|chatbot)s?\b",
        r"\b(?:ai|language model|llm|chatbot|assistant)s?\b.{0,60}\b(?:must|should|shall)\b"
        r".{0,40}\b(?:output|respond|reply|answer|say|write|summari[sz]e|report|state)\b",
        r"^(?:respond|reply|output|print|return) (?:only|with|in)\b",
        r"\b(?:note|message|instructions?|attention|memo)\s+(?:for|to)\s+(?:any\s+|all\s+)?"
        r"(?:automated|ai|machine|bots?|summari[sz]ers?|models?|crawlers?|agents?)\b",
        r"\b(?:automated|ai|machine)[\s-]+(?:summari[sz]ers?|summar(?:y|ies)|readers?|agents?)\b",
        r"\bsummari[sz]ers?\b",
    )
]

_THREAT_NOUN = (
    r"(?:challenges?|threats?|aggression|coercion|pressure|provocations?|hostility|"
    r"build-?up|expansionism|assertiveness|intimidation|incursions?|menace|dangers?)"
)
_MODIFIER = (
    r"(?:military|naval|nuclear|missile|maritime|economic|regional|growing|rising|expanding|"
    r"increasing|continued|ongoing|potential|possible|perceived|future|new)"
)
_HOSTILE_ADJECTIVE = r"(?:assertive|aggressive|hostile|coercive|expansionist)"
_NAME = r"(?P<name>(?:[A-Z][A-Za-z.]*\s){0,2}[A-Z][A-Za-z.]*?)(?:['’]s)?"
# Ways an article casts an actor as the threat: "challenges posed by X", "X's military
# buildup", "Chinese aggression", "X's assertive posture", "to counter X".
_THREAT_MENTIONS = [
    re.compile(rf"\b{_THREAT_NOUN}\s+(?:posed\s+by|from|of)\s+(?:the\s+)?{_NAME}\b"),
    re.compile(rf"\b{_NAME}\s+(?:{_MODIFIER}\s+){{0,2}}{_THREAT_NOUN}\b"),
    re.compile(rf"\b{_NAME}\s+{_HOSTILE_ADJECTIVE}\b"),
    re.compile(rf"\b(?:counter|counteract|deter|confront|contain)\s+(?:the\s+)?{_NAME}\b"),
]
_MIN_OTHER_MENTIONS = 2


def addressed_to_model(sentences: Iterable[Sentence]) -> set[int]:
    return {s.number for s in sentences if any(p.search(s.text) for p in _TO_MODEL)}


@dataclass(frozen=True)
class _Mention:
    sentence: Sentence
    actor: str
    name: str
    span: tuple[int, int]


def self_contradictions(article: Article) -> tuple[SourceIssue, ...]:
    mentions = _threat_mentions(article.sentences)
    by_actor = Counter(m.actor for m in mentions)
    by_sentence = Counter(m.sentence.number for m in mentions)
    issues: list[SourceIssue] = []
    for mention in mentions:
        # one mention per sentence and actor: the actor is named elsewhere iff counted twice
        elsewhere = len(mentions) - by_sentence[mention.sentence.number]
        if by_actor[mention.actor] > 1 or elsewhere < _MIN_OTHER_MENTIONS:
            continue
        if not _acts_in(mention, article.sentences):
            continue
        others = Counter(m.actor for m in mentions if m.sentence.number != mention.sentence.number)
        usual = ", ".join(name for name, _ in _display_names(mentions, others))
        issues.append(
            SourceIssue(
                source=article.id,
                sentence=mention.sentence.number,
                quote=mention.sentence.text,
                start=mention.sentence.start,
                end=mention.sentence.end,
                actor=mention.name,
                problem=(
                    f"casts {mention.name} as the threat {mention.name} itself responds to, "
                    f"while the rest of the article names {usual}"
                ),
            )
        )
    return tuple(issues)


def contradicting(article: Article, issue: SourceIssue) -> list[Sentence]:
    """The article's own sentences that name someone other than `issue.actor` as the threat."""
    actor = _actor_key(issue.actor)
    numbers = dict.fromkeys(
        m.sentence.number for m in _threat_mentions(article.sentences) if m.actor != actor
    )
    return [article.sentences[number - 1] for number in numbers if number != issue.sentence]


def repeats_issue(claim: str, issue: SourceIssue) -> bool:
    """True when a claim citing the flagged sentence carries its threat framing along."""
    return _actor_key(issue.actor) in _threats_named(claim)


def _threats_named(text: str) -> set[str]:
    return {
        _actor_key(match["name"])
        for pattern in _THREAT_MENTIONS
        for match in pattern.finditer(text)
    }


def _threat_mentions(sentences: Sequence[Sentence]) -> list[_Mention]:
    found: dict[tuple[int, str], _Mention] = {}
    for sentence in sentences:
        for pattern in _THREAT_MENTIONS:
            for match in pattern.finditer(sentence.text):
                name = match["name"].strip()
                actor = _actor_key(name)
                if actor and (sentence.number, actor) not in found:
                    found[sentence.number, actor] = _Mention(
                        sentence, actor, name, match.span("name")
                    )
    return list(found.values())


def _acts_in(mention: _Mention, sentences: Sequence[Sentence]) -> bool:
    """The actor also appears in the same sentence outside the threat phrase, or is among
    the actors of the article's first sentence."""
    text = mention.sentence.text
    rest = text[: mention.span[0]] + " " + text[mention.span[1] :]
    if mention.actor in _actors_named(rest):
        return True
    return bool(sentences) and mention.actor in _actors_named(sentences[0].text)


def _actors_named(text: str) -> set[str]:
    return {_actor_key(match[0]) for match in re.finditer(r"[A-Z][A-Za-z.]*", text)}


def _actor_key(name: str) -> str:
    return " ".join(name_key(word) for word in name.split() if not is_stopword(word))


def _display_names(mentions: list[_Mention], counts: Counter[str]) -> list[tuple[str, int]]:
    names: dict[str, str] = {}
    for mention in mentions:  # the shortest form: "China" rather than "Chinese"
        if len(mention.name) < len(names.get(mention.actor, mention.name + "-")):
            names[mention.actor] = mention.name
    return [(names[actor], count) for actor, count in counts.most_common()]
