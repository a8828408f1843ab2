"""schema_errors: jsonschema errors mapped to stable codes, field paths and our own translated messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from marketplace.validation import FieldError, InvalidInput, format_number, join_path, schema_errors

PERSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 5},
        "age": {"type": "integer", "minimum": 0, "maximum": 130},
        "score": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "tags": {
            "type": "array",
            "items": {"type": "string"},
            "uniqueItems": True,
            "minItems": 2,
            "maxItems": 3,
        },
        "kind": {"type": "string", "enum": ["a", "b", "c"]},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "email": {"type": "string", "format": "email"},
        "nick": {"type": ["string", "null"]},
        "ok": {"type": "boolean"},
        "inner": {
            "type": "object",
            "properties": {"x": {"type": "integer"}},
            "required": ["x", "y"],
            "additionalProperties": False,
        },
    },
    "required": ["name"],
    "additionalProperties": False,
}


def pairs(errors: list[FieldError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in errors]


@pytest.fixture
def babel_app() -> Iterator[Flask]:
    """A bare app with Flask-Babel (named so the database fixtures of tests/conftest.py stay out)."""
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield app


# --- join_path, FieldError, InvalidInput ------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "parts", "expected"),
    [
        ("items[3]", ("payload", "text"), "items[3].payload.text"),
        ("", ("payload",), "payload"),
        ("", (0, "a"), "[0].a"),
        ("answer", ("spans", 0, "end"), "answer.spans[0].end"),
        ("answer", ("points", 2, 1), "answer.points[2][1]"),
        ("x", (), "x"),
        ("meta", ("a.b",), 'meta["a.b"]'),
        ("meta", ("",), 'meta[""]'),
    ],
)
def test_join_path(prefix: str, parts: tuple[str | int, ...], expected: str) -> None:
    assert join_path(prefix, *parts) == expected


def test_field_error_as_dict_and_invalid_input() -> None:
    error = FieldError("payload.text", "required", "This field is required.")
    assert error.as_dict() == {
        "field": "payload.text",
        "code": "required",
        "message": "This field is required.",
    }
    exc = InvalidInput([error], status=422)
    assert exc.errors == [error]
    assert exc.status == 422
    assert "payload.text: required" in str(exc)
    assert InvalidInput([]).status == 400


# --- keyword mapping ---------------------------------------------------------------------------------


def test_valid_instance_has_no_errors() -> None:
    assert schema_errors(PERSON, {"name": "Ana", "age": 30, "tags": ["x", "y"], "nick": None}) == []


@pytest.mark.parametrize(
    ("instance", "field", "code", "message"),
    [
        ({"name": ""}, "p.name", "too_short", "Must not be empty."),
        ({"name": "abcdef"}, "p.name", "too_long", "Must be at most 5 characters long."),
        ({"name": "a", "age": -1}, "p.age", "minimum", "Must be at least 0."),
        ({"name": "a", "age": 131}, "p.age", "maximum", "Must be at most 130."),
        ({"name": "a", "age": 1.5}, "p.age", "type", "Wrong type: expected whole number."),
        ({"name": "a", "score": 0}, "p.score", "minimum", "Must be greater than 0."),
        ({"name": "a", "score": 1}, "p.score", "maximum", "Must be less than 1."),
        ({"name": "a", "tags": ["x"]}, "p.tags", "too_few_items", "Must have at least 2 items."),
        (
            {"name": "a", "tags": ["x", "y", "z", "w"]},
            "p.tags",
            "too_many_items",
            "Must have at most 3 items.",
        ),
        ({"name": "a", "tags": ["x", "x"]}, "p.tags", "not_unique", "Must not contain the same value twice."),
        ({"name": "a", "tags": ["x", 1]}, "p.tags[1]", "type", "Wrong type: expected text."),
        ({"name": "a", "kind": "d"}, "p.kind", "enum", "Must be one of: a, b, or c."),
        ({"name": "a", "code": "abc"}, "p.code", "pattern", "Does not have the expected form."),
        ({"name": "a", "email": "nope"}, "p.email", "format", "Is not a valid email."),
        ({"name": "a", "nick": 3}, "p.nick", "type", "Wrong type: expected text or nothing (null)."),
        ({"name": "a", "ok": "yes"}, "p.ok", "type", "Wrong type: expected true/false."),
        ({"name": "a", "inner": []}, "p.inner", "type", "Wrong type: expected object."),
        ({"name": "a", "tags": {}}, "p.tags", "type", "Wrong type: expected list."),
        ({"name": 5}, "p.name", "type", "Wrong type: expected text."),
    ],
)
def test_keyword_codes_paths_and_messages(instance: Any, field: str, code: str, message: str) -> None:
    assert schema_errors(PERSON, instance, prefix="p") == [FieldError(field, code, message)]


def test_root_type_error_has_empty_field() -> None:
    assert pairs(schema_errors(PERSON, ["not", "an", "object"])) == [("", "type")]


def test_required_names_each_missing_property() -> None:
    errors = schema_errors(PERSON, {"inner": {}}, prefix="payload")
    assert pairs(errors) == [
        ("payload.inner.x", "required"),
        ("payload.inner.y", "required"),
        ("payload.name", "required"),
    ]
    assert {e.message for e in errors} == {"This field is required."}


def test_each_unknown_property_is_reported_at_its_own_path() -> None:
    errors = schema_errors(PERSON, {"name": "a", "zeta": 1, "alpha": 2, "inner": {"x": 1, "q": 3}})
    assert pairs(errors) == [
        ("alpha", "unknown_field"),
        ("inner.q", "unknown_field"),
        ("inner.y", "required"),
        ("zeta", "unknown_field"),
    ]
    assert errors[0].message == "This field is not allowed."


def test_pattern_properties_are_not_unknown() -> None:
    schema = {
        "type": "object",
        "patternProperties": {"^x-": {"type": "integer"}},
        "additionalProperties": False,
    }
    assert pairs(schema_errors(schema, {"x-a": 1, "b": 2})) == [("b", "unknown_field")]


def test_wrong_type_hides_other_complaints_about_the_same_value() -> None:
    schema = {"type": "object", "properties": {"label": {"type": "string", "enum": ["a", "b"]}}}
    assert pairs(schema_errors(schema, {"label": 7})) == [("label", "type")]


def test_errors_are_sorted_by_path_with_numeric_indexes() -> None:
    schema = {"type": "array", "items": {"type": "integer"}}
    errors = schema_errors(schema, ["x"] * 12, prefix="a")
    assert [e.field for e in errors] == [f"a[{i}]" for i in range(12)]


def test_limit_caps_the_number_of_errors() -> None:
    schema = {"type": "array", "items": {"type": "integer"}}
    assert len(schema_errors(schema, ["x"] * 100, limit=7)) == 7
    assert len(schema_errors(schema, ["x"] * 100)) == 50


def test_nan_and_infinity_are_not_numbers() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "number", "minimum": 0}}}
    assert pairs(schema_errors(schema, {"n": float("nan")})) == [("n", "type")]
    assert pairs(schema_errors(schema, {"n": float("inf")})) == [("n", "type")]
    assert schema_errors(schema, {"n": 2.5}) == []


def test_booleans_are_not_numbers() -> None:
    schema = {"type": "number"}
    assert pairs(schema_errors(schema, True)) == [("", "type")]


def test_long_enum_is_cut_short_in_the_message() -> None:
    schema = {"enum": [f"l{i}" for i in range(30)]}
    [error] = schema_errors(schema, "zzz")
    assert error.code == "enum"
    assert error.message.startswith("Must be one of: l0, l1,")
    assert "l19" in error.message
    assert "l20" not in error.message
    assert error.message.endswith("or 10 more.")


def test_const_and_single_enum() -> None:
    assert schema_errors({"const": "A"}, "B") == [FieldError("", "enum", "Must be A.")]


def test_one_of_reports_the_closest_branch() -> None:
    schema = {
        "oneOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
            {"type": "string"},
        ]
    }
    assert pairs(schema_errors(schema, {"a": "x"})) == [("a", "type")]


def test_dependent_required() -> None:
    schema = {"type": "object", "dependentRequired": {"end": ["start"]}}
    assert pairs(schema_errors(schema, {"end": 3}, prefix="s")) == [("s.start", "required")]


def test_validators_are_cached_per_schema_object() -> None:
    from marketplace.validation import _validator

    schema: dict[str, Any] = {"type": "integer"}
    assert _validator(schema) is _validator(schema)
    assert _validator(schema) is not _validator({"type": "integer"})


# --- locale ------------------------------------------------------------------------------------------


def test_messages_follow_the_request_locale(babel_app: Flask) -> None:
    schema = {
        "type": "object",
        "properties": {"n": {"type": ["string", "null"]}, "r": {"type": "number", "minimum": 2.5}},
    }
    with force_locale("es"):
        errors = schema_errors(schema, {"n": 1, "r": 1})
    # No catalogs yet, so words stay English, but list joining and numbers are Spanish.
    assert errors == [
        FieldError("n", "type", "Wrong type: expected text o nothing (null)."),
        FieldError("r", "minimum", "Must be at least 2,5."),
    ]
    with force_locale("en"):
        assert schema_errors(schema, {"r": 1})[0].message == "Must be at least 2.5."


def test_format_number_without_app_context_is_english() -> None:
    assert format_number(1234.5) == "1,234.5"
    assert format_number(0.125) == "0.125"
