"""Object Keypoint Similarity (OKS), the COCO keypoint metric, between two annotated objects.

COCO (Lin et al. 2014; cocodataset.org "Keypoint Evaluation"; ``computeOks`` in pycocotools)::

    OKS = Σ_i exp(−d_i² / (2 s² k_i²)) · δ(v_i > 0)  /  Σ_i δ(v_i > 0)

``d_i`` is the distance between the answer's and the gold's keypoint i, ``s²`` the object's scale
(its area in pixels), ``k_i`` a per-keypoint constant (COCO's are 2σ_i, from 0.05 for the eyes to
0.21 for the hips; ours default to 0.1), and the sum runs over the gold's labelled points. A
keypoint the answer lacks counts 0 (d = ∞). The answer's extra points and its visibility flags are
ignored, as in COCO.

Departures from COCO, because our gold has no segmentation area and no "not labelled" state:

* ``s²`` is the area of the bounding box of the gold object's points (all of them); when that is
  degenerate (under one square pixel: a single point, points on a line) a fallback area is used.
* The sum runs over the gold's *visible* points (``visible`` not false): occluded points are guesses
  and annotators' guesses disagree (COCO keeps them, as v = 1). An object whose points are all
  occluded is compared on all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np

#: Per-keypoint constant k when the project sets none.
DEFAULT_KEYPOINT_K: Final = 0.1
#: Areas below this (in px²) are degenerate and replaced by the fallback area.
_MIN_AREA: Final = 1.0


def gold_area(points: Sequence[Mapping[str, Any]], fallback: float) -> float:
    """s²: width × height of the points' bounding box, or ``fallback`` when under one square pixel."""
    xs = [float(p["x"]) for p in points]
    ys = [float(p["y"]) for p in points]
    area = (max(xs) - min(xs)) * (max(ys) - min(ys)) if points else 0.0
    return area if area >= _MIN_AREA else fallback


def _k_for(name: str | None, k: float | Mapping[str, float]) -> float:
    if isinstance(k, Mapping):
        value = float(k.get(name, DEFAULT_KEYPOINT_K)) if name is not None else DEFAULT_KEYPOINT_K
    else:
        value = float(k)
    if not value > 0:
        raise ValueError(f"keypoint constant k must be positive, not {value}")
    return value


def object_keypoint_similarity(
    gold: Sequence[Mapping[str, Any]],
    answer: Sequence[Mapping[str, Any]],
    area: float,
    k: float | Mapping[str, float] = DEFAULT_KEYPOINT_K,
) -> float:
    """OKS in [0, 1] of one answer object's points against one gold object's points.

    Points correspond by ``name`` when the gold's points are named, else by position in the list.
    ``area`` is s² (see :func:`gold_area`); ``k`` is one constant or a mapping name → constant
    (names it lacks use the default).
    """
    if not gold:
        return 1.0
    visible = [i for i, p in enumerate(gold) if p.get("visible", True) is not False]
    considered = visible or list(range(len(gold)))
    named = all(p.get("name") is not None for p in gold)
    by_name = {p["name"]: p for p in answer if p.get("name") is not None} if named else {}
    gold_xy, answer_xy, constants = [], [], []
    for i in considered:
        point = gold[i]
        other = by_name.get(point["name"]) if named else (answer[i] if i < len(answer) else None)
        gold_xy.append((float(point["x"]), float(point["y"])))
        answer_xy.append((float(other["x"]), float(other["y"])) if other is not None else (np.inf, np.inf))
        constants.append(_k_for(point.get("name"), k))
    d2 = np.sum((np.array(gold_xy) - np.array(answer_xy)) ** 2, axis=1)
    kk = np.array(constants) ** 2
    similarity = np.exp(-d2 / (2.0 * max(area, _MIN_AREA) * kk))
    return float(similarity.mean())
