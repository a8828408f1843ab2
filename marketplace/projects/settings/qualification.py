"""Qualification settings of a project (``project.settings["qualification"]``), with defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from flask_babel import gettext as _

from marketplace.validation import FieldError, InvalidInput, schema_errors

#: JSON schema of the settings; every key is optional and has the default below.
SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "required": {"type": "boolean", "description": "Annotators must pass an exam per language."},
        "exam_size": {"type": "integer", "minimum": 1, "maximum": 200},
        "pass_mark": {"type": "number", "minimum": 0, "maximum": 1},
        "max_attempts": {"type": "integer", "minimum": 1, "maximum": 20},
        "retry_delay_hours": {"type": "number", "minimum": 0, "maximum": 24 * 365},
        "exam_minutes": {"type": "integer", "minimum": 1, "maximum": 24 * 60},
        "min_gold_per_language": {"type": "integer", "minimum": 1},
        "hidden_gold_rate": {"type": "number", "minimum": 0, "maximum": 0.5},
        "gold_window": {"type": "integer", "minimum": 1, "maximum": 1000},
        "min_gold_for_suspension": {"type": "integer", "minimum": 1},
        "suspend_below": {"type": "number", "minimum": 0, "maximum": 1},
    },
}


@dataclass(frozen=True)
class QualificationSettings:
    #: Whether work needs a passed exam; False opens the project to native speakers directly.
    required: bool = True
    #: Gold questions per exam.
    exam_size: int = 10
    #: Share of exam questions answered correctly to pass.
    pass_mark: float = 0.8
    max_attempts: int = 3
    retry_delay_hours: float = 24.0
    exam_minutes: int = 30
    #: Gold items a language needs before its exam opens (a small set would repeat questions).
    min_gold_per_language: int = 20
    #: Share of assignments that are hidden gold items.
    hidden_gold_rate: float = 0.1
    #: Hidden-gold answers the rolling accuracy looks at (the latest M).
    gold_window: int = 20
    #: Hidden-gold answers needed before an annotator can be suspended (no verdict on 2 answers).
    min_gold_for_suspension: int = 5
    #: Rolling accuracy under which the qualification is suspended.
    suspend_below: float = 0.7

    @classmethod
    def of(cls, project_settings: Mapping[str, Any] | None) -> QualificationSettings:
        raw = dict((project_settings or {}).get("qualification") or {})
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in raw.items() if key in known})


def check_settings(raw: Any, prefix: str = "settings.qualification") -> QualificationSettings:
    """Validate a project's qualification settings (400 with field paths when they are wrong)."""
    errors = schema_errors(SETTINGS_SCHEMA, raw, prefix=prefix)
    if errors:
        raise InvalidInput(errors)
    settings = QualificationSettings.of({"qualification": raw})
    if settings.min_gold_per_language < settings.exam_size:
        raise InvalidInput(
            [
                FieldError(
                    f"{prefix}.min_gold_per_language",
                    "minimum",
                    _("Must be at least the exam size (%(size)s).", size=settings.exam_size),
                )
            ],
            status=422,
        )
    return settings
