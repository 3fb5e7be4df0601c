"""The mark price's own path: the last price plus a bounded, seeded, slowly wandering basis.

Binance's mark price comes from a basket of spot indices and the funding basis; it is "generally a
few cents from the Last Price" and can drift further in fast markets. Here the basis is a sum of
a few sinusoids with seeded random periods (minutes to hours of path time) and phases, scaled so
its magnitude never exceeds ``bound`` (a fraction of the last price). Smooth, so triggers on
MARK_PRICE and CONTRACT_PRICE fire at slightly different moments, as on the venue.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np

Basis = Callable[[np.ndarray], np.ndarray]
_COMPONENTS = 6
_MIN_PERIOD_MS = 5 * 60_000
_MAX_PERIOD_MS = 8 * 3600_000


def seeded_basis(symbol: str, bound: float, seed: int, speed: float = 1.0) -> Basis:
    """basis(t) in [-bound, bound] for wall-clock times t (ms); ``speed`` shortens the periods."""
    rng = np.random.default_rng([seed, zlib.crc32(symbol.encode()), 1])
    periods = np.exp(rng.uniform(math.log(_MIN_PERIOD_MS), math.log(_MAX_PERIOD_MS),
                                 _COMPONENTS)) / speed
    phases = rng.uniform(0.0, 2 * math.pi, _COMPONENTS)
    weights = rng.uniform(0.2, 1.0, _COMPONENTS)
    scale = bound / weights.sum()

    def basis(times_ms: np.ndarray) -> np.ndarray:
        angles = 2 * math.pi * np.asarray(times_ms, dtype=float)[..., None] / periods + phases
        return scale * (weights * np.sin(angles)).sum(axis=-1)

    return basis
