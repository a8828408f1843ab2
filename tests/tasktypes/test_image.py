"""Image task types: bounding boxes, polygons, keypoints and RLE segmentation masks."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.tasktypes import validate_answer, validate_payload
from tests.tasktypes.helpers import answer_errors, pairs

IMAGE: dict[str, Any] = {"image_url": "https://cdn.example.com/i.jpg", "width": 640, "height": 480}
LABELS = ["car", "person"]
IMAGE_TYPES = ["image_bounding_box", "image_polygon", "image_keypoints", "segmentation_mask"]


@pytest.mark.parametrize("name", IMAGE_TYPES)
def test_image_payload(name: str) -> None:
    assert validate_payload(name, IMAGE) == []
    assert validate_payload(name, {**IMAGE, "image_url": "gs://bucket/i.png"}) == []
    assert pairs(validate_payload(name, {"image_url": IMAGE["image_url"]})) == [
        ("payload.height", "required"),
        ("payload.width", "required"),
    ]
    assert pairs(validate_payload(name, {**IMAGE, "width": 0})) == [("payload.width", "minimum")]
    assert pairs(validate_payload(name, {**IMAGE, "height": 2.5})) == [("payload.height", "type")]
    assert pairs(validate_payload(name, {**IMAGE, "image_url": "data:image/png;base64,AAAA"})) == [
        ("payload.image_url", "pattern")
    ]


# --- boxes -------------------------------------------------------------------------------------------


def boxes(*items: dict[str, Any]) -> list[tuple[str, str]]:
    return answer_errors("image_bounding_box", {"boxes": list(items)}, IMAGE, LABELS)


def box(x: float, y: float, w: float, h: float, label: str = "car") -> dict[str, Any]:
    return {"label": label, "x": x, "y": y, "width": w, "height": h}


def test_boxes_inside_the_image() -> None:
    assert boxes() == []
    assert boxes(box(0, 0, 640, 480), box(10.5, 20.25, 100, 50, "person")) == []


def test_boxes_outside_the_image() -> None:
    assert boxes(box(600, 0, 41, 10)) == [("answer.boxes[0].width", "out_of_bounds")]
    assert boxes(box(0, 400, 10, 81)) == [("answer.boxes[0].height", "out_of_bounds")]
    assert boxes(box(0, 0, 1, 1), box(640, 480, 1, 1)) == [
        ("answer.boxes[1].x", "out_of_bounds"),
        ("answer.boxes[1].y", "out_of_bounds"),
    ]
    [error] = validate_answer("image_bounding_box", {"boxes": [box(600, 0, 41, 10)]}, IMAGE, LABELS, {})
    assert error.message == "Is outside the image (width 640 px)."


def test_box_schema() -> None:
    assert boxes(box(-1, 0, 1, 1)) == [("answer.boxes[0].x", "minimum")]
    assert boxes(box(0, 0, 0, 1)) == [("answer.boxes[0].width", "minimum")]
    assert boxes(box(0, 0, 1, 1, "tree")) == [("answer.boxes[0].label", "enum")]
    assert boxes({"label": "car", "x": 0, "y": 0, "width": 1}) == [("answer.boxes[0].height", "required")]


# --- polygons ----------------------------------------------------------------------------------------


def polygons(*points: list[list[float]]) -> list[tuple[str, str]]:
    answer = {"polygons": [{"label": "car", "points": p} for p in points]}
    return answer_errors("image_polygon", answer, IMAGE, LABELS)


def test_polygons() -> None:
    assert polygons([[0, 0], [640, 0], [640, 480]]) == []
    assert polygons([[0, 0], [10, 0]]) == [("answer.polygons[0].points", "too_few_items")]
    assert polygons([[0, 0], [10, 0], [10]]) == [("answer.polygons[0].points[2]", "too_few_items")]
    assert polygons([[0, 0], [10, 0], [10, 10, 1]]) == [("answer.polygons[0].points[2]", "too_many_items")]
    assert polygons([[0, 0], [10, -1], [10, 10]]) == [("answer.polygons[0].points[1][1]", "minimum")]


def test_polygon_points_inside_the_image() -> None:
    assert polygons([[0, 0], [641, 0], [10, 481]]) == [
        ("answer.polygons[0].points[1][0]", "out_of_bounds"),
        ("answer.polygons[0].points[2][1]", "out_of_bounds"),
    ]


def test_polygon_must_enclose_an_area() -> None:
    assert polygons([[0, 0], [5, 5], [10, 10]]) == [("answer.polygons[0].points", "degenerate_polygon")]


def test_polygon_must_not_cross_itself() -> None:
    bow_tie = [[0, 0], [10, 0], [0, 10], [20, 10]]  # lobes of unequal size: the area is not zero
    assert polygons(bow_tie) == [("answer.polygons[0].points", "self_intersecting")]
    # Concave is fine, and so is an outline whose edges only touch.
    assert polygons([[0, 0], [4, 0], [4, 4], [2, 1], [0, 4]]) == []
    assert polygons([[0, 0], [10, 0], [10, 10], [5, 0.0], [0, 10]]) == []


def test_long_outlines_are_checked_for_crossings_too() -> None:
    """Past 256 corners the check goes edge by edge: the same answers either way."""
    import math

    circle = [
        [320 + 200 * math.cos(2 * math.pi * k / 400), 240 + 200 * math.sin(2 * math.pi * k / 400)]
        for k in range(400)
    ]
    assert polygons(circle) == []
    swapped = [*circle[:100], circle[300], *circle[101:300], circle[100], *circle[301:]]
    assert polygons(swapped) == [("answer.polygons[0].points", "self_intersecting")]


# --- keypoints ---------------------------------------------------------------------------------------


def keypoints(points: list[dict[str, Any]], config: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    answer = {"keypoints": [{"label": "person", "points": points}]}
    return answer_errors("image_keypoints", answer, IMAGE, LABELS, config)


def test_unnamed_keypoints() -> None:
    assert keypoints([{"x": 1, "y": 2}, {"x": 640, "y": 480, "visible": False}]) == []
    assert keypoints([]) == [("answer.keypoints[0].points", "too_few_items")]
    assert keypoints([{"x": 641, "y": 2}]) == [("answer.keypoints[0].points[0].x", "out_of_bounds")]
    assert keypoints([{"x": 1, "y": 500}]) == [("answer.keypoints[0].points[0].y", "out_of_bounds")]
    assert keypoints([{"x": 1, "y": 2, "visible": "yes"}]) == [
        ("answer.keypoints[0].points[0].visible", "type")
    ]


def test_named_keypoints() -> None:
    config = {"keypoint_names": ["nose", "left_eye"]}
    assert keypoints([{"name": "nose", "x": 1, "y": 1}, {"name": "left_eye", "x": 2, "y": 1}], config) == []
    assert keypoints([{"name": "tail", "x": 1, "y": 1}], config) == [
        ("answer.keypoints[0].points[0].name", "enum")
    ]
    assert keypoints([{"x": 1, "y": 1}], config) == [("answer.keypoints[0].points[0].name", "required")]
    assert keypoints([{"name": "nose", "x": 1, "y": 1}, {"name": "nose", "x": 2, "y": 2}], config) == [
        ("answer.keypoints[0].points[1].name", "not_unique")
    ]


# --- masks -------------------------------------------------------------------------------------------

SMALL = {"image_url": "https://cdn.example.com/tile.png", "width": 4, "height": 3}


def masks(*rles: dict[str, Any]) -> list[tuple[str, str]]:
    answer = {"masks": [{"label": "car", "rle": rle} for rle in rles]}
    return answer_errors("segmentation_mask", answer, SMALL, LABELS)


def test_masks() -> None:
    assert masks({"size": [3, 4], "counts": [12]}) == []  # all background
    assert masks({"size": [3, 4], "counts": [0, 12]}) == []  # all object
    assert masks({"size": [3, 4], "counts": [4, 5, 3]}) == []


def test_bad_rle_sum() -> None:
    assert masks({"size": [3, 4], "counts": [4, 5, 2]}) == [("answer.masks[0].rle.counts", "bad_rle")]
    [error] = validate_answer(
        "segmentation_mask",
        {"masks": [{"label": "car", "rle": {"size": [3, 4], "counts": [4, 5, 2]}}]},
        SMALL,
        LABELS,
        {},
    )
    assert error.message == "The runs cover 11 pixels but the mask has 12 (height × width)."


def test_rle_size_must_match_the_image() -> None:
    # [width, height] instead of [height, width]: the sum still fits, the orientation doesn't.
    assert masks({"size": [4, 3], "counts": [12]}) == [("answer.masks[0].rle.size", "bad_rle")]
    assert masks({"size": [3, 5], "counts": [12]}) == [
        ("answer.masks[0].rle.size", "bad_rle"),
        ("answer.masks[0].rle.counts", "bad_rle"),
    ]


def test_rle_schema() -> None:
    assert masks({"size": [3, 4], "counts": [4, -1, 9]}) == [("answer.masks[0].rle.counts[1]", "minimum")]
    assert masks({"size": [3, 4], "counts": "4513"}) == [("answer.masks[0].rle.counts", "type")]
    assert masks({"size": [3], "counts": [3]}) == [("answer.masks[0].rle.size", "too_few_items")]
    assert masks({"counts": [12]}) == [("answer.masks[0].rle.size", "required")]
