"""Reconciliation: claims across sources grouped, counted, set against each other, dated and
attributed. Pure."""
