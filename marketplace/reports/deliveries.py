"""Deliveries: immutable, numbered snapshots of a project's accepted labels, with a manifest, a
diff against the previous version and a QA report.

Asking for a delivery only reserves its version number and queues the build; the build job then
streams the project's labels once from the database into the canonical JSON Lines file (a local
temporary file), records each item's label for the next diff, and writes every other format from
that file, so memory does not grow with the project and the database is read once. Files go to
the configured storage (a folder under ``instance/`` or S3) with their SHA-256 in the manifest.

A build may be killed at any line: the delivery stays ``building`` and is taken over once its
lease has run out (``resume_stalled_builds``), starting from scratch, since nothing is visible
to the client until the delivery is ``ready``.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, cast

from flask_babel import gettext as _
from sqlalchemy import CursorResult, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from marketplace import jobs
from marketplace.db import get_session, is_postgresql, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.events import EventKind, record_event
from marketplace.projects.models import Batch, Guideline, Item, OntologyVersion, Project
from marketplace.qualification.gold import class_key
from marketplace.reports.formats import formats_for
from marketplace.reports.formats.base import FormatContext
from marketplace.reports.models import Delivery, DeliveryItem, DeliveryState, DeliveryTrigger
from marketplace.reports.qa_render import render_qa_html, render_qa_pdf
from marketplace.reports.qa_report import build_qa_report
from marketplace.reports.records import Scope, canonical_json, label_digest, stream_item_records
from marketplace.storage import Storage, get_storage

log = logging.getLogger(__name__)

#: A build that started longer ago than this is presumed dead (worker killed) and taken over.
BUILD_LEASE = timedelta(minutes=15)
#: After this many attempts a delivery is marked failed instead of retried again.
MAX_ATTEMPTS = 3
#: Rows of ``delivery_item`` written per statement while streaming.
_ITEM_ROWS_PER_INSERT = 1000
_READ_CHUNK = 1 << 20

CANONICAL_FILE = "labels.jsonl"
DIFF_FILE = "diff.jsonl"
MANIFEST_FILE = "manifest.json"
QA_JSON_FILE = "qa_report.json"
QA_HTML_FILE = "qa_report.html"
QA_PDF_FILE = "qa_report.pdf"


# --- asking for one ---------------------------------------------------------------------------------


def request_delivery(
    project_id: int,
    *,
    batch_ids: Sequence[int] = (),
    trigger: DeliveryTrigger = DeliveryTrigger.REQUEST,
    created_by_id: int | None = None,
    locale: str = "en",
) -> Delivery:
    """Reserve the next version number and queue the build (committed; the job runs later)."""
    delivery = add_delivery(project_id, batch_ids, trigger, created_by_id, locale)
    get_session().commit()
    kick_build(delivery.id)
    return delivery


def add_delivery(
    project_id: int,
    batch_ids: Sequence[int],
    trigger: DeliveryTrigger,
    created_by_id: int | None = None,
    locale: str = "en",
) -> Delivery:
    """A new delivery with the next version number, in the caller's transaction."""
    session = get_session()
    # Version numbers are handed out one at a time per project: lock the project row.
    project = session.get(Project, project_id, with_for_update=is_postgresql(session))
    if project is None:
        raise NotFound(_("There is no such project."))
    last = session.scalar(select(func.max(Delivery.version)).where(Delivery.project_id == project_id))
    delivery = Delivery(
        project_id=project_id,
        version=(last or 0) + 1,
        trigger=trigger.value,
        batch_ids=sorted(set(batch_ids)),
        created_by_id=created_by_id,
        locale=locale,
    )
    session.add(delivery)
    session.flush()
    return delivery


def kick_build(delivery_id: int) -> None:
    """Queue the build now if the queue is reachable; the sweeper builds it later if not."""
    try:
        jobs.enqueue(
            "marketplace.reports.deliveries.build_delivery", delivery_id, job_id=f"delivery-{delivery_id}"
        )
    except Exception:  # Redis down or full: the delivery row is safe, the sweeper takes it
        log.warning("could not queue the build of delivery %s; the sweeper will", delivery_id, exc_info=True)


