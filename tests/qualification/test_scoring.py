"""Scoring answers against gold, per task type: values, pass thresholds and details.

Worked examples and their sources are named in each test; the metrics' building blocks are tested
against reference libraries in ``tests/tasktypes/test_comparison_text`` and
``tests/tasktypes/test_comparison_geometry``.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from marketplace.qualification.scoring import (
    DEFAULT_PASS_THRESHOLDS,
    SCORERS,
    SCORING_CONFIG_PROPERTIES,
    Score,
    pass_threshold,
    score_answer,
    score_boxes,
    score_classification,
    score_keypoints,
    score_masks,
    score_multi_label,
    score_ner,
    score_pairwise,
    score_polygons,
    score_rating,
    score_transcription,
)
from marketplace.tasktypes import TASK_TYPES

IMAGE = {"image_url": "https://cdn.example.com/i.jpg", "width": 100, "height": 100}


def test_every_task_type_has_a_scorer_and_a_threshold() -> None:
    assert set(SCORERS) == set(TASK_TYPES) == set(DEFAULT_PASS_THRESHOLDS)
    assert pass_threshold("ner") == 0.8
    assert pass_threshold("ner", {"gold_threshold": 0.5}) == 0.5
    assert {"gold_threshold", "gold_tolerance", "ner_match"} <= set(SCORING_CONFIG_PROPERTIES)


@pytest.mark.parametrize("name", sorted(TASK_TYPES))
def test_each_type_example_answer_scores_perfectly_against_itself(name: str) -> None:
    """The task types' own example answers, as gold and answer: value 1, correct, JSON detail."""
    task_type = TASK_TYPES[name]
    config = task_type.with_defaults({})
    score = score_answer(
        name, task_type.example_answer, task_type.example_answer, task_type.example_payload, config
    )
    assert score == Score(value=1.0, correct=True, detail=score.detail)
    assert json.loads(json.dumps(score.detail))["threshold"] == DEFAULT_PASS_THRESHOLDS[name]
    assert isinstance(score.detail["metric"], str)


def test_unknown_task_type() -> None:
    with pytest.raises(ValueError, match="no scorer"):
        score_answer("essay", {}, {})


# --- labels ------------------------------------------------------------------------------------------


def test_classification_exact_match() -> None:
    assert score_classification({"label": "positive"}, {"label": "positive"}) == Score(
        1.0, True, {"metric": "exact_match", "answer": "positive", "gold": "positive", "threshold": 1.0}
    )
    wrong = score_classification({"label": "neutral"}, {"label": "positive"})
    assert (wrong.value, wrong.correct) == (0.0, False)
    # A threshold of 0 makes everything pass (useful for practice items).
    assert score_classification(
        {"label": "neutral"}, {"label": "positive"}, config={"gold_threshold": 0}
    ).correct


def test_multi_label_jaccard() -> None:
    """J({a, b, c}, {b, c, d}) = |{b, c}| / |{a, b, c, d}| = 2/4: exactly the default pass mark."""
    score = score_multi_label({"labels": ["a", "b", "c"]}, {"labels": ["b", "c", "d"]})
    assert score.value == 0.5 and score.correct
    assert score.detail["missing"] == ["d"] and score.detail["extra"] == ["a"]
    assert score.detail["precision"] == pytest.approx(2 / 3)
    below = score_multi_label({"labels": ["a", "b"]}, {"labels": ["b", "c", "d"]})  # 1/4
    assert below.value == 0.25 and not below.correct
    assert score_multi_label({"labels": []}, {"labels": []}).value == 1.0
    assert score_multi_label({"labels": ["a"]}, {"labels": []}).value == 0.0
    assert not score_multi_label(
        {"labels": ["a", "b"]}, {"labels": ["b"]}, config={"gold_threshold": 0.9}
    ).correct


def _span(start: int, end: int, label: str) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label}


#: The SemEval-2013 Task 9.1 scenarios as tabulated by Batista (2018, "Named-Entity evaluation metrics
#: based on entity-level") and the nervaluate README: III missed BRAND "tikosyn"; II spurious BRAND
#: "healthy"; V DRUG "warfarin" answered as DRUG "of warfarin"; IV DRUG "propranolol" answered as BRAND;
#: I DRUG "phenytoin" exact; VI GROUP "contraceptives" answered as DRUG "oral contraceptives".
SEMEVAL_TEXT = "tikosyn healthy of warfarin propranolol phenytoin oral contraceptives"
SEMEVAL_GOLD = [_span(0, 7, "BRAND"), _span(19, 27, "DRUG"), _span(28, 39, "DRUG"), _span(40, 49, "DRUG"),
                _span(55, 69, "GROUP")]  # fmt: skip
