"""One-to-one matching of answer shapes to gold shapes, and the F1 of the matches.

Detection metrics pair each gold object with at most one answer object (PASCAL VOC: Everingham et
al., IJCV 2010, §4.2; COCO). We pair them optimally rather than greedily: among all one-to-one
matchings that use only *eligible* pairs (same label, similarity at or above the threshold), take
one with the most pairs, and among those the largest total similarity. That is the assignment
problem (Kuhn 1955, the Hungarian method) on the weights ``B + similarity`` for eligible pairs and 0
otherwise, with ``B`` larger than the most a matching can gain from similarity (``min(n, m)`` since
similarities are at most 1): one more pair always outweighs any gain in similarity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment


def max_weight_matching(weights: NDArray[np.float64], eligible: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(row, column) pairs of a one-to-one matching of eligible pairs with the largest total weight.

    ``weights`` must be positive where ``eligible``. Rows and columns with no eligible pair are left
    out before solving, so a large answer full of far-off shapes costs little. Sorted by row.
    """
    if weights.shape != eligible.shape:
        raise ValueError("weights and eligible must have the same shape")
    if not eligible.any():
        return []
    rows = np.flatnonzero(eligible.any(axis=1))
    cols = np.flatnonzero(eligible.any(axis=0))
    sub_eligible = eligible[np.ix_(rows, cols)]
    sub_weights = np.where(sub_eligible, weights[np.ix_(rows, cols)], 0.0)
    # Any partial matching extends to a full assignment with zero-weight pairs, which we then drop.
    picked_rows, picked_cols = linear_sum_assignment(sub_weights, maximize=True)
    keep = sub_eligible[picked_rows, picked_cols]
    pairs = zip(rows[picked_rows[keep]].tolist(), cols[picked_cols[keep]].tolist(), strict=True)
    return sorted((int(r), int(c)) for r, c in pairs)


def match_pairs(similarity: NDArray[np.float64], eligible: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(gold index, answer index) pairs of the matching with the most pairs, then the most similarity.

    ``similarity`` is gold × answer with values in [0, 1]; ``eligible`` says which pairs may match.
    """
    bonus = float(min(similarity.shape) + 1)
    return max_weight_matching(bonus + np.clip(similarity, 0.0, 1.0), eligible)


@dataclass(frozen=True, slots=True)
class MatchCounts:
    """True positives among ``gold`` and ``answer`` objects.

    Precision = TP / answer, recall = TP / gold, F1 = 2·TP / (gold + answer) (van Rijsbergen 1979's
    F with β = 1). Conventions for empty sides: with no answer objects precision is 1 (no false
    positives), with no gold objects recall is 1; F1 of nothing against nothing is 1.
    """

    true_positives: int
    gold: int
    answer: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.answer if self.answer else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        total = self.gold + self.answer
        return 2 * self.true_positives / total if total else 1.0


def same_label(first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]]) -> NDArray[np.bool_]:
    """``len(first) × len(second)``: which pairs of shapes carry the same label (only those may match)."""
    labels_a = np.array([str(shape["label"]) for shape in first], dtype=object)
    labels_b = np.array([str(shape["label"]) for shape in second], dtype=object)
    same = labels_a[:, None] == labels_b[None, :]
    return np.asarray(same, dtype=bool).reshape(len(first), len(second))


def threshold_setting(config: Mapping[str, Any] | None, key: str, default: float) -> float:
    """A matching threshold from a project's config (IoU, OKS): a number in (0, 1]."""
    value = float((config or {}).get(key, default))
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{key} must be in (0, 1], not {value}")
    return value
