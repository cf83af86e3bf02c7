"""The model endpoint: the client (the only code that talks to it), prompts, tokens, the
answer cache and what calls cost."""