SEMEVAL_ANSWER = [_span(8, 15, "BRAND"), _span(16, 27, "DRUG"), _span(28, 39, "BRAND"), _span(40, 49, "DRUG"),
                  _span(50, 69, "DRUG")]  # fmt: skip


def test_ner_semeval_scenarios() -> None:
    """Per scenario, strict (our exact): I COR; IV, V, VI INC; III MIS; II SPU → P = R = 1/5.
    Overlap (same label required): I COR; V PAR; IV, VI INC (wrong label); III MIS; II SPU →
    P = R = (1 + 0.5·1) / 5 = 0.3. (The README's summary table counts one more correct entity than its
    scenario rows give; we follow the rows.)"""
    assert SEMEVAL_TEXT[19:27] == "warfarin" and SEMEVAL_TEXT[16:27] == "of warfarin"
    assert SEMEVAL_TEXT[55:69] == "contraceptives" and SEMEVAL_TEXT[50:69] == "oral contraceptives"
    score = score_ner({"spans": SEMEVAL_ANSWER}, {"spans": SEMEVAL_GOLD}, {"text": SEMEVAL_TEXT})
    exact, overlap = score.detail["exact"], score.detail["overlap"]
    assert (exact["correct"], exact["partial"], exact["incorrect"], exact["missing"], exact["spurious"]) == (
        1, 0, 3, 1, 1,
    )  # fmt: skip
    assert exact["precision"] == exact["recall"] == pytest.approx(0.2)
    assert (overlap["correct"], overlap["partial"], overlap["incorrect"]) == (1, 1, 2)
    assert (overlap["missing"], overlap["spurious"]) == (1, 1)
    assert overlap["precision"] == overlap["recall"] == overlap["f1"] == pytest.approx(0.3)
    assert score.detail["metric"] == "span_f1_exact"
    assert score.value == pytest.approx(0.2) and not score.correct
    switched = score_ner({"spans": SEMEVAL_ANSWER}, {"spans": SEMEVAL_GOLD}, config={"ner_match": "overlap"})
    assert switched.detail["metric"] == "span_f1_overlap" and switched.value == pytest.approx(0.3)


def test_ner_thresholds_and_empty() -> None:
    gold = {"spans": [_span(0, 3, "PER"), _span(5, 9, "LOC"), _span(12, 15, "ORG"), _span(20, 25, "PER"),
                      _span(30, 33, "LOC")]}  # fmt: skip
    one_missed = {"spans": gold["spans"][:-1]}  # P = 1, R = 4/5, F1 = 8/9
    score = score_ner(one_missed, gold)
    assert score.value == pytest.approx(8 / 9) and score.correct
    two_missed = {"spans": gold["spans"][:3]}  # F1 = 6/8 = 0.75 < 0.8
    assert not score_ner(two_missed, gold).correct
    sloppy = {"spans": [_span(0, 4, "PER"), *gold["spans"][1:]]}  # one boundary off by a character
    assert score_ner(sloppy, gold).value == pytest.approx(0.8)
    assert score_ner(sloppy, gold, config={"ner_match": "overlap"}).value == pytest.approx(0.9)
    assert score_ner({"spans": []}, {"spans": []}).value == 1.0
    assert score_ner({"spans": [_span(0, 1, "PER")]}, {"spans": []}).value == 0.0
    with pytest.raises(ValueError, match="ner_match"):
        score_ner(gold, gold, config={"ner_match": "fuzzy"})


def test_ner_overlap_pairs_one_to_one() -> None:
    """ "New York City" answered as "New York" + "City": one PAR and one SPU, not two PARs."""
    gold = {"spans": [_span(0, 13, "LOC")]}
    answer = {"spans": [_span(0, 8, "LOC"), _span(9, 13, "LOC")]}
    overlap = score_ner(answer, gold, config={"ner_match": "overlap"}).detail["overlap"]
    assert (overlap["partial"], overlap["spurious"], overlap["missing"]) == (1, 1, 0)
    assert overlap["precision"] == pytest.approx(0.25) and overlap["recall"] == pytest.approx(0.5)


# --- scales and choices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "value", "correct"),
    [(5, 1.0, True), (4, 1.0, True), (3, 2 / 3, False), (2, 1 / 3, False), (1, 0.0, False)],
)
def test_rating_tolerance_one_step(rating: float, value: float, correct: bool) -> None:
    """Scale 1–5, step 1, gold 5: tolerance 1 step, then linear to 0 at the width (4)."""
    score = score_rating({"rating": rating}, {"rating": 5}, config={"min": 1, "max": 5, "step": 1})
    assert score.value == pytest.approx(value)
    assert score.correct is correct


