"""An item's states and the one place that moves them.

The ``item`` table belongs to ``projects``: later stages (routing, agreement, review) change an
item only through these functions, never by writing its columns. Each move is checked against
``ITEM_TRANSITIONS``, so a bug that would, say, complete an item still in triage is refused at
once instead of corrupting the queues:

    awaiting_language ──detected──▶ ready ──consensus──▶ complete
            │                        ▲ │                   │
            └──unclear──▶ triage ────┘ └─reported─▶ triage │
                                     ▲                     │
                                     └──────redo───────────┘ (review rejected its judgments)

An item reported as being in another language goes to triage while other annotators may still
hold leases on it; their answers count as before, so the last of them still completes it
(triage → complete), and a settled item leaves the triage queue.

Bulk moves of many rows (the detection job, triage resolution) are done by ``projects`` itself
with a ``WHERE state IN (...)`` built from the same table (``sources_of``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from marketplace.db import utcnow
from marketplace.errors import Conflict
from marketplace.events import EventKind, record_event
from marketplace.projects.models import Item, ItemState, OntologyVersion, Project

#: Allowed moves of an item; anything else is a bug or a race, refused with ``IllegalItemMove``.
ITEM_TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    ItemState.AWAITING_LANGUAGE: frozenset({ItemState.READY, ItemState.TRIAGE}),
    ItemState.TRIAGE: frozenset({ItemState.READY, ItemState.COMPLETE}),
    ItemState.READY: frozenset({ItemState.TRIAGE, ItemState.COMPLETE}),
    ItemState.COMPLETE: frozenset({ItemState.READY}),
}

#: Where a label for delivery came from.
LABEL_SOURCES = frozenset({"consensus", "review", "correction"})


class IllegalItemMove(Conflict):
    """A move the transition table does not allow."""

    def __init__(self, source: str, target: str) -> None:
        super().__init__(
            _("This item cannot go from %(source)s to %(target)s.", source=source, target=target)
        )
        self.code = "illegal_transition"


def sources_of(target: ItemState) -> frozenset[ItemState]:
    """The states an item may reach ``target`` from (for bulk ``UPDATE ... WHERE state IN``)."""
    return frozenset(source for source, targets in ITEM_TRANSITIONS.items() if target in targets)


def move_item(item: Item, target: ItemState) -> None:
    """Move ``item`` to ``target`` (in the caller's transaction); refuses a move the table forbids."""
    source = ItemState(item.state)
    if target not in ITEM_TRANSITIONS[source]:
        raise IllegalItemMove(source.value, target.value)
    item.state = target


def record_consensus(item: Item, consensus: dict[str, Any]) -> None:
    """Store what the consensus of the item's judgments says (agreement computes it)."""
    item.consensus = consensus


def ask_for_more_judgments(item: Item, required: int) -> None:
    """Dynamic overlap: the item keeps its state and needs ``required`` judgments in all."""
    item.judgments_required = required


def complete_item(item: Item, *, edge_case_reason: str | None = None) -> None:
    """Enough judgments: the item is complete; ``edge_case_reason`` marks one review must see."""
    move_item(item, ItemState.COMPLETE)
    if edge_case_reason is not None:
        item.edge_case_reason = edge_case_reason
    session = object_session(item)
    project = session.get(Project, item.project_id) if session is not None else None
    if session is not None and project is not None:
        # In the transaction that completes the item: the client hears of it exactly when it is so.
        record_event(
            session,
            project.organisation_id,
            EventKind.ITEM_COMPLETED,
            {
                "project": project.public_id,
                "item": item.public_id,
                "external_id": item.external_id,
                "language": item.language,
                "edge_case": edge_case_reason,
            },
            project_id=project.id,
        )


def set_label(item: Item, label: Any, source: str | None) -> None:
    """The item's label for delivery, and where it came from (consensus, review, correction)."""
    if source is not None and source not in LABEL_SOURCES:
        raise ValueError(f"unknown label source {source!r}")
    item.label = label
    item.label_source = source
    item.label_ontology_version = None if label is None else current_ontology_version(item)
    item.labelled_at = None if label is None else utcnow()


def current_ontology_version(item: Item) -> int | None:
    """The project's newest ontology version: the one a label set now was given under."""
    session = object_session(item)
    if session is None:
        return None
    return session.scalar(
        select(func.max(OntologyVersion.version)).where(OntologyVersion.project_id == item.project_id)
    )


def reopen_item(item: Item) -> None:
    """Send a complete item whose judgments were rejected back to work: it needs judgments again,
    and its consensus and label no longer stand."""
    move_item(item, ItemState.READY)
    item.label = None
    item.label_source = None
    item.label_ontology_version = None
    item.labelled_at = None
    item.edge_case_reason = None
    item.consensus = None


def send_to_triage(item: Item, reason: str) -> bool:
    """An annotator reported the item's language as wrong: ops decide. Only a ready item moves
    (one in work elsewhere or already complete keeps its state); returns whether it moved."""
    if item.state != ItemState.READY:
        return False
    move_item(item, ItemState.TRIAGE)
    item.triage_reason = reason
    return True
