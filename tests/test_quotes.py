"""quotes: who said what, found in the articles' own text with the speaker they name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from briefing.reconcile.quotes import find_quotes
from briefing.sources.clean import clean
from briefing.sources.sentences import segment
from briefing.types.stages import Article, Document, QuoteKind


def page(source: str, text: str) -> Article:
    return segment(clean(Document(path=f"{source}.txt", text=text), source))


STRIKE = page(
    "A",
    "Labour Minister Sofia Berg ordered mediation on Wednesday.\n\n"
    "“Both sides have a duty to sit down and talk,” Berg said. “Nobody wins a strike.”\n\n"
    "Per Olsen, a driver with 19 years at the company, said morale was the lowest he could "
    "remember. “Nobody wants to be alone at the front of a train,” he said.\n\n"
    "A spokesperson said officials were “following the situation closely”.\n\n"
    "“This strike is not about pay,” said union leader Ilse Brandvold.",
)
SECOND = page(
    "B",
    "The union's Ilse Brandvold spoke to reporters.\n\n"
    "“This strike is not about pay,” Brandvold told reporters in Rensberg.",
)


def quoted(*articles: Article) -> dict[str, tuple[str, str | None, QuoteKind, tuple[str, ...]]]:
    return {
        q.words: (q.speaker, q.role, q.kind, tuple(e.source for e in q.evidence))
        for q in find_quotes(articles)
    }


def test_quotations_go_to_the_speaker_the_article_names() -> None:
    found = quoted(STRIKE)
    assert found["Both sides have a duty to sit down and talk"][:2] == (
        "Sofia Berg",
        "Labour Minister",
    )
    assert found["Nobody wins a strike"][0] == "Sofia Berg"  # the next quotation, same speaker
    assert found["Nobody wants to be alone at the front of a train"][0] == "Per Olsen"


def test_a_position_the_article_attributes_is_a_paraphrase_with_its_role() -> None:
    speaker, role, kind, _ = quoted(STRIKE)["morale was the lowest he could remember"]
    assert (speaker, role, kind) == ("Per Olsen", "a driver with 19 years at the company",
                                      QuoteKind.paraphrase)  # fmt: skip


def test_an_unnamed_speaker_gets_no_quotation() -> None:
    assert "following the situation closely" not in quoted(STRIKE)


def test_the_same_words_from_two_outlets_are_one_quote_citing_both() -> None:
    speaker, _, _, sources = quoted(STRIKE, SECOND)["This strike is not about pay"]
    assert speaker == "Ilse Brandvold" and sources == ("A", "B")


def test_every_quotation_is_the_articles_own_words() -> None:
    for quote in find_quotes([STRIKE, SECOND]):
        if quote.kind is QuoteKind.direct:
            assert any(quote.words in e.quote or quote.words in STRIKE.text + SECOND.text
                       for e in quote.evidence)  # fmt: skip
            assert quote.words in (STRIKE.text + SECOND.text)


@given(st.text(alphabet=st.sampled_from(list('ab “”",.Said HeJo')), max_size=200))
def test_any_text_is_read_without_error(text: str) -> None:
    if text.strip():
        find_quotes([page("A", text)])


def test_a_sentence_opening_word_is_not_part_of_the_speakers_name() -> None:
    mention = page("A", "Defense Secretary Pete Hegseth visited Tokyo on Sunday.")
    closing = page("B", 'As Hegseth concluded: "Peace through strength requires factories."')
    found = quoted(page("C", f"{mention.text}\n\n{closing.text}"))
    speaker, role, _, _ = found["Peace through strength requires factories"]
    assert (speaker, role) == ("Pete Hegseth", "Defense Secretary")


def passage_of(article: Article, words: str) -> str:
    (quote,) = [q for q in find_quotes([article]) if q.words == words]
    (evidence,) = quote.evidence
    assert article.text[evidence.start : evidence.end] == evidence.quote
    return evidence.quote


def test_the_passage_of_a_quotation_that_goes_on_reaches_back_to_its_speakers_name() -> None:
    assert passage_of(STRIKE, "Nobody wins a strike") == (
        "“Both sides have a duty to sit down and talk,” Berg said. “Nobody wins a strike.”"
    )


def test_the_passage_of_a_he_said_quotation_reaches_back_to_where_he_is_named() -> None:
    assert passage_of(STRIKE, "Nobody wants to be alone at the front of a train").startswith(
        "Per Olsen, a driver with 19 years at the company, said morale"
    )


def test_a_quotation_of_two_sentences_is_cited_through_its_attribution() -> None:
    article = page(
        "C",
        "“The points were inspected last month. They were in good order,” said Ola Dahl, "
        "the operator's safety director.",
    )
    assert passage_of(article, "The points were inspected last month. They were in good order") == (
        article.text
    )


def test_a_quotation_named_in_its_own_sentence_cites_that_sentence_alone() -> None:
    assert passage_of(SECOND, "This strike is not about pay") == (
        "“This strike is not about pay,” Brandvold told reporters in Rensberg."
    )
