"""Gold sets: items with known answers, uploaded by the client, that exams and hidden gold use.

Why a module: gold is the ground truth everything else in qualification is measured against; it
lives in a batch of its own (``kind="gold"``), never delivered, and each language of a project
needs enough of it, across its classes, before that language's exam can open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.errors import NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.projects.models import Batch, Item, ItemState, Project
from marketplace.projects.settings.qualification import QualificationSettings
from marketplace.qualification.models import GoldAnswer
from marketplace.tasktypes import validate_answer, validate_payload
from marketplace.validation import FieldError, InvalidInput, join_path

GOLD_BATCH_NAME = "gold"

#: A checked gold record: language, payload, answer, explanation, external id.
_GoldRecord = tuple[str, Mapping[str, Any], Mapping[str, Any], str, str | None]


def project_or_404(project_id: int) -> Project:
    """The project gold, exams and hidden gold belong to (404 when it is gone)."""
    project = get_session().get(Project, project_id)
    if project is None:
        raise NotFound()
    return project


def label_names(project: Project) -> list[str]:
    """The labels of the project's current ontology, that gold and exam answers are checked against."""
    ontology = project.current_ontology
    return ontology.label_names if ontology else []


def _gold_batch(session: Session, project_id: int) -> Batch:
    batch = session.scalar(select(Batch).where(Batch.project_id == project_id, Batch.kind == "gold"))
    if batch is None:
        batch = Batch(project_id=project_id, name=GOLD_BATCH_NAME, kind="gold")
        session.add(batch)
        session.flush()
    return batch


def _gold_language(targets: set[str], raw: Any, path: str) -> tuple[str | None, list[FieldError]]:
    """The record's language, normalised, if it is one of the project's (``targets``)."""
    try:
        language = normalize_language(str(raw))
    except UnknownLanguage:
        return None, [
            FieldError(join_path(path, "language"), "unknown_language", _("Give a known language code."))
        ]
    if language not in targets:
        return None, [
            FieldError(
                join_path(path, "language"),
                "language_not_in_project",
                _("“%(code)s” is not a language of this project.", code=language),
            )
        ]
    return language, []


def _check_gold_record(
    project: Project, labels: list[str], targets: set[str], index: int, record: Mapping[str, Any]
) -> tuple[_GoldRecord | None, list[FieldError]]:
    """One record checked: its language, payload and answer (against the project's labels)."""
    path = f"items[{index}]"
    language, errors = _gold_language(targets, record.get("language", ""), path)
    if language is None:
        return None, errors
    payload, answer = record.get("payload"), record.get("answer")
    problems = validate_payload(project.task_type, payload, prefix=join_path(path, "payload"))
    if not problems and isinstance(payload, Mapping):
        problems = validate_answer(
            project.task_type,
            answer,
            payload,
            labels,
            project.task_config,
            prefix=join_path(path, "answer"),
        )
    if problems:
        return None, problems
    assert isinstance(payload, Mapping) and isinstance(answer, Mapping)
    return (language, payload, answer, str(record.get("explanation") or ""), record.get("external_id")), []


def _store_gold(session: Session, project_id: int, rows: list[_GoldRecord], created_by: int | None) -> None:
    """Each record as a ready item of the gold batch with its answer; the caller commits."""
    batch = _gold_batch(session, project_id)
    for language, payload, answer, explanation, external_id in rows:
        item = Item(
            project_id=project_id,
            batch_id=batch.id,
            external_id=external_id,
            payload=dict(payload),
            declared_language=language,
            language=language,
            language_method="gold",
            state=ItemState.READY,
        )
        session.add(item)
        session.flush()
        session.add(
            GoldAnswer(
                item_id=item.id,
                project_id=project_id,
                language=language,
                answer=dict(answer),
                explanation=explanation,
                created_by_id=created_by,
            )
        )


