"""How closely an answer matches a reference answer, one function per task type.

Gold scoring compares an annotator's answer with the gold answer; consensus compares each
annotator's answer with the consensus answer. Both need the same numbers, so both call
:func:`compare_answers`, and pairwise agreement between annotators builds its symmetric metrics on
the pieces below it (:func:`box_similarity`, :func:`keypoint_similarity`, :func:`mask_overlaps`...).

Each comparison takes the answer, the reference answer (both already valid for the task type), the
item's payload, the project's task config and the item's BCP 47 language, and returns a
:class:`Comparison`: a ``value`` in [0, 1] (1 = the same as the reference) and the metric's
numbers in ``detail`` (plain JSON).

================================  ===========================================================
task type                         value
================================  ===========================================================
classification                    1 if the labels are equal, else 0
multi_label_classification        Jaccard index of the label sets
ner                               entity F1, exact (or ``ner_match = "overlap"``)
rating                            1 within tolerance, then linear down to 0 at the scale width
pairwise_preference               1 same choice, 0.5 tie against a choice, 0 opposite
audio_transcription               1 − WER (or CER for languages without spaces), floored at 0
image_bounding_box                F1 of one-to-one matches at IoU ≥ 0.5
image_polygon                     F1 of one-to-one matches at polygon IoU ≥ 0.5
image_keypoints                   F1 of one-to-one matches at OKS ≥ 0.5
segmentation_mask                 mean over labels of the IoU of each label's pixels
================================  ===========================================================

Everything here is a pure function of its arguments: no database, no Flask, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

from marketplace.tasktypes.comparison.geometry import (
    box_iou_matrix,
    boxes_array,
    points_array,
    polygon_iou,
    rle_runs,
    runs_overlap,
)
from marketplace.tasktypes.comparison.keypoints import (
    DEFAULT_KEYPOINT_K,
    gold_area,
    object_keypoint_similarity,
)
from marketplace.tasktypes.comparison.matching import MatchCounts, match_pairs, same_label, threshold_setting
from marketplace.tasktypes.comparison.spans import SpanMode, span_counts
from marketplace.tasktypes.comparison.text import Unit, error_counts

Answer = Mapping[str, Any]

#: IoU a box or polygon needs to count as found (PASCAL VOC's criterion, Everingham et al. 2010).
DEFAULT_IOU_THRESHOLD: Final = 0.5
#: OKS an object's keypoints need to count as found (COCO's AP at OKS = 0.50).
DEFAULT_OKS_THRESHOLD: Final = 0.5
#: Fallback keypoint scale s² as a share of the image's area, for reference objects with a
#: degenerate box.
FALLBACK_KEYPOINT_AREA_SHARE: Final = 0.01
#: Credit for answering "tie" when the reference prefers A or B, or the other way round.
TIE_CREDIT: Final = 0.5

#: Project settings the comparisons read, as JSON Schema properties, so task config schemas can
#: offer them. All are optional; absent means the default named in each description.
COMPARISON_CONFIG_PROPERTIES: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
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
class Comparison:
    """How well one answer matches a reference answer.

    ``value`` is in [0, 1], 1 for an answer that matches the reference perfectly; ``detail`` holds
    the metric's name (``"metric"``) and its numbers, all plain JSON values.
    """

    value: float
    detail: dict[str, Any]


class Comparator(Protocol):
    """The shape every per-type comparison function has."""

    def __call__(
        self,
        answer: Answer,
        reference: Answer,
        payload: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        language: str | None = None,
    ) -> Comparison: ...


def _compared(value: float, detail: dict[str, Any]) -> Comparison:
    return Comparison(value=min(1.0, max(0.0, float(value))), detail=detail)


# --- shared pieces: labels, choices, transcripts ------------------------------------------------------


def label_jaccard(first: set[Any], second: set[Any]) -> float:
    """Jaccard index |A ∩ B| / |A ∪ B| of two label sets (Jaccard 1912); 1 for two empty sets."""
    either = first | second
    return len(first & second) / len(either) if either else 1.0


def ner_match_mode(config: Mapping[str, Any] | None) -> SpanMode:
    """``config["ner_match"]``: ``"exact"`` (default) or ``"overlap"``; ``ValueError`` otherwise."""
    mode = str((config or {}).get("ner_match", "exact"))
    if mode not in ("exact", "overlap"):
        raise ValueError(f"ner_match must be 'exact' or 'overlap', not {mode!r}")
    return "overlap" if mode == "overlap" else "exact"


def preference_credit(first: Any, second: Any) -> float:
    """On the ordinal scale A > tie > B: 1 for the same choice, ``TIE_CREDIT`` when one side says
    "tie" and the other prefers a response (half a step off), 0 for opposite responses."""
    if first == second:
        return 1.0
    return TIE_CREDIT if "tie" in (first, second) else 0.0


def transcript_text(segments: Sequence[Answer]) -> str:
    """The segments' text in time order (start, then end; ties keep their order)."""
    ordered = sorted(segments, key=lambda s: (float(s.get("start", 0)), float(s.get("end", 0))))
    return " ".join(str(s.get("text", "")) for s in ordered)


