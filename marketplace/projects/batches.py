"""Batches: the groups items are uploaded in, and their counts for the client's list.

Why a module: a batch is what a client delivers against (a name, a deadline, so many items done),
distinct from the items themselves; the work/gold distinction and the "complete" count are
defined here once, for the batch list and the progress endpoint alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from marketplace.db import get_session
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects import schemas
from marketplace.projects.models import Batch, Item, ItemState
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