def test_rating_exact_and_half_steps() -> None:
    exact = {"min": 1, "max": 5, "step": 1, "gold_tolerance": 0}
    assert score_rating({"rating": 4}, {"rating": 4}, config=exact).correct
    off_by_one = score_rating({"rating": 3}, {"rating": 4}, config=exact)
    assert off_by_one.value == pytest.approx(0.75) and not off_by_one.correct
    halves = {"min": 0, "max": 10, "step": 0.5}
    assert score_rating({"rating": 6.5}, {"rating": 7}, config=halves).correct
    assert not score_rating({"rating": 6}, {"rating": 7}, config=halves).correct
    lenient = score_rating({"rating": 3}, {"rating": 5}, config={"gold_threshold": 0.5})
    assert lenient.correct  # 2/3 ≥ 0.5


def test_pairwise_preference() -> None:
    same = score_pairwise(
        {"preference": "A", "ratings": {"a": 6, "b": 3}}, {"preference": "A", "ratings": {"a": 7, "b": 3}}
    )
    assert (same.value, same.correct) == (1.0, True)
    assert same.detail["ratings"]["difference"] == {"a": 1.0, "b": 0.0}
    opposite = score_pairwise({"preference": "B"}, {"preference": "A"})
    assert (opposite.value, opposite.correct) == (0.0, False)
    assert "ratings" not in opposite.detail
    for mine, gold in (("tie", "A"), ("B", "tie")):
        half = score_pairwise({"preference": mine}, {"preference": gold})
        assert (half.value, half.correct) == (0.5, False)
    assert score_pairwise({"preference": "tie"}, {"preference": "tie"}).correct
    assert score_pairwise({"preference": "tie"}, {"preference": "A"}, config={"gold_threshold": 0.5}).correct


# --- transcripts -----------------------------------------------------------------------------------


def _segments(*parts: tuple[str, float, str]) -> dict[str, Any]:
    return {
        "segments": [
            {"speaker": speaker, "start": start, "end": start + 1, "text": text}
            for speaker, start, text in parts
        ]
    }


def test_transcription_wer_over_segments_in_time_order() -> None:
    """Segments are joined by start time, whatever their order in the list; punctuation and case
    don't count. 11 gold words, 1 substitution: WER 1/11, value 10/11 ≥ 0.9."""
    gold = _segments(
        ("agent", 0.0, "Good morning, how can I help you?"), ("caller", 3.0, "My card was declined.")
    )
    answer = _segments(("caller", 3.0, "my card was declined"), ("A", 0.0, "good morning how can i help ya"))
    score = score_transcription(answer, gold, language="en")
    assert score.detail["metric"] == "wer"
    assert score.detail["reference_length"] == 11
    assert (score.detail["substitutions"], score.detail["deletions"], score.detail["insertions"]) == (1, 0, 0)
    assert score.value == pytest.approx(10 / 11) and score.correct
    assert score.detail["speakers"] == {"answer": ["A", "caller"], "gold": ["agent", "caller"]}
    worse = score_transcription(_segments(("a", 0.0, "good morning how can help ya my card declined")), gold)
    assert worse.value == pytest.approx(1 - 3 / 11) and not worse.correct  # 2 deletions, 1 substitution


def test_transcription_cer_for_chinese_and_japanese() -> None:
    gold = _segments(("s1", 0.0, "我爱北京天安门。"), ("s1", 2.0, "天安门上太阳升。"))
    answer = _segments(("s1", 0.0, "我爱北京 天安门"), ("s1", 2.0, "天安门上太阳生"))
    score = score_transcription(answer, gold, language="zh-Hans")
    assert score.detail["metric"] == "cer"
    assert score.value == pytest.approx(1 - 1 / 14) and score.correct
    japanese = score_transcription(
        _segments(("x", 0, "ｶﾀｶﾅ書く")), _segments(("x", 0, "カタカナを書く")), language="ja"
    )
    assert japanese.detail["metric"] == "cer" and japanese.value == pytest.approx(6 / 7)
    # No language: the gold's script decides.
    assert score_transcription(answer, gold).detail["metric"] == "cer"


