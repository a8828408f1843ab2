"""What every task type provides, and the schema pieces they share.

A task type decides three shapes: the project's settings (``task_config``), an item's ``payload``
and an annotator's ``answer``. Shapes are plain JSON Schema (Draft 2020-12) dicts because the same
dicts are served in the OpenAPI 3.1 document and used to validate 100,000-item uploads; the few
rules a schema can't say (a span inside its text, a box inside its image) live in ``check_*``
methods and are reported with status 422.

Schemas are module-level constants or built once per (labels, config) and cached by the registry:
never mutate them.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from flask_babel.speaklater import LazyString  # type: ignore[import-untyped, unused-ignore]

from marketplace.validation import FieldError

JSONSchema = dict[str, Any]

#: The dialect of every schema here; also accepted inside OpenAPI 3.1 schema objects.
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Longest text an item may carry. Long enough for a document, short enough for one screen of work.
MAX_TEXT_CHARS = 100_000
#: Longest free-text note an annotator may attach (comments, rationales).
MAX_NOTE_CHARS = 10_000
#: Most shapes (spans, boxes, segments...) in one answer; a guard against runaway clients.
MAX_SHAPES = 10_000

#: Media locations we can fetch or sign: web URLs and the two object stores we support.
MEDIA_URL_PATTERN = r"^(?:https?|s3|gs)://[^\s/?#]+[^\s]*$"


def text_schema(description: str, *, min_length: int = 1, max_length: int = MAX_TEXT_CHARS) -> JSONSchema:
    """A string property. Lengths are in Unicode code points, as JSON Schema counts them."""
    return {"type": "string", "minLength": min_length, "maxLength": max_length, "description": description}


def media_url_schema(description: str) -> JSONSchema:
    return {"type": "string", "maxLength": 2048, "pattern": MEDIA_URL_PATTERN, "description": description}


def meta_schema() -> JSONSchema:
    """The client's own bookkeeping on an item: stored and exported as given, never shown or checked."""
    return {
        "type": "object",
        "description": "Free client metadata (ids, sources); stored and exported unchanged.",
    }


def label_schema(labels: Sequence[str] | None) -> JSONSchema:
    """One of the ontology's label names; any non-empty string when ``labels`` is None (for docs)."""
    if labels is None:
        return {"type": "string", "minLength": 1, "description": "A label name from the ontology."}
    return {
        "type": "string",
        "enum": list(dict.fromkeys(labels)),
        "description": "A label name from the ontology.",
    }


def object_schema(
    properties: Mapping[str, JSONSchema],
    required: Sequence[str] = (),
    *,
    title: str | None = None,
    description: str | None = None,
    root: bool = False,
) -> JSONSchema:
    """A closed object: unknown fields are errors, so nothing can be smuggled in or misspelt."""
    schema: JSONSchema = {}
    if root:
        schema["$schema"] = SCHEMA_DIALECT
    if title:
        schema["title"] = title
    if description:
        schema["description"] = description
    schema["type"] = "object"
    schema["properties"] = dict(properties)
    if required:
        schema["required"] = list(required)
    schema["additionalProperties"] = False
    return schema


def payload_schema(
    properties: Mapping[str, JSONSchema], required: Sequence[str], *, title: str
) -> JSONSchema:
    """An item payload: closed like answers, except for an optional free ``meta`` object."""
    return object_schema({**properties, "meta": meta_schema()}, required, title=title, root=True)


def number_schema(description: str, **bounds: float) -> JSONSchema:
    """A finite JSON number (NaN and infinities are refused by the validator) with optional bounds."""
    return {"type": "number", **bounds, "description": description}


class TaskType(ABC):
    """A kind of work a project can ask for. Subclasses are stateless; one instance each is registered.

    Class attributes:

    * ``name`` — stable id stored in ``project.task_type`` and used in the API; never rename.
    * ``title`` / ``description`` — lazily translated, for pickers and project pages.
    * ``needs_labels`` — whether the ontology must list labels (a rating task has none).
    * ``config_schema`` — shape of ``project.task_config``; every setting has a ``default``.
    * ``payload_schema`` — shape of an item's payload.
    * ``example_*`` — a valid labels/payload/answer trio, for API docs and tests.
    """

    name: ClassVar[str]
    title: ClassVar[LazyString]
    description: ClassVar[LazyString]
    needs_labels: ClassVar[bool] = True
    config_schema: ClassVar[JSONSchema] = object_schema({}, title="No settings", root=True)
    payload_schema: ClassVar[JSONSchema]
    example_labels: ClassVar[tuple[str, ...]] = ()
    example_payload: ClassVar[dict[str, Any]]
    example_answer: ClassVar[dict[str, Any]]

    @abstractmethod
    def answer_schema(self, labels: Sequence[str] | None, config: Mapping[str, Any]) -> JSONSchema:
        """Shape of an answer for this ontology (``labels``; None = any label) and defaults-filled config."""

    def with_defaults(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """``config`` with every missing top-level setting set to its schema default."""
        filled = dict(config)
        for key, prop in self.config_schema.get("properties", {}).items():
            if key not in filled and "default" in prop:
                filled[key] = copy.deepcopy(prop["default"])
        return filled

    def check_config(self, config: Mapping[str, Any], *, prefix: str = "task_config") -> list[FieldError]:
        """Rules across settings (min below max...); ``config`` already passed the schema."""
        return []

    def check_payload(self, payload: Mapping[str, Any], *, prefix: str = "payload") -> list[FieldError]:
        """Rules beyond the payload schema; ``payload`` already passed it."""
        return []

    def check_answer(
        self,
        answer: Mapping[str, Any],
        payload: Mapping[str, Any],
        labels: Sequence[str],
        config: Mapping[str, Any],
        *,
        prefix: str = "answer",
    ) -> list[FieldError]:
        """Rules an answer must keep against its item (offsets, image bounds...); schema already passed."""
        return []

    def language_text(self, payload: Mapping[str, Any]) -> str | None:
        """The text language detection should read; None when the item isn't text (audio, images)."""
        return None

    def __repr__(self) -> str:
        return f"<TaskType {self.name}>"
