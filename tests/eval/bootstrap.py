"""Paired bootstrap: is one configuration better than another on the same queries?

Both are scored on the same queries; the queries are resampled with
replacement and the mean difference taken each time. The 2.5th and 97.5th
percentiles of those means are the 95% interval. A gain counts only when the
whole interval is above zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RESAMPLES = 10_000
SEED = 20261201  # fixed, so that `make eval` prints the same interval for the same ranks


def reciprocal_rank(rank: int | None, cutoff: int = 10) -> float:
    """1/rank of the first good hit within the cutoff, else 0.

    >>> reciprocal_rank(2), reciprocal_rank(None), reciprocal_rank(11)
    (0.5, 0.0, 0.0)
    """
    return 1.0 / rank if rank is not None and rank <= cutoff else 0.0


@dataclass(frozen=True)
class PairedDifference:
    n: int
    mean: float  # mean of (a - b) over the queries
    low: float  # 95% interval
    high: float

    @property
    def significant(self) -> bool:
        return self.low > 0

    def __str__(self) -> str:
        return f"{self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def paired_bootstrap(a: list[float], b: list[float], resamples: int = RESAMPLES, seed: int = SEED) -> PairedDifference:
    """The mean of ``a - b`` and its 95% bootstrap interval.

    >>> d = paired_bootstrap([1.0, 1.0, 0.5, 1.0], [0.5, 0.0, 0.5, 1.0])
    >>> round(d.mean, 3), d.low >= 0
    (0.375, True)
    """
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if diff.size == 0:
        return PairedDifference(0, 0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, diff.size, size=(resamples, diff.size))
    means = diff[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return PairedDifference(int(diff.size), float(diff.mean()), float(low), float(high))
