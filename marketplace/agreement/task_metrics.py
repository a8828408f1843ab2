"""Agreement between two annotators' answers to one item, per task type, and its mean over pairs.

Each pairwise function has the shape ``(answer_a, answer_b, payload, config, language) -> float |
None``: a value in [0, 1], 1 when the two answers are the same; None when the pair says nothing
(an answer without the field compared, or a pair left out by the project's rules). All are
*symmetric*: swapping the two answers gives the same value, since neither annotator is the
reference. The building blocks are the task types' answer comparison
(``marketplace.tasktypes.comparison``: the shape similarities, span counts and transcript
normalisation of ``answers``, ``spans`` and ``text``), which gold scoring uses too.

================================  ==============================================================
task type                         pairwise agreement
================================  ==============================================================
classification                    1 if the labels are equal, else 0
multi_label_classification        Jaccard index of the label sets (1 for two empty sets)
ner                               entity F1, exact (default) or overlap (``config["ner_match"]``)
rating                            1 − |a − b| / (max − min) of the project's scale
pairwise_preference               same choice; ties by ``config["tie_handling"]`` (see below)
audio_transcription               1 − symmetric WER (CER for unspaced languages), floored at 0
image_bounding_box                matched IoU: 2 Σ IoU(matched pairs) / (#a + #b)
image_polygon                     matched IoU of polygons, likewise
image_keypoints                   matched symmetric OKS, likewise
segmentation_mask                 mean over labels of mask IoU (or Dice: ``config["mask_agreement"]``)
================================  ==============================================================

No objects against no objects (no spans, boxes, masks; two empty transcripts) is full agreement,
1: both annotators said there is nothing there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from types import MappingProxyType
from typing import Any, Final, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from marketplace.tasktypes.comparison.answers import (
    ShapeSimilarity,
    box_similarity,
    keypoint_similarity,
    label_jaccard,
    mask_overlaps,
    ner_match_mode,
    polygon_similarity,
    preference_credit,
    transcript_text,
    transcript_unit_setting,
)
from marketplace.tasktypes.comparison.matching import match_pairs
from marketplace.tasktypes.comparison.spans import SpanMode, span_counts
from marketplace.tasktypes.comparison.text import (
    Unit,
    edit_counts,
    normalize_transcript,
    tokenize,
    transcript_unit,
)

Answer = Mapping[str, Any]
TieHandling = Literal["category", "partial", "exclude"]


class PairwiseAgreement(Protocol):
    """The shape of every per-type pairwise agreement function."""

    def __call__(
        self,
        answer_a: Answer,
        answer_b: Answer,
        payload: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        language: str | None = None,
    ) -> float | None: ...


# --- labels, scales and choices ----------------------------------------------------------------


def classification_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """1 if both chose the same label, else 0; None if either has no label."""
    first, second = answer_a.get("label"), answer_b.get("label")
    if first is None or second is None:
        return None
    return 1.0 if first == second else 0.0


def multi_label_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """Jaccard index |A ∩ B| / |A ∪ B| of the two label sets (Jaccard 1912); 1 for two empty sets."""
    return label_jaccard(set(answer_a.get("labels", [])), set(answer_b.get("labels", [])))


def rating_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """1 − |a − b| / (max − min) on the project's scale (``config`` min and max, default 1–5).

    The interval distance of the two ratings as a share of the scale: 1 for the same rating, 0 for
    the two ends. Over many items and raters, agreement on ratings is Krippendorff's interval (or
    ordinal) α of the ratings (``metrics.krippendorff_alpha``; :func:`alpha_value` gives the value).
    None if either rating is missing.
    """
    first, second = answer_a.get("rating"), answer_b.get("rating")
    if first is None or second is None:
        return None
    settings = config or {}
    width = float(settings.get("max", 5)) - float(settings.get("min", 1))
    if width <= 0:
        raise ValueError("the rating scale needs max above min")
    return float(min(1.0, max(0.0, 1.0 - abs(float(first) - float(second)) / width)))


def _tie_handling(config: Mapping[str, Any] | None) -> TieHandling:
    handling = (config or {}).get("tie_handling", "category")
    if handling not in ("category", "partial", "exclude"):
        raise ValueError(f"tie_handling must be 'category', 'partial' or 'exclude', not {handling!r}")
    return handling  # type: ignore[no-any-return]


def preference_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """Agreement on a pairwise preference (A, B or tie), with ties handled per
    ``config["tie_handling"]``:

    * ``"category"`` (default): a tie is a third answer; 1 for the same answer, else 0.
    * ``"partial"``: the ordinal scale A > tie > B; 1 for the same answer, 0.5 (``TIE_CREDIT``, as in
      gold scoring: ``answers.preference_credit``) for a tie against a choice, 0 for opposite choices.
    * ``"exclude"``: agreement without ties; a pair where either said "tie" is None (not pairable),
      else 1 for the same choice and 0 for opposite ones.
    """
    first, second = answer_a.get("preference"), answer_b.get("preference")
    if first is None or second is None:
        return None
    handling = _tie_handling(config)
    if handling == "exclude" and "tie" in (first, second):
        return None
    if handling == "partial":
        return preference_credit(first, second)
    return 1.0 if first == second else 0.0


# --- spans -------------------------------------------------------------------------------------


def span_f1(spans_a: Sequence[Answer], spans_b: Sequence[Answer], mode: SpanMode = "exact") -> float:
    """Entity F1 between two annotators' spans ``{start, end, label}``, by ``spans.span_counts``.

    F1 = 2·credit / (#a + #b) with credit the optimal one-to-one pairing's (exact: same start, end
    and label; overlap: exact pairs 1, other same-label overlaps 0.5). The optimum is the same
    whichever side is the reference, so the F1 is symmetric. 1 for no spans on either side.
    """
    counts = span_counts(spans_a, spans_b, mode)
    total = counts.possible + counts.actual
    return 2.0 * counts.credit / total if total else 1.0


def ner_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """:func:`span_f1` of the two answers' spans, ``config["ner_match"]`` exact (default) or overlap."""
    mode = ner_match_mode(config)
    return span_f1(list(answer_a.get("spans", [])), list(answer_b.get("spans", [])), mode)


