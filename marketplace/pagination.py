"""Cursor pagination: opaque cursors over a stable order, so pages never skip or repeat rows.

At the floor because services page their own queries (they own the SQL) while the web layer only
parses ``cursor`` and ``limit`` from the query string.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.validation import FieldError, InvalidInput

T = TypeVar("T")

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


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated list; ``next_cursor`` is None on the last page."""

    items: list[T]
    next_cursor: str | None


def after_id(model: Any, cursor: str | None, **scope: Any) -> int | None:
    """The integer key behind a cursor. Cursors carry public ids, so they reveal no row counts."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    after = values.get("after")
    row_id = None
    if isinstance(after, str):
        query = select(model.id).where(model.public_id == after)
        for column, value in scope.items():
            query = query.where(getattr(model, column) == value)
        row_id = get_session().scalar(query)
    if row_id is None:
        raise InvalidInput([FieldError("cursor", "invalid", _("This cursor is not valid."))])
    return int(row_id)


def cut_page(rows: Sequence[T], limit: int, public_id_of: Any) -> Page[T]:
    """Cut the ``limit + 1`` rows a query fetched into a page and the cursor of the next one."""
    if len(rows) > limit:
        kept = list(rows[:limit])
        return Page(kept, encode_cursor({"after": public_id_of(kept[-1])}))
    return Page(list(rows), None)
