"""Text task types: classification, multi-label classification, NER spans and rating."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.tasktypes import validate_answer, validate_config, validate_payload
from tests.tasktypes.helpers import answer_errors, pairs

LABELS = ["positive", "neutral", "negative"]
TEXT = {"text": "Ada Lovelace was born in London."}


# --- payloads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["classification", "multi_label_classification", "rating"])
def test_text_payload(name: str) -> None:
    assert validate_payload(name, {"text": "Hi", "context": ""}) == []
    assert pairs(validate_payload(name, {})) == [("payload.text", "required")]
    assert pairs(validate_payload(name, {"text": ""})) == [("payload.text", "too_short")]
    assert pairs(validate_payload(name, {"text": "x" * 100_001})) == [("payload.text", "too_long")]
    assert validate_payload(name, {"text": "é" * 100_000}) == []  # counted in characters, not bytes
    assert pairs(validate_payload(name, {"text": 3})) == [("payload.text", "type")]
    assert pairs(validate_payload(name, {"text": "x", "meta": "no"})) == [("payload.meta", "type")]


def test_ner_payload_has_no_context() -> None:
    assert validate_payload("ner", TEXT) == []
    assert pairs(validate_payload("ner", {**TEXT, "context": "x"})) == [("payload.context", "unknown_field")]


def test_missing_text_message() -> None:
    [error] = validate_payload("classification", {"meta": {}})
    assert error.as_dict() == {
        "field": "payload.text",
        "code": "required",
        "message": "This field is required.",
    }


# --- classification ----------------------------------------------------------------------------------


def test_classification_answer() -> None:
    assert answer_errors("classification", {"label": "neutral"}, TEXT, LABELS) == []
    assert answer_errors("classification", {"label": "angry"}, TEXT, LABELS) == [("answer.label", "enum")]
    assert answer_errors("classification", {}, TEXT, LABELS) == [("answer.label", "required")]
    assert answer_errors("classification", {"label": ["neutral"]}, TEXT, LABELS) == [("answer.label", "type")]
    assert answer_errors("classification", [], TEXT, LABELS) == [("answer", "type")]


def test_unknown_label_message_lists_the_labels() -> None:
    [error] = validate_answer("classification", {"label": "angry"}, TEXT, LABELS, {})
    assert error.message == "Must be one of: positive, neutral, or negative."


# --- multi-label -------------------------------------------------------------------------------------


def test_multi_label_defaults_need_one_label() -> None:
    assert answer_errors("multi_label_classification", {"labels": ["positive"]}, TEXT, LABELS) == []
    assert answer_errors("multi_label_classification", {"labels": []}, TEXT, LABELS) == [
        ("answer.labels", "too_few_items")
    ]
    assert answer_errors(
        "multi_label_classification", {"labels": ["positive", "positive"]}, TEXT, LABELS
    ) == [("answer.labels", "not_unique")]
    assert answer_errors("multi_label_classification", {"labels": ["neutral", "meh"]}, TEXT, LABELS) == [
        ("answer.labels[1]", "enum")
    ]


def test_multi_label_bounds_from_config() -> None:
    config = {"min_labels": 0, "max_labels": 2}
    assert answer_errors("multi_label_classification", {"labels": []}, TEXT, LABELS, config) == []
    assert answer_errors("multi_label_classification", {"labels": LABELS}, TEXT, LABELS, config) == [
        ("answer.labels", "too_many_items")
    ]


def test_multi_label_config_rules() -> None:
    _, errors = validate_config("multi_label_classification", {"min_labels": 3, "max_labels": 2})
    assert pairs(errors) == [("task_config.max_labels", "minimum")]
    _, errors = validate_config("multi_label_classification", {"min_labels": -1})
    assert pairs(errors) == [("task_config.min_labels", "minimum")]


# --- NER ---------------------------------------------------------------------------------------------

NER_LABELS = ["PER", "LOC", "ORG"]


def span(start: int, end: int, label: str = "PER", **extra: Any) -> dict[str, Any]:
    return {"start": start, "end": end, "label": label, **extra}


def ner(spans: list[dict[str, Any]], config: dict[str, Any] | None = None, text: str = TEXT["text"]) -> Any:
    return answer_errors("ner", {"spans": spans}, {"text": text}, NER_LABELS, config)


def test_ner_valid_answers() -> None:
    assert ner([]) == []
    assert ner([span(0, 12, text="Ada Lovelace"), span(25, 31, "LOC", text="London")]) == []
    assert ner([span(25, 31, "LOC"), span(0, 3)]) == []  # any order
    assert ner([span(0, 3), span(3, 12)]) == []  # touching is not overlapping


def test_ner_offsets_are_code_points() -> None:
    assert ner([span(0, 2, text="🙂é")], text="🙂é and more") == []


def test_ner_span_past_the_text() -> None:
    assert ner([span(25, 33, "LOC")]) == [("answer.spans[0].end", "out_of_bounds")]
    [error] = validate_answer("ner", {"spans": [span(0, 40)]}, TEXT, NER_LABELS, {})
    assert error.message == "Must not be past the end of the text (32 characters)."


def test_ner_empty_or_backwards_span() -> None:
    assert ner([span(4, 4)]) == [("answer.spans[0].end", "end_before_start")]
    assert ner([span(5, 2)]) == [("answer.spans[0].end", "end_before_start")]


def test_ner_schema_errors() -> None:
    assert ner([span(-1, 3)]) == [("answer.spans[0].start", "minimum")]
    assert ner([span(0, 3, "DATE")]) == [("answer.spans[0].label", "enum")]
    assert ner([{"start": 0, "label": "PER"}]) == [("answer.spans[0].end", "required")]
    assert ner([span(0, 3, note="x")]) == [("answer.spans[0].note", "unknown_field")]
    assert ner([span(0, 3.5)]) == [("answer.spans[0].end", "type")]  # type: ignore[arg-type]


def test_ner_quoted_text_must_match() -> None:
    assert ner([span(0, 3, text="Bob")]) == [("answer.spans[0].text", "text_mismatch")]
    [error] = validate_answer("ner", {"spans": [span(0, 3, text="Bob")]}, TEXT, NER_LABELS, {})
    assert "“Ada”" in error.message


def test_ner_overlap_refused_by_default() -> None:
    assert ner([span(0, 12), span(4, 12, "ORG")]) == [("answer.spans[1].start", "overlapping_spans")]
    # Reported on the later-starting span whatever the order in the answer.
    assert ner([span(4, 12, "ORG"), span(0, 12)]) == [("answer.spans[0].start", "overlapping_spans")]
    [error] = validate_answer("ner", {"spans": [span(0, 12), span(4, 12, "ORG")]}, TEXT, NER_LABELS, {})
    assert error.message == "Overlaps span number 1."


def test_ner_overlap_detected_against_a_long_earlier_span() -> None:
    # Span 2 overlaps span 0 (0..30) though not span 1, which ends before it.
    assert ner([span(0, 30), span(1, 2, "LOC"), span(10, 12, "ORG")]) == [
        ("answer.spans[1].start", "overlapping_spans"),
        ("answer.spans[2].start", "overlapping_spans"),
    ]


def test_ner_allow_overlap_still_refuses_same_label_overlap() -> None:
    config = {"allow_overlap": True}
    assert ner([span(0, 12), span(4, 12, "ORG")], config) == []
    assert ner([span(0, 12), span(4, 12)], config) == [("answer.spans[1].start", "overlapping_spans")]


# --- rating ------------------------------------------------------------------------------------------


def test_rating_default_scale() -> None:
    assert answer_errors("rating", {"rating": 1}, TEXT) == []
    assert answer_errors("rating", {"rating": 5, "comment": "good"}, TEXT) == []
    assert answer_errors("rating", {"rating": 0}, TEXT) == [("answer.rating", "minimum")]
    assert answer_errors("rating", {"rating": 6}, TEXT) == [("answer.rating", "maximum")]
    assert answer_errors("rating", {"rating": 3.5}, TEXT) == [("answer.rating", "step")]
    assert answer_errors("rating", {"rating": "5"}, TEXT) == [("answer.rating", "type")]
    assert answer_errors("rating", {}, TEXT) == [("answer.rating", "required")]
    assert answer_errors("rating", {"rating": float("nan")}, TEXT) == [("answer.rating", "type")]


def test_rating_ignores_labels() -> None:
    assert answer_errors("rating", {"rating": 2}, TEXT, labels=["unused"]) == []


def test_rating_fractional_steps() -> None:
    config = {"min": 0, "max": 1, "step": 0.1}
    assert answer_errors("rating", {"rating": 0.3}, TEXT, config=config) == []  # despite 0.3 / 0.1 != 3.0
    assert answer_errors("rating", {"rating": 0.7}, TEXT, config=config) == []
    assert answer_errors("rating", {"rating": 0.25}, TEXT, config=config) == [("answer.rating", "step")]


def test_rating_step_message_names_the_neighbours() -> None:
    [error] = validate_answer("rating", {"rating": 3.5}, TEXT, [], {"min": 1, "max": 5, "step": 1})
    assert error.message == "Is not a step on the scale; the nearest allowed ratings are 3 and 4."
    [error] = validate_answer("rating", {"rating": 5}, TEXT, [], {"min": 1, "max": 5, "step": 3})
    assert error.message == "Is not a step on the scale; the nearest allowed rating is 4."


def test_rating_config_rules() -> None:
    assert pairs(validate_config("rating", {"min": 5, "max": 5})[1]) == [("task_config.max", "minimum")]
    assert pairs(validate_config("rating", {"step": 0})[1]) == [("task_config.step", "minimum")]
    assert pairs(validate_config("rating", {"step": 10})[1]) == [("task_config.step", "maximum")]
    assert pairs(validate_config("rating", {"min": "1"})[1]) == [("task_config.min", "type")]
