"""Cursor pagination: opaque cursors over a stable order, so pages never skip or repeat rows."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask_babel import gettext as _

from marketplace.validation import FieldError, InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldError("cursor", "invalid", _("This cursor is not valid."))]) from exc
    if not isinstance(value, dict):
        raise InvalidInput([FieldError("cursor", "invalid", _("This cursor is not valid."))])
    return value


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            [FieldError("limit", "invalid", _("Must be a whole number from 1 to %(max)s.", max=MAX_LIMIT))]
        )
    return limit