def add_gold_items(
    project_id: int, records: Sequence[Mapping[str, Any]], created_by: int | None = None
) -> int:
    """Add gold items with their answers and explanations; all or nothing.

    Each record: ``{"language", "payload", "answer", "explanation"?, "external_id"?}``.
    """
    session = get_session()
    project = project_or_404(project_id)
    labels = label_names(project)
    targets = set(project.language_codes)
    errors: list[FieldError] = []
    rows: list[_GoldRecord] = []
    for index, record in enumerate(records):
        row, problems = _check_gold_record(project, labels, targets, index, record)
        errors.extend(problems)
        if row is not None:
            rows.append(row)
    if errors:
        raise InvalidInput(errors[:100], status=422 if all(e.code != "required" for e in errors) else 400)
    _store_gold(session, project.id, rows, created_by)
    session.commit()
    return len(rows)


@dataclass(frozen=True)
class GoldRow:
    """One gold item as its project's client reviews it: what is asked, the answer and why."""

    external_id: str | None
    language: str
    payload: dict[str, Any]
    answer: dict[str, Any]
    explanation: str
    created_at: datetime


def list_gold_items(project_id: int, language: str | None = None, limit: int = 50) -> list[GoldRow]:
    """The project's newest gold items, in one language or all; for the client's and ops' pages
    (never an annotator's: these carry the answers)."""
    query = (
        select(Item.external_id, GoldAnswer.language, Item.payload, GoldAnswer.answer,
               GoldAnswer.explanation, GoldAnswer.created_at)
        .join(Item, Item.id == GoldAnswer.item_id)
        .where(GoldAnswer.project_id == project_id)
        .order_by(GoldAnswer.created_at.desc(), GoldAnswer.item_id.desc())
        .limit(limit)
    )  # fmt: skip
    if language:
        query = query.where(GoldAnswer.language == language)
    return [GoldRow(*row) for row in get_session().execute(query)]


def is_gold_item(item_id: int) -> bool:
    """Whether the item is gold (routing serves such items as hidden gold)."""
    return get_session().get(GoldAnswer, item_id) is not None


def class_key(task_type: str, answer: Mapping[str, Any]) -> list[str]:
    """The classes a gold answer exemplifies, for coverage and stratified exams."""
    if task_type == "classification":
        return [str(answer["label"])]
    if task_type == "multi_label_classification":
        return [str(label) for label in answer.get("labels", [])] or ["(none)"]
    if task_type == "pairwise_preference":
        return [str(answer["preference"])]
    for key in ("spans", "boxes", "polygons", "keypoints", "masks"):
        if key in answer:
            return sorted({str(part["label"]) for part in answer[key]}) or ["(none)"]
    return ["(all)"]


def _count_by_class(project: Project) -> dict[str, dict[str, Any]]:
    """Per language (every target language, even without gold): total gold and count per class."""
    per_language: dict[str, dict[str, Any]] = {
        code: {"total": 0, "by_class": defaultdict(int)} for code in project.language_codes
    }
    for language, answer in get_session().execute(
        select(GoldAnswer.language, GoldAnswer.answer).where(GoldAnswer.project_id == project.id)
    ):
        entry = per_language.setdefault(language, {"total": 0, "by_class": defaultdict(int)})
        entry["total"] += 1
        for key in class_key(project.task_type, answer):
            entry["by_class"][key] += 1
    return per_language


def gold_coverage(project_id: int) -> dict[str, Any]:
    """Gold items per language and class, and whether each language's exam can open."""
    project = project_or_404(project_id)
    settings = QualificationSettings.of(project.settings)
    per_language = _count_by_class(project)
    return {
        "minimum": settings.min_gold_per_language,
        "exam_size": settings.exam_size,
        "languages": [
            {
                "language": code,
                "total": entry["total"],
                "by_class": dict(sorted(entry["by_class"].items())),
                "exam_open": entry["total"] >= settings.min_gold_per_language,
            }
            for code, entry in sorted(per_language.items())
        ],
    }
