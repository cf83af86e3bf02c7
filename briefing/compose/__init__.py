"""Composition: the briefing's sections from reconciled data, and the prose the model adds."""
