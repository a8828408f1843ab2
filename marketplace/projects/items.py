"""Items: reading a project's items (the filtered list, one item), and what follows their storing.

Why a module: the item list is the client's view of its uploaded work, with filters of its own;
uploads themselves live in ``ingest.py``, which calls :func:`after_items_stored` once a batch is
committed so language detection can start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace import jobs
from marketplace.db import get_session
from marketplace.errors import NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects.batches import WORK_BATCH
from marketplace.projects.models import Batch, Item, ItemState
from marketplace.projects.problems import Problems
from marketplace.validation import FieldError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItemFilters:
    """Filters of the item list; each None means "any"."""

    state: str | None = None
    language: str | None = None
    batch: str | None = None


def check_item_filters(state: str | None, language: str | None, batch: str | None) -> ItemFilters:
    """Validate query-string filters: 400 naming the parameter when one makes no sense."""
    problems = Problems()
    if state and state not in {s.value for s in ItemState}:
        problems.bad([FieldError("state", "enum", _("This state does not exist."))])
    code = None
    if language:
        try:
            code = normalize_language(language)
        except UnknownLanguage:
            problems.bad(
                [
                    FieldError(
                        "language",
                        "unknown_language",
                        _("“%(code)s” is not a known language code.", code=language),
                    )
                ]
            )
    problems.raise_if_any()
    return ItemFilters(state or None, code, batch or None)


def list_items(
    project_id: int, cursor: str | None, limit: int, filters: ItemFilters | None = None
) -> Page[tuple[Item, str]]:
    """A project's items in upload order, with their batch's public id; stable under new uploads
    because the order is by key and new items only ever get larger keys."""
    filters = filters or ItemFilters()
    query = (
        select(Item, Batch.public_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(Item.project_id == project_id, Batch.kind == WORK_BATCH)  # gold has its own endpoints
        .order_by(Item.id)
        .limit(limit + 1)
    )
    if filters.state:
        query = query.where(Item.state == filters.state)
    if filters.language:
        query = query.where(Item.language == filters.language)
    if filters.batch:
        query = query.where(Batch.public_id == filters.batch)
    after = after_id(Item, cursor, project_id=project_id)
    if after is not None:
        query = query.where(Item.id > after)
    rows = [(item, batch_id) for item, batch_id in get_session().execute(query)]
    return cut_page(rows, limit, lambda row: row[0].public_id)


def get_item(project_id: int, public_id: str) -> tuple[Item, str]:
    row = (
        get_session()
        .execute(
            select(Item, Batch.public_id)
            .join(Batch, Batch.id == Item.batch_id)
            .where(Item.project_id == project_id, Item.public_id == public_id, Batch.kind == WORK_BATCH)
        )
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such item."))
    return row[0], row[1]


def after_items_stored(project_id: int, batch_id: int) -> None:
    """Called by ``ingest`` right after a batch of items was committed: queue the detection of
    the batch's ``awaiting_language`` items (non-text items were decided at upload).

    The job id makes a second enqueue of the same batch one job on Redis; the job itself only
    touches items still waiting, so running it again changes nothing either way.
    """
    log.debug("project %s: batch %s stored, queueing language detection", project_id, batch_id)
    jobs.enqueue(
        "marketplace.projects.language_detection_job.detect_batch_languages",
        batch_id,
        job_id=f"languages-batch-{batch_id}",
    )
