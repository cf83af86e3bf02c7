"""Quality per model-second: the briefing against two peers, on one running server, in one run.

    python bench/side_by_side.py                    # every labelled cluster, all three runs
    python bench/side_by_side.py --cluster seeds    # one cluster
    python bench/side_by_side.py --score-only DIR   # score the outputs a previous run kept

The three runs read the same articles through the same embedded-model server, one request at a
time, each with nothing cached:

- **briefing**: `briefing generate FILES --base-url URL --concurrency 1`;
- **LangChain map_reduce**: the summarize chain of `bench/peer.py` (its own environment,
  `bench/.venv`), which cites nothing;
- **one prompt**: what a user tries first, written here: every article in one prompt, numbered
  [S1]..[Sn], asking for a briefing that cites them (`one_prompt_briefing`).

Each output is scored against the cluster's labels (`bench/quality/clusters/*/labels.json`,
written by hand) by one rule for all three, on the sentences the reader sees and the sources
each sentence cites (`Shown`):

- a key fact is *covered with the right source* when a sentence cites the fact's article and
  shares at least `MIN_SHARED` of the fact passage's content words;
- a labelled group (one fact, 2+ articles) is *corroborated* when one sentence cites two or more
  of the group's articles and states the fact of one of them;
- a labelled conflict is *surfaced* when one sentence cites articles on two of its sides and
  states a fact of one side.

The headline figure is key facts covered with the right source per second of wall time (the
model's start excluded, since all three share the server).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from quality import CLUSTERS, MIN_SHARED, Fact, Labels, content_words, load
from run import fresh_cache, peer_python, run_briefing, say

BENCH = Path(__file__).resolve().parent
CITATION = re.compile(r"\[(S\d+(?:\s*[,;]\s*S\d+)*)\]")
SENTENCE_END = re.compile(r"(?<=[.!?])(?:\s*\[S\d+(?:\s*[,;]\s*S\d+)*\])*\s+(?=[A-Z\"“*#-])")
ONE_PROMPT_ANSWER_TOKENS = 1024


# --- what a reader sees: sentences and the articles they cite -----------------------------------


@dataclass(frozen=True)
class Shown:
    """One sentence of a briefing and the article files it cites."""

    text: str
    files: frozenset[str]


def from_briefing_json(data: dict[str, object]) -> list[Shown]:
    """Every statement of every section, citing the files of its citations' sources."""
    sources = data["sources"]
    assert isinstance(sources, list)
    file_of = {source["id"]: Path(source["path"]).name for source in sources}
    sections = data["sections"]
    assert isinstance(sections, list)
    return [
        Shown(
            statement["text"],
            frozenset(file_of[citation["source"]] for citation in statement["citations"]),
        )
        for section in sections
        for statement in section["statements"]
    ]


def from_cited_text(text: str, files: Sequence[str]) -> list[Shown]:
    """A peer's prose split into sentences; `[S2]` or `[S1, S3]` in a sentence cite the
    articles numbered so in its prompt (`files[0]` is S1). A list item's citations also hold
    for the lines nested under it that cite nothing themselves ("- [S1]: Title" over its
    points), as a reader takes them."""
    shown: list[Shown] = []
    parents: list[tuple[int, frozenset[str]]] = []  # (indent, cited) of the enclosing items
    for line in text.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while parents and parents[-1][0] >= indent:
            parents.pop()
        inherited = parents[-1][1] if parents else frozenset()
        line_cites = frozenset()
        for sentence in SENTENCE_END.split(line.strip()):
            cited = _cited(sentence, files)
            line_cites |= cited
            words = re.sub(r"\s+([.,;:!?])", r"\1", CITATION.sub("", sentence)).strip()
            if words.strip("*-#:>\"' "):
                shown.append(Shown(words, cited or inherited))
        parents.append((indent, line_cites or inherited))
    return shown


def _cited(sentence: str, files: Sequence[str]) -> frozenset[str]:
    numbers = {
        int(number[1:])
        for group in CITATION.findall(sentence)
        for number in re.split(r"\s*[,;]\s*", group)
    }
    return frozenset(files[n - 1] for n in numbers if 0 < n <= len(files))


# --- one rule for all three ------------------------------------------------------------------


def shares_passage(sentence: str, passage: str) -> bool:
    wanted = content_words(passage)
    if not wanted:
        return False
    shared = len(wanted & content_words(sentence)) / len(wanted)
    return shared >= MIN_SHARED or (len(wanted) <= 3 and shared > 0)


