"""A project's progress: item counts by state, by language and by batch, for the client.

Why a module: progress is the one read that summarises the whole project (every batch, every
language, running imports and language detection) and is built from GROUP BY queries only, so
it stays cheap on projects of millions of items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.projects.batches import WORK_BATCH, complete_count
from marketplace.projects.imports import pending_count, running_states
from marketplace.projects.models import Batch, Item, ItemImport, ItemState


def _state_counts(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts = {state.value: 0 for state in ItemState}
    for state, count in pairs:
        counts[state] = counts.get(state, 0) + count
    return counts


def _language_detection(by_state: Mapping[str, int]) -> dict[str, int]:
    """Where items are in getting a language; the three counts add up to the project's total."""
    return {
        "pending": by_state[ItemState.AWAITING_LANGUAGE.value],
        "done": by_state[ItemState.READY.value] + by_state[ItemState.COMPLETE.value],
        "triage": by_state[ItemState.TRIAGE.value],
    }


def _language_state_rows(project_id: int) -> list[tuple[str | None, str, int]]:
    """(language, state, count) of the project's work items."""
    rows = get_session().execute(
        select(Item.language, Item.state, func.count())
        .join(Batch, Batch.id == Item.batch_id)
        .where(Item.project_id == project_id, Batch.kind == WORK_BATCH)
        .group_by(Item.language, Item.state)
    )
    return [(language, state, int(count)) for language, state, count in rows]


def _batches(project_id: int) -> list[dict[str, Any]]:
    """Each work batch, in upload order, with its total, complete and language-pending counts."""
    rows = get_session().execute(
        select(Batch.public_id, Batch.name, func.count(Item.id), complete_count(), pending_count())
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id == project_id, Batch.kind == WORK_BATCH)
        .group_by(Batch.id, Batch.public_id, Batch.name)
        .order_by(Batch.id)
    )
    return [
        {
            "id": public_id,
            "name": name,
            "total": int(total),
            "complete": int(complete),
            "language_pending": int(pending),
        }
        for public_id, name, total, complete, pending in rows
    ]


def _running_imports(project_id: int) -> int:
    running = get_session().scalar(
        select(func.count())
        .select_from(ItemImport)
        .where(
            ItemImport.project_id == project_id,
            ItemImport.state.in_(running_states()),
        )
    )
    return int(running or 0)


def _by_language(rows: Iterable[tuple[str | None, str, int]]) -> list[dict[str, Any]]:
    """One entry per language (unknown last, as ``None``) with its total and its states."""
    by_language: dict[str | None, list[tuple[str, int]]] = {}
    for language, state, count in rows:
        by_language.setdefault(language, []).append((state, int(count)))
    languages = sorted(by_language, key=lambda code: (code is None, code or ""))
    return [
        {
            "language": code,
            "total": sum(count for _state, count in by_language[code]),
            "by_state": _state_counts(by_language[code]),
        }
        for code in languages
    ]


def project_progress(project_id: int) -> dict[str, Any]:
    """Item counts by state, by language and by batch, from GROUP BY queries (no item is loaded).

    ``by_language`` has an entry with ``language: null`` for items whose language is not known
    yet, so the per-language totals always add up to ``total``. ``language_detection`` and each
    batch's ``language_pending`` show the detection job advancing after an upload. Only the
    client's work batches count: gold items are exam material, never delivered.
    """
    rows = _language_state_rows(project_id)
    by_state = _state_counts((state, count) for _language, state, count in rows)
    return {
        "total": sum(count for _language, _state, count in rows),
        "by_state": by_state,
        "by_language": _by_language(rows),
        "batches": _batches(project_id),
        "imports_in_progress": _running_imports(project_id),
        "language_detection": _language_detection(by_state),
    }
