"""JSON Schemas of the client API's requests and responses about projects and items.

The same dicts validate request bodies (through ``@endpoint``) and are published in the OpenAPI
document, so what we document is exactly what we check. They are module-level constants because
the validator cache is keyed by schema identity: never build them per request, never mutate them.

Rules a schema cannot state (a label name used twice, a guideline for a language the project does
not target, an item in a language the project does not cover) are checked by the service and
reported with status 422.
"""

from __future__ import annotations

from typing import Any

from marketplace.projects.settings.delivery import SETTINGS_SCHEMA as DELIVERY_SETTINGS_SCHEMA
from marketplace.projects.settings.languages import SETTINGS_SCHEMA as LANGUAGE_SETTINGS_SCHEMA
from marketplace.projects.settings.qualification import SETTINGS_SCHEMA as QUALIFICATION_SETTINGS_SCHEMA
from marketplace.projects.settings.review import SETTINGS_SCHEMA as REVIEW_SETTINGS_SCHEMA
from marketplace.tasktypes import TASK_TYPES

JSONSchema = dict[str, Any]

#: Longest project, batch or organisation name.
MAX_NAME_CHARS = 200
#: Longest guideline text (Markdown). Generous: guidelines with examples can be long documents.
MAX_GUIDELINE_CHARS = 200_000
#: Most labels one ontology version may have.
MAX_LABELS = 1_000
#: Longest client-chosen item id.
MAX_EXTERNAL_ID_CHARS = 200

#: Label names are identifiers that end up in answers and exports: letters, digits, ``_`` and ``-``.
LABEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"


def _timestamp(description: str) -> JSONSchema:
    return {"type": "string", "format": "date-time", "description": description}


def _nullable_timestamp(description: str) -> JSONSchema:
    return {"type": ["string", "null"], "format": "date-time", "description": description}


def _id(description: str) -> JSONSchema:
    return {"type": "string", "description": description}


def _closed(properties: dict[str, JSONSchema], required: list[str] | None = None, **extra: Any) -> JSONSchema:
    """An object whose unknown fields are refused, so a misspelt field is an error, not a silent no-op."""
    schema: JSONSchema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        schema["required"] = required
    return schema


LANGUAGE: JSONSchema = {
    "type": "string",
    "minLength": 2,
    "maxLength": 35,
    "description": "A BCP 47 language tag such as `es`, `pt-BR` or `zh-Hans`.",
}

LABEL: JSONSchema = _closed(
    {
        "name": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": LABEL_NAME_PATTERN,
            "description": "Identifier used in answers and exports (letters, digits, `_`, `-`).",
        },
        "definition": {
            "type": "string",
            "maxLength": 5_000,
            "default": "",
            "description": "What the label means.",
        },
        "edge_cases": {
            "type": "array",
            "items": {"type": "string", "maxLength": 2_000},
            "maxItems": 100,
            "default": [],
            "description": "Hard cases and how to decide them.",
        },
        "examples": {
            "type": "array",
            "items": {"type": "string", "maxLength": 2_000},
            "maxItems": 100,
            "default": [],
            "description": "Typical examples of the label.",
        },
    },
    ["name"],
)

LABELS: JSONSchema = {"type": "array", "items": LABEL, "maxItems": MAX_LABELS}

ONTOLOGY: JSONSchema = _closed(
    {"labels": LABELS},
    ["labels"],
    description="The labels annotators choose from. Required (non-empty) for task types that use labels.",
)

GUIDELINES: JSONSchema = {
    "type": "object",
    "description": 'Guideline text (Markdown) per target language: `{"es": "..."}`. '
    "The source language's guideline is required.",
    "additionalProperties": {"type": "string", "minLength": 1, "maxLength": MAX_GUIDELINE_CHARS},
}

