"""The task types a project can have, and validation of configs, payloads and answers by type name."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from marketplace.tasktypes.audio import AudioTranscriptionType
from marketplace.tasktypes.base import JSONSchema, TaskType
from marketplace.tasktypes.image import BoundingBoxType, KeypointsType, PolygonType, SegmentationMaskType
from marketplace.tasktypes.pairwise import PairwisePreferenceType
from marketplace.tasktypes.text import ClassificationType, MultiLabelClassificationType, NerType, RatingType
from marketplace.validation import FieldError, schema_errors

#: Every task type by its stable name, in the order pickers show them.
TASK_TYPES: dict[str, TaskType] = {
    task_type.name: task_type
    for task_type in (
        ClassificationType(),
        MultiLabelClassificationType(),
        NerType(),
        RatingType(),
        PairwisePreferenceType(),
        AudioTranscriptionType(),
        BoundingBoxType(),
        PolygonType(),
        KeypointsType(),
        SegmentationMaskType(),
    )
}


def get_task_type(name: str) -> TaskType:
    """The task type called ``name``; ``KeyError`` if there is none."""
    return TASK_TYPES[name]


def validate_config(
    task_type_name: str, config: Mapping[str, Any] | None, prefix: str = "task_config"
) -> tuple[dict[str, Any], list[FieldError]]:
    """``config`` with defaults filled in, and its problems (schema first, then cross-setting rules).

    ``None`` counts as ``{}``: every setting has a default. Store the returned dict, not the input,
    so later readers never need to know the defaults.
    """
    task_type = get_task_type(task_type_name)
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        return {}, schema_errors(task_type.config_schema, config, prefix)
    filled = task_type.with_defaults(config)
    errors = schema_errors(task_type.config_schema, filled, prefix)
    if not errors:
        errors = task_type.check_config(filled, prefix=prefix)
    return filled, errors


def validate_payload(task_type_name: str, payload: Any, prefix: str = "payload") -> list[FieldError]:
    """Problems with an item's payload: schema errors, or if there are none, rule violations."""
    task_type = get_task_type(task_type_name)
    errors = schema_errors(task_type.payload_schema, payload, prefix)
    if errors:
        return errors
    return task_type.check_payload(payload, prefix=prefix)


def answer_schema_for(
    task_type_name: str, labels: Sequence[str] | None, config: Mapping[str, Any]
) -> JSONSchema:
    """The answer schema for an ontology and config, built once and shared: don't mutate it.

    Sharing matters: the validator cache is keyed by schema identity, so a fresh dict per answer
    would recompile the schema every time.
    """
    task_type = get_task_type(task_type_name)
    filled = task_type.with_defaults(config)
    key = None if labels is None else tuple(labels)
    return _answer_schema(task_type_name, key, json.dumps(filled, sort_keys=True))


@lru_cache(maxsize=1024)
def _answer_schema(task_type_name: str, labels: tuple[str, ...] | None, config_json: str) -> JSONSchema:
    config = json.loads(config_json)
    return get_task_type(task_type_name).answer_schema(None if labels is None else list(labels), config)


def validate_answer(
    task_type_name: str,
    answer: Any,
    payload: Mapping[str, Any],
    labels: Sequence[str],
    config: Mapping[str, Any],
    prefix: str = "answer",
) -> list[FieldError]:
    """Problems with an annotator's answer to ``payload``: schema errors, or if none, rule violations.

    ``labels`` are the ontology's label names (ignored by types that don't use labels); ``config``
    is the project's task config, with or without defaults filled in.
    """
    task_type = get_task_type(task_type_name)
    filled = task_type.with_defaults(config or {})
    errors = schema_errors(answer_schema_for(task_type_name, labels, filled), answer, prefix)
    if errors:
        return errors
    return task_type.check_answer(answer, payload, labels, filled, prefix=prefix)
