"""Booking accepted work: the judgment's fixed rate moves from the project's escrow to the
annotator's payable balance in the item's language, and the fee to the platform's revenue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.payments.ledger import AccountRef, Booking, book_many, post_transactions
from marketplace.payments.models import LedgerTransaction, TransactionKind
from marketplace.routing.models import Assignment


def accrual_key(assignment_id: int) -> str:
    return f"accrual-{assignment_id}"


def accrual_booking(assignment: Assignment, now: datetime, *, by: int | None = None) -> Booking | None:
    """The ledger transaction that pays an accepted judgment; None when it is unpriced."""
    rate, fee, currency = assignment.rate_minor, assignment.fee_minor or 0, assignment.rate_currency
    if rate is None or currency is None or rate + fee <= 0:
        return None
    postings = [
        (AccountRef.escrow(assignment.project_id, currency), rate + fee),
        (AccountRef.payable(assignment.annotator_id, assignment.language, currency), -rate),
        (AccountRef.revenue(currency), -fee),
    ]
    return Booking(
        idempotency_key=accrual_key(assignment.id),
        kind=TransactionKind.ACCRUAL,
        postings=[(ref, amount) for ref, amount in postings if amount != 0],
        project_id=assignment.project_id,
        user_id=assignment.annotator_id,
        language=assignment.language,
        assignment_id=assignment.id,
        created_by_id=by,
        at=now,
    )


def accrue_assignments(
    session: Session, assignments: Sequence[Assignment], now: datetime, *, by: int | None = None
) -> int:
    """Book many accepted judgments at once (the auto-accept job), in the caller's unit of work.
    Idempotent: the key is the assignment's, so accepting twice (a retried job, an overturned
    appeal racing auto-accept) books once. Returns how many were booked now."""
    bookings = [b for b in (accrual_booking(a, now, by=by) for a in assignments) if b is not None]
    return book_many(session, bookings) if bookings else 0


def accrue_assignment(
    session: Session, assignment: Assignment, now: datetime, *, by: int | None = None
) -> LedgerTransaction | None:
    """Book one accepted judgment; None when it is unpriced or was booked already."""
    booking = accrual_booking(assignment, now, by=by)
    booked = post_transactions(session, [booking]) if booking is not None else []
    return booked[0] if booked else None