# --- building ----------------------------------------------------------------------------------------


def _claim_build(delivery_id: int) -> bool:
    """Take the build: only a delivery still building whose previous attempt (if any) has run
    out of its lease. One UPDATE, so two workers cannot both take it."""
    session = get_session()
    now = utcnow()
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.state == DeliveryState.BUILDING,
            (Delivery.build_started_at.is_(None)) | (Delivery.build_started_at < now - BUILD_LEASE),
        )
        .values(build_started_at=now, attempts=Delivery.attempts + 1)
    )
    taken = cast(CursorResult[Any], result).rowcount  # an UPDATE: a cursor result with a row count
    session.commit()
    return bool(taken)


def build_delivery(delivery_id: int) -> bool:
    """The job: build the delivery's files, manifest, diff and QA report; mark it ready.
    Idempotent: a delivery that is ready, failed or being built by a live worker is left alone."""
    if not _claim_build(delivery_id):
        return False
    session = get_session()
    delivery = session.get(Delivery, delivery_id)
    assert delivery is not None
    try:
        _build(delivery)
    except Exception as error:
        session.rollback()
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        log.exception("building delivery %s failed (attempt %s)", delivery_id, delivery.attempts)
        delivery.error = f"{type(error).__name__}: {error}"[:2000]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
            delivery.finished_at = utcnow()
        else:
            delivery.build_started_at = None  # let the sweeper retry it at once
        session.commit()
        return False
    return True


def storage_prefix(project: Project, delivery: Delivery) -> str:
    return f"deliveries/{project.public_id}/v{delivery.version:04d}-{delivery.public_id}/"


def _build(delivery: Delivery) -> None:
    session = get_session()
    project = session.get(Project, delivery.project_id)
    assert project is not None
    storage = get_storage()
    prefix = storage_prefix(project, delivery)
    # A killed attempt may have left rows and files behind: start clean.
    session.execute(delete(DeliveryItem).where(DeliveryItem.delivery_id == delivery.id))
    session.commit()
    storage.delete_prefix(prefix)

    scope = Scope(project.id, tuple(int(batch_id) for batch_id in delivery.batch_ids))
    ontology = _newest_ontology(project.id)
    context = FormatContext(
        task_type=project.task_type,
        task_config=dict(project.task_config or {}),
        labels=list(ontology.labels) if ontology is not None else [],
        project_id=project.public_id,
        ontology_version=ontology.version if ontology is not None else None,
    )
    files: list[dict[str, Any]] = []
    counts = _Counts(project.task_type)
    with tempfile.TemporaryDirectory(prefix="delivery-") as workdir:
        canonical = Path(workdir) / CANONICAL_FILE
        specs = formats_for(project.task_type)
        canonical_spec = next(spec for spec in specs if spec.filename == CANONICAL_FILE)
        with canonical.open("wb") as out:
            stats = canonical_spec.writer(_recording(delivery.id, scope, counts), context, out)
        session.commit()
        files.append(_store(storage, prefix, canonical, canonical_spec.media_type, stats))
        for spec in specs:
            if spec.filename == CANONICAL_FILE:
                continue
            path = Path(workdir) / spec.filename
            with path.open("wb") as out:
                stats = spec.writer(_read_canonical(canonical), context, out)
            files.append(_store(storage, prefix, path, spec.media_type, stats))

        previous = _previous_ready(delivery)
        diff_path = Path(workdir) / DIFF_FILE
        diff_summary = _write_diff(delivery, previous, diff_path)
        files.append(
            _store(storage, prefix, diff_path, "application/x-ndjson", {"records": diff_summary["total"]})
        )

        report = build_qa_report(project.id, batch_ids=list(scope.batch_ids) or None)
        for name, media_type, data in (
            (QA_JSON_FILE, "application/json", canonical_json(report).encode()),
            (QA_HTML_FILE, "text/html; charset=utf-8", render_qa_html(report, delivery.locale).encode()),
            (QA_PDF_FILE, "application/pdf", render_qa_pdf(report, delivery.locale)),
        ):
            path = Path(workdir) / name
            path.write_bytes(data)
            files.append(_store(storage, prefix, path, media_type, {}))

        manifest = _manifest(project, delivery, ontology, scope, counts, files, diff_summary, previous)
        manifest_path = Path(workdir) / MANIFEST_FILE
        manifest_path.write_bytes(json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False).encode())
        _store(storage, prefix, manifest_path, "application/json", {})

    delivery = session.get(Delivery, delivery.id)  # type: ignore[assignment]
    assert delivery is not None
    delivery.state = DeliveryState.READY
    delivery.item_count = counts.items
    delivery.manifest = manifest
    delivery.diff_summary = diff_summary
    delivery.qa_report = report
    delivery.previous_id = previous.id if previous is not None else None
    delivery.storage_prefix = prefix
    delivery.error = ""
    delivery.finished_at = utcnow()
    record_event(
        session,
        project.organisation_id,
        EventKind.DELIVERY_READY,
        {
            "project": project.public_id,
            "delivery": delivery.public_id,
            "version": delivery.version,
            "items": counts.items,
            "diff": {key: diff_summary[key] for key in ("added", "changed", "withdrawn")},
        },
        project_id=project.id,
    )
    session.commit()


