"""The whole pipeline against a scripted endpoint (no network): reconciliation sees every
article, an embedding model can do the clustering, and the composed sections are checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2

from briefing import Settings, generate
from briefing.model.client import Endpoint, ModelClient, OutputMode
from briefing.types.contract import SectionKind

from .test_llm import completion

NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
ARTICLES = {
    "a.txt": "Talks in Tokyo\n\n2024-03-25\n\n"
    "Japan will double its defense budget by 2027. "
    "The talks were held in Tokyo on Monday.",
    "b.txt": "Budget news\n\n2024-03-26\n\n"
    "Tokyo plans to spend twice as much on its military by 2027. "
    "Officials spoke to reporters in Osaka.",
}


class ScriptedEndpoint:
    """Answers chat requests by what they ask for, and embeddings by a lookup."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.paths: list[str] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.paths.append(request.url.path)
        body = json.loads(request.content)
        if request.url.path.endswith("/embeddings"):
            if not self.vectors:
                return httpx2.Response(404, json={"error": {"message": "no embeddings here"}})
            data = [
                {"object": "embedding", "index": i, "embedding": self.vectors[text]}
                for i, text in enumerate(body["input"])
            ]
            return httpx2.Response(200, json={"object": "list", "model": "e", "data": data})
        prompt = body["messages"][1]["content"]
        answer = self._summary(prompt) if "<article>" in prompt else self._composition()
        return httpx2.Response(200, json=completion(json.dumps(answer)))

    @staticmethod
    def _summary(prompt: str) -> dict[str, Any]:
        first = prompt.split("[1] ", 1)[1].split("\n", 1)[0]
        return {
            "main_event": "budget",
            "claims": [{"text": first, "sentences": [1], "type": "decision"}],
            "actors": [],
            "dates": [],
            "figures": [],
        }

    @staticmethod
    def _composition() -> dict[str, Any]:
        return {
            "title": "Japan's budget",
            "statements": [
                {"text": "Japan will double its defense budget by 2027.", "clusters": [1]}
            ],
            "developments": [],
        }


def run(tmp_path: Path, settings: Settings, script: ScriptedEndpoint) -> Any:
    for name, text in ARTICLES.items():
        (tmp_path / name).write_text(text)
    client = ModelClient(
        Endpoint(base_url="http://model.test/v1", model="m", max_retries=0),
        http_client=httpx2.Client(transport=httpx2.MockTransport(script)),
        mode=OutputMode.json_schema,
    )
    return generate([tmp_path], settings, client=client, now=NOW)


def test_lexically_the_two_phrasings_stay_apart(tmp_path: Path) -> None:
    script = ScriptedEndpoint({})
    briefing = run(tmp_path, Settings(cache_dir=tmp_path, match_by="words"), script)
    assert [c.sources for c in briefing.clusters] == [("S1",), ("S2",)]
    sections = {s.kind: s for s in briefing.sections}
    assert sections[SectionKind.developments].statements == ()
    assert len(sections[SectionKind.single_source].statements) == 2
    assert not any(path.endswith("/embeddings") for path in script.paths)


def test_an_embedding_model_clusters_paraphrases_the_words_miss(tmp_path: Path) -> None:
    script = ScriptedEndpoint(
        {
            "Japan will double its defense budget by 2027.": [1.0, 0.1],
            "Tokyo plans to spend twice as much on its military by 2027.": [0.95, 0.15],
        }
    )
    settings = Settings(cache_dir=tmp_path, embedding_model="e")
    briefing = run(tmp_path, settings, script)

    (cluster,) = briefing.clusters
    assert cluster.sources == ("S1", "S2")
    assert script.paths.count("/v1/embeddings") == 1  # every claim embedded in one call
    (development,) = {s.kind: s for s in briefing.sections}[SectionKind.developments].statements
    assert development.corroboration == 2
    assert {c.source for c in development.citations} == {"S1", "S2"}
    timeline = {s.kind: s for s in briefing.sections}[SectionKind.timeline]
    assert [s.when for s in timeline.statements] == ["2024-03-25", "2027", "2027"]


def test_an_endpoint_without_embeddings_falls_back_to_words_with_a_warning(
    tmp_path: Path,
) -> None:
    script = ScriptedEndpoint({})
    settings = Settings(cache_dir=tmp_path, embedding_model="e")
    briefing = run(tmp_path, settings, script)

    assert "/v1/embeddings" in script.paths
    assert [c.sources for c in briefing.clusters] == [("S1",), ("S2",)]
    assert any("clustered claims by their words instead" in w for w in briefing.warnings)
