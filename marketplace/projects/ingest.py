"""Item uploads: store every item of an upload or none, in the request or as a background job.

Why all or none: a client who fixes item 57 and uploads again must not get items 0-56 twice, and
a half-stored batch would be delivered half-labelled. So every item is checked before the first
row is written (``item_checks.py``), and the batch, its items and the import record are written
in one transaction.

Small uploads (``SYNC_UPLOAD_MAX_ITEMS``) are handled in the request. Larger ones are kept in an
``ItemImport`` row and handled by the job ``import_job.run_import``. Reading the upload's format
is ``upload_parsing.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import jobs
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, TooLarge
from marketplace.projects import item_checks, items, schemas, service
from marketplace.projects.item_checks import Progress, ProjectFacts, check_upload, no_progress
from marketplace.projects.models import Batch, ImportState, Item, ItemImport, Project
from marketplace.projects.upload_parsing import Upload, count_items, parse_upload
from marketplace.validation import FieldError, InvalidInput

#: Rows per INSERT statement: large enough to be fast, small enough for every driver's limits.
INSERT_CHUNK_SIZE = 1000
#: Items per upload; more is refused with 413 (split the file).
MAX_ITEMS_PER_UPLOAD = 1_000_000


@dataclass(frozen=True)
class UploadOutcome:
    item_import: ItemImport
    #: The new batch when the upload was stored in the request; None when it was queued.
    batch: Batch | None
    queued: bool


# --- storing ---------------------------------------------------------------------------------------


def store_batch(
    session: Session,
    project_id: int,
    batch_name: str,
    deadline: datetime | None,
    rows: list[dict[str, Any]],
    on_progress: Progress = no_progress,
) -> Batch:
    """Insert the batch and its items in the session's transaction; the caller commits."""
    batch = Batch(project_id=project_id, name=batch_name[: schemas.MAX_NAME_CHARS], deadline=deadline)
    session.add(batch)
    session.flush()
    for start in range(0, len(rows), INSERT_CHUNK_SIZE):
        chunk = rows[start : start + INSERT_CHUNK_SIZE]
        for row in chunk:
            row["batch_id"] = batch.id
        # render_nulls: rows without a declared language would otherwise be grouped apart from the
        # rest by the columns they omit, one statement per group instead of one per chunk.
        session.execute(insert(Item).execution_options(render_nulls=True), chunk)
        on_progress(start + len(chunk))
    return batch


def default_batch_name() -> str:
    return "upload " + utcnow().strftime("%Y-%m-%d %H:%M:%S UTC")


def race_error() -> FieldError:
    return FieldError(
        "external_id",
        "duplicate",
        _(
            "Another upload added items with the same external_id meanwhile. Nothing was stored; "
            "upload again to see which."
        ),
    )


# --- the use-cases ---------------------------------------------------------------------------------


def upload_items(
    project_id: int,
    upload: Upload,
    *,
    user_id: int | None = None,
    token_id: int | None = None,
    locale: str = "en",
) -> UploadOutcome:
    """Store an upload now if it is small, else queue a background import for it.

    ``locale`` is the uploader's (BCP 47): a background import reports its problems in it.
    """
    project = service.get_project(project_id)
    service.ensure_accepts_items(project)
    total = count_items(upload)
    if total > MAX_ITEMS_PER_UPLOAD:
        raise TooLarge(
            _("An upload may hold at most %(max)s items; split the file.", max=MAX_ITEMS_PER_UPLOAD)
        )
    if total > current_app.config["SYNC_UPLOAD_MAX_ITEMS"]:
        return _queue_import(project, upload, total, user_id, token_id, locale)
    return _store_now(project, upload, user_id, token_id, locale)


def _store_now(
    project: Project, upload: Upload, user_id: int | None, token_id: int | None, locale: str
) -> UploadOutcome:
    facts = ProjectFacts.of(project)
    parsed = parse_upload(upload, facts.task_type)
    session = get_session()
    taken = item_checks.existing_external_ids(session, facts.id, item_checks.external_ids(parsed.records))
    result = check_upload(facts, parsed, taken)
    if result.errors:
        raise InvalidInput(result.errors, status=result.status)
    name = parsed.batch_name or upload.batch_name or default_batch_name()
    now = utcnow()
    count = len(result.rows)
    try:
        batch = store_batch(session, facts.id, name, parsed.deadline, result.rows)
        item_import = ItemImport(
            project_id=facts.id,
            batch_id=batch.id,
            batch_name=batch.name,
            format=upload.format,
            filename=upload.filename,
            content=None,
            state=ImportState.SUCCEEDED,
            total=count,
            processed=count,
            accepted=count,
            errors=[],
            error_count=0,
            language_notes=result.language_notes,
            locale=locale,
            created_by_user_id=user_id,
            created_by_token_id=token_id,
            started_at=now,
            finished_at=now,
        )
        session.add(item_import)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(race_error().message, field="external_id") from exc
    items.after_items_stored(facts.id, batch.id)
    return UploadOutcome(item_import, batch, queued=False)


def _queue_import(
    project: Project, upload: Upload, total: int, user_id: int | None, token_id: int | None, locale: str
) -> UploadOutcome:
    session = get_session()
    item_import = ItemImport(
        project_id=project.id,
        batch_name=(upload.batch_name or default_batch_name())[: schemas.MAX_NAME_CHARS],
        format=upload.format,
        filename=(upload.filename or None) and upload.filename[:255],
        content=upload.content,
        state=ImportState.QUEUED,
        total=total,
        processed=0,
        accepted=0,
        errors=[],
        error_count=0,
        locale=locale[:16],
        created_by_user_id=user_id,
        created_by_token_id=token_id,
    )
    session.add(item_import)
    session.commit()
    jobs.enqueue(
        "marketplace.projects.import_job.run_import",
        item_import.id,
        queue=jobs.QUEUE_IMPORTS,
        job_id=f"import-{item_import.public_id}",
    )
    # In inline and thread modes the job may already have moved on; show where it is.
    session.refresh(item_import)
    return UploadOutcome(item_import, None, queued=True)