@dataclass
class Coverage:
    key_facts: int = 0
    covered: int = 0  # stated by some sentence, whatever it cites
    cited_right: int = 0  # stated by a sentence that cites the fact's article
    groups: int = 0
    corroborated: int = 0
    conflicts: int = 0
    surfaced: int = 0

    def add(self, other: Coverage) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def coverage(labels: Labels, shown: Sequence[Shown]) -> Coverage:
    result = Coverage()
    for fact in labels.facts.values():
        if not fact.key:
            continue
        result.key_facts += 1
        stating = [s for s in shown if shares_passage(s.text, fact.evidence)]
        result.covered += bool(stating)
        result.cited_right += any(fact.file in s.files for s in stating)
    for group in labels.groups:
        result.groups += 1
        facts = [labels.facts[fact_id] for fact_id in group]
        result.corroborated += any(
            len(s.files & {f.file for f in facts}) >= 2
            and any(shares_passage(s.text, f.evidence) for f in facts)
            for s in shown
        )
    for conflict in labels.conflicts:
        result.conflicts += 1
        sides = [[labels.facts[i] for i in side["facts"]] for side in conflict["sides"]]
        result.surfaced += any(_surfaces(s, sides) for s in shown)
    return result


def _surfaces(sentence: Shown, sides: Sequence[Sequence[Fact]]) -> bool:
    cited_sides = [side for side in sides if sentence.files & {f.file for f in side}]
    return len(cited_sides) >= 2 and any(
        shares_passage(sentence.text, f.evidence) for side in cited_sides for f in side
    )


# --- the three runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One run's briefing on one cluster, as it wrote it (the briefing's JSON, a peer's
    prose), the articles its prompt numbered, and what it cost."""

    runner: str
    cluster: str
    seconds: float
    calls: int
    completion_tokens: int
    words: int
    text: str
    files: tuple[str, ...]

    def shown(self) -> list[Shown]:
        if self.runner == "briefing":
            return from_briefing_json(json.loads(self.text))
        return from_cited_text(self.text, self.files)


def peer_inputs(files: Sequence[Path], folder: Path) -> list[Path]:
    """The articles as plain text, as a user would paste them: a saved page's visible text
    (trafilatura, before the briefing's own cleaning), a text file as it is."""
    from briefing.sources.ingest import read_documents

    folder.mkdir(parents=True)
    documents = read_documents(files)
    written = []
    for path, document in zip(files, documents, strict=True):
        target = folder / f"{path.stem}.txt"
        target.write_text(document.text, encoding="utf-8")
        written.append(target)
    return written


ONE_PROMPT = """Here are {count} news articles on one topic, numbered [S1] to [S{count}].

{articles}

Write a briefing on this topic for a busy reader: the bottom line, the key developments, where \
the sources agree and where they disagree, and who said what. After every sentence, cite the \
articles it comes from as [S1], [S2] and so on. Use only what the articles say."""


def one_prompt_briefing(
    texts: Sequence[str], base_url: str, model: str
) -> tuple[str, float, int, int]:
    """The peer a user tries first: every article in one prompt. Returns the answer, its wall
    seconds, and the prompt and completion tokens the server counted."""
    import openai

    articles = "\n\n".join(f"[S{n}]\n{text.strip()}" for n, text in enumerate(texts, start=1))
    prompt = ONE_PROMPT.format(count=len(texts), articles=articles)
    with openai.OpenAI(base_url=base_url, api_key="not-needed", timeout=1800) as client:
        started = time.perf_counter()
        answer = client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": prompt}],
            temperature=0,
            max_tokens=ONE_PROMPT_ANSWER_TOKENS,
        )
        seconds = time.perf_counter() - started
    usage = answer.usage
    return (
        answer.choices[0].message.content or "",
        seconds,
        usage.prompt_tokens if usage else 0,
        usage.completion_tokens if usage else 0,
    )