def transcript_unit_setting(config: Mapping[str, Any] | None) -> Unit | None:
    """The unit ``config["transcript_metric"]`` forces (``"wer"`` words, ``"cer"`` characters), or
    None to follow the language; ``ValueError`` for anything else."""
    forced = (config or {}).get("transcript_metric")
    if forced not in (None, "wer", "cer"):
        raise ValueError(f"transcript_metric must be 'wer' or 'cer', not {forced!r}")
    if forced is None:
        return None
    return "word" if forced == "wer" else "character"


# --- shared pieces: shapes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShapeSimilarity:
    """Similarity of every shape of one answer (rows) with every shape of another (columns).

    ``eligible`` marks the pairs that may match: same label and ``values ≥ threshold``.
    """

    values: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    threshold: float


def box_similarity(
    first: Sequence[Answer], second: Sequence[Answer], config: Mapping[str, Any] | None
) -> ShapeSimilarity:
    """IoU of the boxes, same-label pairs with IoU ≥ ``config["iou_threshold"]`` (default 0.5)
    eligible::

        IoU = area(A ∩ B) / area(A ∪ B)
    """
    iou = box_iou_matrix(boxes_array(first), boxes_array(second))
    threshold = threshold_setting(config, "iou_threshold", DEFAULT_IOU_THRESHOLD)
    return ShapeSimilarity(iou, same_label(first, second) & (iou >= threshold), threshold)


def polygon_similarity(
    first: Sequence[Answer], second: Sequence[Answer], config: Mapping[str, Any] | None
) -> ShapeSimilarity:
    """As :func:`box_similarity`, with the IoU of polygons (even-odd fill, rasterised on the pixel
    grid; see ``geometry.polygon_iou``), computed for same-label pairs only."""
    same = same_label(first, second)
    points_first = [points_array(p["points"]) for p in first]
    points_second = [points_array(p["points"]) for p in second]
    iou = np.zeros(same.shape)
    for i, j in zip(*np.nonzero(same), strict=True):
        iou[i, j] = polygon_iou(points_first[i], points_second[j])
    threshold = threshold_setting(config, "iou_threshold", DEFAULT_IOU_THRESHOLD)
    return ShapeSimilarity(iou, same & (iou >= threshold), threshold)


def _keypoint_fallback_area(payload: Mapping[str, Any] | None) -> float:
    """s² for a reference object with a degenerate box: a share of the image's area, else 1."""
    image = payload or {}
    image_area = float(image.get("width", 0) or 0) * float(image.get("height", 0) or 0)
    return FALLBACK_KEYPOINT_AREA_SHARE * image_area if image_area > 0 else 1.0


