"""split_sentences: abbreviations, numbers and bullets, and offsets that always slice back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from briefing.sources.sentences import segment, split_sentences
from briefing.types.stages import Article, Sentence


def texts(text: str) -> list[str]:
    return [sentence.text for sentence in split_sentences(text)]


def assert_well_formed(text: str, sentences: list[Sentence], first_number: int = 1) -> None:
    assert [s.number for s in sentences] == list(range(first_number, first_number + len(sentences)))
    previous_end = 0
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert previous_end <= sentence.start < sentence.end
        assert sentence.text == sentence.text.strip()
        assert "\n" not in sentence.text
        previous_end = sentence.end


# --- examples ----------------------------------------------------------------------------------


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "U.S. Secretary of Defense Lloyd J. Austin III met Gen. Smith. Then they left."
    assert texts(text) == [
        "U.S. Secretary of Defense Lloyd J. Austin III met Gen. Smith.",
        "Then they left.",
    ]


def test_numbers_with_separators_do_not_end_a_sentence() -> None:
    assert texts("$2.7 billion and 1,000 km. Next sentence.") == [
        "$2.7 billion and 1,000 km.",
        "Next sentence.",
    ]


def test_question_exclamation_and_closing_quote_end_a_sentence() -> None:
    text = 'Is it legal? Nobody knows! He said "we are ready." "Good," she replied.'
    assert texts(text) == [
        "Is it legal?",
        "Nobody knows!",
        'He said "we are ready."',
        '"Good," she replied.',
    ]


def test_lowercase_after_a_period_does_not_start_a_sentence() -> None:
    assert texts("Troops arrived at 5 p.m. on Friday. Talks began.") == [
        "Troops arrived at 5 p.m. on Friday.",
        "Talks began.",
    ]


def test_bullet_lines_become_sentences_without_the_bullet_glyph() -> None:
    text = (
        "Key facts follow.\n"
        "• US establishes first joint war-fighting headquarters in Japan since WWII\n"
        "• Command restructuring aims to cut response time by 40%\n"
        "- Allies fast-track missile co-production\n"
        "2) Second point"
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Key facts follow.",
        "US establishes first joint war-fighting headquarters in Japan since WWII",
        "Command restructuring aims to cut response time by 40%",
        "Allies fast-track missile co-production",
        "Second point",
    ]
    assert_well_formed(text, sentences)


def test_a_sentence_never_spans_two_paragraphs() -> None:
    text = "The first paragraph has no full stop\n\nThe second one does."
    assert texts(text) == ["The first paragraph has no full stop", "The second one does."]


def test_numbering_starts_at_first_number() -> None:
    sentences = split_sentences("One here. Two here.", first_number=7)
    assert [s.number for s in sentences] == [7, 8]


def test_segment_attaches_the_sentences_of_the_article_text() -> None:
    article = Article(id="a", path="a.txt", title="t", text="First one. Second one.")
    segmented = segment(article)
    assert segmented.sentences == tuple(split_sentences(article.text))
    assert len(segmented.sentences) == 2
    assert segmented.text == article.text


# --- properties --------------------------------------------------------------------------------

OPENERS = [
    "The allies",
    "Japan",
    "U.S. Secretary of Defense Lloyd J. Austin III",
    "Gen. Smith",
    "Lt. Col. Jones",
    "In 2024, officials",
    "1,000 troops",
    "“Peace through strength,” Hegseth",
]
MIDDLES = [
    "said",
    "will spend $2.7 billion",
    "deployed 1,000 troops",
    "met Gen. Smith",
    "visited the U.S. base",
    "signed a pact with Lt. Col. Brown",
    "cited 2.7% growth",
    'called it "historic"',
    "met Lloyd J. Austin",
    "spoke to the U.S. Congress",
]
ENDINGS = ["on Tuesday", "in Tokyo", "this year", "near Taiwan", "by 2027"]
TERMINALS = [".", "!", "?"]
BULLETS = ["• ", "- ", "* ", "1. ", "2) "]


@st.composite
def generated_sentence(draw: st.DrawFn) -> str:
    words = [
        draw(st.sampled_from(OPENERS)),
        *draw(st.lists(st.sampled_from(MIDDLES), max_size=3)),
        draw(st.sampled_from(ENDINGS)),
    ]
    sentence = " ".join(words) + draw(st.sampled_from(TERMINALS))
    quoted = not sentence.startswith("“") and draw(st.booleans())
    return f'"{sentence}"' if quoted else sentence


@st.composite
def generated_text(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A text of paragraphs and bullet lines, and the sentences it was built from."""
    lines: list[str] = []
    expected: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        sentences = draw(st.lists(generated_sentence(), min_size=1, max_size=4))
        bullet = draw(st.sampled_from(["", "", *BULLETS]))
        gap = draw(st.sampled_from([" ", "  "]))
        lines.append(bullet + gap.join(sentences))
        expected += sentences
    return draw(st.sampled_from(["\n", "\n\n"])).join(lines), expected


@given(generated_text())
def test_generated_text_splits_back_into_its_sentences(case: tuple[str, list[str]]) -> None:
    text, expected = case
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == expected
    assert_well_formed(text, sentences)


@given(st.text(), st.integers(min_value=1, max_value=1000))
def test_offsets_always_slice_back_on_any_text(text: str, first_number: int) -> None:
    assert_well_formed(text, split_sentences(text, first_number), first_number)