def run_cluster(
    labels: Labels, base_url: str, model: str, peer: Path, work: Path, user_cache: Path
) -> list[Output]:
    folder = work / labels.name
    files = labels.files
    names = tuple(path.name for path in files)
    say(f"{labels.name}: briefing")
    ours = run_briefing(
        f"{labels.name}: briefing",
        files[0].parent,
        folder / "briefing",
        fresh_cache(folder / "cache", user_cache),
        0,
        options=["--base-url", base_url, "--model", model, "--concurrency", "1"],
    )
    data = (folder / "briefing" / "briefing.json").read_text()
    outputs = [
        Output(
            "briefing",
            labels.name,
            ours.seconds,
            ours.calls,
            ours.completion_tokens,
            ours.words,
            data,
            names,
        )
    ]
    plain = peer_inputs(files, folder / "plain")
    say(f"{labels.name}: LangChain map_reduce")
    command = [str(peer), str(BENCH / "peer.py"), "--base-url", base_url, "--model", model,
               *map(str, plain)]  # fmt: skip
    chain = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    outputs.append(
        Output(
            "LangChain map_reduce",
            labels.name,
            chain["seconds"],
            chain["calls"],
            chain["completion_tokens"],
            len(chain["output"].split()),
            chain["output"],
            names,
        )
    )
    say(f"{labels.name}: one prompt")
    texts = [path.read_text(encoding="utf-8") for path in plain]
    answer, seconds, _, completion = one_prompt_briefing(texts, base_url, model)
    (folder / "one-prompt.md").write_text(answer)
    outputs.append(
        Output(
            "one prompt",
            labels.name,
            seconds,
            1,
            completion,
            len(answer.split()),
            answer,
            names,
        )
    )
    return outputs


# --- the table -------------------------------------------------------------------------------

RUNNERS = ("briefing", "LangChain map_reduce", "one prompt")


def table(outputs: Sequence[Output], labels: dict[str, Labels]) -> str:
    rows = [
        "| run | wall s | model calls | completion tok | words | key facts covered "
        "| with the right source | per second | corroborated | conflicts surfaced |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rates = {}
    for runner in RUNNERS:
        mine = [o for o in outputs if o.runner == runner]
        if not mine:
            continue
        total = Coverage()
        for output in mine:
            total.add(coverage(labels[output.cluster], output.shown()))
        seconds = sum(o.seconds for o in mine)
        rates[runner] = total.cited_right / seconds if seconds else 0.0
        rows.append(
            f"| {runner} | {seconds:.1f} | {sum(o.calls for o in mine)} "
            f"| {sum(o.completion_tokens for o in mine):,} | {sum(o.words for o in mine):,} "
            f"| {total.covered}/{total.key_facts} | {total.cited_right}/{total.key_facts} "
            f"| {rates[runner]:.3f} | {total.corroborated}/{total.groups} "
            f"| {total.surfaced}/{total.conflicts} |"
        )
    ours = rates.get("briefing", 0.0)
    lines = [
        f"- Against {peer}: {ours / rate:.1f}× its key facts with the right source per second"
        if rate
        else f"- {peer} cited no key fact to its article."
        for peer, rate in rates.items()
        if peer != "briefing"
    ]
    return "\n".join([*rows, "", *lines])


# --- keeping outputs to re-score ---------------------------------------------------------------


def save(outputs: Sequence[Output], path: Path) -> None:
    path.write_text(json.dumps([dataclasses.asdict(o) for o in outputs], indent=1))


def saved(path: Path) -> list[Output]:
    return [Output(**{**row, "files": tuple(row["files"])}) for row in json.loads(path.read_text())]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", action="append", help="only this cluster (repeatable)")
    parser.add_argument("--score-only", type=Path, help="re-score a kept outputs.json")
    parser.add_argument("--keep", type=Path, help="write outputs.json here")
    arguments = parser.parse_args(argv)
    labels = {
        folder.name: load(folder)
        for folder in sorted(CLUSTERS.iterdir())
        if (folder / "labels.json").is_file()
        and (not arguments.cluster or folder.name in arguments.cluster)
    }
    if arguments.score_only:
        print(table(saved(arguments.score_only), labels))
        return 0
    outputs = run_all(labels.values(), arguments.keep)
    print(table(outputs, labels))
    return 0


def run_all(clusters: Iterable[Labels], keep: Path | None) -> list[Output]:
    """Every cluster's three runs on one server; with `keep`, the outputs so far are saved
    after each cluster."""
    from briefing.local.server import running_server
    from briefing.local.weights import EMBEDDED_MODEL, embedded_model_path
    from briefing.model.endpoint import resolve
    from briefing.settings import Settings

    settings = Settings.from_env()
    peer = peer_python()
    work = Path(tempfile.mkdtemp(prefix="briefing-side-by-side-"))
    say(f"work folder: {work}")
    options = dataclasses.replace(
        resolve(settings).server_options(),
        model_path=embedded_model_path(settings.cache_dir),
        alias=EMBEDDED_MODEL.name,
        log_path=work / "server.log",
    )
    outputs: list[Output] = []
    with running_server(options) as server:
        for labels in clusters:
            outputs += run_cluster(
                labels, server.base_url, EMBEDDED_MODEL.name, peer, work, settings.cache_dir
            )
            if keep is not None:
                save(outputs, keep)
    return outputs


if __name__ == "__main__":
    sys.exit(main())