PROJECT_CREATE: JSONSchema = _closed(
    {
        "organisation": _id(
            "Organisation id. Needed only by people who belong to several organisations and by ops; "
            "a token always acts for its own organisation."
        ),
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS},
        "description": {"type": "string", "maxLength": 20_000, "default": ""},
        "task_type": {"type": "string", "enum": sorted(TASK_TYPES), "description": "Kind of work asked."},
        "task_config": {
            "type": "object",
            "description": "Task-type settings; missing settings take their defaults.",
        },
        "source_language": {
            **LANGUAGE,
            "description": "Language the guidelines are written in first; must be one of `languages`.",
        },
        "languages": {
            "type": "array",
            "items": LANGUAGE,
            "minItems": 1,
            "maxItems": 200,
            "description": "Target languages: items in these languages are labelled by native speakers.",
        },
        "overlap": {
            "type": "integer",
            "minimum": 1,
            "maximum": 20,
            "default": 3,
            "description": "Annotators per item.",
        },
        "max_overlap": {
            "type": "integer",
            "minimum": 1,
            "maximum": 50,
            "description": "Ceiling dynamic overlap may raise an item to; default max(overlap, 5).",
        },
        "lease_minutes": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1440,
            "default": 30,
            "description": "How long an annotator holds a task before it returns to the pool.",
        },
        "priority": {"type": "integer", "minimum": -1_000_000, "maximum": 1_000_000, "default": 0},
        "settings": {
            "type": "object",
            "description": "Project settings: `qualification` configures exams and hidden gold, "
            "`review` the review sample, passes and period, `payments` the platform fee, "
            "`delivery` when deliveries are made without being asked for, `languages` whether "
            "a reader's region must match the item's.",
            "properties": {
                "languages": LANGUAGE_SETTINGS_SCHEMA,
                "qualification": QUALIFICATION_SETTINGS_SCHEMA,
                "review": REVIEW_SETTINGS_SCHEMA,
                "delivery": DELIVERY_SETTINGS_SCHEMA,
                "payments": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "fee_bps": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 10_000,
                            "description": "Platform fee in basis points of the rate.",
                        }
                    },
                },
            },
        },
        "ontology": ONTOLOGY,
        "guidelines": GUIDELINES,
    },
    ["name", "task_type", "source_language", "languages"],
)

PROJECT_STATE_CHANGE: JSONSchema = _closed(
    {
        "state": {
            "type": "string",
            "enum": ["draft", "active", "paused", "completed", "archived"],
            "description": "The wanted state; only some changes are allowed (409 otherwise).",
        }
    },
    ["state"],
)

ONTOLOGY_VERSION_CREATE: JSONSchema = _closed(
    {
        "labels": LABELS,
        "note": {"type": "string", "maxLength": 5_000, "description": "What changed and why."},
        "guidelines": {
            **GUIDELINES,
            "description": "Guidelines for the new version per language. Languages not given keep the "
            "previous version's text.",
        },
    },
    ["labels"],
)

GUIDELINE_PUT: JSONSchema = _closed(
    {"text": {"type": "string", "minLength": 1, "maxLength": MAX_GUIDELINE_CHARS}},
    ["text"],
)

# --- responses -------------------------------------------------------------------------------------

LABEL_OUT: JSONSchema = {
    "type": "object",
    "required": ["name", "definition", "edge_cases", "examples"],
    "properties": {
        "name": {"type": "string"},
        "definition": {"type": "string"},
        "edge_cases": {"type": "array", "items": {"type": "string"}},
        "examples": {"type": "array", "items": {"type": "string"}},
    },
}

ONTOLOGY_VERSION: JSONSchema = {
    "type": "object",
    "required": ["version", "labels", "note", "created_at", "guideline_languages"],
    "properties": {
        "version": {"type": "integer"},
        "labels": {"type": "array", "items": LABEL_OUT},
        "note": {"type": "string"},
        "created_at": _timestamp("When the version was made."),
        "guideline_languages": {"type": "array", "items": {"type": "string"}},
    },
}

ONTOLOGY_VERSION_LIST: JSONSchema = {
    "type": "object",
    "required": ["versions"],
    "properties": {"versions": {"type": "array", "items": ONTOLOGY_VERSION}},
}

