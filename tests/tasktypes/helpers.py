"""Shorthands for the task-type tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marketplace.tasktypes import validate_answer, validate_config
from marketplace.validation import FieldError


def pairs(errors: list[FieldError]) -> list[tuple[str, str]]:
    """(field, code) of each error: what clients key on."""
    return [(e.field, e.code) for e in errors]


def answer_errors(
    task_type: str,
    answer: Any,
    payload: dict[str, Any],
    labels: Sequence[str] = (),
    config: dict[str, Any] | None = None,
) -> list[tuple[str, str]]:
    """Validate ``answer`` as the service would: config through validate_config first."""
    filled, config_errors = validate_config(task_type, config)
    assert config_errors == []
    return pairs(validate_answer(task_type, answer, payload, list(labels), filled))