def test_transcription_arabic_normalisation_and_forced_metric() -> None:
    gold = _segments(("s", 0.0, "ذَهَبَ الطَّالِبُ إِلَى الْمَدْرَسَةِ"))
    answer = _segments(("s", 0.0, "ذهب الطالب الى المدرسة"))
    assert score_transcription(answer, gold, language="ar").value == 1.0
    forced = score_transcription(
        _segments(("s", 0.0, "the cab")),
        _segments(("s", 0.0, "the cat")),
        config={"transcript_metric": "cer"},
    )
    assert forced.detail["metric"] == "cer" and forced.value == pytest.approx(1 - 1 / 7)
    floored = score_transcription(_segments(("s", 0.0, "a b c d e f")), _segments(("s", 0.0, "x")))
    assert floored.value == 0.0 and floored.detail["error_rate"] == 6.0
    with pytest.raises(ValueError, match="transcript_metric"):
        score_transcription(answer, gold, config={"transcript_metric": "bleu"})


# --- images ------------------------------------------------------------------------------------------


def _box(label: str, x: float, y: float, w: float = 10, h: float = 10) -> dict[str, Any]:
    return {"label": label, "x": x, "y": y, "width": w, "height": h}


def test_boxes_f1_with_same_label_matching() -> None:
    """Gold: 3 cars and a person. Answer: 2 cars shifted by 1 px (IoU 81/119 ≈ 0.68), a car 5 px off
    (IoU 50/150 = 1/3 < 0.5: unmatched), the person labelled car. 2 matches of 4 + 4: F1 = 0.5."""
    gold = {"boxes": [_box("car", 0, 0), _box("car", 20, 0), _box("car", 40, 0), _box("person", 60, 0)]}
    answer = {"boxes": [_box("car", 1, 1), _box("car", 21, 1), _box("car", 45, 0), _box("car", 60, 0)]}
    score = score_boxes(answer, gold, IMAGE)
    assert score.detail["matched"] == 2
    assert score.value == pytest.approx(0.5) and not score.correct
    assert score.detail["mean_matched_similarity"] == pytest.approx(81 / 119)
    assert score_boxes(answer, gold, IMAGE, {"iou_threshold": 0.3}).value == pytest.approx(0.75)
    three_of_three = {
        "boxes": [*answer["boxes"][:2], _box("car", 40, 0), _box("person", 60, 0), _box("car", 80, 80)]
    }
    passing = score_boxes(three_of_three, gold, IMAGE)  # 4 matches, 1 extra: F1 = 8/9
    assert passing.value == pytest.approx(8 / 9) and passing.correct
    assert score_boxes({"boxes": []}, {"boxes": []}, IMAGE).value == 1.0
    with pytest.raises(ValueError, match="iou_threshold"):
        score_boxes(answer, gold, IMAGE, {"iou_threshold": 0})


def _square(label: str, x: float, y: float, side: float = 10) -> dict[str, Any]:
    return {"label": label, "points": [[x, y], [x + side, y], [x + side, y + side], [x, y + side]]}


def test_polygons_f1() -> None:
    """Squares offset by (1, 1) on a 10-px side: IoU 81/119 ≥ 0.5; a concave L against its square:
    IoU 3/4; a different label never matches."""
    ell = {"label": "car", "points": [[50, 50], [70, 50], [70, 60], [60, 60], [60, 70], [50, 70]]}
    gold = {"polygons": [_square("car", 0, 0), _square("car", 50, 50, 20), _square("person", 20, 20)]}
    answer = {"polygons": [_square("car", 1, 1), ell, _square("car", 20, 20)]}
    score = score_polygons(answer, gold, IMAGE)
    assert score.detail["matched"] == 2 and score.value == pytest.approx(2 / 3) and not score.correct
    assert score.detail["mean_matched_similarity"] == pytest.approx((81 / 119 + 0.75) / 2)
    assert score_polygons(answer, gold, IMAGE, {"iou_threshold": 0.7}).detail["matched"] == 1


def _person(x: float, y: float, visible: tuple[bool, ...] = (True, True, True)) -> dict[str, Any]:
    names = ("nose", "left_eye", "right_eye")
    offsets = ((0.0, 0.0), (-10.0, -10.0), (10.0, -10.0))
    return {
        "label": "person",
        "points": [
            {"name": n, "x": x + dx, "y": y + dy, "visible": v}
            for n, (dx, dy), v in zip(names, offsets, visible, strict=True)
        ],
    }