GUIDELINE: JSONSchema = {
    "type": "object",
    "required": ["language", "text", "version", "updated_at"],
    "properties": {
        "language": {"type": "string"},
        "text": {"type": "string"},
        "version": {"type": "integer", "description": "The ontology version the guideline belongs to."},
        "updated_at": _timestamp("Last change."),
    },
}

GUIDELINE_LIST: JSONSchema = {
    "type": "object",
    "required": ["version", "guidelines"],
    "properties": {"version": {"type": "integer"}, "guidelines": {"type": "array", "items": GUIDELINE}},
}

PROJECT: JSONSchema = {
    "type": "object",
    "required": [
        "id",
        "organisation",
        "name",
        "description",
        "task_type",
        "task_config",
        "source_language",
        "languages",
        "overlap",
        "max_overlap",
        "lease_minutes",
        "priority",
        "state",
        "settings",
        "ontology",
        "guidelines",
        "created_at",
        "updated_at",
    ],
    "properties": {
        "id": _id("Project id."),
        "organisation": _id("Organisation id."),
        "name": {"type": "string"},
        "description": {"type": "string"},
        "task_type": {"type": "string"},
        "task_config": {"type": "object"},
        "source_language": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string"}},
        "overlap": {"type": "integer"},
        "max_overlap": {"type": "integer"},
        "lease_minutes": {"type": "integer"},
        "priority": {"type": "integer"},
        "state": {"type": "string", "enum": ["draft", "active", "paused", "completed", "archived"]},
        "settings": {"type": "object"},
        "ontology": {"oneOf": [ONTOLOGY_VERSION, {"type": "null"}]},
        "guidelines": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Guidelines of the current ontology version per language.",
        },
        "created_at": _timestamp("Creation time."),
        "updated_at": _timestamp("Last change."),
    },
}

NEXT_CURSOR: JSONSchema = {
    "type": ["string", "null"],
    "description": "Pass as `cursor` to get the next page; null on the last page.",
}

PROJECT_LIST: JSONSchema = {
    "type": "object",
    "required": ["projects", "next_cursor"],
    "properties": {"projects": {"type": "array", "items": PROJECT}, "next_cursor": NEXT_CURSOR},
}

BATCH: JSONSchema = {
    "type": "object",
    "required": ["id", "name", "deadline", "created_at"],
    "properties": {
        "id": _id("Batch id."),
        "name": {"type": "string"},
        "deadline": _nullable_timestamp("When the client needs the batch delivered."),
        "created_at": _timestamp("Upload time."),
        "total": {"type": "integer", "description": "Items in the batch."},
        "complete": {"type": "integer", "description": "Items with enough judgments."},
    },
}

BATCH_LIST: JSONSchema = {
    "type": "object",
    "required": ["batches", "next_cursor"],
    "properties": {"batches": {"type": "array", "items": BATCH}, "next_cursor": NEXT_CURSOR},
}

# --- items and uploads -----------------------------------------------------------------------------

ITEM_RECORD: JSONSchema = _closed(
    {
        "external_id": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_EXTERNAL_ID_CHARS,
            "description": "Your id for the item; unique within the project.",
        },
        "language": {
            **LANGUAGE,
            "description": "The item's language, if you know it (BCP 47). Must be a target language "
            "of the project. Texts are checked by language detection either way: a text too short to "
            "judge keeps this language, one that contradicts it goes to ops. Audio and images take it "
            "as given.",
        },
        "payload": {"type": "object", "description": "What to annotate; its shape depends on the task type."},
        "metadata": {"type": "object", "description": "Your own data; stored and exported unchanged."},
    },
    ["payload"],
)

BATCH_IN: JSONSchema = _closed(
    {
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS},
        "deadline": {"type": "string", "format": "date-time"},
    }
)

ITEM_UPLOAD_JSON: JSONSchema = _closed(
    {
        "batch": BATCH_IN,
        "items": {"type": "array", "items": ITEM_RECORD, "minItems": 1},
    },
    ["items"],
    description=(
        "Items as one JSON document. Errors are addressed `items[<index>].payload.<field>`. "
        "The upload is all or nothing: one bad item refuses it whole."
    ),
)

