"""The two text files every delivery has: canonical JSON Lines and a flat, spreadsheet-safe CSV.

``labels.jsonl`` is the reference: one record per line exactly as the delivery built it, so a
client's loader never loses a field. ``labels.csv`` is for people: one row per item with the
scalar fields, the answer as JSON text and a readable summary. Because people open it in Excel, it
starts with a UTF-8 byte order mark (without it Excel reads Cyrillic, Arabic or CJK as mojibake)
and neutralises cells a spreadsheet would run as a formula (CSV injection, OWASP's rule).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from typing import IO, Any, Final

from marketplace.reports.formats.base import (
    FormatContext,
    Record,
    Stats,
    answer_of,
    canonical_json,
    format_number,
)
from marketplace.reports.formats.summary import label_summary

#: Columns of ``labels.csv``, in order. ``label`` is the answer as JSON; ``label_summary`` a readable
#: digest of it (see :mod:`.summary`).
CSV_COLUMNS: Final = (
    "item_id",
    "external_id",
    "batch",
    "language",
    "label_summary",
    "label",
    "label_source",
    "confidence",
    "agreement",
    "review_state",
    "ontology_version",
    "edge_case",
)

#: First characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula (OWASP).
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")

#: A plain decimal number (``-3``, ``-0.5``, ``+1e-3``): starts with a trigger but cannot run
#: anything, and prefixing it would turn a negative rating into text the client cannot sort.
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def write_jsonl(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """``labels.jsonl``: each record as compact JSON with sorted keys, one per line, UTF-8.

    Sorted keys and fixed separators make the bytes a function of the records alone, so two
    deliveries of unchanged labels are byte-identical and checksums mean something.
    """
    count = 0
    for record in records:
        out.write(canonical_json(record).encode("utf-8"))
        out.write(b"\n")
        count += 1
    return {"records": count}


def neutralise_formula(cell: str) -> str:
    """``cell`` with a leading apostrophe if a spreadsheet would run it as a formula.

    Plain numbers are left alone: they cannot carry a formula, and ``-2`` should stay a number.
    """
    if cell.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _cell(value: Any) -> str:
    """A scalar as CSV text: empty for None, numbers without a spurious ``.0``."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def csv_row(record: Record, context: FormatContext) -> list[str]:
    """The CSV cells of one record, in :data:`CSV_COLUMNS` order, already made formula-safe."""
    answer = answer_of(record)
    values: dict[str, Any] = {
        "item_id": record["item_id"],
        "external_id": record.get("external_id"),
        "batch": record.get("batch"),
        "language": record.get("language"),
        "label_summary": label_summary(context.task_type, answer),
        "label": canonical_json(record.get("label")),
        "label_source": record.get("label_source"),
        "confidence": record.get("confidence"),
        "agreement": record.get("agreement"),
        "review_state": record.get("review_state"),
        "ontology_version": record.get("ontology_version"),
        "edge_case": record.get("edge_case"),
    }
    return [neutralise_formula(_cell(values[column])) for column in CSV_COLUMNS]


def write_csv(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """``labels.csv``: a BOM, a header row, then one row per record (RFC 4180 quoting, CRLF lines).

    Rows go through a small reused text buffer rather than a text wrapper around ``out``, so the
    caller's file is never closed or detached by us.
    """
    out.write(codecs.BOM_UTF8)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> None:
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()

    writer.writerow(CSV_COLUMNS)
    flush()
    count = 0
    for record in records:
        writer.writerow(csv_row(record, context))
        flush()
        count += 1
    return {"records": count}
