"""The whole pipeline against the fake endpoint in process (no network): reconciliation sees every
article, an embedding model can do the clustering, and the composed sections are checked."""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from briefing import Settings, generate, pipeline
from briefing.model.structured import OutputMode
from briefing.reconcile import embeddings
from briefing.reconcile import matching as matching_ahead
from briefing.reconcile.clusters import Grouping
from briefing.reconcile.corroboration import Corroboration
from briefing.reconcile.matching import MatchingAhead
from briefing.types.contract import SectionKind

from .support import builders
from .support.endpoint import IN_PROCESS_URL, MODEL, FakeEndpoint, client_for

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
# Each article's second sentence is too short to state a fact, so it never becomes a claim.
ARTICLES = {
    "a.txt": "Talks in Tokyo\n\n2024-03-25\n\n"
    "Japan will double its defense budget by 2027. "
    "Both sides were pleased.",
    "b.txt": "Budget news\n\n2024-03-26\n\n"
    "Tokyo plans to spend twice as much on its military by 2027. "
    "Officials were pleased.",
}
UNNUMBERED = {
    "a.txt": "Alliance talks\n\n2024-03-25\n\nThe allies agreed to upgrade their alliance. "
    "The talks were held in Tokyo.",
    "b.txt": "Alliance news\n\n2024-03-26\n\nThe two allies will strengthen their alliance. "
    "Officials spoke to reporters in Osaka.",
}


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """A summary claiming the article's first sentence, or a one-statement composition."""
    prompt = body["messages"][1]["content"]
    if "<article>" not in prompt:
        return {
            "title": "Japan's budget",
            "statements": [
                {"text": "Japan will double its defense budget by 2027.", "clusters": [1]}
            ],
            "developments": [],
        }
    first = prompt.split("[1] ", 1)[1].split("\n", 1)[0]
    return {
        "main_event": "budget",
        "claims": [{"text": first, "sentences": [1], "type": "decision"}],
    }


def run(tmp_path: Path, settings: Settings, fake: FakeEndpoint) -> Any:
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text)
    with client_for(fake, mode=OutputMode.json_schema) as client:
        return generate([tmp_path], settings, client=client, now=NOW)


def test_lexically_the_two_phrasings_stay_apart(tmp_path: Path) -> None:
    fake = FakeEndpoint(respond=answer)
    briefing = run(tmp_path, Settings(cache_dir=tmp_path, match_by="words"), fake)
    assert [c.sources for c in briefing.clusters] == [("S1",), ("S2",)]
    sections = {s.kind: s for s in briefing.sections}
    assert sections[SectionKind.developments].statements == ()
    assert len(sections[SectionKind.single_source].statements) == 2
    assert not any(path.endswith("/embeddings") for path in fake.paths)


def test_an_embedding_model_clusters_paraphrases_the_words_miss(tmp_path: Path) -> None:
    vectors = {
        "Japan will double its defense budget by 2027.": [1.0, 0.1],
        "Tokyo plans to spend twice as much on its military by 2027.": [0.95, 0.15],
    }
    fake = FakeEndpoint(respond=answer, vectors=vectors)
    settings = Settings(cache_dir=tmp_path, embedding_model="e")
    briefing = run(tmp_path, settings, fake)

    (cluster,) = briefing.clusters
    assert cluster.sources == ("S1", "S2")
    assert fake.paths.count("/v1/embeddings") == 1  # every claim embedded in one call
    (development,) = {s.kind: s for s in briefing.sections}[SectionKind.developments].statements
    assert development.corroboration == 2
    assert {c.source for c in development.citations} == {"S1", "S2"}
    timeline = {s.kind: s for s in briefing.sections}[SectionKind.timeline]
    assert [s.when for s in timeline.statements] == ["2027", "2027"]


def test_an_endpoint_without_embeddings_falls_back_to_words_with_a_warning(
    tmp_path: Path,
) -> None:
    fake = FakeEndpoint(respond=answer)
    settings = Settings(cache_dir=tmp_path, embedding_model="e")
    briefing = run(tmp_path, settings, fake)

    assert "/v1/embeddings" in fake.paths
    assert [c.sources for c in briefing.clusters] == [("S1",), ("S2",)]
    assert any("clustered claims by their words instead" in w for w in briefing.warnings)


