"""Booking accepted work: the judgment's fixed rate moves from the project's escrow to the
annotator's payable balance in the item's language, and the fee to the platform's revenue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from marketplace.payments.ledger import AccountRef, Booking, post_transactions
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
) -> list[LedgerTransaction]:
    """Book accepted judgments (in the caller's unit of work). Idempotent: the key is the
    assignment's, so accepting twice (a retried job, an overturned appeal racing auto-accept)
    books once. Returns the transactions booked now."""
    bookings = [b for b in (accrual_booking(a, now, by=by) for a in assignments) if b is not None]
    return post_transactions(session, bookings) if bookings else []


def accrue_assignment(
    session: Session, assignment: Assignment, now: datetime, *, by: int | None = None
) -> LedgerTransaction | None:
    """:func:`accrue_assignments` for one judgment; None when unpriced or booked already."""
    booked = accrue_assignments(session, [assignment], now, by=by)
    return booked[0] if booked else None
