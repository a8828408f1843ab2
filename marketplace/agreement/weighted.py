"""Weighted median and quantiles, for ratings weighed by annotator trust.

Quantiles interpolate between the sorted values placed at the midpoints of their weights::

    P_k = (C_k − w_k / 2) / W          C_k = w_1 + … + w_k,   W = C_n

so with equal weights ``P_k = (k − ½) / n``, Hazen's plotting positions (definition 5 of Hyndman &
Fan, "Sample quantiles in statistical packages", Am. Stat. 50(4), 1996); below ``P_1`` or above
``P_n`` the quantile is the smallest or largest value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _sorted(values: Sequence[float], weights: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if v.shape != w.shape or v.ndim != 1 or len(v) == 0:
        raise ValueError("values and weights must be non-empty and of the same length")
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    order = np.argsort(v, kind="stable")
    return v[order], w[order]


def weighted_quantile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0 ≤ q ≤ 1) of ``values`` weighted by ``weights`` (module docstring)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be in [0, 1]")
    v, w = _sorted(values, weights)
    positions = (np.cumsum(w) - w / 2) / w.sum()
    return float(np.interp(q, positions, v))


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    """A value among ``values`` that minimises ``Σ w_k |x − v_k|``: the weighted median that is
    always one of the answers (so a rating stays on the scale's steps).

    When two neighbouring values both minimise it (exactly half the weight on each side), the one
    nearer the weighted mean wins, then the lower one.
    """
    v, w = _sorted(values, weights)
    cumulative = np.cumsum(w)
    half = cumulative[-1] / 2
    tolerance = 1e-12 * cumulative[-1]
    k = int(np.searchsorted(cumulative, half - tolerance))
    if abs(cumulative[k] - half) <= tolerance and k + 1 < len(v) and v[k + 1] != v[k]:
        mean = float((v * w).sum() / w.sum())
        lower, upper = float(v[k]), float(v[k + 1])
        return upper if abs(upper - mean) < abs(lower - mean) - 1e-12 else lower
    return float(v[k])
