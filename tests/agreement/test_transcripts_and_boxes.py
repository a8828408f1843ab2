"""Medoid transcripts (per-language normalisation) and IoU clustering of boxes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from marketplace.agreement.boxes import cluster_boxes
from marketplace.agreement.consensus import consensus_for
from marketplace.agreement.medoid import weighted_medoid
from marketplace.agreement.transcripts import joined_transcript, transcript_distance
from marketplace.agreement.weighted import weighted_median, weighted_quantile


def transcript(*texts: str) -> dict[str, Any]:
    return {
        "segments": [
            {"speaker": "s1", "start": float(i), "end": float(i) + 0.9, "text": text}
            for i, text in enumerate(texts)
        ]
    }


# --- transcripts -------------------------------------------------------------------------------


def test_distance_is_normalised_and_symmetric() -> None:
    assert transcript_distance("the cat sat", "the cat sat", "en") == 0.0
    assert transcript_distance("The cat, sat!", "the cat sat", "en") == 0.0  # case and punctuation
    assert transcript_distance("the cat sat", "the dog sat down", "en") == pytest.approx(2 / 4)
    assert transcript_distance("the dog sat down", "the cat sat", "en") == pytest.approx(2 / 4)
    assert transcript_distance("", "", "en") == 0.0 and transcript_distance("", "a b", "en") == 1.0


def test_arabic_with_and_without_diacritics_is_the_same_transcript() -> None:
    vocalised = "ذَهَبَ أَحْمَدُ إِلَى المَدْرَسَةِ"
    plain = "ذهب احمد الى المدرسة"  # no tashkeel, bare alef for أ and إ, yeh for alef maksura
    assert transcript_distance(vocalised, plain, "ar") == 0.0
    answers = {
        1: transcript(vocalised),
        2: transcript(plain),
        3: transcript("ذهب محمد الى البيت"),
    }
    result = consensus_for("audio_transcription", answers, None, None, "ar")
    assert result.support["distances"]["2" if result.support["medoid"] == 1 else "1"] == 0.0
    assert result.support["medoid"] in (1, 2)
    assert result.agreement[1] == result.agreement[2] == 1.0
    assert result.agreement[3] == pytest.approx(0.5)  # 2 of 4 words wrong


def test_the_medoid_is_the_central_transcript() -> None:
    central = "we shipped the order on monday and it arrived on friday"
    answers = {
        10: transcript("we shipped the order on monday and it arrived friday"),
        11: transcript(
            "we shipped the order on monday", "and it arrived on friday"
        ),  # same words, 2 segments
        12: transcript("we ship the order monday and it arrived on a friday"),
        13: transcript("they shipped an order on sunday it arrived"),
    }
    result = consensus_for("audio_transcription", answers, None, None, "en")
    assert result.method == "transcript_medoid"
    assert result.support["medoid"] == 11
    assert joined_transcript(result.answer or {}) == central
    assert result.answer == answers[11]  # kept whole, segments and speakers included
    assert result.resolved
    assert result.agreement[11] == 1.0 and result.agreement[13] < result.agreement[10]


def test_languages_without_spaces_compare_characters() -> None:
    assert transcript_distance("今天天气很好", "今天天气不好", "zh") == pytest.approx(1 / 6)
    assert transcript_distance("今天 天气很好", "今天天气很好", "zh") == 0.0  # spaces are not words


def test_weighted_medoid_prefers_the_trusted_one_on_a_tie() -> None:
    distances = np.array([[0.0, 0.4], [0.4, 0.0]])
    index, mean = weighted_medoid(distances, [0.5, 0.9])
    assert index == 1 and mean == pytest.approx(0.4)
    assert weighted_medoid(distances, [1.0, 1.0])[0] == 0
    assert weighted_medoid(np.zeros((1, 1)), [1.0]) == (0, 0.0)


# --- boxes -------------------------------------------------------------------------------------


def box(label: str, x: float, y: float, width: float, height: float) -> dict[str, Any]:
    return {"label": label, "x": x, "y": y, "width": width, "height": height}


def test_overlapping_boxes_merge_and_single_annotator_boxes_drop() -> None:
    answers = {
        1: {"boxes": [box("car", 10, 10, 100, 50), box("person", 300, 40, 20, 60)]},
        2: {"boxes": [box("car", 14, 12, 100, 50)]},
        3: {"boxes": [box("car", 12, 8, 98, 52), box("car", 200, 200, 30, 30)]},
    }
    result = consensus_for("image_bounding_box", answers, None, None, None)
    assert result.method == "box_clustering"
    assert result.answer == {"boxes": [box("car", 12.0, 10.0, 99.33333333333333, 50.666666666666664)]}
    clusters = result.support["clusters"]
    assert [(c["label"], c["annotators"], c["kept"]) for c in clusters] == [
        ("car", [1, 2, 3], True),
        ("car", [3], False),
        ("person", [1], False),
    ]
    assert result.resolved
    assert result.agreement[2] == 1.0  # its one car matches; annotators 1 and 3 drew extras
    assert result.agreement[1] == pytest.approx(2 / 3)


def test_box_coordinates_are_averaged_by_trust() -> None:
    answers = {1: {"boxes": [box("car", 0, 0, 10, 10)]}, 2: {"boxes": [box("car", 2, 0, 10, 10)]}}
    result = consensus_for("image_bounding_box", answers, None, None, None, weights={1: 0.75, 2: 0.25})
    assert result.answer == {"boxes": [box("car", 0.5, 0.0, 10.0, 10.0)]}


def test_one_box_per_annotator_per_cluster() -> None:
    """Annotator 1 drew two overlapping cars; annotator 2 one. Two clusters, one per car of
    annotator 1, and annotator 2's box joins the closer one."""
    answers = {
        1: {"boxes": [box("car", 0, 0, 10, 10), box("car", 1, 0, 10, 10)]},
        2: {"boxes": [box("car", 1, 0, 10, 10)]},
    }
    clusters = cluster_boxes(answers, {1: 1.0, 2: 1.0})
    assert sorted(len(c.members) for c in clusters) == [1, 2]
    merged = next(c for c in clusters if len(c.members) == 2)
    assert merged.members == {1: 1, 2: 0} and merged.box == (1.0, 0.0, 10.0, 10.0)


