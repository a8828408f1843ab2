"""Pairwise preference between two LLM responses."""

from __future__ import annotations

from marketplace.tasktypes import validate_answer, validate_config, validate_payload
from tests.tasktypes.helpers import answer_errors, pairs

PAYLOAD = {"prompt": "Say hi.", "response_a": "Hi!", "response_b": "Hello there.", "context": "Be brief."}


def test_payload() -> None:
    assert validate_payload("pairwise_preference", PAYLOAD) == []
    assert pairs(validate_payload("pairwise_preference", {"prompt": "x", "response_a": "y"})) == [
        ("payload.response_b", "required")
    ]
    assert pairs(validate_payload("pairwise_preference", {**PAYLOAD, "response_a": ""})) == [
        ("payload.response_a", "too_short")
    ]


def test_preferences_and_optional_parts() -> None:
    assert answer_errors("pairwise_preference", {"preference": "A"}, PAYLOAD) == []
    assert answer_errors("pairwise_preference", {"preference": "B", "rationale": "clearer"}, PAYLOAD) == []
    assert (
        answer_errors("pairwise_preference", {"preference": "tie", "ratings": {"a": 4, "b": 4}}, PAYLOAD)
        == []
    )
    assert answer_errors("pairwise_preference", {"preference": "a"}, PAYLOAD) == [
        ("answer.preference", "enum")
    ]
    assert answer_errors("pairwise_preference", {}, PAYLOAD) == [("answer.preference", "required")]


def test_tie_refused_when_not_allowed() -> None:
    config = {"allow_tie": False}
    assert answer_errors("pairwise_preference", {"preference": "A"}, PAYLOAD, config=config) == []
    assert answer_errors("pairwise_preference", {"preference": "tie"}, PAYLOAD, config=config) == [
        ("answer.preference", "enum")
    ]
    [error] = validate_answer("pairwise_preference", {"preference": "tie"}, PAYLOAD, [], config)
    assert error.message == "Must be one of: A or B."


def test_ratings_on_the_scale() -> None:
    def errors(ratings: object, config: dict[str, object] | None = None) -> list[tuple[str, str]]:
        return answer_errors(
            "pairwise_preference", {"preference": "A", "ratings": ratings}, PAYLOAD, config=config
        )

    assert errors({"a": 7, "b": 1}) == []
    assert errors({"a": 8, "b": 0}) == [("answer.ratings.a", "maximum"), ("answer.ratings.b", "minimum")]
    assert errors({"a": 5}) == [("answer.ratings.b", "required")]
    assert errors({"a": 5, "b": 2, "c": 1}) == [("answer.ratings.c", "unknown_field")]
    assert errors({"a": 10, "b": 1}, {"rating_scale": {"min": 0, "max": 10}}) == []


def test_no_ratings_without_a_scale() -> None:
    config = {"rating_scale": None}
    assert answer_errors("pairwise_preference", {"preference": "B"}, PAYLOAD, config=config) == []
    assert answer_errors(
        "pairwise_preference", {"preference": "B", "ratings": {"a": 1, "b": 2}}, PAYLOAD, config=config
    ) == [("answer.ratings", "unknown_field")]


def test_config_rules() -> None:
    _, errors = validate_config("pairwise_preference", {"rating_scale": {"min": 5, "max": 1}})
    assert pairs(errors) == [("task_config.rating_scale.max", "minimum")]
    _, errors = validate_config("pairwise_preference", {"rating_scale": {"min": 1}})
    assert pairs(errors) == [("task_config.rating_scale.max", "required")]
    _, errors = validate_config("pairwise_preference", {"allow_tie": "no"})
    assert pairs(errors) == [("task_config.allow_tie", "type")]
