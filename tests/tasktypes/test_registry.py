"""The registry: every task type is complete, its schemas are plain valid JSON Schema, examples pass."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from marketplace.tasktypes import (
    SCHEMA_DIALECT,
    TASK_TYPES,
    answer_schema_for,
    get_task_type,
    validate_answer,
    validate_config,
    validate_payload,
)
from tests.tasktypes.helpers import pairs

NAMES = [
    "classification",
    "multi_label_classification",
    "ner",
    "rating",
    "pairwise_preference",
    "audio_transcription",
    "image_bounding_box",
    "image_polygon",
    "image_keypoints",
    "segmentation_mask",
]


def test_all_task_types_are_registered_under_their_names() -> None:
    assert list(TASK_TYPES) == NAMES
    for name, task_type in TASK_TYPES.items():
        assert task_type.name == name
        assert get_task_type(name) is task_type


def test_unknown_task_type_raises_key_error() -> None:
    with pytest.raises(KeyError):
        get_task_type("sentiment")
    with pytest.raises(KeyError):
        validate_payload("sentiment", {"text": "x"})


def test_labels_are_needed_exactly_where_answers_name_labels() -> None:
    needing = {name for name, t in TASK_TYPES.items() if t.needs_labels}
    assert needing == set(NAMES) - {"rating", "pairwise_preference", "audio_transcription"}


@pytest.mark.parametrize("name", NAMES)
def test_schemas_are_plain_valid_draft_2020_12(name: str) -> None:
    task_type = TASK_TYPES[name]
    config, errors = validate_config(name, {})
    assert errors == []
    schemas = [
        task_type.config_schema,
        task_type.payload_schema,
        task_type.answer_schema(list(task_type.example_labels), config),
        task_type.answer_schema(None, config),  # the label-agnostic form, for API docs
    ]
    for schema in schemas:
        Draft202012Validator.check_schema(schema)
        assert json.loads(json.dumps(schema)) == schema  # plain JSON: no lazy strings or tuples
        assert schema["$schema"] == SCHEMA_DIALECT
        assert schema["additionalProperties"] is False
    assert "meta" in task_type.payload_schema["properties"]


@pytest.mark.parametrize("name", NAMES)
def test_title_is_translatable_text(name: str) -> None:
    task_type = TASK_TYPES[name]
    assert str(task_type.title)
    assert str(task_type.description)


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_valid(name: str) -> None:
    task_type = TASK_TYPES[name]
    config, _ = validate_config(name, None)
    assert validate_payload(name, task_type.example_payload) == []
    assert (
        validate_answer(
            name, task_type.example_answer, task_type.example_payload, list(task_type.example_labels), config
        )
        == []
    )


@pytest.mark.parametrize("name", NAMES)
def test_payload_meta_is_free_but_other_extra_fields_are_refused(name: str) -> None:
    payload = {**TASK_TYPES[name].example_payload, "meta": {"source": "crm", "n": [1, 2]}}
    assert validate_payload(name, payload) == []
    assert pairs(validate_payload(name, {**payload, "secret": 1})) == [("payload.secret", "unknown_field")]


@pytest.mark.parametrize("name", NAMES)
def test_answers_cannot_smuggle_fields(name: str) -> None:
    task_type = TASK_TYPES[name]
    answer = {**task_type.example_answer, "bonus": True}
    errors = validate_answer(name, answer, task_type.example_payload, list(task_type.example_labels), {})
    assert pairs(errors) == [("answer.bonus", "unknown_field")]


@pytest.mark.parametrize("name", NAMES)
def test_payload_must_be_an_object(name: str) -> None:
    assert pairs(validate_payload(name, "text", prefix="items[4].payload")) == [("items[4].payload", "type")]


def test_config_defaults_are_filled_and_documented() -> None:
    assert validate_config("classification", None) == ({}, [])
    assert validate_config("multi_label_classification", {}) == ({"min_labels": 1, "max_labels": None}, [])
    assert validate_config("ner", {}) == ({"allow_overlap": False}, [])
    assert validate_config("rating", {"max": 10}) == ({"min": 1, "max": 10, "step": 1}, [])
    assert validate_config("pairwise_preference", {}) == (
        {"allow_tie": True, "rating_scale": {"min": 1, "max": 7}},
        [],
    )
    assert validate_config("audio_transcription", {}) == ({"speakers": None, "max_speakers": 10}, [])
    assert validate_config("image_keypoints", {}) == ({"keypoint_names": None}, [])
    for task_type in TASK_TYPES.values():
        for key, prop in task_type.config_schema["properties"].items():
            assert "default" in prop, (task_type.name, key)
            assert prop.get("description"), (task_type.name, key)


def test_config_defaults_are_copies() -> None:
    first, _ = validate_config("pairwise_preference", {})
    first["rating_scale"]["max"] = 99
    second, _ = validate_config("pairwise_preference", {})
    assert second["rating_scale"] == {"min": 1, "max": 7}


def test_config_errors_use_the_task_config_prefix() -> None:
    _, errors = validate_config("classification", {"colour": "red"})
    assert pairs(errors) == [("task_config.colour", "unknown_field")]
    _, errors = validate_config("rating", "1-5")  # type: ignore[arg-type]
    assert pairs(errors) == [("task_config", "type")]


def test_answer_schemas_are_built_once_per_ontology_and_config() -> None:
    first = answer_schema_for("classification", ["a", "b"], {})
    assert answer_schema_for("classification", ("a", "b"), {}) is first
    assert answer_schema_for("classification", ["a", "c"], {}) is not first
    assert answer_schema_for("rating", None, {"max": 10}) is not answer_schema_for("rating", None, {})


def test_rules_run_only_once_the_schema_passes() -> None:
    payload = {"text": "Hello"}
    # The second span breaks the schema; the first breaks a rule. Only the schema error is reported.
    answer = {"spans": [{"start": 0, "end": 99, "label": "X"}, {"start": -1, "end": 2, "label": "X"}]}
    assert pairs(validate_answer("ner", answer, payload, ["X"], {})) == [("answer.spans[1].start", "minimum")]
    answer["spans"].pop()
    assert pairs(validate_answer("ner", answer, payload, ["X"], {})) == [
        ("answer.spans[0].end", "out_of_bounds")
    ]


def test_validate_answer_fills_defaults_itself() -> None:
    # A config stored before a setting existed still validates against the default.
    payload = {"prompt": "p", "response_a": "a", "response_b": "b"}
    assert validate_answer("pairwise_preference", {"preference": "tie"}, payload, [], {}) == []


def test_language_text() -> None:
    assert get_task_type("classification").language_text({"text": "Hola", "context": "x"}) == "Hola"
    assert get_task_type("ner").language_text({"text": "Bonjour"}) == "Bonjour"
    assert get_task_type("rating").language_text({"text": "Ciao"}) == "Ciao"
    pair = {"prompt": "Q?", "response_a": "A.", "response_b": "B.", "context": "ignored"}
    assert get_task_type("pairwise_preference").language_text(pair) == "Q?\n\nA.\n\nB."
    assert get_task_type("audio_transcription").language_text({"audio_url": "https://x/a.mp3"}) is None
    image = {"image_url": "https://x/a.png", "width": 1, "height": 1}
    for name in ("image_bounding_box", "image_polygon", "image_keypoints", "segmentation_mask"):
        assert get_task_type(name).language_text(image) is None