def test_boxes_split_evenly_leave_the_item_unresolved() -> None:
    answers: dict[int, dict[str, Any]] = {1: {"boxes": [box("car", 0, 0, 10, 10)]}, 2: {"boxes": []}}
    result = consensus_for("image_bounding_box", answers, None, None, None)
    assert result.answer == {"boxes": []} and not result.resolved
    nobody = consensus_for("image_bounding_box", {1: {"boxes": []}, 2: {"boxes": []}}, None, None, None)
    assert nobody.answer == {"boxes": []} and nobody.resolved


def test_iou_threshold_comes_from_the_config() -> None:
    answers = {1: {"boxes": [box("car", 0, 0, 10, 10)]}, 2: {"boxes": [box("car", 4, 0, 10, 10)]}}
    # IoU = 60 / 140 ≈ 0.43: separate at the default 0.5, merged at 0.4.
    assert consensus_for("image_bounding_box", answers, None, None, None).answer == {"boxes": []}
    merged = consensus_for("image_bounding_box", answers, None, {"iou_threshold": 0.4}, None)
    assert merged.answer == {"boxes": [box("car", 2.0, 0.0, 10.0, 10.0)]}


# --- weighted statistics -----------------------------------------------------------------------


def test_weighted_quantiles_and_median() -> None:
    assert weighted_quantile([1, 2, 3, 4], [1, 1, 1, 1], 0.5) == 2.5
    assert weighted_quantile([3, 4, 5], [1, 1, 1], 0.25) == pytest.approx(3.25)  # Hazen
    assert weighted_median([1, 2, 3], [1, 1, 5]) == 3
    assert weighted_median([1, 5], [1, 1]) == 1  # both minimise; equidistant from the mean: lower
    assert weighted_median([1, 2, 9], [1, 1, 0]) == 1  # a zero weight does not pull the median
    with pytest.raises(ValueError):
        weighted_median([], [])
