"""The background import: checks and stores a queued upload, reporting its progress as it goes.

Why a module: a large upload is kept in an ``ItemImport`` row and handled outside the request by
:func:`run_import` (enqueued by ``ingest.py``), which writes its counts through short sessions of
its own so a client polling the import sees them move, and records a refusal on the row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from marketplace.db import get_engine, get_session, new_session, utcnow
from marketplace.languages.codes import to_babel_identifier
from marketplace.projects import item_checks, items
from marketplace.projects.ingest import default_batch_name, race_error, store_batch
from marketplace.projects.item_checks import MAX_REPORTED_ERRORS, ProjectFacts, check_upload
from marketplace.projects.models import ImportState, ItemImport, Project
from marketplace.projects.upload_parsing import Upload, parse_upload
from marketplace.validation import FieldError, InvalidInput

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _ImportJob:
    id: int
    project: ProjectFacts
    upload: Upload
    locale: str
    total: int


class _ProgressWriter:
    """Writes an import's counters through short transactions of their own, so pollers see them.

    On SQLite the storing transaction holds the only write lock, so counts written while storing
    would wait for it: there the ``accepted`` count only moves when the import is done.
    """

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self.report_storing = get_engine().dialect.name != "sqlite"

    def write(self, **values: Any) -> None:
        with new_session() as session:
            session.execute(update(ItemImport).where(ItemImport.id == self.import_id).values(**values))
            session.commit()

    def checked(self, count: int) -> None:
        self.write(processed=count)

    def stored(self, count: int) -> None:
        if self.report_storing:
            self.write(accepted=count)


def run_import(import_id: int) -> None:
    """Check and store a queued upload. Idempotent: a finished import is left alone, and one that
    was interrupted starts over cleanly, since nothing of it was written before the final commit."""
    job = _start_import(import_id)
    if job is None:
        return
    with force_locale(to_babel_identifier(job.locale)):
        try:
            _run_import(job)
        except Exception:
            log.exception("item import %s failed", import_id)
            get_session().rollback()  # release the write lock (SQLite) before recording the failure
            _fail_import(
                job.id,
                [FieldError("", "server_error", _("Something went wrong on our side. Nothing was saved."))],
                1,
            )
            raise


def _start_import(import_id: int) -> _ImportJob | None:
    with new_session() as session:
        item_import = session.get(ItemImport, import_id)
        if item_import is None or item_import.state in (ImportState.SUCCEEDED, ImportState.FAILED):
            return None
        project = session.get(Project, item_import.project_id)
        if project is None or item_import.content is None:
            return None
        job = _ImportJob(
            id=item_import.id,
            project=ProjectFacts.of(project),
            upload=Upload(
                item_import.format, item_import.content, item_import.filename, item_import.batch_name
            ),
            locale=item_import.locale,
            total=item_import.total or 0,
        )
        item_import.state = ImportState.VALIDATING
        item_import.started_at = utcnow()
        item_import.processed = 0
        item_import.accepted = 0
        item_import.errors = []
        item_import.error_count = 0
        session.commit()
    return job


def _run_import(job: _ImportJob) -> None:
    progress = _ProgressWriter(job.id)
    try:
        parsed = parse_upload(job.upload, job.project.task_type)
    except InvalidInput as exc:
        _fail_import(job.id, exc.errors, len(exc.errors))
        return
    with new_session() as session:
        taken = item_checks.existing_external_ids(
            session, job.project.id, item_checks.external_ids(parsed.records)
        )
    result = check_upload(job.project, parsed, taken, progress.checked)
    if result.errors:
        _fail_import(job.id, result.errors, result.error_count)
        return
    count = len(result.rows)
    progress.write(state=ImportState.STORING.value, total=count, processed=count)
    name = parsed.batch_name or job.upload.batch_name or default_batch_name()
    session = get_session()
    try:
        batch = store_batch(session, job.project.id, name, parsed.deadline, result.rows, progress.stored)
        session.execute(
            update(ItemImport)
            .where(ItemImport.id == job.id)
            .values(
                state=ImportState.SUCCEEDED.value,
                batch_id=batch.id,
                batch_name=batch.name,
                content=None,
                total=count,
                processed=count,
                accepted=count,
                language_notes=result.language_notes,
                finished_at=utcnow(),
            )
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        _fail_import(job.id, [race_error()], 1)
        return
    items.after_items_stored(job.project.id, batch.id)


def _fail_import(import_id: int, errors: Sequence[FieldError], error_count: int) -> None:
    """Record the refusal: the first problems, how many there were, and no item."""
    _ProgressWriter(import_id).write(
        state=ImportState.FAILED.value,
        errors=[error.as_dict() for error in errors[:MAX_REPORTED_ERRORS]],
        error_count=max(error_count, len(errors)),
        accepted=0,
        finished_at=utcnow(),
    )
