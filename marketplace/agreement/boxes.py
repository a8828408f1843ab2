"""Consensus of bounding boxes: cluster the annotators' boxes by IoU, keep what a majority drew.

Boxes of one label are clustered across annotators so that a cluster holds at most one box per
annotator (an annotator who drew two boxes on one object meant two objects). Annotators are taken
in order of decreasing weight (then id); each one's boxes are matched to the clusters so far by the
Hungarian method (``tasktypes.comparison.matching.match_pairs``: the most pairs with
``IoU(box, cluster box) ≥ threshold``, then the largest total IoU), and an unmatched box starts a
new cluster. A cluster's box is the weighted mean of its members' corners::

    x₁ = Σ w_k x₁ₖ / Σ w_k      (likewise y₁, x₂ = x + width, y₂ = y + height)

A cluster is kept when its members carry more than half the weight of *all* annotators of the item
(those who drew nothing count too: they said there was no object). Weighted box fusion (Solovyev
et al., "Weighted boxes fusion", 2021) averages boxes the same way; it clusters one model's boxes
by score, we cluster people's boxes with one vote each.

IoU is the PASCAL VOC overlap, ``area(A ∩ B) / area(A ∪ B)`` (``tasktypes.comparison.geometry``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from marketplace.tasktypes.comparison.geometry import box_iou_matrix, boxes_array
from marketplace.tasktypes.comparison.matching import match_pairs

#: IoU a box needs with a cluster's box to join it (PASCAL VOC's match criterion).
DEFAULT_CLUSTER_IOU: Final = 0.5


@dataclass
class _Cluster:
    label: str
    members: dict[int, int] = field(default_factory=dict)  # annotator id → box index in their answer
    corners: list[NDArray[np.float64]] = field(default_factory=list)  # [x1, y1, x2, y2] per member
    weights: list[float] = field(default_factory=list)

    def fused(self) -> NDArray[np.float64]:
        w = np.asarray(self.weights)
        result: NDArray[np.float64] = (np.asarray(self.corners) * w[:, None]).sum(axis=0) / w.sum()
        return result


@dataclass(frozen=True)
class BoxCluster:
    """One object as the annotators drew it.

    ``box`` is the fused ``(x, y, width, height)``; ``members`` maps each annotator in the cluster
    to the index of their box in their answer's ``boxes``; ``support`` is the members' share of
    all annotators' weight; ``mean_iou`` the members' mean IoU with the fused box; ``kept``
    whether the support is a majority.
    """

    label: str
    box: tuple[float, float, float, float]
    members: dict[int, int]
    support: float
    mean_iou: float
    kept: bool


def _to_xywh(corners: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array([corners[0], corners[1], corners[2] - corners[0], corners[3] - corners[1]])


def cluster_boxes(
    answers: Mapping[int, Mapping[str, Any]],
    weights: Mapping[int, float],
    iou_threshold: float = DEFAULT_CLUSTER_IOU,
) -> list[BoxCluster]:
    """Cluster the ``{"boxes": [...]}`` answers of an item (module docstring), sorted by label,
    then top, then left. ``weights`` must have a positive weight for every annotator."""
    if not 0.0 < iou_threshold <= 1.0:
        raise ValueError("iou_threshold must be in (0, 1]")
    order = sorted(answers, key=lambda annotator: (-weights[annotator], annotator))
    total_weight = sum(weights[annotator] for annotator in answers)
    clusters: list[_Cluster] = []
    for annotator in order:
        boxes: Sequence[Mapping[str, Any]] = list(answers[annotator].get("boxes", []))
        by_label: dict[str, list[int]] = {}
        for index, box in enumerate(boxes):
            by_label.setdefault(str(box["label"]), []).append(index)
        for label, indexes in by_label.items():
            xywh = boxes_array([boxes[i] for i in indexes])
            corners = np.column_stack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]])
            candidates = [c for c in clusters if c.label == label]
            matched: dict[int, int] = {}
            if candidates:
                centres = np.array([_to_xywh(c.fused()) for c in candidates])
                iou = box_iou_matrix(centres, xywh)
                matched = {a: c for c, a in match_pairs(iou, iou >= iou_threshold)}
            for position, index in enumerate(indexes):
                if position in matched:
                    cluster = candidates[matched[position]]
                else:
                    cluster = _Cluster(label)
                    clusters.append(cluster)
                cluster.members[annotator] = index
                cluster.corners.append(corners[position])
                cluster.weights.append(weights[annotator])
    result = []
    for cluster in clusters:
        fused = _to_xywh(cluster.fused())
        support = sum(cluster.weights) / total_weight if total_weight > 0 else 0.0
        member_iou = box_iou_matrix(fused[None, :], np.array([_to_xywh(c) for c in cluster.corners]))
        result.append(
            BoxCluster(
                label=cluster.label,
                box=(float(fused[0]), float(fused[1]), float(fused[2]), float(fused[3])),
                members=dict(cluster.members),
                support=support,
                mean_iou=float(member_iou.mean()),
                kept=support > 0.5 + 1e-12,
            )
        )
    return sorted(result, key=lambda c: (c.label, c.box[1], c.box[0]))
