"""Properties every scorer keeps, checked with hypothesis on generated answers of each task type:

* the value is in [0, 1] and ``correct`` is exactly ``value >= threshold``;
* an answer identical to the gold scores 1 and is correct;
* the detail is plain JSON;
* matching-based scores don't depend on the order shapes are listed in.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.qualification.scoring import pass_threshold, score_answer

LABELS = ["car", "person"]
IMAGE = {"image_url": "https://cdn.example.com/i.jpg", "width": 40, "height": 30}
RATING_CONFIG = {"min": 1, "max": 5, "step": 0.5}

coordinate = st.floats(min_value=0, max_value=30, allow_nan=False).map(lambda v: round(v, 2))
label = st.sampled_from(LABELS)


@st.composite
def ner_answers(draw: st.DrawFn) -> dict[str, Any]:
    spans = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, 25))
        spans.append({"start": start, "end": start + draw(st.integers(1, 6)), "label": draw(label)})
    return {"spans": spans}


@st.composite
def transcripts(draw: st.DrawFn) -> dict[str, Any]:
    words = st.text(alphabet="abc xyzé,.!’ابت我爱カ", min_size=1, max_size=20)
    count = draw(st.integers(1, 3))
    return {
        "segments": [
            {
                "speaker": draw(st.sampled_from(["s1", "s2"])),
                "start": float(i),
                "end": i + 1.0,
                "text": draw(words),
            }
            for i in range(count)
        ]
    }


boxes = st.builds(
    lambda items: {"boxes": items},
    st.lists(
        st.fixed_dictionaries(
            {
                "label": label,
                "x": coordinate,
                "y": coordinate,
                "width": st.integers(1, 10),
                "height": st.integers(1, 10),
            }
        ),
        max_size=5,
    ),
)
polygons = st.builds(
    lambda items: {"polygons": items},
    st.lists(
        st.fixed_dictionaries(
            {
                "label": label,
                "points": st.lists(st.tuples(coordinate, coordinate).map(list), min_size=3, max_size=6),
            }
        ),
        max_size=3,
    ),
)
keypoints = st.builds(
    lambda items: {"keypoints": items},
    st.lists(
        st.fixed_dictionaries(
            {
                "label": label,
                "points": st.lists(
                    st.fixed_dictionaries({"x": coordinate, "y": coordinate, "visible": st.booleans()}),
                    min_size=1,
                    max_size=4,
                ),
            }
        ),
        max_size=3,
    ),
)


@st.composite
def masks(draw: st.DrawFn) -> dict[str, Any]:
    items = []
    for _ in range(draw(st.integers(0, 3))):
        pixels = np.array(draw(st.lists(st.booleans(), min_size=12, max_size=12)))
        runs = np.diff(np.concatenate([[0], np.flatnonzero(np.diff(pixels.astype(int))) + 1, [12]])).tolist()
        counts = [0, *runs] if pixels[0] else runs
        items.append({"label": draw(label), "rle": {"size": [3, 4], "counts": counts}})
    return {"masks": items}


STRATEGIES: dict[str, tuple[st.SearchStrategy[dict[str, Any]], dict[str, Any], dict[str, Any]]] = {
    "classification": (st.builds(lambda v: {"label": v}, label), {"text": "t"}, {}),
    "multi_label_classification": (
        st.builds(lambda v: {"labels": sorted(v)}, st.sets(st.sampled_from(["a", "b", "c", "d"]))),
        {"text": "t"},
        {},
    ),
    "ner": (ner_answers(), {"text": "x" * 40}, {}),
    "rating": (st.builds(lambda v: {"rating": 1 + v / 2}, st.integers(0, 8)), {"text": "t"}, RATING_CONFIG),
    "pairwise_preference": (
        st.builds(lambda v: {"preference": v}, st.sampled_from(["A", "B", "tie"])),
        {},
        {},
    ),
    "audio_transcription": (transcripts(), {"audio_url": "https://cdn.example.com/a.mp3"}, {}),
    "image_bounding_box": (boxes, IMAGE, {}),
    "image_polygon": (polygons, IMAGE, {}),
    "image_keypoints": (keypoints, IMAGE, {}),
    "segmentation_mask": (masks(), {**IMAGE, "width": 4, "height": 3}, {}),
}


def _check(task_type: str, answer: dict[str, Any], gold: dict[str, Any]) -> None:
    _strategy, payload, config = STRATEGIES[task_type]
    score = score_answer(task_type, answer, gold, payload, config, "en")
    assert 0.0 <= score.value <= 1.0
    assert score.correct == (score.value >= pass_threshold(task_type, config))
    json.dumps(score.detail)
    same = score_answer(task_type, gold, gold, payload, config, "en")
    assert same.value == 1.0 and same.correct


def _property(task_type: str) -> Any:
    strategy = STRATEGIES[task_type][0]

    @settings(max_examples=40, deadline=None)
    @given(strategy, strategy)
    def check(answer: dict[str, Any], gold: dict[str, Any]) -> None:
        _check(task_type, answer, gold)

    return check


test_classification_properties = _property("classification")
test_multi_label_properties = _property("multi_label_classification")
test_ner_properties = _property("ner")
test_rating_properties = _property("rating")
test_pairwise_properties = _property("pairwise_preference")
test_transcription_properties = _property("audio_transcription")
test_box_properties = _property("image_bounding_box")
test_polygon_properties = _property("image_polygon")
test_keypoint_properties = _property("image_keypoints")
test_mask_properties = _property("segmentation_mask")


@settings(max_examples=40, deadline=None)
@given(boxes, boxes, st.randoms(use_true_random=False))
def test_box_score_ignores_listing_order(answer: dict[str, Any], gold: dict[str, Any], rng: Any) -> None:
    shuffled = list(answer["boxes"])
    rng.shuffle(shuffled)
    first = score_answer("image_bounding_box", answer, gold, IMAGE, {})
    second = score_answer("image_bounding_box", {"boxes": shuffled}, gold, IMAGE, {})
    assert first.value == second.value
    # F1 of a one-to-one matching is symmetric in gold and answer.
    assert score_answer("image_bounding_box", gold, answer, IMAGE, {}).value == first.value
