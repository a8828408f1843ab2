"""Scoring an annotator's answer against the gold answer, one function per task type.

The same functions score qualification exams and the hidden gold mixed into live work. Each takes
the answer, the gold answer (both already valid for the task type, see ``marketplace.tasktypes``),
the item's payload, the project's task config and the item's BCP 47 language, and returns a
:class:`Score`: a ``value`` in [0, 1] (1 = perfect), whether it passes (``correct``), and the
metric's numbers in ``detail`` (plain JSON: store it, show it to reviewers).

Metric, value and default pass threshold per task type (``config["gold_threshold"]`` overrides the
threshold; a value passes when ``value >= threshold``):

================================  ===========================================================  =====
task type                         value                                                        pass
================================  ===========================================================  =====
classification                    1 if the labels are equal, else 0                            1.0
multi_label_classification        Jaccard index of the label sets                              0.5
ner                               entity F1, exact (or ``ner_match = "overlap"``)              0.8
rating                            1 within tolerance, then linear down to 0 at the scale width 1.0
pairwise_preference               1 same choice, 0.5 tie against a choice, 0 opposite          1.0
audio_transcription               1 − WER (or CER for languages without spaces), floored at 0  0.9
image_bounding_box                F1 of one-to-one matches at IoU ≥ 0.5                        0.8
image_polygon                     F1 of one-to-one matches at polygon IoU ≥ 0.5                0.8
image_keypoints                   F1 of one-to-one matches at OKS ≥ 0.5                        0.8
segmentation_mask                 mean over labels of the IoU of each label's pixels           0.7
================================  ===========================================================  =====

Everything here is a pure function of its arguments: no database, no Flask, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

from marketplace.qualification.geometry import (
    box_iou_matrix,
    boxes_array,
    points_array,
    polygon_iou,
    rle_runs,
    runs_overlap,
)
from marketplace.qualification.keypoints import (
    DEFAULT_KEYPOINT_K,
    gold_area,
    object_keypoint_similarity,
)
from marketplace.qualification.matching import MatchCounts, match_pairs, same_label, threshold_setting
from marketplace.qualification.spans import SpanMode, span_counts
from marketplace.qualification.text_metrics import Unit, error_counts

#: Default pass threshold per task type (see the module docstring for the reasoning in brief):
#: exact-match types must match; Jaccard ≥ 0.5 means the shared labels are at least as many as the
#: disputed ones; F1 ≥ 0.8 lets one miss or extra pass among three or more objects but not among
#: one or two; WER ≤ 10 % is a usual bar for careful human transcription; mask IoU ≥ 0.7.
DEFAULT_PASS_THRESHOLDS: Final[Mapping[str, float]] = MappingProxyType(
    {
        "classification": 1.0,
        "multi_label_classification": 0.5,
        "ner": 0.8,
        "rating": 1.0,
        "pairwise_preference": 1.0,
        "audio_transcription": 0.9,
        "image_bounding_box": 0.8,
        "image_polygon": 0.8,
        "image_keypoints": 0.8,
        "segmentation_mask": 0.7,
    }
)

#: IoU a box or polygon needs to count as found (PASCAL VOC's criterion, Everingham et al. 2010).
DEFAULT_IOU_THRESHOLD: Final = 0.5
#: OKS an object's keypoints need to count as found (COCO's AP at OKS = 0.50).
DEFAULT_OKS_THRESHOLD: Final = 0.5
#: Fallback keypoint scale s² as a share of the image's area, for gold objects with a degenerate box.
FALLBACK_KEYPOINT_AREA_SHARE: Final = 0.01
#: Credit for answering "tie" when the gold prefers A or B, or the other way round.
TIE_CREDIT: Final = 0.5

#: Project settings the scorers read, as JSON Schema properties, so task config schemas can offer
#: them. All are optional; absent means the default named in each description.
SCORING_CONFIG_PROPERTIES: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
        "gold_threshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Score an answer needs on a gold item to count as correct; default per task type.",
        },
        "gold_tolerance": {
            "type": "number",
            "minimum": 0,
            "description": "Rating: distance from the gold rating still scored 1; default one step.",
        },
        "ner_match": {
            "enum": ["exact", "overlap"],
            "description": "NER: score exact spans (default) or same-label overlaps with half credit.",
        },
        "iou_threshold": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "description": "Boxes and polygons: IoU needed to match a gold shape; default 0.5.",
        },
        "oks_threshold": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "description": "Keypoints: OKS needed to match a gold object; default 0.5.",
        },
        "keypoint_k": {
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "object", "additionalProperties": {"type": "number", "exclusiveMinimum": 0}},
            ],
            "description": "Keypoints: OKS constant k, one number or per keypoint name; default 0.1.",
        },
        "keypoint_area": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Keypoints: object scale s² in px² for every object; default the gold box area.",
        },
        "transcript_metric": {
            "enum": ["wer", "cer"],
            "description": "Transcription: word or character error rate; default by the item's language.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class Score:
    """How well one answer matches its gold answer.

    ``value`` is in [0, 1], 1 for a perfect answer; ``correct`` is ``value >= threshold`` for the task
    type's pass threshold; ``detail`` holds the metric's name (``"metric"``), the threshold and its
    numbers, all plain JSON values.
    """

    value: float
    correct: bool
    detail: dict[str, Any]


class Scorer(Protocol):
    """The shape every per-type scoring function has."""

    def __call__(
        self,
        answer: Mapping[str, Any],
        gold: Mapping[str, Any],
        payload: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        language: str | None = None,
    ) -> Score: ...


def pass_threshold(task_type: str, config: Mapping[str, Any] | None = None) -> float:
    """The score a ``task_type`` answer needs to be correct: ``config["gold_threshold"]`` or the default."""
    configured = (config or {}).get("gold_threshold")
    return float(configured) if configured is not None else DEFAULT_PASS_THRESHOLDS[task_type]


def _score(task_type: str, value: float, config: Mapping[str, Any] | None, detail: dict[str, Any]) -> Score:
    value = min(1.0, max(0.0, float(value)))
    threshold = pass_threshold(task_type, config)
    return Score(
        value=value,
        correct=value >= threshold - 1e-9,
        detail={**detail, "threshold": threshold},
    )


# --- labels ------------------------------------------------------------------------------------------


def score_classification(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Exact match: 1 if ``answer["label"] == gold["label"]``, else 0. Passes only on a match."""
    same = answer.get("label") == gold.get("label")
    detail = {"metric": "exact_match", "answer": answer.get("label"), "gold": gold.get("label")}
    return _score("classification", 1.0 if same else 0.0, config, detail)