# --- transcripts ----------------------------------------------------------------------------------


def symmetric_error_rate(
    text_a: str, text_b: str, language: str | None = None, unit: Unit | None = None
) -> tuple[Unit, float]:
    """The unit and the symmetric error rate of two transcripts, neither being the reference::

        sER = (S + D + I) / ((N_a + N_b) / 2)

    the Levenshtein distance over the *mean* length, in words (WER) or characters (CER). The
    distance is symmetric and so is the mean length, so sER(a, b) = sER(b, a); it lies between the
    two directional error rates (the harmonic mean of them). Both texts are normalised for
    ``language`` (``text.normalize_transcript``); the unit is chosen by the language, or
    without one by the script of both texts together, unless forced. 0 for two empty texts.
    """
    first, second = normalize_transcript(text_a, language), normalize_transcript(text_b, language)
    natural = transcript_unit(language, f"{first} {second}")
    chosen: Unit = unit or natural
    keep_spaces = natural == "word"
    tokens_a = tokenize(first, chosen, keep_spaces=keep_spaces)
    tokens_b = tokenize(second, chosen, keep_spaces=keep_spaces)
    total = len(tokens_a) + len(tokens_b)
    if total == 0:
        return chosen, 0.0
    return chosen, 2.0 * edit_counts(tokens_a, tokens_b).errors / total


def transcription_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """max(0, 1 − sER) of the two transcripts (:func:`symmetric_error_rate`), each answer's segments
    joined in time order. ``config["transcript_metric"]`` (``"wer"``/``"cer"``) forces the unit."""
    unit = transcript_unit_setting(config)
    _, rate = symmetric_error_rate(
        transcript_text(list(answer_a.get("segments", []))),
        transcript_text(list(answer_b.get("segments", []))),
        language,
        unit,
    )
    return max(0.0, 1.0 - rate)


# --- images ------------------------------------------------------------------------------------------