ITEM_UPLOAD_JSONL: JSONSchema = {
    "type": "string",
    "description": (
        "JSON Lines (`application/x-ndjson` or `application/jsonl`): one item record per line, shaped like "
        "an element of `items` in the JSON form. Name the batch with `?batch=`. Errors are addressed "
        "`lines[<i>].payload.<field>`, where `<i>` is the 0-based line index (line 1 of the file is "
        "`lines[0]`)."
    ),
}

ITEM_UPLOAD_CSV: JSONSchema = {
    "type": "string",
    "description": (
        "CSV (`text/csv`, UTF-8) with a header row. Columns `external_id` and `language` are the item's "
        "id and language, columns `meta.<key>` or `metadata.<key>` go to your metadata, every other "
        "column is a payload field (`a.b` makes a nested field). Cells are converted to the types the "
        "task type's payload declares (integer, number, boolean; JSON for lists and objects); empty "
        "cells are left out. Errors are addressed `rows[<i>].<column>`, where `<i>` is the 0-based "
        "index of the data row (the first row after the header is `rows[0]`)."
    ),
}

ITEM_UPLOAD_MULTIPART: JSONSchema = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "A `.json`, `.jsonl` or `.csv` file (the format comes from the file name or the "
            "part's content type), in one of the forms above.",
        },
        "batch": {"type": "string", "description": "Batch name."},
    },
}

IMPORT: JSONSchema = {
    "type": "object",
    "required": [
        "id",
        "state",
        "format",
        "total",
        "processed",
        "accepted",
        "error_count",
        "errors",
        "language_notes",
        "batch",
        "created_at",
        "finished_at",
        "progress",
        "detection",
    ],
    "properties": {
        "id": _id("Import id."),
        "state": {"type": "string", "enum": ["queued", "validating", "storing", "succeeded", "failed"]},
        "format": {"type": "string", "enum": ["json", "jsonl", "csv"]},
        "filename": {"type": ["string", "null"]},
        "batch_name": {"type": "string"},
        "total": {"type": ["integer", "null"], "description": "Items in the upload."},
        "processed": {"type": "integer", "description": "Items checked so far."},
        "accepted": {
            "type": "integer",
            "description": "Items written so far; they become visible together when the import succeeds.",
        },
        "error_count": {"type": "integer"},
        "errors": {
            "type": "array",
            "description": "The first problems found (at most 100); any problem refuses the upload whole.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
        "language_notes": {
            "type": "array",
            "description": "Declared languages stored as another tag: a deprecated code read as its "
            "canonical one (iw → he), or a more precise tag as the project's language (zh-CN → zh-Hans).",
            "items": {
                "type": "object",
                "required": ["declared", "language", "items"],
                "properties": {
                    "declared": {"type": "string"},
                    "language": {"type": "string"},
                    "items": {"type": "integer"},
                },
            },
        },
        "batch": {"type": ["string", "null"], "description": "The batch created, once the import succeeded."},
        "created_at": _timestamp("Upload time."),
        "started_at": _nullable_timestamp("When processing started."),
        "finished_at": _nullable_timestamp("When the import succeeded or failed."),
        "detection": {
            "type": ["object", "null"],
            "description": "Language detection of the batch, once the upload is stored (else null): "
            "it is done when `pending` reaches 0.",
            "required": ["pending", "total"],
            "properties": {
                "pending": {"type": "integer", "description": "Items still waiting for detection."},
                "total": {"type": "integer", "description": "Items in the batch."},
            },
        },
        "progress": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "description": "Share of the work done: checking is the first half, writing the second.",
        },
    },
}

IMPORT_LIST: JSONSchema = {
    "type": "object",
    "required": ["imports", "next_cursor"],
    "properties": {"imports": {"type": "array", "items": IMPORT}, "next_cursor": NEXT_CURSOR},
}

UPLOAD_RESULT: JSONSchema = {
    "type": "object",
    "required": ["import"],
    "properties": {
        "import": IMPORT,
        "batch": {**BATCH, "description": "The new batch (only when the upload was stored at once, 201)."},
    },
    "description": "201 when the upload was stored at once; 202 when a background import was queued "
    "(follow the `Location` header to watch it).",
}

