"""The `briefing` command line."""

from briefing.cli.app import main

__all__ = ["main"]