def matched_similarity(similarity: NDArray[np.float64], eligible: NDArray[np.bool_]) -> float:
    """2 Σ s(matched pairs) / (#a + #b) over the Hungarian matching of eligible pairs (most pairs,
    then most similarity: ``matching.match_pairs``); 1 when both sides are empty.

    Kirillov et al.'s panoptic quality (CVPR 2019), PQ = Σ_TP IoU / (TP + ½FP + ½FN): the mean
    similarity of the matched pairs (segmentation quality) times their F1 (recognition quality).
    The matching's optimum is the same from either side, so it is symmetric.
    """
    total = int(similarity.shape[0]) + int(similarity.shape[1])
    if total == 0:
        return 1.0
    pairs = match_pairs(similarity, eligible)
    return 2.0 * sum(float(similarity[i, j]) for i, j in pairs) / total


def _matched(similarity: ShapeSimilarity) -> float:
    return matched_similarity(similarity.values, similarity.eligible)


def box_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """:func:`matched_similarity` of the boxes' IoU, pairing same-label boxes with IoU ≥
    ``config["iou_threshold"]`` (default 0.5, PASCAL VOC's and PQ's criterion)."""
    boxes_a, boxes_b = list(answer_a.get("boxes", [])), list(answer_b.get("boxes", []))
    return _matched(box_similarity(boxes_a, boxes_b, config))


def polygon_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """As :func:`box_agreement`, with polygon IoU (``geometry.polygon_iou``)."""
    shapes_a, shapes_b = list(answer_a.get("polygons", [])), list(answer_b.get("polygons", []))
    return _matched(polygon_similarity(shapes_a, shapes_b, config))


def keypoint_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """:func:`matched_similarity` of a symmetric Object Keypoint Similarity: OKS takes one object
    as the reference (its scale and its visible points), so the two directions are averaged,
    ½(OKS(a → b) + OKS(b → a)). Scale, constants and threshold as in gold scoring
    (``keypoint_area``, ``keypoint_k``, ``oks_threshold``)."""
    objects_a, objects_b = list(answer_a.get("keypoints", [])), list(answer_b.get("keypoints", []))
    return _matched(keypoint_similarity(objects_a, objects_b, payload, config, symmetric=True))


def mask_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """Mean over labels of the two regions' IoU |A ∩ B| / |A ∪ B| (Jaccard), or with
    ``config["mask_agreement"] = "dice"`` their Dice coefficient 2|A ∩ B| / (|A| + |B|) (Dice 1945;
    = 2 IoU / (1 + IoU)). A label with no pixels on either side counts 1, as do no labels at all.
    The regions are each label's RLE masks together (``answers.mask_overlaps``)."""
    metric = (config or {}).get("mask_agreement", "iou")
    if metric not in ("iou", "dice"):
        raise ValueError(f"mask_agreement must be 'iou' or 'dice', not {metric!r}")
    overlaps = mask_overlaps(list(answer_a.get("masks", [])), list(answer_b.get("masks", [])))
    if not overlaps:
        return 1.0
    values = []
    for common, covered in overlaps.values():
        if covered == 0:
            values.append(1.0)
        elif metric == "iou":
            values.append(common / covered)
        else:
            values.append(2.0 * common / (covered + common))
    return sum(values) / len(values)