def keypoint_similarity(
    first: Sequence[Answer],
    second: Sequence[Answer],
    payload: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    *,
    symmetric: bool = False,
) -> ShapeSimilarity:
    """Object Keypoint Similarity of same-label objects (COCO; see ``keypoints``)::

        OKS = mean over the reference's visible points of exp(−d² / (2 s² k²))

    with s² the reference object's keypoint bounding-box area (``config["keypoint_area"]`` overrides
    it; a degenerate box falls back to 1 % of the image area) and k = ``config["keypoint_k"]``
    (default 0.1, or per keypoint name). The reference is the ``first`` side's object; with
    ``symmetric`` the two directions are averaged, ½(OKS(a → b) + OKS(b → a)). Pairs with
    OKS ≥ ``oks_threshold`` (default 0.5) are eligible.
    """
    settings = config or {}
    same = same_label(first, second)
    k = settings.get("keypoint_k", DEFAULT_KEYPOINT_K)
    fixed_area = settings.get("keypoint_area")
    fallback = _keypoint_fallback_area(payload)

    def oks(reference: Sequence[Answer], other: Sequence[Answer]) -> float:
        area = float(fixed_area) if fixed_area is not None else gold_area(reference, fallback)
        return object_keypoint_similarity(reference, other, area, k)

    values = np.zeros(same.shape)
    for i, j in zip(*np.nonzero(same), strict=True):
        one, other = first[i]["points"], second[j]["points"]
        values[i, j] = 0.5 * (oks(one, other) + oks(other, one)) if symmetric else oks(one, other)
    threshold = threshold_setting(settings, "oks_threshold", DEFAULT_OKS_THRESHOLD)
    return ShapeSimilarity(values, same & (values >= threshold), threshold)


def _runs_by_label(masks: Sequence[Answer]) -> tuple[dict[str, NDArray[np.int64]], set[tuple[int, int]]]:
    runs: dict[str, list[NDArray[np.int64]]] = {}
    sizes: set[tuple[int, int]] = set()
    for mask in masks:
        sizes.add((int(mask["rle"]["size"][0]), int(mask["rle"]["size"][1])))
        runs.setdefault(str(mask["label"]), []).append(rle_runs(mask["rle"]))
    return {label: np.concatenate(parts) for label, parts in runs.items()}, sizes


def mask_overlaps(first: Sequence[Answer], second: Sequence[Answer]) -> dict[str, tuple[int, int]]:
    """Per label in either answer, sorted: (intersection, union) pixels of the two regions (each the
    union of that label's masks, decoded from column-major COCO RLE and compared run by run without
    building the bitmaps). ``ValueError`` when the masks don't all have the same size or their runs
    don't cover it."""
    runs_first, sizes_first = _runs_by_label(first)
    runs_second, sizes_second = _runs_by_label(second)
    if len(sizes_first | sizes_second) > 1:
        raise ValueError(f"masks of different sizes: {sorted(sizes_first | sizes_second)}")
    empty = np.zeros((0, 2), dtype=np.int64)
    return {
        label: runs_overlap(runs_first.get(label, empty), runs_second.get(label, empty))
        for label in sorted(runs_first.keys() | runs_second.keys())
    }


# --- labels ------------------------------------------------------------------------------------------


