"""Rows to JSON dicts for the client API, shaped as the response schemas in ``schemas.py`` say.

What leaves the service carries public ids only (``prj_…``, ``itm_…``): integer keys would tell a
client how many rows other organisations have.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marketplace.projects.imports import DetectionCounts, ImportStatus
from marketplace.projects.models import (
    Batch,
    Guideline,
    ImportState,
    Item,
    ItemImport,
    OntologyVersion,
    Project,
)


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, the one spelling every client library parses."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _required_timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def label_json(label: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": label["name"],
        "definition": label.get("definition", ""),
        "edge_cases": list(label.get("edge_cases", [])),
        "examples": list(label.get("examples", [])),
    }


def ontology_version_json(version: OntologyVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "labels": [label_json(label) for label in version.labels],
        "note": version.note,
        "created_at": _required_timestamp(version.created_at),
        "guideline_languages": sorted(g.language for g in version.guidelines),
    }


def guideline_json(guideline: Guideline, version: int) -> dict[str, Any]:
    return {
        "language": guideline.language,
        "text": guideline.text,
        "version": version,
        "updated_at": _required_timestamp(guideline.updated_at),
    }


def project_json(project: Project, organisation_public_id: str) -> dict[str, Any]:
    current = project.current_ontology
    return {
        "id": project.public_id,
        "organisation": organisation_public_id,
        "name": project.name,
        "description": project.description,
        "task_type": project.task_type,
        "task_config": project.task_config,
        "source_language": project.source_language,
        "languages": sorted(project.language_codes),
        "overlap": project.overlap,
        "max_overlap": project.max_overlap,
        "lease_minutes": project.lease_minutes,
        "priority": project.priority,
        "state": project.state,
        "settings": project.settings,
        "ontology": ontology_version_json(current) if current is not None else None,
        "guidelines": {g.language: g.text for g in sorted(current.guidelines, key=lambda g: g.language)}
        if current is not None
        else {},
        "created_at": _required_timestamp(project.created_at),
        "updated_at": _required_timestamp(project.updated_at),
    }


def batch_json(batch: Batch, total: int | None = None, complete: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": batch.public_id,
        "name": batch.name,
        "deadline": timestamp(batch.deadline),
        "created_at": _required_timestamp(batch.created_at),
    }
    if total is not None:
        body["total"] = total
    if complete is not None:
        body["complete"] = complete
    return body


def item_json(
    item: Item,
    batch_public_id: str,
    review_state: str | None = None,
    judgments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """An item as the client reads it; ``review_state`` and ``judgments`` come from later stages
    (the web layer asks them), since projects does not know about review or assignments."""
    body: dict[str, Any] = {
        "id": item.public_id,
        "external_id": item.external_id,
        "batch": batch_public_id,
        "payload": item.payload,
        "metadata": item.client_metadata,
        "declared_language": item.declared_language,
        "detected_language": item.detected_language,
        "language_confidence": item.language_confidence,
        "language": item.language,
        "state": item.state,
        "created_at": _required_timestamp(item.created_at),
        "label": item.label,
        "label_source": item.label_source,
        "confidence": (item.consensus or {}).get("confidence") if item.label is not None else None,
        "review_state": review_state if item.label is not None else None,
        "ontology_version": item.label_ontology_version,
        "labelled_at": timestamp(item.labelled_at),
    }
    if judgments is not None:
        body["judgments"] = judgments
    return body


def import_progress(item_import: ItemImport) -> float:
    """0..1: checking the items is the first half of the work, writing them the second."""
    if item_import.state == ImportState.SUCCEEDED:
        return 1.0
    total = item_import.total or 0
    if total <= 0:
        return 0.0
    done = min(item_import.processed, total) + min(item_import.accepted, total)
    return round(done / (2 * total), 4)


def detection_json(counts: DetectionCounts | None) -> dict[str, int] | None:
    if counts is None:
        return None
    return {"pending": counts.pending, "total": counts.total}


def import_json(status: ImportStatus) -> dict[str, Any]:
    """An upload and, once its batch is stored, how far language detection of the batch got."""
    item_import = status.item_import
    return {
        "id": item_import.public_id,
        "state": item_import.state,
        "format": item_import.format,
        "filename": item_import.filename,
        "batch_name": item_import.batch_name,
        "total": item_import.total,
        "processed": item_import.processed,
        "accepted": item_import.accepted,
        "error_count": item_import.error_count,
        "errors": list(item_import.errors or []),
        "language_notes": list(item_import.language_notes or []),
        "batch": status.batch_public_id,
        "created_at": _required_timestamp(item_import.created_at),
        "started_at": timestamp(item_import.started_at),
        "finished_at": timestamp(item_import.finished_at),
        "progress": import_progress(item_import),
        "detection": detection_json(status.detection),
    }
