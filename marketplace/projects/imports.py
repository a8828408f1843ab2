"""Reading uploads' status: each import with the batch it created and its language detection.

Why apart from ``ingest.py``: ingest writes items; this only reads ``ItemImport`` rows for the
client polling an upload, the import list and the project page's progress bars, adding how far
language detection of each stored batch has got.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select

from marketplace.db import get_session
from marketplace.errors import NotFound
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects.models import Batch, ImportState, Item, ItemImport, ItemState

#: Import states that mean "still running" (counted by the progress endpoint).
RUNNING_IMPORT_STATES = (ImportState.QUEUED, ImportState.VALIDATING, ImportState.STORING)


@dataclass(frozen=True)
class DetectionCounts:
    """Language detection of one batch: items still waiting for it, out of all the batch's items."""

    pending: int
    total: int


@dataclass(frozen=True)
class ImportStatus:
    """An upload with the public id of the batch it created and, once stored, its detection."""

    item_import: ItemImport
    batch_public_id: str | None
    detection: DetectionCounts | None


def running_states() -> list[str]:
    """The values of :data:`RUNNING_IMPORT_STATES`, for ``IN (...)`` filters."""
    return [state.value for state in RUNNING_IMPORT_STATES]


def pending_count() -> Any:
    """SQL: how many of the grouped items still wait for language detection."""
    return func.coalesce(func.sum(case((Item.state == ItemState.AWAITING_LANGUAGE.value, 1), else_=0)), 0)


def _detection_counts(batch_ids: Iterable[int | None]) -> dict[int, DetectionCounts]:
    """Detection counts of several batches in one grouped query."""
    wanted = {batch_id for batch_id in batch_ids if batch_id is not None}
    if not wanted:
        return {}
    rows = get_session().execute(
        select(Item.batch_id, pending_count(), func.count())
        .where(Item.batch_id.in_(wanted))
        .group_by(Item.batch_id)
    )
    counts = {batch_id: DetectionCounts(0, 0) for batch_id in wanted}
    counts.update({batch_id: DetectionCounts(int(pending), int(total)) for batch_id, pending, total in rows})
    return counts


def _statuses(rows: Sequence[tuple[ItemImport, str | None]]) -> list[ImportStatus]:
    counts = _detection_counts(item_import.batch_id for item_import, _batch in rows)
    return [
        ImportStatus(
            item_import,
            batch,
            counts.get(item_import.batch_id) if item_import.batch_id is not None else None,
        )
        for item_import, batch in rows
    ]


def _import_query() -> Select[ItemImport, str]:
    return select(ItemImport, Batch.public_id).outerjoin(Batch, Batch.id == ItemImport.batch_id)


def list_imports(project_id: int, cursor: str | None, limit: int) -> Page[ImportStatus]:
    """A project's uploads, newest last, with the batch each created and its detection counts."""
    query = (
        _import_query().where(ItemImport.project_id == project_id).order_by(ItemImport.id).limit(limit + 1)
    )
    after = after_id(ItemImport, cursor, project_id=project_id)
    if after is not None:
        query = query.where(ItemImport.id > after)
    rows = [(item_import, batch_id) for item_import, batch_id in get_session().execute(query)]
    page = cut_page(rows, limit, lambda row: row[0].public_id)
    return Page(_statuses(page.items), page.next_cursor)


def get_import(project_id: int, public_id: str) -> ImportStatus:
    row = (
        get_session()
        .execute(
            _import_query().where(ItemImport.project_id == project_id, ItemImport.public_id == public_id)
        )
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such import."))
    return _statuses([(row[0], row[1])])[0]


def import_status(item_import: ItemImport, batch_public_id: str | None) -> ImportStatus:
    """The status of an upload just handled, with its batch's detection counts as they are now."""
    return _statuses([(item_import, batch_public_id)])[0]


def unfinished_imports(project_id: int) -> list[ImportStatus]:
    """Uploads still being stored, or stored with items still waiting for language detection:
    what the project page shows progress bars for."""
    session = get_session()
    waiting = (
        select(Item.batch_id)
        .where(Item.project_id == project_id, Item.state == ItemState.AWAITING_LANGUAGE.value)
        .distinct()
    )
    query = (
        _import_query()
        .where(
            ItemImport.project_id == project_id,
            or_(ItemImport.state.in_(running_states()), ItemImport.batch_id.in_(waiting)),
        )
        .order_by(ItemImport.id)
    )
    return _statuses([(item_import, batch) for item_import, batch in session.execute(query)])
