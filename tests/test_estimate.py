"""estimate: a dry run plans the composition's digest rounds with the composition's own code,
so its figures bound what the composition sends."""

from __future__ import annotations

from typing import Any

from briefing.claims.extract import MAX_CLAIMS
from briefing.compose.prose import DIGEST_STATEMENTS, compose
from briefing.diagnostics import Diagnostics
from briefing.model.client import ModelClient
from briefing.model.estimate import TYPICAL_CLAIM, estimate
from briefing.model.tokens import counter_for
from briefing.types.stages import Cluster

from .support.builders import article, claim
from .support.endpoint import FakeEndpoint, client_for

ARTICLES = 41
WINDOW = 1700
"""The smallest window an article fits: the claims shown must be condensed first."""
MODEL = "m"


def most_claims() -> list[Cluster]:
    """The most claims the articles can yield, each stated by two of them, so that the
    composition is shown as many as it may."""
    stating = [article(source, TYPICAL_CLAIM) for source in ("A", "B")]
    claims = tuple(claim(one, TYPICAL_CLAIM) for one in stating)
    return [
        Cluster(id=f"c{n}", canonical=TYPICAL_CLAIM, claims=claims)
        for n in range(ARTICLES * MAX_CLAIMS)
    ]


def answering_all_they_may() -> tuple[ModelClient, dict[str, list[str]]]:
    """A client whose endpoint answers every digest with as many statements as it may, and the
    composition with two; the prompts it was sent, by what they ask for."""
    prompts: dict[str, list[str]] = {"Digest": [], "BottomLine": []}

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        asked = body["response_format"]["json_schema"]["name"]
        prompts[asked].append("".join(m["content"] for m in body["messages"]))
        statements = [{"text": TYPICAL_CLAIM, "clusters": [1]}] * DIGEST_STATEMENTS
        if asked == "BottomLine":
            return {"statements": statements[:2], "title": "Troops", "developments": []}
        return {"statements": statements}

    return client_for(FakeEndpoint(respond=respond), model=MODEL), prompts


def test_a_dry_run_counts_the_calls_the_composition_makes_and_bounds_their_prompts() -> None:
    client, prompts = answering_all_they_may()
    compose(most_claims(), ARTICLES, client, WINDOW, Diagnostics())

    articles = [article(f"S{n}", "Japan and the US met in Tokyo.") for n in range(ARTICLES)]
    planned = estimate(
        articles, model=MODEL, endpoint="e", context_window=WINDOW, max_chunks=1, price=None,
        cache=None,
    )  # fmt: skip

    count = counter_for(MODEL)
    stages = {stage.stage: stage for stage in planned.stages}
    assert stages["digest"].calls == len(prompts["Digest"]) >= 1
    assert stages["digest"].prompt_tokens >= sum(map(count, prompts["Digest"]))
    assert stages["compose"].calls == len(prompts["BottomLine"]) == 1
    assert stages["compose"].prompt_tokens >= count(prompts["BottomLine"][0])
