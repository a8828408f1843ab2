"""The canonical record of a labelled item: what the items API shows and every delivery file is
written from, so JSON Lines, CSV, Parquet and the task-native formats can never disagree.

Records are streamed in chunks of items (with one query for the chunk's judgments), so a delivery
of millions of items holds one chunk in memory. Annotators appear only under a pseudonym that is
stable within a project and unlinkable across projects; gold items are never records.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import Select, select

from marketplace.agreement.models import ItemAgreement
from marketplace.db import get_session
from marketplace.projects.batches import WORK_BATCH
from marketplace.projects.models import Batch, Item, ItemState
from marketplace.review.queries import items_in_review
from marketplace.routing.models import Acceptance, Assignment, AssignmentState

#: Items fetched (with their judgments) per round trip while streaming.
CHUNK_SIZE = 1000


class ReviewState(StrEnum):
    """Where a delivered label stands with review."""

    #: Not drawn by the sample and not an edge case: the consensus, accepted as it is.
    NOT_SAMPLED = "not_sampled"
    #: A reviewer looked and kept the label.
    ACCEPTED = "accepted"
    #: A reviewer replaced the label with a correction.
    CORRECTED = "corrected"
    #: A review is still open; such items wait for the next delivery.
    IN_REVIEW = "in_review"


#: The judgment's acceptance as the client reads it.
_OUTCOMES = {
    Acceptance.PENDING: "pending",
    Acceptance.IN_REVIEW: "pending",
    Acceptance.ACCEPTED: "accepted",
    Acceptance.REJECTED: "rejected",
}


@dataclass(frozen=True)
class Scope:
    """Which items a delivery or a report covers: a project's work batches, or some of them."""

    project_id: int
    batch_ids: tuple[int, ...] = ()


def pseudonym(project_id: int, annotator_id: int) -> str:
    """A stable id for an annotator within one project: a keyed hash, so it cannot be reversed
    or matched across projects without the service's secret."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"annotator:{project_id}:{annotator_id}".encode(), hashlib.sha256).hexdigest()
    return f"ann_{digest[:16]}"


def canonical_json(value: Any) -> str:
    """One spelling of a JSON value: what digests and diffs compare."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def label_digest(label: Any) -> str:
    return hashlib.sha256(canonical_json(label).encode()).hexdigest()


def review_state(item: Item, in_review: bool) -> ReviewState:
    if in_review:
        return ReviewState.IN_REVIEW
    if item.label_source == "correction":
        return ReviewState.CORRECTED
    if item.label_source == "review":
        return ReviewState.ACCEPTED
    return ReviewState.NOT_SAMPLED


def deliverable_items(scope: Scope) -> Select[Item, str]:
    """Complete, labelled work items of the scope whose review is settled, in key order."""
    query = (
        select(Item, Batch.public_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Item.project_id == scope.project_id,
            Batch.kind == WORK_BATCH,
            Item.state == ItemState.COMPLETE,
            Item.label.is_not(None),
            Item.id.not_in(items_in_review(scope.project_id)),
        )
        .order_by(Item.id)
    )
    if scope.batch_ids:
        query = query.where(Item.batch_id.in_(scope.batch_ids))
    return query


def judgments_of(project_id: int, item_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each item's submitted judgments (rejected ones too, marked so), oldest first."""
    rows = get_session().execute(
        select(
            Assignment.item_id,
            Assignment.annotator_id,
            Assignment.language,
            Assignment.seconds_spent,
            Assignment.acceptance,
            Assignment.answer,
        )
        .where(
            Assignment.item_id.in_(item_ids),
            Assignment.state.in_((AssignmentState.SUBMITTED, AssignmentState.REJECTED)),
        )
        .order_by(Assignment.item_id, Assignment.id)
    )
    judgments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    names: dict[int, str] = {}  # an HMAC per annotator, not per judgment
    for item_id, annotator_id, language, seconds, acceptance, answer in rows:
        if annotator_id not in names:
            names[annotator_id] = pseudonym(project_id, annotator_id)
        judgments[item_id].append(
            {
                "annotator": names[annotator_id],
                "language": language,
                "seconds_spent": seconds,
                "outcome": _OUTCOMES.get(Acceptance(acceptance), "pending") if acceptance else "pending",
                "answer": answer,
            }
        )
    return judgments


def agreement_of(item_ids: Sequence[int]) -> dict[int, float | None]:
    rows = get_session().execute(
        select(ItemAgreement.item_id, ItemAgreement.agreement).where(ItemAgreement.item_id.in_(item_ids))
    )
    return {item_id: value for item_id, value in rows}


def in_review_of(project_id: int, item_ids: Sequence[int]) -> set[int]:
    return set(get_session().scalars(items_in_review(project_id, item_ids)))


def item_record(
    item: Item,
    batch_public_id: str,
    state: ReviewState,
    agreement: float | None,
    judgments: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """The canonical record of one labelled item (``judgments`` None: left out)."""
    record: dict[str, Any] = {
        "item_id": item.public_id,
        "external_id": item.external_id,
        "batch": batch_public_id,
        "language": item.language,
        "payload": item.payload,
        "metadata": item.client_metadata,
        "label": item.label,
        "label_source": item.label_source,
        "confidence": (item.consensus or {}).get("confidence"),
        "agreement": agreement,
        "review_state": state.value,
        "ontology_version": item.label_ontology_version,
        "edge_case": item.edge_case_reason,
    }
    if judgments is not None:
        record["judgments"] = judgments
    return record


def stream_records(scope: Scope, include_judgments: bool = True) -> Iterator[dict[str, Any]]:
    """Every deliverable item of ``scope`` as its canonical record, in key order."""
    for _item_id, record in stream_item_records(scope, include_judgments):
        yield record


def stream_item_records(scope: Scope, include_judgments: bool = True) -> Iterator[tuple[int, dict[str, Any]]]:
    """(internal item id, canonical record) of every deliverable item, a chunk at a time."""
    session = get_session()
    after = 0
    while True:
        rows = session.execute(deliverable_items(scope).where(Item.id > after).limit(CHUNK_SIZE)).all()
        if not rows:
            return
        ids = [item.id for item, _batch in rows]
        agreements = agreement_of(ids)
        judgments = judgments_of(scope.project_id, ids) if include_judgments else {}
        for item, batch_public_id in rows:
            yield (
                item.id,
                item_record(
                    item,
                    batch_public_id,
                    review_state(item, in_review=False),
                    agreements.get(item.id),
                    judgments.get(item.id, []) if include_judgments else None,
                ),
            )
        after = ids[-1]
        # The chunk's rows are done with: let the session forget them so memory stays flat.
        for item, _batch in rows:
            session.expunge(item)


def label_details(
    project_id: int, items: Sequence[Item], include_judgments: bool
) -> tuple[dict[int, str], dict[int, list[dict[str, Any]]] | None]:
    """For a page of items: each labelled item's review state, and (if asked) its judgments."""
    labelled = [item for item in items if item.label is not None or include_judgments]
    ids = [item.id for item in labelled]
    if not ids:
        return {}, ({} if include_judgments else None)
    reviewing = in_review_of(project_id, ids)
    states = {item.id: review_state(item, item.id in reviewing).value for item in labelled}
    return states, (judgments_of(project_id, ids) if include_judgments else None)