class _Counts:
    """Items per language and per language and class, gathered while the records stream by."""

    def __init__(self, task_type: str) -> None:
        self.task_type = task_type
        self.items = 0
        self.by_language: Counter[str] = Counter()
        self.by_class: dict[str, Counter[str]] = defaultdict(Counter)
        self.by_ontology_version: Counter[str] = Counter()

    def add(self, record: dict[str, Any]) -> None:
        language = record["language"] or "und"
        self.items += 1
        self.by_language[language] += 1
        self.by_ontology_version[str(record["ontology_version"])] += 1
        if isinstance(record["label"], dict):
            for cls in class_key(self.task_type, record["label"]):
                self.by_class[language][cls] += 1


def _recording(delivery_id: int, scope: Scope, counts: _Counts) -> Iterator[dict[str, Any]]:
    """The scope's records, while writing each item's label to ``delivery_item`` for later diffs."""
    session = get_session()
    pending: list[dict[str, Any]] = []
    for item_id, record in stream_item_records(scope):
        counts.add(record)
        pending.append(
            {
                "delivery_id": delivery_id,
                "item_id": item_id,
                "label": record["label"],
                "label_digest": label_digest(record["label"]),
                "ontology_version": record["ontology_version"],
            }
        )
        if len(pending) >= _ITEM_ROWS_PER_INSERT:
            session.execute(insert(DeliveryItem), pending)
            # Short transactions: the build must not hold SQLite's one write lock (or a long
            # PostgreSQL transaction) for the whole project. A crash leaves rows the retry deletes.
            session.commit()
            pending = []
        yield record
    if pending:
        session.execute(insert(DeliveryItem), pending)


