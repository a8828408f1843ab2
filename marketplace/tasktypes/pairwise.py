"""Pairwise preference between two LLM responses to the same prompt (RLHF-style comparison data)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from flask_babel import gettext as _  # type: ignore[import-untyped, unused-ignore]
from flask_babel import (  # type: ignore[import-untyped, unused-ignore]
    lazy_gettext,
)

from marketplace.tasktypes.base import (
    MAX_NOTE_CHARS,
    JSONSchema,
    TaskType,
    number_schema,
    object_schema,
    payload_schema,
    text_schema,
)
from marketplace.validation import FieldError, format_number, join_path

#: What a preference can be; "tie" only when the project allows it.
PREFERENCES = ("A", "B", "tie")


class PairwisePreferenceType(TaskType):
    """Which of two responses is better, optionally with an absolute rating of each and a rationale.

    Labels don't apply: the choice is always A, B or (if allowed) a tie.
    """

    name: ClassVar[str] = "pairwise_preference"
    title = lazy_gettext("Pairwise preference (LLM responses)")
    description = lazy_gettext("Compare two responses to the same prompt and choose the better one.")
    needs_labels: ClassVar[bool] = False
    config_schema: ClassVar[JSONSchema] = object_schema(
        {
            "allow_tie": {
                "type": "boolean",
                "default": True,
                "description": "Whether annotators may answer 'tie'. Default true.",
            },
            "rating_scale": {
                "type": ["object", "null"],
                "properties": {
                    "min": number_schema("Lowest rating of a single response."),
                    "max": number_schema("Highest rating of a single response; above min."),
                },
                "required": ["min", "max"],
                "additionalProperties": False,
                "default": {"min": 1, "max": 7},
                "description": (
                    "Scale on which annotators may also rate each response (default 1 to 7); "
                    "null to ask for the preference only."
                ),
            },
        },
        title="Pairwise preference settings",
        root=True,
    )
    payload_schema: ClassVar[JSONSchema] = payload_schema(
        {
            "prompt": text_schema("The prompt both responses answer."),
            "response_a": text_schema("The response shown as A."),
            "response_b": text_schema("The response shown as B."),
            "context": text_schema(
                "Earlier conversation or instructions, shown for reference.", min_length=0
            ),
        },
        ["prompt", "response_a", "response_b"],
        title="Pairwise preference item",
    )
    example_payload: ClassVar[dict[str, Any]] = {
        "prompt": "Explain photosynthesis to a ten-year-old.",
        "response_a": "Plants use sunlight to turn air and water into food.",
        "response_b": "Photosynthesis is the light-driven reduction of CO2 by chlorophyll-bearing organisms.",
    }
    example_answer: ClassVar[dict[str, Any]] = {
        "preference": "A",
        "ratings": {"a": 6, "b": 3},
        "rationale": "A fits the audience.",
    }

    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        allowed = list(PREFERENCES) if config.get("allow_tie", True) else ["A", "B"]
        properties: dict[str, JSONSchema] = {
            "preference": {"type": "string", "enum": allowed, "description": "The better response."},
            "rationale": text_schema(
                "Why, in the annotator's words.", min_length=0, max_length=MAX_NOTE_CHARS
            ),
        }
        scale = config.get("rating_scale", {"min": 1, "max": 7})
        if scale is not None:
            rating = number_schema(
                "Rating on the project's scale.", minimum=scale["min"], maximum=scale["max"]
            )
            properties["ratings"] = object_schema(
                {"a": rating, "b": rating},
                ["a", "b"],
                description="Optional absolute rating of each response.",
            )
        return object_schema(properties, ["preference"], title="Pairwise preference answer", root=True)

    def check_config(self, config: Mapping[str, Any], *, prefix: str = "task_config") -> list[FieldError]:
        scale = config.get("rating_scale")
        if scale is not None and scale["max"] <= scale["min"]:
            return [
                FieldError(
                    join_path(prefix, "rating_scale", "max"),
                    "minimum",
                    _("Must be greater than the lowest rating (%(min)s).", min=format_number(scale["min"])),
                )
            ]
        return []

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        parts = [payload.get(key) for key in ("prompt", "response_a", "response_b")]
        text = "\n\n".join(p for p in parts if isinstance(p, str) and p)
        return text or None
