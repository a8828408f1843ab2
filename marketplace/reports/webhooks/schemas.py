"""JSON Schemas of the webhook API's requests and responses.

The same dicts validate request bodies (through ``@endpoint``) and are published in the OpenAPI
document. Module-level constants: the validator cache is keyed by schema identity. What a schema
cannot state (a URL that resolves to a private address) the service checks, answering 422.
"""

from __future__ import annotations

from typing import Any

from marketplace.events import EventKind
from marketplace.reports.models import WebhookMessageState
from marketplace.reports.webhooks.service import MAX_DESCRIPTION_CHARS, MAX_URL_CHARS, DisabledReason

JSONSchema = dict[str, Any]


def _timestamp(description: str, nullable: bool = False) -> JSONSchema:
    kind: str | list[str] = ["string", "null"] if nullable else "string"
    return {"type": kind, "format": "date-time", "description": description}


def _closed(properties: dict[str, JSONSchema], required: list[str] | None = None, **extra: Any) -> JSONSchema:
    """An object whose unknown fields are refused, so a misspelt field is an error, not a no-op."""
    schema: JSONSchema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        schema["required"] = required
    return schema


NEXT_CURSOR: JSONSchema = {
    "type": ["string", "null"],
    "description": "Pass as `cursor` to get the next page; null on the last page.",
}

URL: JSONSchema = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_URL_CHARS,
    "description": (
        "Where events are POSTed: `https://` (or `http://`), no user name or password, on an address "
        "reachable from the internet."
    ),
}

EVENTS: JSONSchema = {
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": {"type": "string", "enum": [kind.value for kind in EventKind]},
    "description": "The event types this endpoint receives.",
}

DESCRIPTION: JSONSchema = {"type": "string", "maxLength": MAX_DESCRIPTION_CHARS}

ENDPOINT_CREATE: JSONSchema = _closed(
    {
        "url": URL,
        "events": EVENTS,
        "description": {**DESCRIPTION, "default": ""},
        "organisation": {
            "type": "string",
            "description": "Organisation id; needed only by people who belong to several.",
        },
    },
    ["url", "events"],
)

ENDPOINT_UPDATE: JSONSchema = _closed(
    {
        "url": URL,
        "events": EVENTS,
        "description": DESCRIPTION,
        "enabled": {
            "type": "boolean",
            "description": "false turns the endpoint off; true turns it on and resets its failure count.",
        },
    },
    minProperties=1,
)

ENDPOINT: JSONSchema = {
    "type": "object",
    "required": [
        "id",
        "organisation",
        "url",
        "description",
        "events",
        "enabled",
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "previous_secret_valid_until",
        "created_at",
    ],
    "properties": {
        "id": {"type": "string", "description": "Endpoint id (`whe_…`)."},
        "organisation": {"type": "string"},
        "url": {"type": "string"},
        "description": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "enabled": {"type": "boolean"},
        "disabled_reason": {
            "type": ["string", "null"],
            "enum": [*(reason.value for reason in DisabledReason), None],
            "description": "`repeated_failure`: turned off by us after messages kept failing.",
        },
        "disabled_at": _timestamp("When it was turned off.", nullable=True),
        "consecutive_failures": {
            "type": "integer",
            "description": "Messages in a row that ran out of retries; any success resets it.",
        },
        "previous_secret_valid_until": _timestamp(
            "After a rotation, messages are signed with the new and the previous secret (two `v1=` "
            "entries) until this time, so a receiver can switch without refusing any; null when "
            "only the current secret signs.",
            nullable=True,
        ),
        "created_at": _timestamp("When it was registered."),
    },
}

ENDPOINT_WITH_SECRET: JSONSchema = {
    **ENDPOINT,
    "required": [*ENDPOINT["required"], "secret"],
    "properties": {
        **ENDPOINT["properties"],
        "secret": {
            "type": "string",
            "description": (
                "Signing secret (`whsec_…`): shown only here and when rotated. Verify the "
                "`Marketplace-Signature` header of every message with it."
            ),
        },
    },
}

ENDPOINT_LIST: JSONSchema = {
    "type": "object",
    "required": ["endpoints", "next_cursor"],
    "properties": {"endpoints": {"type": "array", "items": ENDPOINT}, "next_cursor": NEXT_CURSOR},
}

MESSAGE: JSONSchema = {
    "type": "object",
    "required": [
        "id",
        "event_id",
        "event_type",
        "state",
        "attempts",
        "last_status",
        "last_error",
        "last_duration_ms",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    ],
    "properties": {
        "id": {"type": "string", "description": "Message id (`whm_…`)."},
        "event_id": {
            "type": "string",
            "description": "The `Marketplace-Event-Id` header: the same on every attempt.",
        },
        "event_type": {"type": "string"},
        "state": {"type": "string", "enum": [state.value for state in WebhookMessageState]},
        "attempts": {"type": "integer", "description": "Attempts in the current series."},
        "last_status": {"type": ["integer", "null"], "description": "HTTP status of the last attempt."},
        "last_error": {"type": "string"},
        "last_duration_ms": {"type": ["integer", "null"]},
        "created_at": _timestamp("When the event was queued for this endpoint."),
        "last_attempt_at": _timestamp("When the last attempt started.", nullable=True),
        "next_attempt_at": _timestamp("When it is tried next (pending messages only).", nullable=True),
        "delivered_at": _timestamp("When the receiver answered 2xx.", nullable=True),
    },
}

MESSAGE_LIST: JSONSchema = {
    "type": "object",
    "required": ["messages", "next_cursor"],
    "properties": {"messages": {"type": "array", "items": MESSAGE}, "next_cursor": NEXT_CURSOR},
}

TEST_RESULT: JSONSchema = {
    "type": "object",
    "required": ["event_id", "delivered", "status", "error", "duration_ms"],
    "properties": {
        "event_id": {"type": "string", "description": "The ping's `Marketplace-Event-Id`."},
        "delivered": {"type": "boolean", "description": "Whether the receiver answered 2xx."},
        "status": {"type": ["integer", "null"]},
        "error": {"type": "string"},
        "duration_ms": {"type": "integer"},
    },
}
