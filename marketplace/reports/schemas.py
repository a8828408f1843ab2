"""JSON Schemas of the delivery API: the same dicts validate requests and fill the OpenAPI document."""

from __future__ import annotations

from typing import Any

from marketplace.projects.settings.delivery import SETTINGS_SCHEMA as DELIVERY_SETTINGS_SCHEMA
from marketplace.reports.qa_schema import QA_REPORT

JSONSchema = dict[str, Any]

#: Most batches one delivery may be asked for by name.
MAX_BATCHES_PER_DELIVERY = 1_000

DELIVERY_CREATE: JSONSchema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "batches": {
            "type": "array",
            "items": {"type": "string", "maxLength": 32},
            "maxItems": MAX_BATCHES_PER_DELIVERY,
            "uniqueItems": True,
            "description": "Batch ids to deliver; left out or empty: every complete item of the project.",
        },
    },
}

DELIVERY_FILE: JSONSchema = {
    "type": "object",
    "required": ["name", "media_type", "bytes", "sha256", "download_url"],
    "properties": {
        "name": {"type": "string", "description": "File name, e.g. `labels.jsonl` or `coco.json`."},
        "media_type": {"type": "string"},
        "bytes": {"type": "integer"},
        "sha256": {"type": "string", "description": "SHA-256 of the file's bytes, hex."},
        "records": {"type": "integer", "description": "Records written (items, annotations or pairs)."},
        "stats": {"type": "object", "description": "What the writer skipped or counted besides."},
        "download_url": {
            "type": "string",
            "description": "Where to fetch the bytes: a presigned object-storage URL, or this API.",
        },
    },
}

DIFF_SUMMARY: JSONSchema = {
    "type": "object",
    "properties": {
        "previous_version": {"type": ["integer", "null"]},
        "added": {"type": "integer"},
        "changed": {"type": "integer"},
        "withdrawn": {"type": "integer"},
    },
}

DELIVERY: JSONSchema = {
    "type": "object",
    "required": ["id", "project", "version", "state", "trigger", "item_count", "created_at"],
    "properties": {
        "id": {"type": "string"},
        "project": {"type": "string"},
        "version": {"type": "integer", "description": "1, 2, … per project, in the order asked for."},
        "state": {"type": "string", "enum": ["building", "ready", "failed"]},
        "trigger": {"type": "string", "enum": ["request", "batch_completed", "cadence"]},
        "batches": {"type": "array", "items": {"type": "string"}},
        "item_count": {"type": "integer"},
        "diff": DIFF_SUMMARY,
        "files": {"type": "array", "items": DELIVERY_FILE},
        "manifest_url": {"type": ["string", "null"]},
        "qa_report_url": {"type": ["string", "null"]},
        "error": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

DELIVERY_LIST: JSONSchema = {
    "type": "object",
    "required": ["deliveries"],
    "properties": {"deliveries": {"type": "array", "items": DELIVERY}},
}

DELIVERY_SETTINGS: JSONSchema = DELIVERY_SETTINGS_SCHEMA

__all__ = ["DELIVERY", "DELIVERY_CREATE", "DELIVERY_LIST", "DELIVERY_SETTINGS", "QA_REPORT"]
