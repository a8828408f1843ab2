"""Pairwise agreement of two answers per task type: worked values, symmetry, and the item mean."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.agreement.task_metrics import (
    PAIRWISE_AGREEMENT,
    agreement_pairs,
    alpha_level,
    alpha_value,
    annotator_agreement,
    item_agreement,
    mask_dice_agreement,
    pair_agreement,
    span_f1,
    symmetric_error_rate,
)
from marketplace.tasktypes.comparison.text import error_counts

IMAGE = {"image_url": "https://cdn.example.com/i.jpg", "width": 100, "height": 80}


def segments(*texts: str) -> dict[str, Any]:
    return {
        "segments": [
            {"speaker": "s1", "start": float(i), "end": i + 1.0, "text": t} for i, t in enumerate(texts)
        ]
    }


def box(label: str, x: float, y: float, w: float = 10, h: float = 10) -> dict[str, Any]:
    return {"label": label, "x": x, "y": y, "width": w, "height": h}


def square(label: str, x: float, y: float, side: float = 10) -> dict[str, Any]:
    return {"label": label, "points": [[x, y], [x + side, y], [x + side, y + side], [x, y + side]]}


def mask(label: str, counts: list[int], size: tuple[int, int] = (4, 4)) -> dict[str, Any]:
    return {"label": label, "rle": {"size": list(size), "counts": counts}}


# --- labels, ratings, preferences --------------------------------------------------------------


def test_classification_and_multi_label() -> None:
    assert pair_agreement("classification", {"label": "a"}, {"label": "a"}) == 1.0
    assert pair_agreement("classification", {"label": "a"}, {"label": "b"}) == 0.0
    assert pair_agreement("classification", {"label": "a"}, {}) is None
    assert (
        pair_agreement("multi_label_classification", {"labels": ["a", "b"]}, {"labels": ["b", "c"]}) == 1 / 3
    )
    assert pair_agreement("multi_label_classification", {"labels": []}, {"labels": []}) == 1.0


def test_rating_distance_on_the_scale() -> None:
    config = {"min": 1, "max": 7}
    assert pair_agreement("rating", {"rating": 2}, {"rating": 5}, config=config) == pytest.approx(0.5)
    assert pair_agreement("rating", {"rating": 1}, {"rating": 5}) == 0.0
    assert pair_agreement("rating", {"rating": 4}, {"rating": 4}) == 1.0
    assert pair_agreement("rating", {"rating": 4}, {}) is None


@pytest.mark.parametrize(
    ("handling", "expected"),
    [
        ("category", {("A", "A"): 1.0, ("A", "B"): 0.0, ("A", "tie"): 0.0, ("tie", "tie"): 1.0}),
        ("partial", {("A", "A"): 1.0, ("A", "B"): 0.0, ("A", "tie"): 0.5, ("tie", "tie"): 1.0}),
        ("exclude", {("A", "A"): 1.0, ("A", "B"): 0.0, ("A", "tie"): None, ("tie", "tie"): None}),
    ],
)
def test_preferences_with_and_without_ties(
    handling: str, expected: dict[tuple[str, str], float | None]
) -> None:
    config = {"tie_handling": handling}
    for (first, second), value in expected.items():
        for a, b in ((first, second), (second, first)):
            assert (
                pair_agreement("pairwise_preference", {"preference": a}, {"preference": b}, config=config)
                == value
            )


def test_preferences_default_and_errors() -> None:
    assert pair_agreement("pairwise_preference", {"preference": "tie"}, {"preference": "B"}) == 0.0
    with pytest.raises(ValueError, match="tie_handling"):
        pair_agreement(
            "pairwise_preference", {"preference": "A"}, {"preference": "A"}, config={"tie_handling": "?"}
        )


# --- spans ---------------------------------------------------------------------------------------


def test_ner_span_f1_exact_and_overlap() -> None:
    a = {"spans": [{"start": 0, "end": 5, "label": "PER"}, {"start": 10, "end": 15, "label": "LOC"}]}
    b = {
        "spans": [
            {"start": 0, "end": 5, "label": "PER"},
            {"start": 11, "end": 15, "label": "LOC"},
            {"start": 20, "end": 22, "label": "ORG"},
        ]
    }
    # Exact: one common span of 2 + 3 → F1 = 2·1 / 5. Overlap: 1 + 0.5 credit → 2·1.5 / 5.
    assert pair_agreement("ner", a, b) == pytest.approx(2 / 5)
    assert pair_agreement("ner", a, b, config={"ner_match": "overlap"}) == pytest.approx(3 / 5)
    assert pair_agreement("ner", {"spans": []}, {"spans": []}) == 1.0
    assert span_f1([], b["spans"]) == 0.0


spans = st.lists(
    st.builds(
        lambda start, length, label: {"start": start, "end": start + length, "label": label},
        st.integers(0, 30),
        st.integers(1, 8),
        st.sampled_from(["PER", "LOC"]),
    ),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(spans, spans, st.sampled_from(["exact", "overlap"]))
def test_span_f1_is_symmetric(first: list[dict[str, Any]], second: list[dict[str, Any]], mode: Any) -> None:
    assert span_f1(first, second, mode) == pytest.approx(span_f1(second, first, mode), abs=1e-12)
    assert 0.0 <= span_f1(first, second, mode) <= 1.0


# --- transcripts -------------------------------------------------------------------------------


def test_symmetric_wer_is_edits_over_mean_length() -> None:
    unit, rate = symmetric_error_rate("The cat sat.", "the cat sat down", "en")
    assert unit == "word"
    assert rate == pytest.approx(2 * 1 / (3 + 4))
    # The harmonic mean of the two directional WERs (1/3 and 1/4).
    one_way = error_counts("The cat sat.", "the cat sat down", "en")[1].error_rate
    other_way = error_counts("the cat sat down", "The cat sat.", "en")[1].error_rate
    assert rate == pytest.approx(2 / (1 / one_way + 1 / other_way))
    assert pair_agreement(
        "audio_transcription", segments("The cat", "sat."), segments("the cat sat down")
    ) == pytest.approx(5 / 7)


def test_transcripts_normalised_per_language_and_cer_for_unspaced_scripts() -> None:
    # Arabic: tashkeel and alef forms don't count; Chinese: characters, spaces ignored.
    assert pair_agreement("audio_transcription", segments("أَحْمَد"), segments("احمد"), language="ar") == 1.0
    unit, rate = symmetric_error_rate("我爱北京", "我 爱 上海", "zh")
    assert unit == "character"
    assert rate == pytest.approx(2 * 2 / 8)
    # Without a language, the script of both texts decides, the same both ways.
    assert symmetric_error_rate("我爱北京", "我爱上海") == symmetric_error_rate("我爱上海", "我爱北京")
    assert pair_agreement("audio_transcription", segments(""), segments("")) == 1.0
    assert pair_agreement("audio_transcription", segments("a"), segments("b c d e")) == 0.0
    forced = pair_agreement(
        "audio_transcription", segments("cat"), segments("cut"), config={"transcript_metric": "cer"}
    )
    assert forced == pytest.approx(1 - 2 * 1 / 6)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="ab cé.ا我", max_size=15), st.text(alphabet="ab cé.ا我", max_size=15))
def test_transcription_agreement_is_symmetric(first: str, second: str) -> None:
    for language in (None, "en", "zh"):
        ab = pair_agreement("audio_transcription", segments(first), segments(second), language=language)
        ba = pair_agreement("audio_transcription", segments(second), segments(first), language=language)
        assert ab == pytest.approx(ba, abs=1e-12)


# --- images --------------------------------------------------------------------------------------


def test_boxes_matched_iou() -> None:
    a = {"boxes": [box("car", 0, 0), box("car", 50, 50), box("person", 20, 0)]}
    b = {"boxes": [box("car", 2, 0), box("car", 50, 50)]}
    # Matched: IoU(0,0 vs 2,0) = 80/120 and 1; person unmatched → 2·(2/3 + 1) / (3 + 2).
    assert pair_agreement("image_bounding_box", a, b, IMAGE) == pytest.approx(2 * (2 / 3 + 1) / 5)
    assert pair_agreement("image_bounding_box", b, a, IMAGE) == pytest.approx(2 * (2 / 3 + 1) / 5)
    # Below the IoU threshold the pair doesn't match at all.
    assert (
        pair_agreement("image_bounding_box", {"boxes": [box("car", 0, 0)]}, {"boxes": [box("car", 6, 0)]})
        == 0.0
    )
    assert pair_agreement(
        "image_bounding_box",
        {"boxes": [box("car", 0, 0)]},
        {"boxes": [box("car", 6, 0)]},
        config={"iou_threshold": 0.2},
    ) == pytest.approx(40 / 160)
    assert (
        pair_agreement("image_bounding_box", {"boxes": [box("car", 0, 0)]}, {"boxes": [box("bus", 0, 0)]})
        == 0.0
    )
    assert pair_agreement("image_bounding_box", {"boxes": []}, {"boxes": []}) == 1.0


def test_polygons_matched_iou() -> None:
    a = {"polygons": [square("roof", 0, 0), square("roof", 40, 40)]}
    b = {"polygons": [square("roof", 2, 0)]}
    assert pair_agreement("image_polygon", a, b, IMAGE) == pytest.approx(2 * (80 / 120) / 3, abs=1e-3)
    assert pair_agreement("image_polygon", b, a, IMAGE) == pair_agreement("image_polygon", a, b, IMAGE)


def test_keypoints_symmetric_oks() -> None:
    points = [{"name": "nose", "x": 10, "y": 10}, {"name": "tail", "x": 40, "y": 30}]
    moved = [{"name": "nose", "x": 12, "y": 10}, {"name": "tail", "x": 40, "y": 31}]
    a = {"keypoints": [{"label": "cat", "points": points}]}
    b = {"keypoints": [{"label": "cat", "points": moved}]}
    assert pair_agreement("image_keypoints", a, a, IMAGE) == 1.0
    ab = pair_agreement("image_keypoints", a, b, IMAGE)
    assert ab == pair_agreement("image_keypoints", b, a, IMAGE)
    assert ab is not None and 0.5 < ab < 1.0


def test_masks_iou_and_dice() -> None:
    # 4×4 image, column-major runs. a: pixels 0–7; b: pixels 4–11 → intersection 4, union 12.
    a = {"masks": [mask("road", [0, 8, 8])]}
    b = {"masks": [mask("road", [4, 8, 4])]}
    assert pair_agreement("segmentation_mask", a, b) == pytest.approx(4 / 12)
    assert pair_agreement("segmentation_mask", a, b, config={"mask_agreement": "dice"}) == pytest.approx(
        2 * 4 / 16
    )
    assert mask_dice_agreement(a, b) == pytest.approx(0.5)
    # A label only one side drew scores 0 for that label.
    c = {"masks": [mask("road", [0, 8, 8]), mask("sky", [12, 4])]}
    assert pair_agreement("segmentation_mask", a, c) == pytest.approx(0.5)
    assert pair_agreement("segmentation_mask", {"masks": []}, {"masks": []}) == 1.0
    with pytest.raises(ValueError, match="sizes"):
        pair_agreement("segmentation_mask", a, {"masks": [mask("road", [0, 8, 1], (3, 3))]})


# --- the item ------------------------------------------------------------------------------------


def test_item_mean_over_pairs() -> None:
    answers = [{"label": "a"}, {"label": "a"}, {"label": "b"}]
    assert [(p.first, p.second, p.value) for p in agreement_pairs("classification", answers)] == [
        (0, 1, 1.0),
        (0, 2, 0.0),
        (1, 2, 0.0),
    ]
    assert item_agreement("classification", answers) == pytest.approx(1 / 3)
    assert annotator_agreement("classification", answers) == [0.5, 0.5, 0.0]
    assert item_agreement("classification", answers[:1]) is None
    assert item_agreement("classification", []) is None
    ties = [{"preference": "tie"}, {"preference": "A"}, {"preference": "A"}]
    assert item_agreement("pairwise_preference", ties, config={"tie_handling": "exclude"}) == 1.0
    assert item_agreement("pairwise_preference", ties[:2], config={"tie_handling": "exclude"}) is None
    with pytest.raises(ValueError, match="no agreement metric"):
        item_agreement("telepathy", answers)


EXAMPLES: dict[str, list[dict[str, Any]]] = {
    "classification": [{"label": "a"}, {"label": "b"}],
    "multi_label_classification": [{"labels": ["a"]}, {"labels": ["a", "b"]}],
    "ner": [
        {"spans": [{"start": 0, "end": 3, "label": "PER"}]},
        {"spans": [{"start": 1, "end": 3, "label": "PER"}]},
    ],
    "rating": [{"rating": 2}, {"rating": 3}],
    "pairwise_preference": [{"preference": "A"}, {"preference": "tie"}],
    "audio_transcription": [segments("hello world"), segments("hello word")],
    "image_bounding_box": [{"boxes": [box("car", 0, 0)]}, {"boxes": [box("car", 1, 1)]}],
    "image_polygon": [{"polygons": [square("roof", 0, 0)]}, {"polygons": [square("roof", 1, 0)]}],
    "image_keypoints": [
        {"keypoints": [{"label": "cat", "points": [{"x": 1, "y": 1}, {"x": 9, "y": 9}]}]},
        {"keypoints": [{"label": "cat", "points": [{"x": 2, "y": 1}, {"x": 9, "y": 8}]}]},
    ],
    "segmentation_mask": [{"masks": [mask("road", [0, 8, 8])]}, {"masks": [mask("road", [2, 8, 6])]}],
}


@pytest.mark.parametrize("task_type", sorted(PAIRWISE_AGREEMENT))
def test_every_task_type_is_symmetric_bounded_and_one_on_itself(task_type: str) -> None:
    first, second = EXAMPLES[task_type]
    ab = pair_agreement(task_type, first, second, IMAGE, {}, "en")
    assert ab == pair_agreement(task_type, second, first, IMAGE, {}, "en")
    assert ab is not None and 0.0 <= ab < 1.0
    for answer in (first, second):
        assert pair_agreement(task_type, answer, answer, IMAGE, {}, "en") == 1.0


def test_values_for_alpha() -> None:
    assert alpha_value("classification", {"label": "spam"}) == "spam"
    assert alpha_value("rating", {"rating": 4}) == 4.0
    assert alpha_value("ner", {"spans": []}) is None
    assert [alpha_value("pairwise_preference", {"preference": p}) for p in ("A", "tie", "B")] == [
        "A",
        "tie",
        "B",
    ]
    partial = {"tie_handling": "partial"}
    assert [alpha_value("pairwise_preference", {"preference": p}, partial) for p in ("A", "tie", "B")] == [
        1,
        0,
        -1,
    ]
    excluded = {"tie_handling": "exclude"}
    assert alpha_value("pairwise_preference", {"preference": "tie"}, excluded) is None
    assert alpha_level("classification") == "nominal"
    assert alpha_level("rating") == "interval"
    assert alpha_level("rating", {"rating_level": "ordinal"}) == "ordinal"
    assert alpha_level("pairwise_preference", partial) == "ordinal"
    assert alpha_level("image_polygon") is None


def test_all_pairs_orders_agree() -> None:
    answers = [{"rating": r} for r in (1, 2, 4, 5)]
    forward = item_agreement("rating", answers)
    for permutation in itertools.permutations(answers):
        assert item_agreement("rating", list(permutation)) == pytest.approx(forward)