def mask_dice_agreement(
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """:func:`mask_agreement` with the Dice coefficient, whatever the config says."""
    return mask_agreement(answer_a, answer_b, payload, {**(config or {}), "mask_agreement": "dice"}, language)


# --- per task type ----------------------------------------------------------------------------------


#: The pairwise agreement function of each task type, by the task type's stable name.
PAIRWISE_AGREEMENT: Final[Mapping[str, PairwiseAgreement]] = MappingProxyType(
    {
        "classification": classification_agreement,
        "multi_label_classification": multi_label_agreement,
        "ner": ner_agreement,
        "rating": rating_agreement,
        "pairwise_preference": preference_agreement,
        "audio_transcription": transcription_agreement,
        "image_bounding_box": box_agreement,
        "image_polygon": polygon_agreement,
        "image_keypoints": keypoint_agreement,
        "segmentation_mask": mask_agreement,
    }
)


def pair_agreement(
    task_type: str,
    answer_a: Answer,
    answer_b: Answer,
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """Agreement of two answers with ``task_type``'s function; ``ValueError`` for an unknown type."""
    function = PAIRWISE_AGREEMENT.get(task_type)
    if function is None:
        raise ValueError(f"no agreement metric for task type {task_type!r}")
    return function(answer_a, answer_b, payload, config, language)


@dataclass(frozen=True, slots=True)
class PairAgreement:
    """The agreement of answers ``first`` and ``second`` (indexes into the item's answers)."""

    first: int
    second: int
    value: float | None


def agreement_pairs(
    task_type: str,
    answers: Sequence[Answer],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> list[PairAgreement]:
    """Agreement of every unordered pair of an item's answers (i < j)."""
    return [
        PairAgreement(i, j, pair_agreement(task_type, answers[i], answers[j], payload, config, language))
        for i, j in combinations(range(len(answers)), 2)
    ]


def _mean(values: Sequence[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def item_agreement(
    task_type: str,
    answers: Sequence[Answer],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> float | None:
    """Mean agreement over the item's pairs of answers; None with fewer than two answers or when no
    pair is defined."""
    return _mean([pair.value for pair in agreement_pairs(task_type, answers, payload, config, language)])


def annotator_agreement(
    task_type: str,
    answers: Sequence[Answer],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> list[float | None]:
    """For each answer, its mean agreement with the item's other answers (None if undefined)."""
    per_answer: list[list[float | None]] = [[] for _ in answers]
    for pair in agreement_pairs(task_type, answers, payload, config, language):
        per_answer[pair.first].append(pair.value)
        per_answer[pair.second].append(pair.value)
    return [_mean(values) for values in per_answer]


# --- values for α -------------------------------------------------------------------------------

_PREFERENCE_SCALE: Final[Mapping[str, int]] = MappingProxyType({"A": 1, "tie": 0, "B": -1})


def _preference_value(answer: Answer, config: Mapping[str, Any] | None) -> str | int | None:
    preference = answer.get("preference")
    if preference is None:
        return None
    handling = _tie_handling(config)
    if handling == "exclude" and preference == "tie":
        return None
    return _PREFERENCE_SCALE[str(preference)] if handling == "partial" else str(preference)


_ALPHA_VALUES: Final[Mapping[str, Callable[[Answer, Mapping[str, Any] | None], str | int | float | None]]] = (
    MappingProxyType(
        {
            "classification": lambda answer, _config: (
                str(answer["label"]) if answer.get("label") is not None else None
            ),
            "rating": lambda answer, _config: (
                float(answer["rating"]) if answer.get("rating") is not None else None
            ),
            "pairwise_preference": _preference_value,
        }
    )
)


def alpha_value(
    task_type: str, answer: Answer, config: Mapping[str, Any] | None = None
) -> str | int | float | None:
    """The one value an answer contributes to the reliability data of Krippendorff's α, for task
    types whose answer is one value (classification, rating, pairwise preference); None for the
    others and for a missing value. Preferences follow ``tie_handling``: ``"category"`` the label,
    ``"exclude"`` the label with ties missing, ``"partial"`` the ordinal scale A = 1, tie = 0, B = −1.
    """
    extract = _ALPHA_VALUES.get(task_type)
    return extract(answer, config) if extract is not None else None


def alpha_level(task_type: str, config: Mapping[str, Any] | None = None) -> str | None:
    """The level of measurement for :func:`alpha_value`'s values: nominal for labels and preferences
    (ordinal under ``tie_handling = "partial"``), interval for ratings unless ``config["rating_level"]``
    says ``"ordinal"``; None for task types α does not apply to."""
    if task_type == "classification":
        return "nominal"
    if task_type == "rating":
        level = str((config or {}).get("rating_level", "interval"))
        if level not in ("ordinal", "interval", "ratio"):
            raise ValueError(f"rating_level must be ordinal, interval or ratio, not {level!r}")
        return level
    if task_type == "pairwise_preference":
        return "ordinal" if _tie_handling(config) == "partial" else "nominal"
    return None
