"""A one-cell, human-readable summary of an answer, for the ``label_summary`` column of the CSV.

The CSV's ``label`` column carries the full answer as JSON, which machines read; the summary is for
the person who opens the file in a spreadsheet and wants to sort or filter: the class name(s), the
rating, the preferred side, or how many shapes were drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from marketplace.reports.formats.base import format_number

#: Between the names of a multi-label answer; a semicolon because label names cannot contain one.
MULTI_LABEL_SEPARATOR = "; "


def _class_name(answer: Mapping[str, Any]) -> str:
    return str(answer.get("label", ""))


def _class_names(answer: Mapping[str, Any]) -> str:
    return MULTI_LABEL_SEPARATOR.join(str(name) for name in answer.get("labels", []))


def _rating(answer: Mapping[str, Any]) -> str:
    rating = answer.get("rating")
    return format_number(rating) if isinstance(rating, int | float) else ""


def _preference(answer: Mapping[str, Any]) -> str:
    return str(answer.get("preference", ""))


def _count(key: str) -> Callable[[Mapping[str, Any]], str]:
    """The number of shapes (spans, boxes, segments...) listed under ``key``."""

    def count(answer: Mapping[str, Any]) -> str:
        shapes = answer.get(key)
        return str(len(shapes)) if isinstance(shapes, list) else ""

    return count


_SUMMARIES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "classification": _class_name,
    "multi_label_classification": _class_names,
    "rating": _rating,
    "pairwise_preference": _preference,
    "ner": _count("spans"),
    "audio_transcription": _count("segments"),
    "image_bounding_box": _count("boxes"),
    "image_polygon": _count("polygons"),
    "image_keypoints": _count("keypoints"),
    "segmentation_mask": _count("masks"),
}


def label_summary(task_type: str, answer: Mapping[str, Any]) -> str:
    """The summary of ``answer`` for a ``task_type`` answer; empty for a type without one."""
    summarise = _SUMMARIES.get(task_type)
    return summarise(answer) if summarise is not None else ""
