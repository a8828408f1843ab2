"""What every delivery writer receives and returns, and the small helpers they share.

A writer turns an iterable of canonical delivery records into one file. Deliveries run to 100,000
items and more, so the records arrive as a one-pass iterator and a writer may hold at most a bounded
window of them (one Parquet row group, one item's shapes): memory must not grow with the item count.

Every writer has the signature of :data:`Writer` and returns :data:`Stats`, counts the delivery
manifest can show (``{"records": n, ...}``), so skipped items (a tie in a preference file, a
Japanese item in a CoNLL file) are reported rather than silently missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

#: One canonical delivery record (see ``marketplace.reports.formats`` for its keys).
Record = Mapping[str, Any]
#: Counts a writer reports: at least ``{"records": n}``, n being the records it consumed.
Stats = dict[str, int]
#: ``writer(records, context, out) -> stats``: consume ``records`` once, write bytes to ``out``.
Writer = Callable[[Iterable[Record], "FormatContext", IO[bytes]], Stats]


@dataclass(frozen=True)
class FormatContext:
    """What a writer needs to know about the delivery beyond the records themselves.

    ``labels`` are the ontology version's label dicts as stored (``{"name", "definition",
    "edge_cases", "examples"}``); their order gives COCO category ids, so it must be the stored order
    for ids to stay stable between deliveries of the same ontology version.
    """

    task_type: str
    task_config: Mapping[str, Any] = field(default_factory=dict)
    labels: Sequence[Mapping[str, Any]] = ()
    project_id: str = ""
    ontology_version: int | None = None

    @property
    def label_names(self) -> list[str]:
        """The ontology's label names, in ontology order."""
        return [str(label["name"]) for label in self.labels]


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys and raw Unicode: the same value always gives the same text.

    NaN and infinities are refused (``ValueError``): they are not JSON, and a file most parsers
    reject is worse than a delivery that fails loudly.
    """
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def answer_of(record: Record) -> Mapping[str, Any]:
    """The record's label (the delivered answer); an empty answer if a caller passed none."""
    label = record.get("label")
    return label if isinstance(label, Mapping) else {}


def format_number(value: float) -> str:
    """A number as people write it: ``4`` rather than ``4.0``, and the shortest exact form otherwise."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))