def _read_canonical(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _store(
    storage: Storage, prefix: str, path: Path, media_type: str, stats: dict[str, int]
) -> dict[str, Any]:
    """Copy a finished local file to storage; its checksum and size for the manifest."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source, storage.open_write(prefix + path.name) as target:
        while chunk := source.read(_READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    entry: dict[str, Any] = {
        "name": path.name,
        "media_type": media_type,
        "bytes": size,
        "sha256": digest.hexdigest(),
    }
    if "records" in stats:
        entry["records"] = stats["records"]
    extra = {key: value for key, value in stats.items() if key != "records"}
    if extra:
        entry["stats"] = extra
    return entry


def _previous_ready(delivery: Delivery) -> Delivery | None:
    return get_session().scalar(
        select(Delivery)
        .where(
            Delivery.project_id == delivery.project_id,
            Delivery.state == DeliveryState.READY,
            Delivery.version < delivery.version,
        )
        .order_by(Delivery.version.desc())
        .limit(1)
    )


def _write_diff(delivery: Delivery, previous: Delivery | None, path: Path) -> dict[str, Any]:
    """Items added, labels changed (old → new) and items withdrawn since ``previous``, as JSON
    Lines ordered by item; computed by the database from both versions' ``delivery_item`` rows."""
    summary: dict[str, Any] = {
        "previous_version": previous.version if previous is not None else None,
        "added": 0,
        "changed": 0,
        "withdrawn": 0,
        "total": 0,
    }
    previous_id = previous.id if previous is not None else -1
    rows = _diff_rows(delivery.id, previous_id)
    public_ids = _PublicIds()
    with path.open("wb") as out:
        for item_id, new_label, new_digest, new_version, old_label, old_digest, old_version in rows:
            if new_digest is not None and old_digest is None:
                change = "added"
            elif new_digest is None and old_digest is not None:
                change = "withdrawn"
            elif new_digest != old_digest:
                change = "changed"
            else:
                continue
            summary[change] += 1
            summary["total"] += 1
            record = {
                "change": change,
                "item_id": public_ids.of(item_id),
                "old_label": old_label,
                "new_label": new_label,
                "old_ontology_version": old_version,
                "new_ontology_version": new_version,
            }
            out.write(canonical_json(record).encode() + b"\n")
    return summary


def _diff_rows(delivery_id: int, previous_id: int) -> Iterator[tuple[Any, ...]]:
    """Both versions side by side in item order: (item id, new label, digest, ontology version,
    old label, digest, ontology version), a side None where the item is not in that version.
    Two ordered left joins merged as they stream (SQLite before 3.39 has no FULL OUTER JOIN)."""
    session = get_session()
    current = aliased(DeliveryItem)
    before = aliased(DeliveryItem)
    columns = (
        current.label,
        current.label_digest,
        current.ontology_version,
        before.label,
        before.label_digest,
        before.ontology_version,
    )
    kept = (
        select(current.item_id, *columns)
        .outerjoin(before, (before.item_id == current.item_id) & (before.delivery_id == previous_id))
        .where(current.delivery_id == delivery_id)
        .order_by(current.item_id)
    )
    gone = (
        select(before.item_id, *columns)
        .select_from(before)
        .outerjoin(current, (current.item_id == before.item_id) & (current.delivery_id == delivery_id))
        .where(before.delivery_id == previous_id, current.item_id.is_(None))
        .order_by(before.item_id)
    )
    streams = [
        (tuple(row) for row in session.execute(query.execution_options(yield_per=1000)))
        for query in (kept, gone)
    ]
    yield from heapq.merge(*streams, key=lambda row: int(row[0]))


class _PublicIds:
    """Item public ids, looked up a thousand at a time as the diff streams by."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {}

    def of(self, item_id: int) -> str:
        if item_id not in self._cache:
            # The diff runs in item order: fetch this id and the next ones in one query.
            rows = get_session().execute(
                select(Item.id, Item.public_id).where(Item.id >= item_id).order_by(Item.id).limit(1000)
            )
            self._cache = {row_id: public_id for row_id, public_id in rows}
        return self._cache[item_id]


def _newest_ontology(project_id: int) -> OntologyVersion | None:
    return get_session().scalar(
        select(OntologyVersion)
        .where(OntologyVersion.project_id == project_id)
        .order_by(OntologyVersion.version.desc())
        .limit(1)
    )


def _manifest(
    project: Project,
    delivery: Delivery,
    ontology: OntologyVersion | None,
    scope: Scope,
    counts: _Counts,
    files: list[dict[str, Any]],
    diff_summary: dict[str, Any],
    previous: Delivery | None,
) -> dict[str, Any]:
    session = get_session()
    batches = (
        list(session.scalars(select(Batch.public_id).where(Batch.id.in_(scope.batch_ids)).order_by(Batch.id)))
        if scope.batch_ids
        else []
    )
    guidelines = (
        {
            language: updated_at.isoformat()
            for language, updated_at in session.execute(
                select(Guideline.language, Guideline.updated_at)
                .where(Guideline.ontology_version_id == ontology.id)
                .order_by(Guideline.language)
            )
        }
        if ontology is not None
        else {}
    )
    return {
        "project": project.public_id,
        "delivery": delivery.public_id,
        "version": delivery.version,
        "previous_version": previous.version if previous is not None else None,
        "created_at": delivery.created_at.isoformat(),
        "trigger": delivery.trigger,
        "task_type": project.task_type,
        "scope": {"batches": batches},
        "ontology_version": ontology.version if ontology is not None else None,
        "guidelines": {"ontology_version": ontology.version if ontology else None, "updated_at": guidelines},
        "counts": {
            "items": counts.items,
            "by_language": dict(sorted(counts.by_language.items())),
            "by_class": {
                language: dict(sorted(classes.items()))
                for language, classes in sorted(counts.by_class.items())
            },
            "by_ontology_version": dict(sorted(counts.by_ontology_version.items())),
        },
        "diff": {key: diff_summary[key] for key in ("previous_version", "added", "changed", "withdrawn")},
        "files": files,
    }


# --- reading -----------------------------------------------------------------------------------------


def project_deliveries(project_id: int) -> list[Delivery]:
    return list(
        get_session().scalars(
            select(Delivery).where(Delivery.project_id == project_id).order_by(Delivery.version.desc())
        )
    )


def get_delivery(project_id: int, public_id: str) -> Delivery:
    delivery = get_session().scalar(
        select(Delivery).where(Delivery.project_id == project_id, Delivery.public_id == public_id)
    )
    if delivery is None:
        raise NotFound(_("There is no such delivery."))
    return delivery


def file_entry(delivery: Delivery, name: str) -> dict[str, Any]:
    """The manifest entry of one of a ready delivery's files (the manifest itself included)."""
    if delivery.state != DeliveryState.READY:
        raise Conflict(_("This delivery is not ready yet."))
    if name == MANIFEST_FILE:
        return {"name": name, "media_type": "application/json"}
    for entry in delivery.manifest.get("files", []):
        if entry["name"] == name:
            return dict(entry)
    raise NotFound(_("This delivery has no such file."))


def open_file(delivery: Delivery, name: str) -> IO[bytes]:
    file_entry(delivery, name)
    return get_storage().open_read(delivery.storage_prefix + name)


def download_url(delivery: Delivery, name: str, expires_seconds: int) -> str | None:
    """A presigned URL when storage offers one (S3); None: the API streams the file itself."""
    file_entry(delivery, name)
    url: str | None = get_storage().presigned_url(
        delivery.storage_prefix + name, expires_seconds, filename=f"v{delivery.version}-{name}"
    )
    return url


# --- sweepers ------------------------------------------------------------------------------------


def resume_stalled_builds() -> int:
    """Periodic: build deliveries whose job was never queued (Redis down) or whose worker died."""
    session = get_session()
    now = utcnow()
    stalled = list(
        session.scalars(
            select(Delivery.id).where(
                Delivery.state == DeliveryState.BUILDING,
                (Delivery.build_started_at.is_(None) & (Delivery.created_at < now - timedelta(seconds=30)))
                | (Delivery.build_started_at < now - BUILD_LEASE),
            )
        )
    )
    session.commit()
    return sum(1 for delivery_id in stalled if build_delivery(delivery_id))


#: Changes shown on a delivery's page; the whole diff is its ``diff.jsonl`` file.
DIFF_PREVIEW = 50


def diff_preview(delivery: Delivery) -> list[dict[str, Any]]:
    """The first changes of a ready delivery's diff, read from its stored file."""
    shown: list[dict[str, Any]] = []
    with open_file(delivery, DIFF_FILE) as lines:
        for line in lines:
            if len(shown) >= DIFF_PREVIEW:
                break
            if line.strip():
                shown.append(json.loads(line))
    return shown
