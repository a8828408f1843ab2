"""Batches: the groups items are uploaded in, and their counts for the client's list.

Why a module: a batch is what a client delivers against (a name, a deadline, so many items done),
distinct from the items themselves; the work/gold distinction and the "complete" count are
defined here once, for the batch list and the progress endpoint alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from marketplace.db import get_session, utcnow
from marketplace.events import EventKind, record_event
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects import schemas
from marketplace.projects.models import Batch, Item, ItemState, Project
from marketplace.validation import FieldError, InvalidInput

#: ``Batch.kind`` of the client's own items (the other kind, "gold", holds exam material).
WORK_BATCH = "work"


@dataclass(frozen=True)
class BatchCounts:
    batch: Batch
    total: int
    complete: int


def create_batch(project_id: int, name: str, deadline: datetime | None = None) -> Batch:
    """An empty batch (uploads normally create theirs together with the items)."""
    name = name.strip()
    if not name:
        raise InvalidInput([FieldError("name", "required", _("This field is required."))])
    if deadline is not None and deadline.tzinfo is None:
        raise InvalidInput([FieldError("deadline", "format", _("Give the time zone of the deadline."))])
    batch = Batch(project_id=project_id, name=name[: schemas.MAX_NAME_CHARS], deadline=deadline)
    session = get_session()
    session.add(batch)
    session.commit()
    return batch


def resolve_batches(project_id: int, public_ids: Sequence[str], field: str = "batches") -> list[int]:
    """Internal ids of the project's work batches named by ``public_ids``; 422 naming each unknown."""
    wanted = list(dict.fromkeys(public_ids))
    rows = get_session().execute(
        select(Batch.public_id, Batch.id).where(
            Batch.project_id == project_id, Batch.kind == WORK_BATCH, Batch.public_id.in_(wanted)
        )
    )
    found = {public_id: batch_id for public_id, batch_id in rows}
    missing = [
        FieldError(f"{field}.{index}", "unknown", _("There is no such batch in this project."))
        for index, public_id in enumerate(wanted)
        if public_id not in found
    ]
    if missing:
        raise InvalidInput(missing, status=422)
    return [found[public_id] for public_id in wanted]


def batch_public_ids(batch_ids: Sequence[int]) -> dict[int, str]:
    if not batch_ids:
        return {}
    rows = get_session().execute(select(Batch.id, Batch.public_id).where(Batch.id.in_(batch_ids)))
    return {batch_id: public_id for batch_id, public_id in rows}


def close_completed_batches(limit: int = 500) -> list[int]:
    """Mark work batches whose items are all complete (and that have items) as completed, once,
    recording ``batch.completed`` for the client, in the caller's transaction (the caller commits,
    together with what it does about the batches, e.g. queue their delivery). Periodic, not per
    submit: two last items completing at once in two transactions would each still see the other
    as open, and the hot path should not count a batch's items on every answer."""
    session = get_session()
    open_item = select(Item.id).where(Item.batch_id == Batch.id, Item.state != ItemState.COMPLETE).exists()
    has_items = select(Item.id).where(Item.batch_id == Batch.id).exists()
    rows = session.execute(
        select(Batch, Project.organisation_id, Project.public_id)
        .join(Project, Project.id == Batch.project_id)
        .where(Batch.kind == WORK_BATCH, Batch.completed_at.is_(None), has_items, ~open_item)
        .order_by(Batch.id)
        .limit(limit)
    ).all()
    closed: list[int] = []
    for batch, organisation_id, project_public_id in rows:
        batch.completed_at = utcnow()
        total = session.scalar(select(func.count()).select_from(Item).where(Item.batch_id == batch.id)) or 0
        record_event(
            session,
            organisation_id,
            EventKind.BATCH_COMPLETED,
            {"project": project_public_id, "batch": batch.public_id, "name": batch.name, "items": total},
            project_id=batch.project_id,
        )
        closed.append(batch.id)
    session.flush()
    return closed


def complete_count() -> Any:
    """SQL: how many of the grouped items are complete (0, not NULL, for an empty batch)."""
    return func.coalesce(func.sum(case((Item.state == ItemState.COMPLETE.value, 1), else_=0)), 0)


def list_batches(project_id: int, cursor: str | None, limit: int) -> Page[BatchCounts]:
    """A project's batches by upload order, each with its item counts (one grouped query)."""
    query = (
        select(Batch, func.count(Item.id), complete_count())
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id == project_id, Batch.kind == WORK_BATCH)
        .group_by(Batch.id)
        .order_by(Batch.id)
        .limit(limit + 1)
    )
    after = after_id(Batch, cursor, project_id=project_id)
    if after is not None:
        query = query.where(Batch.id > after)
    rows = [
        BatchCounts(batch, int(total), int(complete))
        for batch, total, complete in get_session().execute(query)
    ]
    return cut_page(rows, limit, lambda counts: counts.batch.public_id)
