"""The embedded model's server process: llama-cpp-python's server, sampling favourite-first.

`local_server` starts this module (`python -m briefing.embedded_server …`) in place of
`llama_cpp.server`. It takes the same arguments and changes one thing: greedy requests with a
grammar (every structured answer) sample through `grammar_sampling`, which gives the same
tokens at about 36 ms each instead of 50 on a 2-core CPU (the seeds run, README "Speed").
"""

from __future__ import annotations


def main() -> None:
    from llama_cpp.server.__main__ import main as serve

    from .grammar_sampling import install

    install()
    serve()  # type: ignore[no-untyped-call,unused-ignore]


if __name__ == "__main__":
    main()
