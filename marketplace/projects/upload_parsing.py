"""Reading uploads: JSON, JSON Lines or CSV bytes into records, before any item is checked.

Why a module: the three formats each have their own rules (a JSON envelope, blank lines that
still count, CSV headers whose dotted columns build nested payloads), and gold uploads read the
same formats; checking and storing the items is ``item_checks.py`` and ``ingest.py``.

Errors are addressed by where the item is in the upload: ``items[i]`` in a JSON document,
``lines[i]`` in JSON Lines (``i`` is the 0-based line index: line 1 is ``lines[0]``) and
``rows[i]`` in CSV (``i`` is the 0-based index of the data row after the header; a CSV column is
a payload field, so a bad ``text`` cell is ``rows[i].text``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from marketplace.projects import schemas
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput, schema_errors

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
class Record:
    """One item of an upload with the paths its errors are reported under."""

    path: str
    payload_path: str
    value: Any
    #: Why the record could not even be read (a line that is not JSON, a row with too many cells).
    unreadable: FieldError | None = None


@dataclass
class ParsedUpload:
    records: list[Record]
    batch_name: str | None = None
    deadline: datetime | None = None
    #: Problems with the document itself (bad JSON, bad CSV header); records may still be listed.
    errors: list[FieldError] = field(default_factory=list)


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
        Record(f"items[{i}]", f"items[{i}].payload", value) for i, value in enumerate(document["items"])
    ]
    return ParsedUpload(records, batch.get("name"), deadline, errors)


def _parse_jsonl(text: str) -> ParsedUpload:
    """One record per line; blank lines are skipped but still counted, so ``lines[i]`` is line i+1."""
    records: list[Record] = []
    for number, line in enumerate(text.split("\n")):
        if not line.strip():
            continue
        path = f"lines[{number}]"
        try:
            value = _loads(line)
        except ValueError:
            message = _("Line %(line)s is not valid JSON.", line=number + 1)
            records.append(Record(path, path, None, FieldError(path, "invalid_json", message)))
            continue
        records.append(Record(path, f"{path}.payload", value))
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
    records: list[Record] = []
    index = 0
    try:
        for index, row in enumerate(reader):
            if any(cell.strip() for cell in row):
                records.append(_csv_row_record(f"rows[{index}]", header, row, payload_schema))
    except csv.Error:
        path = f"rows[{index + 1 if records else index}]"
        records.append(
            Record(path, path, None, FieldError(path, "invalid_csv", _("The CSV file is malformed here.")))
        )
    return ParsedUpload(records, errors=[] if records else [_empty_error("")])


def _csv_row_record(
    path: str, header: Sequence[str], row: Sequence[str], payload_schema: Mapping[str, Any]
) -> Record:
    if len(row) > len(header):
        message = _(
            "This row has %(found)s cells but the header names %(expected)s.",
            found=len(row),
            expected=len(header),
        )
        return Record(path, path, None, FieldError(path, "columns", message))
    return Record(path, path, _csv_record(header, row, payload_schema))