ITEM: JSONSchema = {
    "type": "object",
    "required": [
        "id",
        "external_id",
        "batch",
        "payload",
        "metadata",
        "declared_language",
        "detected_language",
        "language_confidence",
        "language",
        "state",
        "created_at",
    ],
    "properties": {
        "id": _id("Item id."),
        "external_id": {"type": ["string", "null"]},
        "batch": _id("Batch id."),
        "payload": {"type": "object"},
        "metadata": {"type": "object"},
        "declared_language": {"type": ["string", "null"]},
        "detected_language": {"type": ["string", "null"]},
        "language_confidence": {"type": ["number", "null"]},
        "language": {"type": ["string", "null"], "description": "The language used for routing."},
        "state": {"type": "string", "enum": ["awaiting_language", "triage", "ready", "complete"]},
        "created_at": _timestamp("Upload time."),
        "label": {
            "type": ["object", "null"],
            "description": "The item's label (an answer of the task type) once complete; null before.",
        },
        "label_source": {
            "type": ["string", "null"],
            "enum": ["consensus", "review", "correction", None],
            "description": "Where the label came from: the annotators' consensus, a reviewer who kept "
            "it, or a reviewer's correction.",
        },
        "confidence": {
            "type": ["number", "null"],
            "description": "The consensus confidence (0..1) of the label.",
        },
        "review_state": {
            "type": ["string", "null"],
            "enum": ["not_sampled", "accepted", "corrected", "in_review", None],
            "description": "Where the label stands with review (null before the item is complete).",
        },
        "ontology_version": {
            "type": ["integer", "null"],
            "description": "The ontology version in force when the label was set.",
        },
        "labelled_at": _nullable_timestamp("When the label was last set."),
        "judgments": {
            "type": "array",
            "description": "With `include=judgments`: each annotator's judgment under a pseudonym "
            "stable within the project.",
            "items": {
                "type": "object",
                "required": ["annotator", "language", "seconds_spent", "outcome", "answer"],
                "properties": {
                    "annotator": {"type": "string", "description": "Pseudonymous annotator id."},
                    "language": {"type": "string"},
                    "seconds_spent": {"type": ["integer", "null"]},
                    "outcome": {"type": "string", "enum": ["pending", "accepted", "rejected"]},
                    "answer": {"type": ["object", "null"]},
                },
            },
        },
    },
}

ITEM_LIST: JSONSchema = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": ITEM}, "next_cursor": NEXT_CURSOR},
}

_STATE_COUNTS: JSONSchema = {
    "type": "object",
    "additionalProperties": {"type": "integer"},
    "description": "Item count per item state.",
}

PROGRESS: JSONSchema = {
    "type": "object",
    "required": ["total", "by_state", "by_language", "batches", "imports_in_progress", "language_detection"],
    "properties": {
        "total": {"type": "integer"},
        "by_state": _STATE_COUNTS,
        "by_language": {
            "type": "array",
            "description": "Counts per effective language; `null` gathers items of unknown language.",
            "items": {
                "type": "object",
                "required": ["language", "total", "by_state"],
                "properties": {
                    "language": {"type": ["string", "null"]},
                    "total": {"type": "integer"},
                    "by_state": _STATE_COUNTS,
                },
            },
        },
        "batches": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "total", "complete", "language_pending"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "total": {"type": "integer"},
                    "complete": {"type": "integer"},
                    "language_pending": {
                        "type": "integer",
                        "description": "Items of the batch still waiting for language detection.",
                    },
                },
            },
        },
        "imports_in_progress": {"type": "integer"},
        "language_detection": {
            "type": "object",
            "description": "Where items are in getting a language; the three counts add up to `total`.",
            "required": ["pending", "done", "triage"],
            "properties": {
                "pending": {"type": "integer", "description": "Waiting for the detection job."},
                "done": {"type": "integer", "description": "Language known (ready or complete)."},
                "triage": {"type": "integer", "description": "Waiting for ops to decide the language."},
            },
        },
    },
}