class CountingEncoder:
    """Stands in for the sentence encoder: records what it was asked to encode, and when."""

    def __init__(self, fake: FakeEndpoint) -> None:
        self.fake = fake
        self.calls: list[tuple[list[str], int]] = []  # texts, summaries answered by then

    def embed(self, texts: Sequence[str]) -> Any:
        self.calls.append((list(texts), len(self.fake.chat_requests)))
        return np.array([[1.0, float(len(text))] for text in texts], dtype=np.float32)


def encoded_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings: Any
) -> CountingEncoder:
    fake = FakeEndpoint(respond=answer, delay=0.2)
    encoder = CountingEncoder(fake)
    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "encoder", lambda cache_dir=None: encoder)
    run(tmp_path, Settings(cache_dir=tmp_path, **settings), fake)
    return encoder


def test_a_remote_run_encodes_the_sentences_while_the_model_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = encoded_ahead(
        tmp_path, monkeypatch, base_url=IN_PROCESS_URL, model=MODEL, concurrency=2
    )
    (first, answered), *_ = encoder.calls
    assert answered == 0  # before any summary came back
    assert "Both sides were pleased." in first
    every = [text for texts, _ in encoder.calls for text in texts]
    assert len(every) == len(set(every))  # nothing encoded twice


def test_the_embedded_model_run_encodes_nothing_while_it_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoder = encoded_ahead(tmp_path, monkeypatch)
    assert all(answered == len(ARTICLES) for _, answered in encoder.calls)


