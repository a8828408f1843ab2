"""Task types: what a project asks annotators to do, and the shapes of its settings, items and answers.

Import from here; the submodules are organised by medium (text, pairwise, audio, image).
"""

from marketplace.tasktypes.base import SCHEMA_DIALECT, JSONSchema, TaskType
from marketplace.tasktypes.registry import (
    TASK_TYPES,
    answer_schema_for,
    get_task_type,
    validate_answer,
    validate_config,
    validate_payload,
)

__all__ = [
    "SCHEMA_DIALECT",
    "TASK_TYPES",
    "JSONSchema",
    "TaskType",
    "answer_schema_for",
    "get_task_type",
    "validate_answer",
    "validate_config",
    "validate_payload",
]
