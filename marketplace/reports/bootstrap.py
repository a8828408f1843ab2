"""A reproducible bootstrap interval for Krippendorff's α from what the agreement package stores.

Why a module: the agreement package keeps, per item, the values its answers contributed to the
coincidence matrix (``ItemAgreement.values``), without who gave them; α only needs the values of
each unit, so those lists are exactly the reliability data. The resampling itself is
:func:`marketplace.agreement.metrics.alpha_bootstrap_ci` (units drawn with replacement); this
module only lays the stored lists out as the raters × units table it reads, and fixes the seed so
two builds of the same report print the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from marketplace.agreement.metrics import alpha_bootstrap_ci

#: Resamples of the units; enough for stable 2.5 % and 97.5 % quantiles.
RESAMPLES: Final = 1000
#: Fixed seed: the report is a document a client may compare between deliveries.
SEED: Final = 20_261_207
#: Two-sided coverage of the interval.
CONFIDENCE: Final = 0.95


def reliability_table(units: Sequence[Sequence[Any]]) -> np.ndarray[Any, np.dtype[np.object_]]:
    """Each unit's values as a column of a raters × units table, padded with ``None`` (missing).

    The row a value lands in carries no meaning: α depends only on how many times each value
    occurs within a unit, so "rater 1" is simply the first value stored for each item.
    """
    height = max((len(values) for values in units), default=0)
    table = np.full((height, len(units)), None, dtype=object)
    for column, values in enumerate(units):
        for row, value in enumerate(values):
            table[row, column] = value
    return table


def alpha_interval(
    units: Sequence[Sequence[Any]],
    level: str,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float] | None:
    """The percentile bootstrap interval of α over ``units`` (each the values of one item), or None
    when α is undefined (fewer than two pairable values, or no variation)."""
    if not any(len(values) >= 2 for values in units):
        return None
    interval = alpha_bootstrap_ci(
        reliability_table(units), level, n=resamples, alpha=1.0 - confidence, seed=seed
    )
    return None if interval is None else (interval.low, interval.high)
