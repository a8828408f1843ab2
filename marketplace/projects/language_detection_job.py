"""The background job that decides the language of a batch's text items, chunk by chunk.

Uploads store text items as ``awaiting_language`` and enqueue :func:`detect_batch_languages` by its
dotted path. Each chunk is its own transaction, so progress shows while the job runs (a poller sees
the count move) and a crashed job resumes at the first undecided item. One odd text must not stop a
100,000-item batch: a detector failure sends that item to triage and the job goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Row, select, update

from marketplace.db import new_session
from marketplace.languages import DetectionResult, detect_language
from marketplace.languages.result import METHOD_NONE
from marketplace.projects.language_decision import decide_item_language, decide_without_text
from marketplace.projects.models import Batch, Item, ItemState, Project
from marketplace.tasktypes import TaskType, get_task_type

log = logging.getLogger(__name__)

#: Items read, detected and written per transaction: large enough to be fast, small enough that a
#: poller sees the count move and a crashed job loses little.
DETECTION_CHUNK_SIZE: Final = 1000

REASON_DETECTION_FAILED: Final = "detection_failed"
"""The detector raised on this text; the item must not block the rest of its batch."""

#: A waiting item as the detection job reads it: id, payload, declared language.
_WaitingRow = Row[int, dict[str, Any], str | None]


@dataclass(frozen=True)
class _BatchFacts:
    """What deciding a batch's items needs, read once per job as plain values."""

    batch_id: int
    task_type: TaskType
    languages: frozenset[str]


def _batch_facts(batch_id: int) -> _BatchFacts | None:
    with new_session() as session:
        project = session.scalar(
            select(Project).join(Batch, Batch.project_id == Project.id).where(Batch.id == batch_id)
        )
        if project is None:
            return None
        return _BatchFacts(batch_id, get_task_type(project.task_type), frozenset(project.language_codes))


def _detect(text: str, declared: str | None) -> DetectionResult:
    try:
        return detect_language(text, hint=declared)
    except Exception:  # one odd text must not stop a 100,000-item batch
        log.exception("language detection failed on one item")
        return DetectionResult(None, 0.0, METHOD_NONE, needs_triage=True, reason=REASON_DETECTION_FAILED)


def _item_columns(facts: _BatchFacts, row: _WaitingRow) -> dict[str, Any]:
    text = facts.task_type.language_text(row.payload)
    if text is None:
        result = None
        decision = decide_without_text(row.declared_language)
    else:
        result = _detect(text, row.declared_language)
        decision = decide_item_language(result, row.declared_language, facts.languages)
    return {
        "id": row.id,
        "detected_language": result.language if result is not None else None,
        "language_confidence": result.confidence if result is not None else None,
        "language_candidates": [[code, round(p, 4)] for code, p in result.candidates]
        if result is not None
        else None,
        **decision.columns(),
    }


def _decide_chunk(facts: _BatchFacts, size: int) -> int:
    """Decide up to ``size`` of the batch's waiting items in one transaction; how many were decided.

    Rows are locked with ``SKIP LOCKED`` on PostgreSQL, so two workers on one batch share it instead
    of deciding the same items twice; SQLite serialises writers anyway.
    """
    with new_session() as session:
        rows = session.execute(
            select(Item.id, Item.payload, Item.declared_language)
            .where(Item.batch_id == facts.batch_id, Item.state == ItemState.AWAITING_LANGUAGE.value)
            .order_by(Item.id)
            .limit(size)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return 0
        session.execute(update(Item), [_item_columns(facts, row) for row in rows])
        session.commit()
        return len(rows)


def detect_next_chunk(batch_id: int, size: int = DETECTION_CHUNK_SIZE) -> int:
    """Decide the next ``size`` waiting items of a batch; 0 when none is left (or no such batch)."""
    facts = _batch_facts(batch_id)
    return _decide_chunk(facts, size) if facts is not None else 0


def detect_batch_languages(batch_id: int, size: int = DETECTION_CHUNK_SIZE) -> int:
    """Decide every item of the batch still ``awaiting_language``; returns how many were decided.

    Idempotent: only waiting items are read, and each leaves that state when decided, so a second
    run finds nothing, and a run after a crash starts at the first undecided item.
    """
    facts = _batch_facts(batch_id)
    if facts is None:
        return 0
    decided = 0
    while count := _decide_chunk(facts, size):
        decided += count
    log.info("language detection: batch %s, %d items decided", batch_id, decided)
    return decided
