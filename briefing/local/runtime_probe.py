"""One trial of the embedded runtime, run in a child process by `runtime` (and `doctor`).

`python -m briefing.local.runtime_probe --model M --threads N [--no-extra-buffers]` loads the model
the way the embedded server will, reads a fixed text, writes a few tokens, checks that the
favourite-first grammar sampler picks what the stock sampler picks, and prints one JSON line:
`{"prompt_tps", "generated_tps", "sampler", "system_info"}`. A CPU that faults on the runtime
kills this process, not the caller, which reads the signal from the exit status.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

# A fixed news-like text, long enough that prompt reading runs the batched matrix kernels
# (where a faulting AMX tile instruction sits), short enough to measure in a few seconds.
PROBE_TEXT = (
    "The city council voted on Tuesday to fund a new light-rail line linking the harbour to "
    "the airport, after two years of debate over its cost and route. The line, estimated at "
    "1.4 billion dollars, will have eleven stations and is due to open in 2031, the mayor's "
    "office said. Supporters argued that the project would cut commuting times by a third "
    "and reduce traffic on the coastal highway, which carries more than 90,000 vehicles a "
    "day. Opponents, including two members of the council's finance committee, said the "
    "estimate left out the cost of moving utility lines and warned that similar projects in "
    "other cities had run over budget by as much as forty per cent. The transport authority "
    "will now seek bids from construction firms, and a first contract is expected to be "
    "awarded early next year. Residents near the planned depot have asked for a noise study, "
    "and the council agreed to commission one before the route is final. "
)
GENERATED_TOKENS = 24
SAMPLER_CHECK_TOKENS = 24
_SAMPLER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "claims": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "sentence": {"type": "integer"}},
                "required": ["text", "sentence"],
            },
        }
    },
    "required": ["claims"],
}


def disable_extra_buffers() -> None:
    """Load models without ggml's extra buffer types (AMX tiles and repacked weights)."""
    import llama_cpp.llama_cpp as native

    stock = native.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = stock()
        params.use_extra_bufts = False
        return params

    native.llama_model_default_params = without_extra_buffers


def measure(llama: Any) -> tuple[float, float]:
    """Prompt tokens read and tokens generated per second, greedy, on `PROBE_TEXT`."""
    tokens = llama.tokenize(PROBE_TEXT.encode())
    llama.reset()
    started = time.perf_counter()
    first_token_at = started
    generated = 0
    for _ in llama.generate(tokens, temp=0.0, reset=True):
        generated += 1
        if generated == 1:
            first_token_at = time.perf_counter()
        if generated > GENERATED_TOKENS:
            break
    finished = time.perf_counter()
    prompt_tps = len(tokens) / max(first_token_at - started, 1e-6)
    generated_tps = (generated - 1) / max(finished - first_token_at, 1e-6)
    return round(prompt_tps, 1), round(generated_tps, 1)


def sampler_verdict(llama: Any) -> str:
    """The sampler to serve with: "favourite-first" when it is usable and agrees with the
    stock one token for token on a short grammar request, else "stock: <why>"."""
    try:
        from briefing.local import sampling
    except (ImportError, AttributeError) as error:
        return f"stock: the sampler's llama-cpp-python internals are missing ({error})"
    problem = sampling.missing_internals()
    if problem:
        return f"stock: {problem}"
    stock = _grammar_answer(llama)
    sampling.install()
    try:
        ours = _grammar_answer(llama)
    except Exception as error:  # a changed internal can fail in any way; that is the verdict
        return f"stock: the favourite-first sampler failed ({type(error).__name__}: {error})"
    finally:
        sampling.uninstall()
    if ours != stock:
        return "stock: the favourite-first sampler picked other tokens than the stock sampler"
    return "favourite-first"


def _grammar_answer(llama: Any) -> str:
    llama.reset()
    answer = llama.create_chat_completion(
        messages=[
            {"role": "system", "content": "Answer with JSON only."},
            {"role": "user", "content": "List one claim of this text:\n" + PROBE_TEXT[:400]},
        ],
        response_format={"type": "json_object", "schema": _SAMPLER_SCHEMA},
        temperature=0.0,
        seed=42,
        max_tokens=SAMPLER_CHECK_TOKENS,
        repeat_penalty=1.1,
    )
    return str(answer["choices"][0]["message"]["content"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--no-extra-buffers", action="store_true")
    args = parser.parse_args()

    import llama_cpp

    if args.no_extra_buffers:
        disable_extra_buffers()
    llama = llama_cpp.Llama(
        model_path=args.model, n_ctx=1024, n_threads=args.threads,
        n_threads_batch=args.threads, logits_all=False, use_mmap=False, verbose=False, seed=42,
    )  # fmt: skip
    prompt_tps, generated_tps = measure(llama)
    verdict = sampler_verdict(llama)
    system_info = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
    print(
        json.dumps(
            {
                "prompt_tps": prompt_tps,
                "generated_tps": generated_tps,
                "sampler": verdict,
                "system_info": system_info,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
