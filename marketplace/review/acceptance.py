"""Accepting and rejecting judgments: the only way work becomes paid, or is sent to be redone.

Acceptance books the judgment's fixed rate in the ledger (``accrue_assignment``, idempotent per
assignment), in the same unit of work as the judgment's move to accepted. Rejection books nothing:
review moves the judgment with ``routing.assignment_lifecycle.mark_rejected`` and reopens its item
with ``projects.item_lifecycle.reopen_item`` (the unique (item, annotator) constraint keeps the
rejected annotator from getting it again). The judgment's own states are routing's and the item's
are the project's: this module pairs acceptance with its money, those move.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session, is_postgresql, utcnow
from marketplace.payments.accrual import accrue_assignment, accrue_assignments
from marketplace.routing import assignment_lifecycle as judgments
from marketplace.routing.models import Acceptance, Assignment

#: Judgments accepted per transaction by the auto-accept job.
AUTO_ACCEPT_CHUNK = 500


def accept_judgment(
    session: Session, assignment: Assignment, now: datetime, *, by: int | None = None
) -> bool:
    """Accept one judgment (in the caller's transaction); False if it was decided already."""
    if judgments.is_decided(assignment):
        return False
    judgments.mark_accepted(assignment, now)
    accrue_assignment(session, assignment, now, by=by)
    return True


def overturn_rejection(session: Session, assignment: Assignment, now: datetime, by: int) -> None:
    """An appeal won: the rejected judgment is accepted and paid. It stays out of its item's count
    (the item was redone meanwhile)."""
    judgments.mark_accepted(assignment, now)
    accrue_assignment(session, assignment, now, by=by)


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
            judgments.mark_accepted(assignment, now)
        accrue_assignments(session, due, now)
        session.commit()
        total += len(due)
        if len(due) < AUTO_ACCEPT_CHUNK:
            return total
