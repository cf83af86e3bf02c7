"""From settings to the endpoint a run talks to, worked out once: `resolve`.

A run talks to a remote OpenAI-compatible endpoint (`base_url`) or to the embedded model,
served on loopback by `local.server` from the first request that needs it. Either way the
resolved endpoint says where requests go, the served model's name, how cache keys name the
endpoint, what calls cost and may cost, and (embedded) how to serve the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefing.errors import ConfigError
from briefing.local.runtime import choose, default_threads, probe_in_child
from briefing.local.server import ServerOptions, require_llama_cpp_server
from briefing.local.weights import EMBEDDED_MODEL, embedded_model_path
from briefing.model.costs import Price, price_for
from briefing.model.ledger import Spending
from briefing.model.transport import Endpoint
from briefing.progress import Progress, silent
from briefing.settings import Settings

NOT_STARTED = "http://127.0.0.1 (not started yet)"
"""The embedded model's base URL until its server starts (its port is free-chosen then)."""


@dataclass(frozen=True)
class ResolvedEndpoint:
    settings: Settings
    endpoint: Endpoint
    embedded: bool  # served on loopback by this run, from `server_options`

    @property
    def served_model(self) -> str | None:
        """The model's name at the endpoint; None when only the endpoint knows it."""
        return self.endpoint.model

    @property
    def cache_identity(self) -> str:
        return self.endpoint.cache_identity

    def price(self, model: str) -> Price | None:
        """What `model` costs here (a model on this machine costs nothing); None: unknown."""
        base_url = None if self.embedded else self.endpoint.base_url
        return price_for(model, base_url, self.settings.prices)

    def spending(self, model: str) -> Spending:
        """The models' prices and the run's limit; refuses a limit on a model of unknown
        price."""
        embedding_model = self.settings.embedding_model
        models = [model, *([embedding_model] if embedding_model else [])]
        prices = [self.price(name) for name in models]
        limit = self.settings.max_cost
        for name, price in zip(models, prices, strict=True):
            if limit is not None and price is None:
                raise ConfigError(
                    f"no price is known for the model {name!r}, so --max-cost cannot be kept",
                    hint=f'add [prices."{name}"] with input and output (US$ per million tokens) '
                    "to the config",
                )
        embedding = prices[1] if len(prices) > 1 else None
        return Spending(price=prices[0], limit=limit, embedding_price=embedding)

    def server_options(self, progress: Progress = silent) -> ServerOptions:
        """How to serve the model: its file, and the runtime configuration this CPU runs
        (chosen by a one-time self-test, announced once)."""
        settings = self.settings
        if settings.model_path is not None:
            model_path = settings.model_path
        else:
            progress("checking the embedded model (assembled once, then reused)")
            model_path = embedded_model_path(settings.cache_dir)
        threads = default_threads()
        require_llama_cpp_server()
        progress("checking the model runtime on this CPU (tested once, then remembered)")
        runtime = choose(settings.cache_dir, probe_in_child(model_path, threads))
        if runtime.notice:
            progress.notice(runtime.notice)
        return ServerOptions(
            model_path=model_path,
            alias=self.served_model or EMBEDDED_MODEL.name,
            log_path=settings.cache_dir / "server.log",
            context_window=settings.context_window,
            threads=threads,
            startup_timeout=settings.server_startup_timeout,
            runtime=runtime,
        )


def resolve(settings: Settings) -> ResolvedEndpoint:
    """The endpoint `settings` name: `base_url`, else the embedded model (or `model_path`)."""
    if settings.base_url:
        return ResolvedEndpoint(
            settings, _endpoint(settings, settings.base_url, settings.model), embedded=False
        )
    model = settings.model_path.stem if settings.model_path is not None else EMBEDDED_MODEL.name
    endpoint = _endpoint(settings, NOT_STARTED, model, identity=_local_identity(settings))
    return ResolvedEndpoint(settings, endpoint, embedded=True)


def _endpoint(
    settings: Settings, base_url: str, model: str | None, identity: str | None = None
) -> Endpoint:
    return Endpoint(
        base_url=base_url,
        model=model,
        api_key=settings.api_key,
        api_key_env=settings.api_key_env,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        identity=identity,
    )


def _local_identity(settings: Settings) -> str:
    """How cache keys name a local model (its server's port varies): the embedded model by
    its hash, a GGUF by its path, size and time, so two files of the same name, or a file
    replaced in place, never share answers."""
    if settings.model_path is None:
        return f"local:{EMBEDDED_MODEL.name}:{EMBEDDED_MODEL.sha256}"
    path = settings.model_path.expanduser().resolve()
    try:
        stat = path.stat()
    except OSError:
        return f"local:{path}"  # serving it will fail and say why
    return f"local:{path}:{stat.st_size}:{stat.st_mtime_ns}"
