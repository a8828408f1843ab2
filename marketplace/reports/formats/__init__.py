"""The files of a client delivery: which formats each task type gets, and the writers that stream them.

Every writer takes an iterable of canonical delivery records, a :class:`FormatContext` and a binary
file, consumes the records once without keeping them, and returns counts for the manifest. A
canonical record (one per item) is::

    {"item_id", "external_id", "batch", "language", "payload", "metadata",
     "label",                     # the delivered answer, in the task type's answer schema
     "label_source", "confidence", "agreement", "review_state", "ontology_version", "edge_case",
     "judgments": [{"annotator", "language", "seconds_spent", "outcome", "answer"}]}

Every task type gets the canonical files (``labels.jsonl``, ``labels.csv``, ``labels.parquet``);
types with an established tool format get it too: COCO for image labels, span JSON Lines and CoNLL
for NER, RTTM and WebVTT for transcription, chosen/rejected pairs for preferences. The writers need
no database and no app: deliveries build the records, these modules only encode them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from marketplace.reports.formats.base import FormatContext, Record, Stats, Writer
from marketplace.reports.formats.canonical import write_csv, write_jsonl
from marketplace.reports.formats.coco import write_coco
from marketplace.reports.formats.parquet import write_parquet
from marketplace.reports.formats.preferences import write_preferences
from marketplace.reports.formats.spans import write_conll, write_spans_jsonl
from marketplace.reports.formats.speech import write_rttm, write_vtt
from marketplace.tasktypes import TASK_TYPES


@dataclass(frozen=True)
class FormatSpec:
    """One file of a delivery: a stable ``name`` (for manifests and APIs), its file name in the
    delivery, the media type to serve it with, and the writer that produces it."""

    name: str
    filename: str
    media_type: str
    writer: Writer


JSONL = FormatSpec("jsonl", "labels.jsonl", "application/jsonl", write_jsonl)
CSV = FormatSpec("csv", "labels.csv", "text/csv; charset=utf-8", write_csv)
PARQUET = FormatSpec("parquet", "labels.parquet", "application/vnd.apache.parquet", write_parquet)
COCO = FormatSpec("coco", "coco.json", "application/json", write_coco)
SPANS = FormatSpec("spans", "spans.jsonl", "application/jsonl", write_spans_jsonl)
CONLL = FormatSpec("conll", "conll.txt", "text/plain; charset=utf-8", write_conll)
RTTM = FormatSpec("rttm", "rttm.txt", "text/plain; charset=utf-8", write_rttm)
WEBVTT = FormatSpec("webvtt", "transcripts.vtt", "text/vtt; charset=utf-8", write_vtt)
PREFERENCES = FormatSpec("preferences", "preferences.jsonl", "application/jsonl", write_preferences)

#: The files every delivery has, whatever the task type.
CANONICAL_FORMATS: Final = (JSONL, CSV, PARQUET)

#: The task-native files, by task type name; a type not listed has only the canonical files.
NATIVE_FORMATS: Final[dict[str, tuple[FormatSpec, ...]]] = {
    "image_bounding_box": (COCO,),
    "image_polygon": (COCO,),
    "image_keypoints": (COCO,),
    "segmentation_mask": (COCO,),
    "ner": (SPANS, CONLL),
    "audio_transcription": (RTTM, WEBVTT),
    "pairwise_preference": (PREFERENCES,),
}


def formats_for(task_type: str) -> list[FormatSpec]:
    """The files a delivery of a ``task_type`` project contains, canonical ones first.

    ``KeyError`` for a name that is not a task type, so a typo can't yield a delivery with only
    the canonical files.
    """
    if task_type not in TASK_TYPES:
        raise KeyError(task_type)
    return [*CANONICAL_FORMATS, *NATIVE_FORMATS.get(task_type, ())]


__all__ = [
    "CANONICAL_FORMATS",
    "NATIVE_FORMATS",
    "FormatContext",
    "FormatSpec",
    "Record",
    "Stats",
    "Writer",
    "formats_for",
]