def test_keypoints_oks_hand_computed() -> None:
    """Gold points span a 20 × 10 box: s² = 200; k = 0.1 so 2·s²·k² = 4. Nose 2 px off (d² = 4):
    exp(−1); eyes exact: 1, 1. OKS = (2 + e^−1) / 3 ≈ 0.789 ≥ 0.5: matched, F1 = 1."""
    gold = {"keypoints": [_person(50, 50)]}
    moved = _person(50, 50)
    moved["points"][0]["x"] = 52
    score = score_keypoints({"keypoints": [moved]}, gold, IMAGE)
    assert score.detail["mean_matched_similarity"] == pytest.approx((2 + math.exp(-1)) / 3)
    assert score.value == 1.0 and score.correct
    # Per-name k: a stricter nose (k = 0.05: 2·s²·k² = 1) gives exp(−4) for it.
    strict = score_keypoints({"keypoints": [moved]}, gold, IMAGE, {"keypoint_k": {"nose": 0.05}})
    assert strict.detail["mean_matched_similarity"] == pytest.approx((2 + math.exp(-4)) / 3)
    # Occluded gold points are not scored: hiding the moved nose makes the object perfect.
    hidden_nose = {"keypoints": [_person(50, 50, (False, True, True))]}
    assert (
        score_keypoints({"keypoints": [moved]}, hidden_nose, IMAGE).detail["mean_matched_similarity"] == 1.0
    )


def test_keypoints_matching_missing_points_and_far_objects() -> None:
    gold = {"keypoints": [_person(30, 30), _person(70, 70)]}
    answer = {"keypoints": [_person(70, 71), _person(31, 30), _person(10, 90)]}  # swapped order, one extra
    score = score_keypoints(answer, gold, IMAGE)
    assert score.detail["matched"] == 2 and score.value == pytest.approx(0.8) and score.correct
    missing_eyes = {"label": "person", "points": [{"name": "nose", "x": 30, "y": 30}]}
    partial = score_keypoints({"keypoints": [missing_eyes]}, {"keypoints": [_person(30, 30)]}, IMAGE)
    assert partial.value == 0.0  # OKS 1/3 < 0.5
    assert partial.detail["mean_matched_similarity"] is None
    assert score_keypoints({"keypoints": []}, {"keypoints": []}, IMAGE).value == 1.0


def test_keypoints_single_point_objects_use_the_image_scale() -> None:
    """A lone point has no box: s² = 1 % of 100 × 100 = 100, so 2·s²·k² = 2; 1 px off: exp(−1/2)."""
    gold = {"keypoints": [{"label": "apple", "points": [{"x": 10, "y": 10}]}]}
    answer = {"keypoints": [{"label": "apple", "points": [{"x": 11, "y": 10}]}]}
    score = score_keypoints(answer, gold, IMAGE)
    assert score.detail["mean_matched_similarity"] == pytest.approx(math.exp(-0.5))
    fixed = score_keypoints(answer, gold, IMAGE, {"keypoint_area": 200})  # 2·200·0.01 = 4: exp(−1/4)
    assert fixed.detail["mean_matched_similarity"] == pytest.approx(math.exp(-0.25))


def _rle(height: int, width: int, counts: list[int]) -> dict[str, Any]:
    return {"size": [height, width], "counts": counts}


def test_masks_mean_iou_per_label() -> None:
    """3 × 4 image. car gold = pixels 4..8 (column-major), answer = 5..9: IoU 4/6. person gold drawn
    as two overlapping masks (0..2 and 1..3 → 0..3), answer 0..3: IoU 1. tree only in the answer: 0.
    Mean over the three labels = (2/3 + 1 + 0) / 3."""
    gold = {
        "masks": [
            {"label": "car", "rle": _rle(3, 4, [4, 5, 3])},
            {"label": "person", "rle": _rle(3, 4, [0, 3, 9])},
            {"label": "person", "rle": _rle(3, 4, [1, 3, 8])},
        ]
    }
    answer = {
        "masks": [
            {"label": "car", "rle": _rle(3, 4, [5, 5, 2])},
            {"label": "person", "rle": _rle(3, 4, [0, 4, 8])},
            {"label": "tree", "rle": _rle(3, 4, [11, 1])},
        ]
    }
    score = score_masks(answer, gold, {**IMAGE, "width": 4, "height": 3})
    assert score.detail["per_label"] == pytest.approx({"car": 4 / 6, "person": 1.0, "tree": 0.0})
    assert score.value == pytest.approx((4 / 6 + 1) / 3) and not score.correct
    without_tree = score_masks({"masks": answer["masks"][:2]}, gold)
    assert without_tree.value == pytest.approx((4 / 6 + 1) / 2) and without_tree.correct
    empty_both = score_masks({"masks": [{"label": "car", "rle": _rle(3, 4, [12])}]}, {"masks": []})
    assert empty_both.detail["per_label"] == {"car": 1.0}
    assert score_masks({"masks": []}, {"masks": []}).value == 1.0
    with pytest.raises(ValueError, match="different sizes"):
        score_masks({"masks": [{"label": "car", "rle": _rle(4, 3, [12])}]}, gold)
