"""``labels.parquet``: the canonical records as a typed, columnar table for pandas, Spark or DuckDB.

Scalar fields get real types (floats, integers, strings) so a client can filter and aggregate
without parsing; the nested fields (payload, metadata, label, judgments) differ per task type and
project, so they are JSON text columns (marked ``{"encoding": "json"}`` in the field metadata)
rather than a struct schema that would change with every ontology.

Records are buffered one row group at a time (:data:`ROW_GROUP_SIZE`) and written with
``ParquetWriter``, so memory stays flat however long the delivery is. The bytes depend only on the
records and the context: Parquet stores no timestamps, and ``created_by`` names the pyarrow version,
so two writes with one pyarrow version are byte-identical.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from marketplace.reports.formats.base import FormatContext, Record, Stats, canonical_json

#: Rows per row group: large enough for good compression and fast scans, small enough that one
#: group of records (with their judgments) stays a few megabytes in memory.
ROW_GROUP_SIZE: Final = 5_000

#: Bumped when the column set or a column's meaning changes; stored in the file's metadata.
SCHEMA_VERSION: Final = "1"

_JSON: Final = {"encoding": "json"}

#: The columns, in file order. Every key of a canonical record has exactly one column.
_FIELDS: Final[list[pa.Field[Any]]] = [
    pa.field("item_id", pa.string(), nullable=False),
    pa.field("external_id", pa.string()),
    pa.field("batch", pa.string()),
    pa.field("language", pa.string()),
    pa.field("label_source", pa.string()),
    pa.field("confidence", pa.float64()),
    pa.field("agreement", pa.float64()),
    pa.field("review_state", pa.string()),
    pa.field("ontology_version", pa.int64()),
    pa.field("edge_case", pa.string()),
    pa.field("payload", pa.string(), metadata=_JSON),
    pa.field("metadata", pa.string(), metadata=_JSON),
    pa.field("label", pa.string(), metadata=_JSON),
    pa.field("judgments", pa.string(), metadata=_JSON),
]
PARQUET_SCHEMA: Final = pa.schema(_FIELDS)

_JSON_COLUMNS: Final = frozenset({"payload", "metadata", "label", "judgments"})
_FLOAT_COLUMNS: Final = frozenset({"confidence", "agreement"})


def _schema_for(context: FormatContext) -> pa.Schema:
    """The table schema with the delivery's identity in the file metadata (stable for one context)."""
    version = "" if context.ontology_version is None else str(context.ontology_version)
    return PARQUET_SCHEMA.with_metadata(
        {
            "marketplace.schema_version": SCHEMA_VERSION,
            "marketplace.task_type": context.task_type,
            "marketplace.project_id": context.project_id,
            "marketplace.ontology_version": version,
        }
    )


def _column_value(name: str, record: Record) -> Any:
    value = record.get(name)
    if name in _JSON_COLUMNS:
        return None if value is None else canonical_json(value)
    if name in _FLOAT_COLUMNS and value is not None:
        return float(value)
    return value


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in PARQUET_SCHEMA.names}


def write_parquet(records: Iterable[Record], context: FormatContext, out: IO[bytes]) -> Stats:
    """Write ``records`` as Parquet (zstd) to ``out`` in row groups of :data:`ROW_GROUP_SIZE` rows.

    ``out`` stays open: pyarrow only closes files it opened itself.
    """
    schema = _schema_for(context)
    count, row_groups = 0, 0
    columns = _empty_columns()
    with pq.ParquetWriter(out, schema, compression="zstd", write_statistics=True) as writer:

        def flush() -> None:
            nonlocal columns, row_groups
            table = pa.Table.from_pydict(columns, schema=schema)
            writer.write_table(table, row_group_size=ROW_GROUP_SIZE)
            columns = _empty_columns()
            row_groups += 1

        for record in records:
            for name, values in columns.items():
                values.append(_column_value(name, record))
            count += 1
            if count % ROW_GROUP_SIZE == 0:
                flush()
        if count % ROW_GROUP_SIZE:
            flush()
    return {"records": count, "row_groups": row_groups}
