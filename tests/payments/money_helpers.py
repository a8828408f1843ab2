"""Helpers for the rate, budget and earnings tests: money put into the ledger the way the real
flows book it (funding, accrual of accepted work, payout start / paid / reversed), and judgments
built as routing would leave them, with their rate fixed."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.payments.accrual import accrue_assignment
from marketplace.payments.ledger import AccountRef, post_transaction, unbalanced_transactions
from marketplace.payments.models import Payout, TransactionKind
from marketplace.projects.models import Item
from marketplace.routing.models import Acceptance, Assignment, AssignmentState

NOW = datetime.now(UTC)
_keys = itertools.count(1)


def fund(app: Flask, project_id: int, amount_minor: int, currency: str = "EUR") -> None:
    """A client's money credited to the project's escrow (as a settled funding books it)."""
    with app.app_context():
        session = get_session()
        post_transaction(
            session,
            idempotency_key=f"test-funding-{next(_keys)}",
            kind=TransactionKind.FUNDING,
            postings=[
                (AccountRef.cash(currency), amount_minor),
                (AccountRef.escrow(project_id, currency), -amount_minor),
            ],
            project_id=project_id,
        )
        session.commit()


def judgment(
    app: Flask,
    project_id: int,
    annotator_id: int,
    language: str,
    *,
    acceptance: Acceptance | None = Acceptance.PENDING,
    state: AssignmentState = AssignmentState.SUBMITTED,
    rate_minor: int | None = 100,
    fee_minor: int = 20,
    currency: str | None = "EUR",
    item_id: int | None = None,
) -> int:
    """One judgment of a free item of the project, with its rate fixed as at claim time; an
    accepted one is booked in the ledger exactly as review's acceptance does."""
    with app.app_context():
        session = get_session()
        if item_id is None:
            taken = select(Assignment.item_id).where(Assignment.annotator_id == annotator_id)
            item_id = session.scalar(
                select(Item.id)
                .where(Item.project_id == project_id, Item.id.not_in(taken))
                .order_by(Item.id)
                .limit(1)
            )
            assert item_id is not None, "the project has no item left for this annotator"
        assignment = Assignment(
            item_id=item_id,
            project_id=project_id,
            annotator_id=annotator_id,
            language=language,
            state=state,
            claimed_at=NOW - timedelta(minutes=10),
            # From the real clock, not NOW (set at import): a long suite reaches this test more
            # than 20 minutes after collection, and a live lease must still be live then.
            lease_expires_at=datetime.now(UTC) + timedelta(minutes=20),
            finished_at=None if state == AssignmentState.LEASED else NOW - timedelta(minutes=5),
            answer=None if state == AssignmentState.LEASED else {"label": "positive"},
            acceptance=acceptance,
            accepted_at=NOW if acceptance == Acceptance.ACCEPTED else None,
            rate_minor=rate_minor,
            fee_minor=fee_minor if rate_minor is not None else None,
            rate_currency=currency if rate_minor is not None else None,
        )
        session.add(assignment)
        session.flush()
        if acceptance == Acceptance.ACCEPTED:
            accrue_assignment(session, assignment, NOW)
        session.commit()
        return assignment.id


def _payout_postings(
    kind: TransactionKind, user_id: int, language: str, currency: str, amount: int
) -> list[tuple[AccountRef, int]]:
    payable = AccountRef.payable(user_id, language, currency)
    in_flight = AccountRef.in_flight(user_id, language, currency)
    cash = AccountRef.cash(currency)
    return {
        TransactionKind.PAYOUT_START: [(payable, amount), (in_flight, -amount)],
        TransactionKind.PAYOUT_PAID: [(in_flight, amount), (cash, -amount)],
        TransactionKind.PAYOUT_FAILED: [(in_flight, amount), (payable, -amount)],
        TransactionKind.PAYOUT_REVERSED: [(cash, amount), (payable, -amount)],
    }[kind]


def payout_step(
    app: Flask, kind: TransactionKind, user_id: int, language: str, amount: int, currency: str = "EUR"
) -> None:
    """Book one step of a payout the way the payout service does (one language)."""
    with app.app_context():
        session = get_session()
        post_transaction(
            session,
            idempotency_key=f"test-{kind}-{next(_keys)}",
            kind=kind,
            postings=_payout_postings(kind, user_id, language, currency, amount),
            user_id=user_id,
            language=language,
        )
        session.commit()


def payout_row(app: Flask, user_id: int, amount: int, state: str, currency: str = "EUR") -> str:
    """A payout record as the earnings page lists it; returns its public id."""
    with app.app_context():
        session = get_session()
        payout = Payout(
            user_id=user_id,
            currency=currency,
            amount_minor=amount,
            allocation={},
            state=state,
            method="manual",
            paid_at=NOW if state == "paid" else None,
        )
        session.add(payout)
        session.commit()
        return payout.public_id


def assert_ledger_balanced(app: Flask) -> None:
    with app.app_context():
        assert unbalanced_transactions(get_session()) == []
