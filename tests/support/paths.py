"""Where the tests' inputs live."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CASSETTES = ROOT / "cassettes"
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
FIXTURES = ROOT / "tests" / "fixtures"
