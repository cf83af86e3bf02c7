"""The model endpoint: `resolve` (settings to the endpoint), the `Model` protocol the stages
use, and `ModelClient` built of one piece per job: the transport (the only code that talks to
the endpoint), structured output, the ledger and the answer cache; plus prompts, tokens and
what calls cost."""
