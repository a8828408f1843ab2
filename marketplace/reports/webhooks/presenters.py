"""Endpoints and messages as the API's JSON, shaped as ``schemas.py`` says.

Public ids only. The signing secret is left out unless asked for: the API shows it when the
endpoint is created and when it is rotated, never in a listing, so a leaked list or log page
does not leak the key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marketplace.reports.models import WebhookEndpoint, WebhookMessageState
from marketplace.reports.webhooks.service import LoggedMessage, PingResult, iso_utc, previous_secret_until


def _timestamp(value: datetime | None) -> str | None:
    return None if value is None else iso_utc(value)


def endpoint_json(
    endpoint: WebhookEndpoint, organisation_public_id: str, with_secret: bool = False
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": endpoint.public_id,
        "organisation": organisation_public_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": _timestamp(endpoint.disabled_at),
        "consecutive_failures": endpoint.consecutive_failures,
        "previous_secret_valid_until": _timestamp(previous_secret_until(endpoint)),
        "created_at": iso_utc(endpoint.created_at),
    }
    if with_secret:
        body["secret"] = endpoint.secret
    return body


def message_json(logged: LoggedMessage) -> dict[str, Any]:
    message = logged.message
    pending = message.state == WebhookMessageState.PENDING
    return {
        "id": message.public_id,
        "event_id": logged.event_public_id,
        "event_type": logged.event_type,
        "state": message.state,
        "attempts": message.attempts,
        "last_status": message.last_status,
        "last_error": message.last_error,
        "last_duration_ms": message.last_duration_ms,
        "created_at": iso_utc(message.created_at),
        "last_attempt_at": _timestamp(message.last_attempt_at),
        "next_attempt_at": _timestamp(message.next_attempt_at) if pending else None,
        "delivered_at": _timestamp(message.delivered_at),
    }


def ping_json(ping: PingResult) -> dict[str, Any]:
    return {
        "event_id": ping.event_id,
        "delivered": ping.outcome.ok,
        "status": ping.outcome.status,
        "error": ping.outcome.error,
        "duration_ms": ping.outcome.duration_ms,
    }