def score_multi_label(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Jaccard index of the label sets (Jaccard 1912)::

        J(A, G) = |A ∩ G| / |A ∪ G|,    J(∅, ∅) = 1

    Passes at 0.5 by default: the labels both chose are at least as many as those only one chose.
    ``detail`` also has set precision |A ∩ G| / |A| and recall |A ∩ G| / |G|, and the missing and extra
    labels.
    """
    chosen, expected = set(answer.get("labels", [])), set(gold.get("labels", []))
    both, either = chosen & expected, chosen | expected
    counts = MatchCounts(true_positives=len(both), gold=len(expected), answer=len(chosen))
    detail = {
        "metric": "jaccard",
        "precision": counts.precision,
        "recall": counts.recall,
        "missing": sorted(expected - chosen),
        "extra": sorted(chosen - expected),
    }
    return _score("multi_label_classification", len(both) / len(either) if either else 1.0, config, detail)


def score_ner(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Entity-level F1 of the answer's spans against the gold spans (see ``spans`` for the counts).

    ``exact`` (default): a span is right when start, end and label all match (CoNLL-2003 /
    SemEval-2013 *strict*). ``config["ner_match"] = "overlap"``: a same-label span sharing at least one
    character earns half credit, an exact one full credit (MUC-5 partial matching with the label
    required). Both are in ``detail``; ``value`` is the chosen one's F1, and no spans against no spans
    is 1. Passes at F1 ≥ 0.8.
    """
    mode = str((config or {}).get("ner_match", "exact"))
    if mode not in ("exact", "overlap"):
        raise ValueError(f"ner_match must be 'exact' or 'overlap', not {mode!r}")
    gold_spans, answer_spans = list(gold.get("spans", [])), list(answer.get("spans", []))
    results = {m: span_counts(gold_spans, answer_spans, m) for m in ("exact", "overlap")}
    chosen: SpanMode = "overlap" if mode == "overlap" else "exact"
    detail = {
        "metric": f"span_f1_{chosen}",
        "exact": results["exact"].as_detail(),
        "overlap": results["overlap"].as_detail(),
    }
    return _score("ner", results[chosen].f1, config, detail)


# --- scales and choices ----------------------------------------------------------------------------


def score_rating(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Tolerance scoring on the project's scale ``[min, max]`` (config; default 1–5, step 1)::

        d = |answer − gold|,   t = config["gold_tolerance"] (default one step),   W = max − min
        value = 1                          if d ≤ t
              = max(0, 1 − (d − t)/(W − t)) otherwise

    so full marks within the tolerance, then a straight line to 0 at the scale's width. Passes only
    within the tolerance (threshold 1.0); ``gold_tolerance = 0`` asks for the exact rating.
    """
    settings = config or {}
    low, high = float(settings.get("min", 1)), float(settings.get("max", 5))
    step = float(settings.get("step", 1))
    tolerance = float(settings.get("gold_tolerance", step))
    distance = abs(float(answer["rating"]) - float(gold["rating"]))
    width = high - low
    if distance <= tolerance + 1e-9:
        value = 1.0
    elif width > tolerance:
        value = 1.0 - (distance - tolerance) / (width - tolerance)
    else:
        value = 0.0
    detail = {
        "metric": "rating_tolerance",
        "answer": answer["rating"],
        "gold": gold["rating"],
        "distance": distance,
        "tolerance": tolerance,
    }
    return _score("rating", value, config, detail)


def score_pairwise(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Exact match of the preference; passes only on the same choice (threshold 1.0).

    On the ordinal scale A > tie > B, ``value`` is 1 for the same choice, 0.5 (``TIE_CREDIT``) when
    one side says "tie" and the other prefers a response (half a step off), and 0 for the opposite
    response. When both answers carry ratings of A and B, ``detail["ratings"]`` reports them and
    their absolute differences; they don't change the value.
    """
    mine, expected = answer.get("preference"), gold.get("preference")
    if mine == expected:
        value = 1.0
    elif "tie" in (mine, expected):
        value = TIE_CREDIT
    else:
        value = 0.0
    detail: dict[str, Any] = {"metric": "preference_match", "answer": mine, "gold": expected}
    mine_ratings, gold_ratings = answer.get("ratings"), gold.get("ratings")
    if isinstance(mine_ratings, Mapping) and isinstance(gold_ratings, Mapping):
        detail["ratings"] = {
            "answer": dict(mine_ratings),
            "gold": dict(gold_ratings),
            "difference": {
                side: abs(float(mine_ratings[side]) - float(gold_ratings[side]))
                for side in ("a", "b")
                if side in mine_ratings and side in gold_ratings
            },
        }
    return _score("pairwise_preference", value, config, detail)


# --- transcripts -----------------------------------------------------------------------------------


_TRANSCRIPT_UNITS: Final[Mapping[str, Unit]] = MappingProxyType({"wer": "word", "cer": "character"})


def _transcript(segments: Sequence[Mapping[str, Any]]) -> str:
    """The segments' text in time order (start, then end; ties keep their order)."""
    ordered = sorted(segments, key=lambda s: (float(s.get("start", 0)), float(s.get("end", 0))))
    return " ".join(str(s.get("text", "")) for s in ordered)


def score_transcription(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """``value = max(0, 1 − ER)`` with ER the word error rate, or the character error rate for
    languages written without spaces (by primary subtag: zh, ja, th, lo, km, my, bo...; without a
    language, by the gold text's script)::

        ER = (S + D + I) / N      (N words or characters of the gold transcript)

    over each side's segments joined in time order, both normalised for the language
    (``text_metrics.normalize_transcript``: NFKC, casefold, no punctuation, Arabic tashkeel and alef
    forms...). ``config["transcript_metric"]`` (``"wer"``/``"cer"``) forces the unit. Passes at
    ER ≤ 10 % (value ≥ 0.9). ``detail`` has the counts and both sides' speakers; speakers are not
    scored, since labels like "agent" or "speaker 1" are each annotator's own.
    """
    forced = (config or {}).get("transcript_metric")
    if forced not in (None, "wer", "cer"):
        raise ValueError(f"transcript_metric must be 'wer' or 'cer', not {forced!r}")
    unit = _TRANSCRIPT_UNITS.get(forced) if forced else None
    gold_segments, answer_segments = list(gold.get("segments", [])), list(answer.get("segments", []))
    used, counts = error_counts(_transcript(gold_segments), _transcript(answer_segments), language, unit)
    detail = {
        "metric": "wer" if used == "word" else "cer",
        "error_rate": counts.error_rate,
        "substitutions": counts.substitutions,
        "deletions": counts.deletions,
        "insertions": counts.insertions,
        "hits": counts.hits,
        "reference_length": counts.reference_length,
        "speakers": {
            "answer": sorted({str(s["speaker"]) for s in answer_segments if "speaker" in s}),
            "gold": sorted({str(s["speaker"]) for s in gold_segments if "speaker" in s}),
        },
    }
    return _score("audio_transcription", 1.0 - counts.error_rate, config, detail)


# --- images ------------------------------------------------------------------------------------------


def _detection_score(
    task_type: str,
    metric: str,
    similarity: NDArray[np.float64],
    same_label: NDArray[np.bool_],
    match_threshold: float,
    config: Mapping[str, Any] | None,
) -> Score:
    """F1 of the optimal one-to-one matching of same-label pairs whose similarity ≥ the threshold."""
    eligible = same_label & (similarity >= match_threshold)
    pairs = match_pairs(similarity, eligible)
    counts = MatchCounts(true_positives=len(pairs), gold=similarity.shape[0], answer=similarity.shape[1])
    matched = [float(similarity[g, a]) for g, a in pairs]
    detail = {
        "metric": metric,
        "match_threshold": match_threshold,
        "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1,
        "matched": len(pairs),
        "gold": counts.gold,
        "answer": counts.answer,
        "mean_matched_similarity": sum(matched) / len(matched) if matched else None,
    }
    return _score(task_type, counts.f1, config, detail)


def score_boxes(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """F1 of matched boxes: gold and answer boxes are paired one-to-one, same label only, by the
    Hungarian method (most pairs with IoU ≥ ``iou_threshold``, default 0.5, then most total IoU)::

        IoU = area(A ∩ G) / area(A ∪ G),     F1 = 2·matched / (#gold + #answer),     F1(∅, ∅) = 1

    Passes at F1 ≥ 0.8. ``detail["mean_matched_similarity"]`` is the mean IoU of the matched pairs.
    """
    gold_boxes, answer_boxes = list(gold.get("boxes", [])), list(answer.get("boxes", []))
    iou = box_iou_matrix(boxes_array(gold_boxes), boxes_array(answer_boxes))
    threshold = threshold_setting(config, "iou_threshold", DEFAULT_IOU_THRESHOLD)
    same = same_label(gold_boxes, answer_boxes)
    return _detection_score("image_bounding_box", "box_f1", iou, same, threshold, config)


def score_polygons(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """As :func:`score_boxes`, with the IoU of polygons (even-odd fill, rasterised on the pixel grid;
    see ``geometry.polygon_iou``). Passes at F1 ≥ 0.8."""
    gold_shapes, answer_shapes = list(gold.get("polygons", [])), list(answer.get("polygons", []))
    same = same_label(gold_shapes, answer_shapes)
    gold_points = [points_array(p["points"]) for p in gold_shapes]
    answer_points = [points_array(p["points"]) for p in answer_shapes]
    iou = np.zeros(same.shape)
    for g, a in zip(*np.nonzero(same), strict=True):
        iou[g, a] = polygon_iou(gold_points[g], answer_points[a])
    threshold = threshold_setting(config, "iou_threshold", DEFAULT_IOU_THRESHOLD)
    return _detection_score("image_polygon", "polygon_f1", iou, same, threshold, config)


def score_keypoints(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """F1 of objects matched by Object Keypoint Similarity (COCO; see ``keypoints``)::

        OKS = mean over the gold's visible points of exp(−d² / (2 s² k²))

    with s² the gold object's keypoint bounding-box area (``config["keypoint_area"]`` overrides it; a
    degenerate box falls back to 1 % of the image area) and k = ``config["keypoint_k"]`` (default 0.1,
    or per keypoint name). Objects are paired one-to-one, same label only, by the Hungarian method
    (most pairs with OKS ≥ ``oks_threshold``, default 0.5, then most total OKS). Passes at F1 ≥ 0.8.
    """
    settings = config or {}
    gold_objects, answer_objects = list(gold.get("keypoints", [])), list(answer.get("keypoints", []))
    same = same_label(gold_objects, answer_objects)
    k = settings.get("keypoint_k", DEFAULT_KEYPOINT_K)
    fixed_area = settings.get("keypoint_area")
    image = payload or {}
    image_area = float(image.get("width", 0) or 0) * float(image.get("height", 0) or 0)
    fallback = FALLBACK_KEYPOINT_AREA_SHARE * image_area if image_area > 0 else 1.0
    oks = np.zeros(same.shape)
    for g, a in zip(*np.nonzero(same), strict=True):
        points = gold_objects[g]["points"]
        area = float(fixed_area) if fixed_area is not None else gold_area(points, fallback)
        oks[g, a] = object_keypoint_similarity(points, answer_objects[a]["points"], area, k)
    threshold = threshold_setting(config, "oks_threshold", DEFAULT_OKS_THRESHOLD)
    return _detection_score("image_keypoints", "keypoint_oks_f1", oks, same, threshold, config)


def _runs_by_label(
    masks: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, NDArray[np.int64]], set[tuple[int, int]]]:
    runs: dict[str, list[NDArray[np.int64]]] = {}
    sizes: set[tuple[int, int]] = set()
    for mask in masks:
        sizes.add((int(mask["rle"]["size"][0]), int(mask["rle"]["size"][1])))
        runs.setdefault(str(mask["label"]), []).append(rle_runs(mask["rle"]))
    return {label: np.concatenate(parts) for label, parts in runs.items()}, sizes


def score_masks(
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Mean IoU over labels: each label's region is the union of its masks (decoded from column-major
    COCO RLE, compared run by run without building the bitmaps)::

        value = (1/|L|) Σ_{l ∈ L} |A_l ∩ G_l| / |A_l ∪ G_l|,     L = labels in either answer

    A label with no pixels on either side scores 1, as does no label at all. Passes at 0.7.
    ``ValueError`` when the masks don't all have the same size or their runs don't cover it.
    """
    gold_runs, gold_sizes = _runs_by_label(list(gold.get("masks", [])))
    answer_runs, answer_sizes = _runs_by_label(list(answer.get("masks", [])))
    if len(gold_sizes | answer_sizes) > 1:
        raise ValueError(f"masks of different sizes: {sorted(gold_sizes | answer_sizes)}")
    empty = np.zeros((0, 2), dtype=np.int64)
    per_label: dict[str, float] = {}
    for label in sorted(gold_runs.keys() | answer_runs.keys()):
        common, covered = runs_overlap(gold_runs.get(label, empty), answer_runs.get(label, empty))
        per_label[label] = common / covered if covered else 1.0
    value = sum(per_label.values()) / len(per_label) if per_label else 1.0
    return _score("segmentation_mask", value, config, {"metric": "mean_mask_iou", "per_label": per_label})


#: The scoring function of each task type, by the task type's stable name.
SCORERS: Final[Mapping[str, Scorer]] = MappingProxyType(
    {
        "classification": score_classification,
        "multi_label_classification": score_multi_label,
        "ner": score_ner,
        "rating": score_rating,
        "pairwise_preference": score_pairwise,
        "audio_transcription": score_transcription,
        "image_bounding_box": score_boxes,
        "image_polygon": score_polygons,
        "image_keypoints": score_keypoints,
        "segmentation_mask": score_masks,
    }
)


def score_answer(
    task_type: str,
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Score ``answer`` against ``gold`` with the scorer of ``task_type``; ``ValueError`` if unknown.

    ``payload`` is the item's, ``config`` the project's task config (scoring settings in
    :data:`SCORING_CONFIG_PROPERTIES`), ``language`` the item's BCP 47 language.
    """
    scorer = SCORERS.get(task_type)
    if scorer is None:
        raise ValueError(f"no scorer for task type {task_type!r}")
    return scorer(answer, gold, payload, config, language)
