"""The embedded model's server process: llama-cpp-python's server, set up as `runtime` chose.

`local_server` starts this module (`python -m briefing.local.embedded_server …`) in place of
`llama_cpp.server`. It takes the same arguments plus two of its own, which it removes before
llama-cpp-python reads the rest:

- `--no-extra-buffers`: load the model without ggml's extra buffer types (AMX tiles,
  repacked weights), for CPUs that advertise instructions they fault on;
- `--sampler favourite-first|stock`: greedy requests with a grammar (every structured answer)
  sample through `grammar_sampling`, which gives the same tokens at about 36 ms each instead
  of 50 on a 2-core CPU, unless the runtime's self-test or the check here found the private
  parts it needs missing; then the stock sampler runs and the log says why.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

FAVOURITE_FIRST = "favourite-first"
STOCK = "stock"


def take_own_flags(argv: list[str]) -> tuple[list[str], bool, str]:
    """`argv` without this module's flags, whether extra buffers stay on, and the sampler."""
    rest: list[str] = []
    extra_buffers = True
    sampler = FAVOURITE_FIRST
    arguments = iter(argv)
    for argument in arguments:
        if argument == "--no-extra-buffers":
            extra_buffers = False
        elif argument == "--sampler":
            sampler = next(arguments, FAVOURITE_FIRST)
        else:
            rest.append(argument)
    return rest, extra_buffers, sampler


def _use_favourite_first() -> None:
    try:
        from briefing.local import sampling
    except (ImportError, AttributeError) as error:
        print(f"briefing: stock sampler: llama-cpp-python internals missing ({error})", flush=True)
        return
    problem = sampling.missing_internals()
    if problem:
        print(f"briefing: stock sampler: {problem}", flush=True)
        return
    sampling.install()


def exit_when_orphaned(parent: int, every: float = 1.0) -> None:
    """End this process once `parent` is gone, even if it was killed outright (SIGKILL leaves
    no chance to stop the server): a model server never outlives the run that started it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="exit-when-orphaned", daemon=True).start()


def main() -> None:
    exit_when_orphaned(os.getppid())
    sys.argv[1:], extra_buffers, sampler = take_own_flags(sys.argv[1:])
    if not extra_buffers:
        from briefing.local.runtime_probe import disable_extra_buffers

        disable_extra_buffers()
    if sampler == FAVOURITE_FIRST:
        _use_favourite_first()
    from llama_cpp.server.__main__ import main as serve

    serve()  # type: ignore[no-untyped-call,unused-ignore]


if __name__ == "__main__":
    main()