def test_the_encoder_is_let_go_before_the_briefing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its weights would sit beside the embedded model's server while that fills its context
    with the composition (at 100 articles the two went over 2 GB)."""
    fake = FakeEndpoint(respond=answer)
    loaded: list[weakref.ref[CountingEncoder]] = []
    alive_when_composing: list[bool] = []

    def read_encoder(unpacked: Path | None) -> CountingEncoder:
        encoder = CountingEncoder(fake)
        loaded.append(weakref.ref(encoder))
        return encoder

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        if "<article>" not in body["messages"][1]["content"]:
            gc.collect()
            alive_when_composing.extend(ref() is not None for ref in loaded)
        return answer(body)

    fake.respond = respond
    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "_read_encoder", read_encoder)
    embeddings.release()
    for name, text in UNNUMBERED.items():  # searched by meaning: no number narrows the search
        (tmp_path / name).write_text(text)
    with client_for(fake, mode=OutputMode.json_schema) as client:
        generate([tmp_path], Settings(cache_dir=tmp_path), client=client, now=NOW)

    assert len(loaded) == 1
    assert alive_when_composing == [False]


def composing_while_disagreements_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait: float, **settings: Any
) -> bool:
    """Whether the composition was asked for while the run looked for disagreements."""
    asked = threading.Event()

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        if "<article>" not in body["messages"][1]["content"]:
            asked.set()
        return answer(body)

    seen: list[bool] = []
    find_conflicts = pipeline.find_conflicts

    def finding(*args: Any) -> Any:
        seen.append(asked.wait(wait))
        return find_conflicts(*args)

    monkeypatch.setattr(pipeline, "find_conflicts", finding)
    run(tmp_path, Settings(cache_dir=tmp_path, **settings), FakeEndpoint(respond=respond))
    (composing,) = seen
    return composing


def test_a_remote_endpoint_writes_the_briefing_while_disagreements_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {"base_url": IN_PROCESS_URL, "model": MODEL}
    assert composing_while_disagreements_are_found(tmp_path, monkeypatch, 10.0, **settings)


@pytest.mark.parametrize(
    "settings",
    [{}, {"base_url": IN_PROCESS_URL, "model": MODEL, "concurrency": 1}],
    ids=["embedded model", "a local server asked one request at a time"],
)
def test_a_model_on_this_machine_is_asked_to_write_once_the_rest_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, Any]
) -> None:
    assert not composing_while_disagreements_are_found(tmp_path, monkeypatch, 0.3, **settings)


FOUR = {
    "a.txt": "Budget talks\n\n2024-03-25\n\nJapan will double its defense budget by 2027. "
    "Both sides were pleased.",
    "b.txt": "Drones\n\n2024-03-26\n\nMQ-9 drones will fly from Kanoya Air Base. "
    "Japan will double its defense budget by 2027, a minister said.",
    "c.txt": "Kanoya\n\n2024-03-26\n\nThe drones at Kanoya Air Base are MQ-9s. "
    "Officials were pleased.",
    "d.txt": "Protest\n\n2024-03-27\n\nResidents near Kanoya protested the MQ-9 drones. "
    "Japan will double its defense budget by 2027, officials said.",
}


class HashedWords:
    """Stands in for the sentence encoder (`builders.hashed_words`)."""

    def embed(self, texts: Sequence[str]) -> Any:
        return builders.hashed_words(texts)


def matched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, delay: float, concurrency: int
) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    """The clusters of a run over FOUR; how many requests had been sent when each
    article's claims were searched for in the others; how many claims were grouped at a
    time."""
    fake = FakeEndpoint(respond=answer, delay=delay)
    searched_at: list[int] = []
    grouped: list[int] = []
    search, group = Corroboration.search, Grouping.add

    def searching(self: Corroboration, claims: Sequence[Any]) -> None:
        searched_at.append(len(fake.chat_requests))
        search(self, claims)

    def grouping(self: Grouping, claims: Sequence[Any]) -> None:
        grouped.extend([len(claims)] if claims else [])
        group(self, claims)

    monkeypatch.setattr(Corroboration, "search", searching)
    monkeypatch.setattr(Grouping, "add", grouping)
    monkeypatch.setattr(embeddings, "available", lambda: True)
    monkeypatch.setattr(embeddings, "encoder", lambda cache_dir=None: HashedWords())
    folder = tmp_path / f"run-{concurrency}"
    folder.mkdir()
    for name, text in FOUR.items():
        (folder / name).write_text(text)
    settings = Settings(cache_dir=folder, base_url=IN_PROCESS_URL, model=MODEL)
    settings = settings.model_copy(update={"concurrency": concurrency})
    with client_for(fake, mode=OutputMode.json_schema) as client:
        briefing = generate([folder], settings, client=client, now=NOW)
    return [c.model_dump() for c in briefing.clusters], searched_at, grouped


def test_a_remote_run_matches_claims_while_answers_come_and_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waiting, searched_at, grouped = matched(tmp_path, monkeypatch, delay=0.3, concurrency=2)
    assert searched_at and min(searched_at) <= len(FOUR)  # before the composition was asked for
    # An article's claims at a time while later answers are awaited; those of the last round
    # (two articles, answered together) once it is in, unless one came well before the other.
    assert len(grouped) >= 3
    claims = sum(grouped)
    monkeypatch.undo()
    one_at_a_time, none_ahead, at_the_end = matched(tmp_path, monkeypatch, 0.0, concurrency=1)
    assert none_ahead == []
    assert at_the_end == [claims]
    assert waiting == one_at_a_time  # what is found is tested in test_corroboration.py


def test_answers_come_in_order_and_the_waits_for_them_are_filled() -> None:
    release = [threading.Event() for _ in range(3)]
    filled: list[int] = []
    work = iter(range(5))

    def idle() -> bool:
        piece = next(work, None)
        if piece is None:
            release[2].set()  # no more to do: let the rest come
            release[1].set()
            return False
        filled.append(piece)
        release[0].set()
        return True

    def answer_when_released(n: int) -> int:
        release[n].wait(5)
        return n * 10

    answers = pipeline._ordered_map(answer_when_released, [0, 1, 2], workers=3, idle=idle)
    assert list(answers) == [0, 10, 20]
    assert filled[0] == 0 and filled == list(range(len(filled)))
    assert sys.getswitchinterval() == 0.005  # the default again, once the answers are in


def test_matching_ahead_compares_with_the_nearest_claims_once_more_are_expected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(matching_ahead, "EXHAUSTIVE_CLAIMS", 5)
    texts = [f"The bridge over the {river} river opened in 19{n}." for n, river in
             enumerate(["Avon", "Exe", "Tees", "Wear", "Usk", "Dee", "Taw"], start=50)]  # fmt: skip
    articles = [builders.article(f"S{n}", *texts[a:b]) for n, (a, b) in
                enumerate([(0, 1), (1, 2), (2, 6), (6, 7)], start=1)]  # fmt: skip
    claims = [[builders.claim(a, s.text, s.number) for s in a.sentences] for a in articles]
    matching = MatchingAhead(articles, None)
    exhaustive = []
    for found in claims:
        matching.add(found)
        assert matching.match_one()
        assert matching.grouping is not None
        exhaustive.append(matching.grouping.exhaustive)

    assert exhaustive == [True, True, False, False]  # 1, 2, then 6 of 7 claims: 8 expected
    every = [claim for found in claims for claim in found]
    at_once = Grouping(matching.corpus, matching.similarity, exhaustive=False)
    at_once.add(every)
    assert [g.claims for g in matching.grouping.groups] == [g.claims for g in at_once.groups]
    assert matching.grouping.continues(matching.corpus, matching.similarity, every, False)
