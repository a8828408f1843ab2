"""Scoring an annotator's answer against the gold answer: the task type's answer comparison plus
a pass threshold.

The same functions score qualification exams and the hidden gold mixed into live work. How close
an answer is to the gold is the task type's comparison (``marketplace.tasktypes.comparison.answers``,
which also serves consensus); what makes it *gold scoring* is the pass threshold, and that lives
here. A :class:`Score` has the comparison's ``value`` in [0, 1] (1 = perfect), whether it passes
(``correct``), and the metric's numbers plus the threshold in ``detail`` (plain JSON: store it,
show it to reviewers).

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

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType
from typing import Any, Final, Protocol

from marketplace.tasktypes.comparison.answers import COMPARISON_CONFIG_PROPERTIES, COMPARISONS, Comparison

#: Default pass threshold per task type: exact-match types must match; Jaccard ≥ 0.5 means the
#: shared labels are at least as many as the disputed ones; F1 ≥ 0.8 lets one miss or extra pass
#: among three or more objects but not among one or two; WER ≤ 10 % is a usual bar for careful
#: human transcription; mask IoU ≥ 0.7. Ratings and preferences pass only within the tolerance or
#: on the same choice.
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

#: Project settings gold scoring reads, as JSON Schema properties, so task config schemas can offer
#: them: the pass threshold, then the comparisons' own settings. All are optional; absent means the
#: default named in each description.
SCORING_CONFIG_PROPERTIES: Final[Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {
        "gold_threshold": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Score an answer needs on a gold item to count as correct; default per task type.",
        },
        **COMPARISON_CONFIG_PROPERTIES,
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


def gold_score(task_type: str, comparison: Comparison, config: Mapping[str, Any] | None = None) -> Score:
    """A comparison with the gold answer as a :class:`Score`: correct at the task type's threshold."""
    threshold = pass_threshold(task_type, config)
    return Score(
        value=comparison.value,
        correct=comparison.value >= threshold - 1e-9,
        detail={**comparison.detail, "threshold": threshold},
    )


def score_answer(
    task_type: str,
    answer: Mapping[str, Any],
    gold: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Score:
    """Score ``answer`` against ``gold`` with the comparison of ``task_type`` and its pass
    threshold; ``ValueError`` if the task type is unknown.

    ``payload`` is the item's, ``config`` the project's task config (scoring settings in
    :data:`SCORING_CONFIG_PROPERTIES`), ``language`` the item's BCP 47 language.
    """
    compare = COMPARISONS.get(task_type)
    if compare is None:
        raise ValueError(f"no scorer for task type {task_type!r}")
    return gold_score(task_type, compare(answer, gold, payload, config, language), config)


#: The scoring function of each task type, by the task type's stable name.
SCORERS: Final[Mapping[str, Scorer]] = MappingProxyType(
    {task_type: partial(score_answer, task_type) for task_type in COMPARISONS}
)

score_classification: Final = SCORERS["classification"]
score_multi_label: Final = SCORERS["multi_label_classification"]
score_ner: Final = SCORERS["ner"]
score_rating: Final = SCORERS["rating"]
score_pairwise: Final = SCORERS["pairwise_preference"]
score_transcription: Final = SCORERS["audio_transcription"]
score_boxes: Final = SCORERS["image_bounding_box"]
score_polygons: Final = SCORERS["image_polygon"]
score_keypoints: Final = SCORERS["image_keypoints"]
score_masks: Final = SCORERS["segmentation_mask"]
