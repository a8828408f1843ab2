"""Comparing an answer with a reference answer per task type, and the pieces agreement reuses.

Gold scoring's thresholds and details are tested in ``tests/qualification/test_scoring``, symmetric
agreement in ``tests/agreement/test_task_metrics``; here: the dispatch, hand-worked values of the
shared pieces, and that the reference side is the one that decides (scale, visible points).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from marketplace.tasktypes import TASK_TYPES
from marketplace.tasktypes.comparison.answers import (
    COMPARISONS,
    TIE_CREDIT,
    Comparison,
    box_similarity,
    compare_answers,
    keypoint_similarity,
    label_jaccard,
    mask_overlaps,
    ner_match_mode,
    polygon_similarity,
    preference_credit,
    transcript_text,
    transcript_unit_setting,
)

IMAGE = {"image_url": "https://cdn.example.com/i.jpg", "width": 100, "height": 100}


def box(label: str, x: float, y: float, w: float = 10, h: float = 10) -> dict[str, Any]:
    return {"label": label, "x": x, "y": y, "width": w, "height": h}


def test_every_task_type_has_a_comparison() -> None:
    assert set(COMPARISONS) == set(TASK_TYPES)


@pytest.mark.parametrize("name", sorted(TASK_TYPES))
def test_each_type_example_answer_matches_itself(name: str) -> None:
    task_type = TASK_TYPES[name]
    config = task_type.with_defaults({})
    example = task_type.example_answer
    result = compare_answers(name, example, example, task_type.example_payload, config)
    assert result == Comparison(value=1.0, detail=result.detail)
    assert isinstance(json.loads(json.dumps(result.detail))["metric"], str)


def test_unknown_task_type() -> None:
    with pytest.raises(ValueError, match="no comparison"):
        compare_answers("essay", {}, {})


def test_label_jaccard() -> None:
    assert label_jaccard({"a", "b", "c"}, {"b", "c", "d"}) == 0.5
    assert label_jaccard(set(), set()) == 1.0
    assert label_jaccard({"a"}, set()) == 0.0


def test_ner_match_mode() -> None:
    assert ner_match_mode(None) == "exact"
    assert ner_match_mode({"ner_match": "overlap"}) == "overlap"
    with pytest.raises(ValueError, match="ner_match"):
        ner_match_mode({"ner_match": "fuzzy"})


def test_preference_credit_on_the_ordinal_scale() -> None:
    assert preference_credit("A", "A") == preference_credit("tie", "tie") == 1.0
    assert preference_credit("A", "tie") == preference_credit("tie", "B") == TIE_CREDIT == 0.5
    assert preference_credit("A", "B") == 0.0


def test_transcript_text_and_unit_setting() -> None:
    segments = [
        {"start": 2.0, "end": 3.0, "text": "world"},
        {"start": 0.0, "end": 1.0, "text": "hello"},
        {"start": 2.0, "end": 2.5, "text": "big"},
    ]
    assert transcript_text(segments) == "hello big world"
    assert transcript_text([]) == ""
    assert transcript_unit_setting(None) is None
    assert transcript_unit_setting({"transcript_metric": "wer"}) == "word"
    assert transcript_unit_setting({"transcript_metric": "cer"}) == "character"
    with pytest.raises(ValueError, match="transcript_metric"):
        transcript_unit_setting({"transcript_metric": "ter"})


def test_transcription_value_is_floored_at_zero() -> None:
    """Three insertions against a one-word reference: WER 3, value 0 (not −2)."""
    reference = {"segments": [{"start": 0.0, "end": 1.0, "text": "yes"}]}
    answer = {"segments": [{"start": 0.0, "end": 1.0, "text": "no no no no"}]}
    result = compare_answers("audio_transcription", answer, reference, language="en")
    assert result.detail["error_rate"] == 4.0
    assert result.value == 0.0


def test_box_similarity_eligibility() -> None:
    """Same label and IoU ≥ threshold: a 10×10 box moved by 2 px has IoU 80 / 120 = 2/3."""
    first = [box("car", 0, 0), box("car", 50, 50)]
    second = [box("car", 2, 0), box("person", 50, 50)]
    similarity = box_similarity(first, second, None)
    assert similarity.values[0, 0] == pytest.approx(2 / 3)
    assert similarity.values[1, 1] == 1.0
    assert similarity.threshold == 0.5
    assert similarity.eligible.tolist() == [[True, False], [False, False]]
    strict = box_similarity(first, second, {"iou_threshold": 0.7})
    assert not strict.eligible.any()


def test_polygon_similarity_only_for_same_labels() -> None:
    square = [[0, 0], [10, 0], [10, 10], [0, 10]]
    similarity = polygon_similarity(
        [{"label": "car", "points": square}],
        [{"label": "car", "points": square}, {"label": "person", "points": square}],
        None,
    )
    assert similarity.values.tolist() == [[1.0, 0.0]]
    assert similarity.eligible.tolist() == [[True, False]]


def test_keypoint_similarity_reference_scale_and_symmetry() -> None:
    """The reference's box sets s²: 10×10 = 100 one way, 20×20 = 400 the other. With k = 0.1 a
    point d² px² off scores exp(−d² / (2 · s² · 0.01)); here d² = 1 and 11² + 10² = 221."""
    small = {"label": "p", "points": [{"x": 0, "y": 0}, {"x": 10, "y": 10}]}
    large = {"label": "p", "points": [{"x": 1, "y": 0}, {"x": 21, "y": 20}]}
    forward = keypoint_similarity([small], [large], IMAGE, None).values[0, 0]
    backward = keypoint_similarity([large], [small], IMAGE, None).values[0, 0]

    def oks(area: float) -> float:
        return (math.exp(-1 / (2 * area * 0.01)) + math.exp(-221 / (2 * area * 0.01))) / 2

    assert forward == pytest.approx(oks(100))
    assert backward == pytest.approx(oks(400))
    assert forward != pytest.approx(backward)
    both = keypoint_similarity([small], [large], IMAGE, None, symmetric=True).values[0, 0]
    assert both == pytest.approx((forward + backward) / 2)


def test_mask_overlaps_per_label() -> None:
    """A 2×2 image, column-major, runs starting with background: [0, 2, 2] sets pixels 0–1,
    [1, 2, 1] pixels 1–2, [3, 1] pixel 3."""
    first = [{"label": "sky", "rle": {"size": [2, 2], "counts": [0, 2, 2]}}]
    second = [
        {"label": "sky", "rle": {"size": [2, 2], "counts": [1, 2, 1]}},
        {"label": "sea", "rle": {"size": [2, 2], "counts": [3, 1]}},
    ]
    assert mask_overlaps(first, second) == {"sea": (0, 1), "sky": (1, 3)}
    assert list(mask_overlaps(first, second)) == ["sea", "sky"]
    with pytest.raises(ValueError, match="different sizes"):
        mask_overlaps(first, [{"label": "sky", "rle": {"size": [1, 4], "counts": [4]}}])


def test_detection_comparison_counts_reference_rows() -> None:
    """Two reference boxes, one found: recall 1/2, precision 1, F1 2/3."""
    reference = {"boxes": [box("car", 0, 0), box("car", 50, 50)]}
    answer = {"boxes": [box("car", 0, 0)]}
    result = compare_answers("image_bounding_box", answer, reference, IMAGE)
    assert result.value == pytest.approx(2 / 3)
    assert (result.detail["gold"], result.detail["answer"], result.detail["matched"]) == (2, 1, 1)
    assert result.detail["recall"] == 0.5 and result.detail["precision"] == 1.0
    assert np.isclose(result.detail["mean_matched_similarity"], 1.0)
