"""Word weights add up the same in every process: a set's order follows the hash seed, and a
plain float sum's last bits follow the order, which tipped comparisons at a threshold (which
claims share a cluster) from one run of the same articles to the next."""

from __future__ import annotations

import os
import subprocess
import sys

_WEIGHED = r"""
import random
from briefing.reconcile.candidates import StemIndex
from briefing.reconcile.similarity import StemWeights
rng = random.Random(7)
words = [a + b for a in ("alpha", "bravo", "delta", "gamma", "kappa", "sigma")
         for b in ("ction", "ments", "ility", "ration", "dence", "nsion")]
texts = [" ".join(rng.sample(words, rng.randint(8, 20))) for _ in range(60)]
weights = StemWeights(texts)
print([repr(weights.overlap(a, b)) for a in texts[:20] for b in texts[20:40]])
print([repr(weights.coverage(a, b)) for a in texts[:20] for b in texts[20:40]])
print(StemIndex(texts, weights).shared(texts[0]).tolist())
"""


def test_weighted_overlaps_are_the_same_whatever_the_hash_seed() -> None:
    printed = {
        subprocess.run(
            [sys.executable, "-c", _WEIGHED],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in range(4)
    }
    assert len(printed) == 1
