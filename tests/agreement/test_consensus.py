"""Consensus per task type: votes, weights, ties, single answers, and the dispatcher."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.agreement.consensus import (
    CONSENSUS_METHODS,
    NEUTRAL_WEIGHT,
    Consensus,
    answer_weights,
    consensus_for,
    dawid_skene_consensus,
    log_odds_weight,
    shrunk_confidence,
)
from marketplace.tasktypes.registry import TASK_TYPES
from tests.agreement.dawid_skene_1979 import TABLE_1


def classify(**labels: str) -> dict[int, dict[str, Any]]:
    """``classify(a1="x", a2="y")`` → answers of annotators 1 and 2."""
    return {int(key[1:]): {"label": value} for key, value in labels.items()}


def run(task_type: str, answers: dict[int, dict[str, Any]], **kwargs: Any) -> Consensus:
    payload = kwargs.pop("payload", None)
    config = kwargs.pop("config", None)
    language = kwargs.pop("language", None)
    return consensus_for(task_type, answers, payload, config, language, **kwargs)


# --- classification -------------------------------------------------------------------------------


def test_majority_vote_two_against_one() -> None:
    result = run("classification", classify(a1="pos", a2="pos", a3="neg"))
    assert result.answer == {"label": "pos"}
    assert result.method == "majority_vote"
    assert result.support["share"] == pytest.approx(2 / 3)
    assert result.confidence == pytest.approx(2 / 3 * 3 / 4)  # shrunk by one pseudo-answer
    assert result.resolved
    assert result.agreement == {1: 1.0, 2: 1.0, 3: 0.0}


def test_trust_weights_flip_a_two_to_one_majority() -> None:
    """One trusted annotator (0.9) against two doubtful ones (0.3 + 0.3 = 0.6)."""
    answers = classify(a1="pos", a2="pos", a3="neg")
    result = run("classification", answers, weights={1: 0.3, 2: 0.3, 3: 0.9})
    assert result.answer == {"label": "neg"}
    assert result.method == "weighted_vote"
    assert result.support["share"] == pytest.approx(0.6)
    assert result.agreement == {1: 0.0, 2: 0.0, 3: 1.0}
    # ...but not when the two together weigh more.
    assert run("classification", answers, weights={1: 0.5, 2: 0.5, 3: 0.9}).answer == {"label": "pos"}


def test_a_tie_has_no_answer_and_is_unresolved() -> None:
    result = run("classification", classify(a1="pos", a2="neg"))
    assert result.answer is None and not result.resolved
    assert result.support["tied"] == ["neg", "pos"]
    assert result.confidence == pytest.approx(0.5 * 2 / 3)
    assert result.agreement == {}


def test_a_plurality_without_majority_is_the_best_candidate_unresolved() -> None:
    result = run("classification", classify(a1="a", a2="a", a3="b", a4="c"))
    assert result.answer == {"label": "a"}
    assert not result.resolved


def test_a_single_answer_is_kept_with_the_confidence_of_one() -> None:
    result = run("classification", classify(a7="pos"))
    assert result.answer == {"label": "pos"}
    assert result.confidence == pytest.approx(0.5)
    assert not result.resolved  # one judgment is never a consensus: the service asks for more
    assert run("classification", classify(a7="pos"), min_answers=1).resolved


def test_no_answers() -> None:
    result = run("classification", {})
    assert (result.answer, result.confidence, result.resolved) == (None, 0.0, False)


def test_min_confidence_asks_for_more_agreement() -> None:
    two_to_one = classify(a1="x", a2="x", a3="y")
    assert not run("classification", two_to_one, min_confidence=0.6).resolved
    assert run("classification", classify(a1="x", a2="x", a3="x"), min_confidence=0.6).resolved
    with pytest.raises(ValueError):
        run("classification", two_to_one, min_confidence=1.5)


def test_weights() -> None:
    answers = classify(a1="x", a2="y")
    assert answer_weights(answers, None) == {1: 1.0, 2: 1.0}
    assert answer_weights(answers, {1: 0.8}) == {1: 0.8, 2: NEUTRAL_WEIGHT}
    assert answer_weights(answers, {1: 0.0, 2: 0.0}) == {1: 1.0, 2: 1.0}
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            answer_weights(answers, {1: bad})
    assert log_odds_weight(0.5, 2) == 0.0
    assert log_odds_weight(0.9, 2) == pytest.approx(2.1972, abs=1e-4)
    assert log_odds_weight(0.1, 2) == 0.0  # worse than chance weighs nothing
    assert shrunk_confidence(1.0, 3) == pytest.approx(0.75)


# --- multi-label and NER --------------------------------------------------------------------------


def test_multi_label_keeps_labels_chosen_by_a_majority() -> None:
    answers = {
        1: {"labels": ["billing", "shipping"]},
        2: {"labels": ["billing"]},
        3: {"labels": ["billing", "shipping", "complaint"]},
    }
    result = run("multi_label_classification", answers)
    assert result.answer == {"labels": ["billing", "shipping"]}
    assert result.resolved
    assert result.agreement[1] == 1.0 and result.agreement[2] == 0.5  # Jaccard


def test_multi_label_even_split_is_unresolved_and_min_labels_holds() -> None:
    split = run("multi_label_classification", {1: {"labels": ["a", "b"]}, 2: {"labels": ["a"]}})
    assert split.answer == {"labels": ["a"]} and split.support["undecided"] == ["b"]
    assert not split.resolved
    nothing = run(
        "multi_label_classification", {1: {"labels": ["a"]}, 2: {"labels": ["b"]}, 3: {"labels": ["c"]}}
    )
    assert len(nothing.answer["labels"]) == 1  # type: ignore[index]
    assert not nothing.resolved
    none_allowed = run(
        "multi_label_classification", {1: {"labels": []}, 2: {"labels": []}}, config={"min_labels": 0}
    )
    assert none_allowed.answer == {"labels": []} and none_allowed.resolved


def span(start: int, end: int, label: str) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label}


def test_ner_keeps_spans_marked_by_at_least_half() -> None:
    answers = {
        1: {"spans": [span(0, 12, "PER"), span(25, 31, "LOC")]},
        2: {"spans": [span(0, 12, "PER"), span(25, 31, "ORG")]},
        3: {"spans": [span(0, 12, "PER"), span(25, 31, "LOC"), span(13, 16, "PER")]},
        4: {"spans": [span(0, 3, "PER")]},
    }
    result = run("ner", answers)
    assert result.answer == {"spans": [span(0, 12, "PER"), span(25, 31, "LOC")]}
    assert result.resolved is False  # the LOC span has exactly half the votes: kept, disputed
    three = {k: v for k, v in answers.items() if k != 4}
    settled = run("ner", three)
    assert settled.answer == {"spans": [span(0, 12, "PER"), span(25, 31, "LOC")]}
    assert settled.resolved
    assert settled.agreement[1] == 1.0 and 0 < settled.agreement[3] < 1


def test_ner_overlapping_majorities_keep_the_better_supported_span() -> None:
    answers = {
        1: {"spans": [span(0, 12, "PER")]},
        2: {"spans": [span(0, 12, "PER")]},
        3: {"spans": [span(0, 3, "PER")]},
        4: {"spans": [span(0, 3, "PER"), span(0, 12, "PER")]},
    }
    result = run("ner", answers)
    assert result.answer == {"spans": [span(0, 12, "PER")]}
    assert result.support["conflicts"] == [span(0, 3, "PER")]
    assert not result.resolved
    nested = run("ner", answers, config={"allow_overlap": True})
    assert nested.support["conflicts"] == [span(0, 3, "PER")]  # same label may still not overlap


def test_ner_where_nobody_marks_anything() -> None:
    result = run("ner", {1: {"spans": []}, 2: {"spans": []}})
    assert result.answer == {"spans": []} and result.resolved


# --- rating and pairwise ---------------------------------------------------------------------------


def test_rating_median_with_iqr_confidence() -> None:
    same = run("rating", {1: {"rating": 4}, 2: {"rating": 4}, 3: {"rating": 4}})
    assert same.answer == {"rating": 4} and same.confidence == pytest.approx(0.75)
    close = run("rating", {1: {"rating": 4}, 2: {"rating": 4}, 3: {"rating": 5}})
    assert close.answer == {"rating": 4}
    assert close.support["iqr"] == pytest.approx(0.75)  # Hazen quartiles 4 and 4.75
    assert close.confidence == pytest.approx((1 - 0.75 / 4) * 0.75)
    assert close.resolved
    spread = run("rating", {1: {"rating": 1}, 2: {"rating": 3}, 3: {"rating": 5}})
    assert spread.answer == {"rating": 3}
    assert spread.confidence < 0.25 and not spread.resolved


def test_rating_median_follows_the_weights_and_stays_on_the_scale() -> None:
    answers = {1: {"rating": 2}, 2: {"rating": 2}, 3: {"rating": 5}}
    assert run("rating", answers, weights={1: 0.2, 2: 0.2, 3: 0.9}).answer == {"rating": 5}
    even = run("rating", {1: {"rating": 3}, 2: {"rating": 4}})
    assert even.answer == {"rating": 3}  # an actual rating, not 3.5
    half_steps = run(
        "rating", {1: {"rating": 2.5}, 2: {"rating": 2.5}}, config={"min": 1, "max": 5, "step": 0.5}
    )
    assert half_steps.answer == {"rating": 2.5}


def test_pairwise_is_the_likeliest_outcome_under_davidson() -> None:
    answers: dict[int, dict[str, Any]] = {
        1: {"preference": "A", "ratings": {"a": 6, "b": 3}},
        2: {"preference": "A", "ratings": {"a": 5, "b": 4}},
        3: {"preference": "tie"},
    }
    result = run("pairwise_preference", answers)
    assert result.method == "davidson"
    assert result.answer == {"preference": "A", "ratings": {"a": 5.0, "b": 3.0}}
    assert result.support["probabilities"] == pytest.approx({"A": 2 / 3, "B": 0.0, "tie": 1 / 3})
    assert result.support["preference_a"] == 1.0
    assert result.resolved
    assert result.agreement == {1: 1.0, 2: 1.0, 3: 0.5}


def test_pairwise_a_against_b_is_a_tie_for_the_top_not_a_tie_answer() -> None:
    result = run("pairwise_preference", {1: {"preference": "A"}, 2: {"preference": "B"}})
    assert result.answer is None and not result.resolved
    assert result.support["tied"] == ["A", "B"]
    ties = run("pairwise_preference", {1: {"preference": "tie"}, 2: {"preference": "tie"}})
    assert ties.answer == {"preference": "tie"} and ties.resolved
    no_ratings = run(
        "pairwise_preference",
        {1: {"preference": "B", "ratings": {"a": 1, "b": 2}}},
        config={"rating_scale": None},
    )
    assert no_ratings.answer == {"preference": "B"}


# --- shapes without a dedicated method -------------------------------------------------------------


def test_polygons_take_the_medoid() -> None:
    square = [[0, 0], [10, 0], [10, 10], [0, 10]]
    shifted = [[1, 1], [11, 1], [11, 11], [1, 11]]
    far = [[30, 30], [40, 30], [40, 40], [30, 40]]
    answers = {
        1: {"polygons": [{"label": "car", "points": square}]},
        2: {"polygons": [{"label": "car", "points": shifted}]},
        3: {"polygons": [{"label": "car", "points": far}]},
    }
    payload = {"image_url": "https://cdn.example.com/a.jpg", "width": 50, "height": 50}
    result = run("image_polygon", answers, payload=payload)
    assert result.method == "medoid"
    assert result.answer in (answers[1], answers[2])
    assert result.agreement[3] == 0.0


def test_masks_and_keypoints_take_the_medoid() -> None:
    mask = {"label": "car", "rle": {"size": [2, 2], "counts": [1, 3]}}
    other = {"label": "car", "rle": {"size": [2, 2], "counts": [3, 1]}}
    masks = run("segmentation_mask", {1: {"masks": [mask]}, 2: {"masks": [mask]}, 3: {"masks": [other]}})
    assert masks.answer == {"masks": [mask]} and masks.resolved
    person = {"label": "person", "points": [{"x": 10, "y": 10}, {"x": 20, "y": 30}]}
    keypoints = run("image_keypoints", {1: {"keypoints": [person]}, 2: {"keypoints": [person]}})
    assert keypoints.answer == {"keypoints": [person]} and keypoints.confidence == pytest.approx(2 / 3)


# --- the dispatcher ------------------------------------------------------------------------------


def test_every_task_type_has_a_method_and_handles_its_example() -> None:
    assert set(CONSENSUS_METHODS) == set(TASK_TYPES)
    for name, task_type in TASK_TYPES.items():
        example = task_type.example_answer
        config = task_type.with_defaults({})
        result = consensus_for(name, {1: example, 2: example}, task_type.example_payload, config, "en")
        assert result.answer is not None, name
        assert result.resolved, name
        assert result.confidence == pytest.approx(2 / 3), name
        assert result.agreement == {1: pytest.approx(1.0), 2: pytest.approx(1.0)}, name
        json.dumps(result.support)
        single = consensus_for(name, {5: example}, task_type.example_payload, config, "en")
        assert single.answer is not None and not single.resolved, name
        assert consensus_for(name, {}, task_type.example_payload, config, "en").answer is None


def test_unknown_task_type() -> None:
    with pytest.raises(ValueError):
        consensus_for("poetry", {}, None, None, None)


@settings(max_examples=150, deadline=None)
@given(
    labels=st.dictionaries(st.integers(1, 50), st.sampled_from(["a", "b", "c"]), max_size=9),
    raw_weights=st.lists(st.floats(0, 1, allow_nan=False), min_size=50, max_size=50),
    use_weights=st.booleans(),
)
def test_vote_properties(labels: dict[int, str], raw_weights: list[float], use_weights: bool) -> None:
    answers = {k: {"label": v} for k, v in labels.items()}
    weights = {k: raw_weights[k - 1] for k in labels} if use_weights else None
    result = consensus_for("classification", answers, None, None, None, weights)
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.agreement) in (set(), set(labels))
    if result.resolved:
        assert result.answer is not None and len(labels) >= 2
    if result.answer is not None:
        assert result.answer["label"] in labels.values()
    json.dumps(result.support)


# --- Dawid–Skene over a batch ----------------------------------------------------------------------


def test_dawid_skene_consensus_over_the_papers_batch() -> None:
    """The paper's data as classification answers (observer 1's first rating only): each patient
    gets the label with the highest posterior, and an annotator's agreement is the posterior of
    the label they gave."""
    batch: dict[str, dict[int, dict[str, Any]]] = {}
    for line in TABLE_1.strip().splitlines():
        patient, first, *others = line.split()
        ratings = [first[0], *others]
        batch[f"patient-{patient}"] = {k + 1: {"label": r} for k, r in enumerate(ratings)}
    result = dawid_skene_consensus(batch, labels=["1", "2", "3", "4"])
    assert result.labels == ("1", "2", "3", "4") and result.annotators == (1, 2, 3, 4, 5)
    patient_1 = result.items["patient-1"]
    assert patient_1.answer == {"label": "1"} and patient_1.method == "dawid_skene"
    assert patient_1.resolved and patient_1.confidence > 0.99
    assert set(patient_1.agreement) == {1, 2, 3, 4, 5}
    assert all(0.0 <= c.confidence <= 1.0 for c in result.items.values())
    assert result.fit.confusion.shape == (5, 4, 4)
    json.dumps(patient_1.support)