def compare_classification(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """Exact match: 1 if ``answer["label"] == reference["label"]``, else 0."""
    same = answer.get("label") == reference.get("label")
    detail = {"metric": "exact_match", "answer": answer.get("label"), "gold": reference.get("label")}
    return _compared(1.0 if same else 0.0, detail)


def compare_multi_label(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """Jaccard index of the label sets (:func:`label_jaccard`)::

        J(A, G) = |A ∩ G| / |A ∪ G|,    J(∅, ∅) = 1

    ``detail`` also has set precision |A ∩ G| / |A| and recall |A ∩ G| / |G|, and the missing and
    extra labels.
    """
    chosen, expected = set(answer.get("labels", [])), set(reference.get("labels", []))
    counts = MatchCounts(true_positives=len(chosen & expected), gold=len(expected), answer=len(chosen))
    detail = {
        "metric": "jaccard",
        "precision": counts.precision,
        "recall": counts.recall,
        "missing": sorted(expected - chosen),
        "extra": sorted(chosen - expected),
    }
    return _compared(label_jaccard(chosen, expected), detail)


def compare_ner(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """Entity-level F1 of the answer's spans against the reference spans (see ``spans``).

    ``exact`` (default): a span is right when start, end and label all match (CoNLL-2003 /
    SemEval-2013 *strict*). ``config["ner_match"] = "overlap"``: a same-label span sharing at least
    one character earns half credit, an exact one full credit (MUC-5 partial matching with the
    label required). Both are in ``detail``; ``value`` is the chosen one's F1, and no spans against
    no spans is 1.
    """
    chosen = ner_match_mode(config)
    expected, given = list(reference.get("spans", [])), list(answer.get("spans", []))
    results = {m: span_counts(expected, given, m) for m in ("exact", "overlap")}
    detail = {
        "metric": f"span_f1_{chosen}",
        "exact": results["exact"].as_detail(),
        "overlap": results["overlap"].as_detail(),
    }
    return _compared(results[chosen].f1, detail)


# --- scales and choices ----------------------------------------------------------------------------


def _rating_value(distance: float, tolerance: float, width: float) -> float:
    if distance <= tolerance + 1e-9:
        return 1.0
    if width > tolerance:
        return 1.0 - (distance - tolerance) / (width - tolerance)
    return 0.0


def compare_rating(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """Tolerance on the project's scale ``[min, max]`` (config; default 1–5, step 1)::

        d = |answer − reference|,   t = config["gold_tolerance"] (default one step),   W = max − min
        value = 1                          if d ≤ t
              = max(0, 1 − (d − t)/(W − t)) otherwise

    so full marks within the tolerance, then a straight line to 0 at the scale's width.
    """
    settings = config or {}
    low, high = float(settings.get("min", 1)), float(settings.get("max", 5))
    step = float(settings.get("step", 1))
    tolerance = float(settings.get("gold_tolerance", step))
    distance = abs(float(answer["rating"]) - float(reference["rating"]))
    detail = {
        "metric": "rating_tolerance",
        "answer": answer["rating"],
        "gold": reference["rating"],
        "distance": distance,
        "tolerance": tolerance,
    }
    return _compared(_rating_value(distance, tolerance, high - low), detail)


def _ratings_detail(mine: Any, expected: Any) -> dict[str, Any] | None:
    """Both answers' ratings of A and B and their absolute differences, when both carry them."""
    if not (isinstance(mine, Mapping) and isinstance(expected, Mapping)):
        return None
    return {
        "answer": dict(mine),
        "gold": dict(expected),
        "difference": {
            side: abs(float(mine[side]) - float(expected[side]))
            for side in ("a", "b")
            if side in mine and side in expected
        },
    }


def compare_pairwise(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """:func:`preference_credit` of the two preferences: 1 for the same choice, 0.5 for a tie against
    a choice, 0 for the opposite response. When both answers carry ratings of A and B,
    ``detail["ratings"]`` reports them and their absolute differences; they don't change the value.
    """
    mine, expected = answer.get("preference"), reference.get("preference")
    detail: dict[str, Any] = {"metric": "preference_match", "answer": mine, "gold": expected}
    ratings = _ratings_detail(answer.get("ratings"), reference.get("ratings"))
    if ratings is not None:
        detail["ratings"] = ratings
    return _compared(preference_credit(mine, expected), detail)


# --- transcripts -----------------------------------------------------------------------------------


def _speakers(segments: Sequence[Answer]) -> list[str]:
    return sorted({str(s["speaker"]) for s in segments if "speaker" in s})


def compare_transcription(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """``value = max(0, 1 − ER)`` with ER the word error rate, or the character error rate for
    languages written without spaces (by primary subtag: zh, ja, th, lo, km, my, bo...; without a
    language, by the reference text's script)::

        ER = (S + D + I) / N      (N words or characters of the reference transcript)

    over each side's segments joined in time order, both normalised for the language
    (``text.normalize_transcript``: NFKC, casefold, no punctuation, Arabic tashkeel and alef
    forms...). ``config["transcript_metric"]`` (``"wer"``/``"cer"``) forces the unit. ``detail`` has
    the counts and both sides' speakers; speakers are not compared, since labels like "agent" or
    "speaker 1" are each annotator's own.
    """
    unit = transcript_unit_setting(config)
    expected, given = list(reference.get("segments", [])), list(answer.get("segments", []))
    used, counts = error_counts(transcript_text(expected), transcript_text(given), language, unit)
    detail = {
        "metric": "wer" if used == "word" else "cer",
        "error_rate": counts.error_rate,
        "substitutions": counts.substitutions,
        "deletions": counts.deletions,
        "insertions": counts.insertions,
        "hits": counts.hits,
        "reference_length": counts.reference_length,
        "speakers": {"answer": _speakers(given), "gold": _speakers(expected)},
    }
    return _compared(1.0 - counts.error_rate, detail)


# --- images ------------------------------------------------------------------------------------------


def _detection(metric: str, similarity: ShapeSimilarity) -> Comparison:
    """F1 of the optimal one-to-one matching of the eligible pairs (reference rows, answer columns)."""
    values = similarity.values
    pairs = match_pairs(values, similarity.eligible)
    counts = MatchCounts(true_positives=len(pairs), gold=values.shape[0], answer=values.shape[1])
    matched = [float(values[g, a]) for g, a in pairs]
    detail = {
        "metric": metric,
        "match_threshold": similarity.threshold,
        "precision": counts.precision,
        "recall": counts.recall,
        "f1": counts.f1,
        "matched": len(pairs),
        "gold": counts.gold,
        "answer": counts.answer,
        "mean_matched_similarity": sum(matched) / len(matched) if matched else None,
    }
    return _compared(counts.f1, detail)


def compare_boxes(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """F1 of matched boxes: reference and answer boxes are paired one-to-one, same label only, by
    the Hungarian method (most pairs with IoU ≥ ``iou_threshold``, default 0.5, then most total
    IoU)::

        IoU = area(A ∩ G) / area(A ∪ G),     F1 = 2·matched / (#reference + #answer),     F1(∅, ∅) = 1

    ``detail["mean_matched_similarity"]`` is the mean IoU of the matched pairs.
    """
    expected, given = list(reference.get("boxes", [])), list(answer.get("boxes", []))
    return _detection("box_f1", box_similarity(expected, given, config))


def compare_polygons(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """As :func:`compare_boxes`, with the IoU of polygons (:func:`polygon_similarity`)."""
    expected, given = list(reference.get("polygons", [])), list(answer.get("polygons", []))
    return _detection("polygon_f1", polygon_similarity(expected, given, config))


def compare_keypoints(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """F1 of objects matched by Object Keypoint Similarity with the reference object's scale and
    visible points (:func:`keypoint_similarity`). Objects are paired one-to-one, same label only, by
    the Hungarian method (most pairs with OKS ≥ ``oks_threshold``, default 0.5, then most total OKS).
    """
    expected, given = list(reference.get("keypoints", [])), list(answer.get("keypoints", []))
    return _detection("keypoint_oks_f1", keypoint_similarity(expected, given, payload, config))


def compare_masks(
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """Mean IoU over labels, each label's region being the union of its masks
    (:func:`mask_overlaps`)::

        value = (1/|L|) Σ_{l ∈ L} |A_l ∩ G_l| / |A_l ∪ G_l|,     L = labels in either answer

    A label with no pixels on either side scores 1, as does no label at all.
    """
    overlaps = mask_overlaps(list(reference.get("masks", [])), list(answer.get("masks", [])))
    per_label = {label: common / covered if covered else 1.0 for label, (common, covered) in overlaps.items()}
    value = sum(per_label.values()) / len(per_label) if per_label else 1.0
    return _compared(value, {"metric": "mean_mask_iou", "per_label": per_label})


# --- per task type ----------------------------------------------------------------------------------


#: The comparison function of each task type, by the task type's stable name.
COMPARISONS: Final[Mapping[str, Comparator]] = MappingProxyType(
    {
        "classification": compare_classification,
        "multi_label_classification": compare_multi_label,
        "ner": compare_ner,
        "rating": compare_rating,
        "pairwise_preference": compare_pairwise,
        "audio_transcription": compare_transcription,
        "image_bounding_box": compare_boxes,
        "image_polygon": compare_polygons,
        "image_keypoints": compare_keypoints,
        "segmentation_mask": compare_masks,
    }
)


def compare_answers(
    task_type: str,
    answer: Answer,
    reference: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Comparison:
    """Compare ``answer`` with ``reference`` by ``task_type``'s function; ``ValueError`` if unknown.

    ``payload`` is the item's, ``config`` the project's task config (settings in
    :data:`COMPARISON_CONFIG_PROPERTIES`), ``language`` the item's BCP 47 language.
    """
    comparator = COMPARISONS.get(task_type)
    if comparator is None:
        raise ValueError(f"no comparison for task type {task_type!r}")
    return comparator(answer, reference, payload, config, language)
