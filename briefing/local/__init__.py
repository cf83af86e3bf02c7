"""The embedded model: its weights, the runtime this CPU can run, and its loopback server."""
