"""Accepting and rejecting judgments: the only way work becomes paid, or is sent to be redone.

Acceptance books the judgment's fixed rate in the ledger (``accrue_assignment``, idempotent per
assignment); rejection books nothing, takes the judgment out of its item's count, and puts the item
back in the work pool so someone else judges it (the unique (item, annotator) constraint keeps the
rejected annotator from getting it again).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session, is_postgresql, utcnow
from marketplace.payments.accrual import accrue_assignment, accrue_assignments
from marketplace.projects.models import Item, ItemState
from marketplace.routing.models import Acceptance, Assignment, AssignmentState, RoutingEvent, RoutingEventKind

#: Judgments accepted per transaction by the auto-accept job.
AUTO_ACCEPT_CHUNK = 500


def accept_judgment(
    session: Session, assignment: Assignment, now: datetime, *, by: int | None = None
) -> bool:
    """Accept one judgment (in the caller's transaction); False if it was decided already."""
    if assignment.acceptance in (Acceptance.ACCEPTED, Acceptance.REJECTED):
        return False
    assignment.acceptance = Acceptance.ACCEPTED
    assignment.accepted_at = now
    assignment.accept_after = None
    accrue_assignment(session, assignment, now, by=by)
    return True


def overturn_rejection(session: Session, assignment: Assignment, now: datetime, by: int) -> None:
    """An appeal won: the rejected judgment is accepted and paid. It stays out of its item's count
    (the item was redone meanwhile)."""
    assignment.acceptance = Acceptance.ACCEPTED
    assignment.accepted_at = now
    accrue_assignment(session, assignment, now, by=by)


def reject_judgment(session: Session, assignment: Assignment, now: datetime, *, by: int) -> None:
    """Reject one submitted judgment: it stops counting, books nothing."""
    assignment.acceptance = Acceptance.REJECTED
    assignment.accept_after = None
    if assignment.state == AssignmentState.SUBMITTED:
        assignment.state = AssignmentState.REJECTED
        session.add(
            RoutingEvent(
                assignment_id=assignment.id,
                project_id=assignment.project_id,
                annotator_id=assignment.annotator_id,
                kind=RoutingEventKind.REJECTED,
                at=now,
                detail={"by": by},
            )
        )


def reopen_item(item: Item) -> None:
    """Send an item whose judgments were rejected back to work: it needs judgments again."""
    item.state = ItemState.READY
    item.label = None
    item.label_source = None
    item.edge_case_reason = None
    item.consensus = None


def hold_for_review(judgments: Iterable[Assignment]) -> None:
    for assignment in judgments:
        assignment.acceptance = Acceptance.IN_REVIEW
        assignment.accept_after = None


def schedule_auto_accept(judgments: Iterable[Assignment], now: datetime, hours: float) -> None:
    """Unsampled work: accepted when the review period ends, unless something intervenes."""
    due = now + timedelta(hours=hours)
    for assignment in judgments:
        assignment.acceptance = Acceptance.PENDING
        assignment.accept_after = due


def auto_accept_due(now: datetime | None = None) -> int:
    """Accept every pending judgment whose review period has ended (the periodic job; idempotent:
    an accepted judgment is no longer pending, and its ledger booking has a unique key)."""
    session = get_session()
    now = now or utcnow()
    total = 0
    while True:
        query = (
            select(Assignment)
            .where(Assignment.acceptance == Acceptance.PENDING, Assignment.accept_after <= now)
            .order_by(Assignment.id)
            .limit(AUTO_ACCEPT_CHUNK)
        )
        if is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        due = list(session.scalars(query))
        for assignment in due:
            assignment.acceptance = Acceptance.ACCEPTED
            assignment.accepted_at = now
            assignment.accept_after = None
        accrue_assignments(session, due, now)
        session.commit()
        total += len(due)
        if len(due) < AUTO_ACCEPT_CHUNK:
            return total
