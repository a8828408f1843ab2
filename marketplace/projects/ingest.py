"""Item uploads: parse JSON, JSON Lines or CSV, check every item, then store all of them or none.

Why all or none: a client who fixes item 57 and uploads again must not get items 0-56 twice, and
a half-stored batch would be delivered half-labelled. So every item is checked before the first
row is written, and the batch, its items and the import record are written in one transaction.

Small uploads (``SYNC_UPLOAD_MAX_ITEMS``) are handled in the request. Larger ones are kept in an
``ItemImport`` row and handled by ``workers.imports.process_item_import``, which reports progress
through a session of its own so a client polling the import sees the counts move.

Errors are addressed by where the item is in the upload: ``items[i]`` in a JSON document,
``lines[i]`` in JSON Lines (``i`` is the 0-based line index: line 1 is ``lines[0]``) and
``rows[i]`` in CSV (``i`` is the 0-based index of the data row after the header; a CSV column is
a payload field, so a bad ``text`` cell is ``rows[i].text``).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.db import get_engine, get_session, new_session, utcnow
from marketplace.ids import new_public_id
from marketplace.languages.codes import UnknownLanguage, normalize_language, to_babel_identifier
from marketplace.projects import schemas, service
from marketplace.projects.language_assignment import initial_language_columns
from marketplace.projects.models import Batch, ImportState, Item, ItemImport, Project
from marketplace.tasktypes import get_task_type, validate_payload
from marketplace.validation import FieldError, InvalidInput, join_path, schema_errors
from marketplace.web.errors import ApiError, Conflict

log = logging.getLogger(__name__)

FORMAT_JSON = "json"
FORMAT_JSONL = "jsonl"
FORMAT_CSV = "csv"

#: Request or part content types we read, and the format each means.
MEDIA_TYPE_FORMATS: dict[str, str] = {
    "application/json": FORMAT_JSON,
    "application/x-ndjson": FORMAT_JSONL,
    "application/jsonl": FORMAT_JSONL,
    "application/x-jsonlines": FORMAT_JSONL,
    "text/csv": FORMAT_CSV,
    "application/csv": FORMAT_CSV,
}

#: File name endings of a multipart upload, and the format each means (checked before the part's type).
EXTENSION_FORMATS: dict[str, str] = {
    ".json": FORMAT_JSON,
    ".jsonl": FORMAT_JSONL,
    ".ndjson": FORMAT_JSONL,
    ".csv": FORMAT_CSV,
}

#: Problems kept and reported per upload; counting goes on past it (``error_count``).
MAX_REPORTED_ERRORS = 100
#: Rows per INSERT statement: large enough to be fast, small enough for every driver's limits.
INSERT_CHUNK_SIZE = 1000
#: A background import writes its progress every this many items.
PROGRESS_EVERY = 1000
#: Items per upload; more is refused with 413 (split the file).
MAX_ITEMS_PER_UPLOAD = 1_000_000
#: External ids per ``IN (...)`` when looking for ones already in the project.
_LOOKUP_CHUNK = 500

#: A JSON upload document: the items are checked one by one below, not by this schema.
_JSON_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "properties": {"batch": schemas.BATCH_IN, "items": {"type": "array", "minItems": 1}},
    "required": ["items"],
    "additionalProperties": False,
}

_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "f", "0"})
#: CSV columns that go to the client's metadata instead of the payload.
_META_PREFIXES = ("meta.", "metadata.")
#: CSV columns that are the item's own fields.
_RECORD_COLUMNS = frozenset({"external_id", "language"})


@dataclass(frozen=True)
class Upload:
    """An upload as received: the raw bytes and what the request said about them."""

    format: str
    content: bytes
    filename: str | None = None
    #: Batch name from the query string or a form field; a JSON document's own ``batch.name`` wins.
    batch_name: str | None = None


@dataclass(frozen=True)
class ProjectFacts:
    """What checking items needs from the project, as plain values.

    Why not the ORM object: a background import must end its read transaction before writing
    progress (SQLite allows one writer), and an expired object would silently start a new one.
    """

    id: int
    task_type: str
    languages: frozenset[str]

    @classmethod
    def of(cls, project: Project) -> ProjectFacts:
        return cls(project.id, project.task_type, frozenset(project.language_codes))


@dataclass(frozen=True)
class _Record:
    """One item of an upload with the paths its errors are reported under."""

    path: str
    payload_path: str
    value: Any
    #: Why the record could not even be read (a line that is not JSON, a row with too many cells).
    unreadable: FieldError | None = None


@dataclass
class ParsedUpload:
    records: list[_Record]
    batch_name: str | None = None
    deadline: datetime | None = None
    #: Problems with the document itself (bad JSON, bad CSV header); records may still be listed.
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class CheckResult:
    """Rows ready to insert (only meaningful when there is no error) and the problems found."""

    rows: list[dict[str, Any]]
    errors: list[FieldError]
    error_count: int
    malformed: bool

    @property
    def status(self) -> int:
        """400 when some input is malformed (bad JSON, wrong types), 422 when it only breaks rules."""
        return 400 if self.malformed else 422


@dataclass(frozen=True)
class UploadOutcome:
    item_import: ItemImport
    #: The new batch when the upload was stored in the request; None when it was queued.
    batch: Batch | None
    queued: bool


Progress = Callable[[int], None]


def _no_progress(_count: int) -> None:
    return None


# --- formats ---------------------------------------------------------------------------------------


def format_for(media_type: str | None, filename: str | None = None) -> str | None:
    """The format of an upload from its file name ending or, failing that, its media type."""
    if filename:
        lowered = filename.lower()
        for ending, fmt in EXTENSION_FORMATS.items():
            if lowered.endswith(ending):
                return fmt
    if media_type:
        return MEDIA_TYPE_FORMATS.get(media_type.split(";", 1)[0].strip().lower())
    return None


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and PostgreSQL's JSONB refuses them: refuse them up front.
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([FieldError("", "encoding", _("The upload must be UTF-8 text."))]) from exc


def _empty_error(field_path: str) -> FieldError:
    return FieldError(field_path, "empty", _("The upload contains no items."))


# --- counting (cheap, to choose between the request and a background job) -------------------------


def count_items(upload: Upload) -> int:
    """How many items the upload holds, without checking them: array length, non-blank lines, rows.

    An upload that can't be read at all counts as 0, so it is handled (and refused) in the request.
    """
    if upload.format == FORMAT_JSONL:
        return sum(1 for line in upload.content.split(b"\n") if line.strip())
    try:
        text = _decode(upload.content)
    except InvalidInput:
        return 0
    if upload.format == FORMAT_CSV:
        try:
            return sum(1 for _index, _row in _csv_data_rows(csv.reader(io.StringIO(text, newline=""))))
        except csv.Error:
            return 0
    try:
        document = _loads(text)
    except ValueError:
        return 0
    items = document.get("items") if isinstance(document, dict) else document
    return len(items) if isinstance(items, list) else 0


# --- parsing ---------------------------------------------------------------------------------------


def parse_upload(upload: Upload, task_type: str) -> ParsedUpload:
    """Read the upload into records; problems with the document itself are in ``errors``."""
    text = _decode(upload.content)
    if upload.format == FORMAT_JSON:
        return _parse_json(text)
    if upload.format == FORMAT_JSONL:
        return _parse_jsonl(text)
    if upload.format == FORMAT_CSV:
        return _parse_csv(text, get_task_type(task_type).payload_schema)
    raise ValueError(f"unknown upload format {upload.format!r}")


def read_json_records(upload: Upload) -> tuple[list[Any], list[FieldError]]:
    """The records of a JSON or JSON Lines upload as plain values, and the problems reading it (the
    document's, then one per line that is not JSON), for uploads that are not items: gold sets.
    Raises InvalidInput for text that is not UTF-8."""
    text = _decode(upload.content)
    parsed = _parse_json(text) if upload.format == FORMAT_JSON else _parse_jsonl(text)
    unreadable = [record.unreadable for record in parsed.records if record.unreadable is not None]
    return [
        record.value for record in parsed.records if record.unreadable is None
    ], parsed.errors + unreadable


def _parse_deadline(value: Any, field_path: str, errors: list[FieldError]) -> datetime | None:
    if value is None:
        return None
    try:
        deadline = datetime.fromisoformat(str(value))
    except ValueError:
        deadline = None
    if deadline is None or deadline.tzinfo is None:
        errors.append(
            FieldError(
                field_path,
                "format",
                _("Give a date and time with its time zone, such as 2030-01-31T17:00:00Z."),
            )
        )
        return None
    return deadline


def _parse_json(text: str) -> ParsedUpload:
    """A document ``{"batch": {...}, "items": [...]}``, or (in a file) just the array of items."""
    try:
        document = _loads(text)
    except ValueError:
        return ParsedUpload([], errors=[FieldError("", "invalid_json", _("The upload is not valid JSON."))])
    if isinstance(document, list):
        document = {"items": document}
    errors = schema_errors(_JSON_ENVELOPE, document)
    if errors:
        return ParsedUpload([], errors=errors)
    batch = document.get("batch", {})
    deadline = _parse_deadline(batch.get("deadline"), "batch.deadline", errors)
    records = [
        _Record(f"items[{i}]", f"items[{i}].payload", value) for i, value in enumerate(document["items"])
    ]
    return ParsedUpload(records, batch.get("name"), deadline, errors)


def _parse_jsonl(text: str) -> ParsedUpload:
    """One record per line; blank lines are skipped but still counted, so ``lines[i]`` is line i+1."""
    records: list[_Record] = []
    for number, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        path = f"lines[{number}]"
        try:
            value = _loads(line)
        except ValueError:
            message = _("Line %(line)s is not valid JSON.", line=number + 1)
            records.append(_Record(path, path, None, FieldError(path, "invalid_json", message)))
            continue
        records.append(_Record(path, f"{path}.payload", value))
    return ParsedUpload(records, errors=[] if records else [_empty_error("")])


def _csv_data_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(index, cells) of the rows after the header; blank rows are skipped but keep their index."""
    if next(reader, None) is None:
        return
    for index, row in enumerate(reader):
        if any(cell.strip() for cell in row):
            yield index, row


def _check_header(header: list[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, name in enumerate(header):
        path = f"header[{index}]"
        if not name:
            errors.append(FieldError(path, "required", _("Every column needs a name.")))
        elif name in seen:
            errors.append(FieldError(path, "duplicate", _("The column “%(name)s” appears twice.", name=name)))
        seen.add(name)
    for index, name in enumerate(header):
        if name and any(other.startswith(name + ".") for other in header):
            errors.append(
                FieldError(
                    f"header[{index}]",
                    "conflict",
                    _("“%(name)s” can't be both a value and a group of columns.", name=name),
                )
            )
    return errors


def _declared_types(schema: Mapping[str, Any], parts: Sequence[str]) -> frozenset[str]:
    """The JSON types the payload schema declares at ``parts`` (empty when it says nothing)."""
    node: Any = schema
    for part in parts:
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(properties, Mapping) or part not in properties:
            return frozenset()
        node = properties[part]
    declared = node.get("type") if isinstance(node, Mapping) else None
    if isinstance(declared, str):
        return frozenset({declared})
    return frozenset(declared) if isinstance(declared, list) else frozenset()


def coerce_cell(cell: str, types: frozenset[str]) -> Any:
    """A CSV cell as the type the schema wants; left as text when it doesn't convert (the payload
    check then reports the type, at the cell's own path)."""
    text = cell.strip()
    if "integer" in types and _INTEGER.match(text):
        return int(text)
    if "number" in types:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return int(text) if _INTEGER.match(text) else number
    if "boolean" in types and text.lower() in _TRUE_WORDS | _FALSE_WORDS:
        return text.lower() in _TRUE_WORDS
    if types & {"array", "object"} and text[:1] in ("[", "{"):
        try:
            return _loads(text)
        except ValueError:
            pass
    return cell


def _set_path(target: dict[str, Any], parts: Sequence[str], value: Any) -> None:
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _csv_record(
    header: Sequence[str], row: Sequence[str], payload_schema: Mapping[str, Any]
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=False):
        if not cell.strip():
            continue
        if name in _RECORD_COLUMNS:
            record[name] = cell.strip()
            continue
        prefix = next((p for p in _META_PREFIXES if name.startswith(p)), None)
        if prefix is not None:
            _set_path(metadata, name[len(prefix) :].split("."), cell)
            continue
        parts = name.split(".")
        _set_path(payload, parts, coerce_cell(cell, _declared_types(payload_schema, parts)))
    record["payload"] = payload
    if metadata:
        record["metadata"] = metadata
    return record


def _parse_csv(text: str, payload_schema: Mapping[str, Any]) -> ParsedUpload:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error:
        header = []
    if not header:
        return ParsedUpload(
            [], errors=[FieldError("header", "required", _("The CSV file needs a header row."))]
        )
    errors = _check_header(header)
    if errors:
        return ParsedUpload([], errors=errors)
    records: list[_Record] = []
    index = 0
    try:
        for index, row in enumerate(reader):
            if any(cell.strip() for cell in row):
                records.append(_csv_row_record(f"rows[{index}]", header, row, payload_schema))
    except csv.Error:
        path = f"rows[{index + 1 if records else index}]"
        records.append(
            _Record(path, path, None, FieldError(path, "invalid_csv", _("The CSV file is malformed here.")))
        )
    return ParsedUpload(records, errors=[] if records else [_empty_error("")])


def _csv_row_record(
    path: str, header: Sequence[str], row: Sequence[str], payload_schema: Mapping[str, Any]
) -> _Record:
    if len(row) > len(header):
        message = _(
            "This row has %(found)s cells but the header names %(expected)s.",
            found=len(row),
            expected=len(header),
        )
        return _Record(path, path, None, FieldError(path, "columns", message))
    return _Record(path, path, _csv_record(header, row, payload_schema))


# --- checking --------------------------------------------------------------------------------------


def _external_ids(records: Iterable[_Record]) -> list[str]:
    return [
        record.value["external_id"]
        for record in records
        if isinstance(record.value, dict) and isinstance(record.value.get("external_id"), str)
    ]


def existing_external_ids(session: Session, project_id: int, candidates: Sequence[str]) -> set[str]:
    """Which of ``candidates`` the project already has (in chunks, to keep each query small)."""
    unique = sorted(set(candidates))
    found: set[str] = set()
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start : start + _LOOKUP_CHUNK]
        found.update(
            session.scalars(
                select(Item.external_id).where(Item.project_id == project_id, Item.external_id.in_(chunk))
            ).all()  # type: ignore[arg-type]
        )
    return found


class _Checker:
    """Checks records one by one, keeps the first problems and builds the rows to insert."""

    def __init__(self, project: ProjectFacts, taken: set[str]) -> None:
        self.project = project
        self.task_type = get_task_type(project.task_type)
        self.taken = taken
        self.first_use: dict[str, str] = {}
        self.errors: list[FieldError] = []
        self.error_count = 0
        self.malformed = False
        self.rows: list[dict[str, Any]] = []
        self.now = utcnow()

    def add(self, errors: Iterable[FieldError], *, malformed: bool) -> None:
        for error in errors:
            self.error_count += 1
            self.malformed = self.malformed or malformed
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append(error)

    def check(self, record: _Record) -> None:
        if record.unreadable is not None:
            self.add([record.unreadable], malformed=True)
            return
        value = record.value
        shape = schema_errors(schemas.ITEM_RECORD, value, record.path)
        if shape:
            self.add(shape, malformed=True)
            return
        problems = self._payload(value["payload"], record.payload_path)
        problems += self._external_id(value.get("external_id"), record.path)
        language, language_problems = self._language(value.get("language"), record.path)
        problems += language_problems
        if problems or self.error_count:
            return
        self.rows.append(self._row(value, language))

    def _payload(self, payload: Any, path: str) -> list[FieldError]:
        errors = validate_payload(self.task_type.name, payload, prefix=path)
        if errors:
            # validate_payload returns schema errors if any, else rule errors: tell them apart for the status.
            schema_broken = bool(schema_errors(self.task_type.payload_schema, payload, path, limit=1))
            self.add(errors, malformed=schema_broken)
        return errors

    def _external_id(self, external_id: str | None, path: str) -> list[FieldError]:
        if external_id is None:
            return []
        field_path = join_path(path, "external_id")
        if external_id in self.first_use:
            error = FieldError(
                field_path,
                "duplicate",
                _(
                    "The external_id “%(id)s” is used twice in this upload (first at %(first)s).",
                    id=external_id,
                    first=self.first_use[external_id],
                ),
            )
        elif external_id in self.taken:
            error = FieldError(
                field_path,
                "duplicate",
                _("The project already has an item with the external_id “%(id)s”.", id=external_id),
            )
        else:
            self.first_use[external_id] = path
            return []
        self.add([error], malformed=False)
        return [error]

    def _language(self, declared: str | None, path: str) -> tuple[str | None, list[FieldError]]:
        if declared is None:
            return None, []
        field_path = join_path(path, "language")
        try:
            language = normalize_language(declared)
        except UnknownLanguage:
            error = FieldError(
                field_path, "unknown_language", _("“%(code)s” is not a known language code.", code=declared)
            )
        else:
            if language in self.project.languages:
                return language, []
            error = FieldError(
                field_path,
                "language_not_in_project",
                _("“%(code)s” is not a target language of the project.", code=language),
            )
        self.add([error], malformed=False)
        return None, [error]

    def _row(self, value: Mapping[str, Any], language: str | None) -> dict[str, Any]:
        return {
            "public_id": new_public_id("itm"),
            "project_id": self.project.id,
            "external_id": value.get("external_id"),
            "payload": value["payload"],
            "client_metadata": value.get("metadata", {}),
            "declared_language": language,
            **initial_language_columns(self.task_type, value["payload"], language),
            "created_at": self.now,
        }


def check_upload(
    project: ProjectFacts, parsed: ParsedUpload, taken: set[str], on_progress: Progress = _no_progress
) -> CheckResult:
    """Check every record (``taken``: external ids the project already has). Rows are built only
    while no problem has been found; after the first one, checking goes on to report more."""
    checker = _Checker(project, taken)
    checker.add(parsed.errors, malformed=True)
    for count, record in enumerate(parsed.records, start=1):
        checker.check(record)
        if count % PROGRESS_EVERY == 0:
            on_progress(count)
    on_progress(len(parsed.records))
    return CheckResult(checker.rows, checker.errors, checker.error_count, checker.malformed)


# --- storing ---------------------------------------------------------------------------------------


def _store(
    session: Session,
    project_id: int,
    batch_name: str,
    deadline: datetime | None,
    rows: list[dict[str, Any]],
    on_progress: Progress = _no_progress,
) -> Batch:
    """Insert the batch and its items in the session's transaction; the caller commits."""
    batch = Batch(project_id=project_id, name=batch_name[: schemas.MAX_NAME_CHARS], deadline=deadline)
    session.add(batch)
    session.flush()
    for start in range(0, len(rows), INSERT_CHUNK_SIZE):
        chunk = rows[start : start + INSERT_CHUNK_SIZE]
        for row in chunk:
            row["batch_id"] = batch.id
        session.execute(insert(Item), chunk)
        on_progress(start + len(chunk))
    return batch


def _default_batch_name() -> str:
    return "upload " + utcnow().strftime("%Y-%m-%d %H:%M:%S UTC")


def _race_error() -> FieldError:
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
        raise ApiError(
            413,
            "too_large",
            _("An upload may hold at most %(max)s items; split the file.", max=MAX_ITEMS_PER_UPLOAD),
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
    taken = existing_external_ids(session, facts.id, _external_ids(parsed.records))
    result = check_upload(facts, parsed, taken)
    if result.errors:
        raise InvalidInput(result.errors, status=result.status)
    name = parsed.batch_name or upload.batch_name or _default_batch_name()
    now = utcnow()
    count = len(result.rows)
    try:
        batch = _store(session, facts.id, name, parsed.deadline, result.rows)
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
        raise Conflict(_race_error().message, field="external_id") from exc
    service.after_items_stored(facts.id, batch.id)
    return UploadOutcome(item_import, batch, queued=False)


def _queue_import(
    project: Project, upload: Upload, total: int, user_id: int | None, token_id: int | None, locale: str
) -> UploadOutcome:
    from workers.imports import process_item_import
    from workers.queues import QUEUE_IMPORTS, enqueue

    session = get_session()
    item_import = ItemImport(
        project_id=project.id,
        batch_name=(upload.batch_name or _default_batch_name())[: schemas.MAX_NAME_CHARS],
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
    enqueue(
        process_item_import, item_import.id, queue=QUEUE_IMPORTS, job_id=f"import-{item_import.public_id}"
    )
    # In inline and thread modes the job may already have moved on; show where it is.
    session.refresh(item_import)
    return UploadOutcome(item_import, None, queued=True)


# --- the background import -------------------------------------------------------------------------


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
        taken = existing_external_ids(session, job.project.id, _external_ids(parsed.records))
    result = check_upload(job.project, parsed, taken, progress.checked)
    if result.errors:
        _fail_import(job.id, result.errors, result.error_count)
        return
    count = len(result.rows)
    progress.write(state=ImportState.STORING.value, total=count, processed=count)
    name = parsed.batch_name or job.upload.batch_name or _default_batch_name()
    session = get_session()
    try:
        batch = _store(session, job.project.id, name, parsed.deadline, result.rows, progress.stored)
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
                finished_at=utcnow(),
            )
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        _fail_import(job.id, [_race_error()], 1)
        return
    service.after_items_stored(job.project.id, batch.id)


def _fail_import(import_id: int, errors: Sequence[FieldError], error_count: int) -> None:
    """Record the refusal: the first problems, how many there were, and no item."""
    _ProgressWriter(import_id).write(
        state=ImportState.FAILED.value,
        errors=[error.as_dict() for error in errors[:MAX_REPORTED_ERRORS]],
        error_count=max(error_count, len(errors)),
        accepted=0,
        finished_at=utcnow(),
    )
