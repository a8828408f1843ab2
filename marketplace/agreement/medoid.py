"""The weighted medoid: the one answer closest to all the others.

For answers ``1..n`` with weights ``w`` and a dissimilarity ``d`` (0 = identical)::

    medoid = argmin_i Σ_{j ≠ i} w_j · d(i, j)

(the medoid of Kaufman & Rousseeuw, *Finding Groups in Data*, 1990, §2.2, with weights). Unlike a
mean it is always one of the answers, so it is a valid answer of its task type whatever the shape
(a transcript with its segments, a set of polygons, masks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


def weighted_medoid(distances: NDArray[np.float64], weights: Sequence[float]) -> tuple[int, float]:
    """Index of the weighted medoid of an ``n × n`` dissimilarity matrix, and its weighted mean
    distance to the others (0 when it is alone).

    Ties (equal weighted distance, up to 1e-12) go to the heavier answer, then the first one.
    """
    matrix = np.asarray(distances, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    if matrix.shape != (n, n) or n == 0:
        raise ValueError("distances must be a non-empty n × n matrix, with n weights")
    if n == 1:
        return 0, 0.0
    off_diagonal = ~np.eye(n, dtype=bool)
    totals = (np.where(off_diagonal, matrix, 0.0) * w[None, :]).sum(axis=1)
    others = w.sum() - w
    best = float(totals.min())
    candidates = [i for i in range(n) if totals[i] <= best + 1e-12]
    chosen = max(candidates, key=lambda i: (w[i], -i))
    mean = (
        float(totals[chosen] / others[chosen])
        if others[chosen] > 0
        else float(matrix[chosen][off_diagonal[chosen]].mean())
    )
    return chosen, mean
