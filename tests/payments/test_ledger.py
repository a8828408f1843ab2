"""The ledger's booking rules, one by one and in bulk: balanced or refused, each key once."""

from __future__ import annotations

import pytest
from flask import Flask

from marketplace.db import get_session
from marketplace.payments import ledger
from marketplace.payments.ledger import AccountRef, Booking, UnbalancedTransaction
from marketplace.payments.models import LedgerTransaction, TransactionKind


def _funding(key: str, amount: int, project_id: int = 1) -> Booking:
    return Booking(
        key,
        TransactionKind.FUNDING,
        [(AccountRef.cash("EUR"), amount), (AccountRef.escrow(project_id, "EUR"), -amount)],
    )


def test_unbalanced_or_zero_entries_are_refused(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        for postings in (
            [(AccountRef.cash("EUR"), 100), (AccountRef.revenue("EUR"), -99)],
            [(AccountRef.cash("EUR"), 100), (AccountRef.revenue("USD"), -100)],
            [(AccountRef.cash("EUR"), 0)],
            [],
        ):
            with pytest.raises(UnbalancedTransaction):
                ledger.book_many(session, [Booking("k", TransactionKind.FUNDING, postings)])
        assert session.query(LedgerTransaction).count() == 0


def test_bulk_and_single_bookings_book_each_key_once(app: Flask, organisation: int) -> None:
    from marketplace.projects import service as projects

    with app.app_context():
        project = projects.create_project(
            organisation,
            {"name": "p", "task_type": "classification", "source_language": "es", "languages": ["es"],
             "ontology": {"labels": [{"name": "a", "definition": "a"}]}, "guidelines": {"es": "x"}},
        )  # fmt: skip
        session = get_session()
        batch = [_funding(f"f{k}", 100 + k, project.id) for k in range(5)] + [_funding("f0", 999, project.id)]
        assert ledger.book_many(session, batch) == 5  # the repeated key is skipped
        assert ledger.book_many(session, batch) == 0
        assert ledger.post_transaction(session, idempotency_key="f3", kind=TransactionKind.FUNDING,
                                       postings=batch[3].postings) is None  # fmt: skip
        single = ledger.post_transaction(
            session,
            idempotency_key="f9",
            kind=TransactionKind.FUNDING,
            postings=_funding("x", 7, project.id).postings,
        )
        assert single is not None and len(single.entries) == 2
        session.commit()
        assert (
            ledger.owed(session, AccountRef.escrow(project.id, "EUR")) == sum(100 + k for k in range(5)) + 7
        )
        assert ledger.balance(session, AccountRef.cash("EUR")) == sum(100 + k for k in range(5)) + 7
        assert ledger.unbalanced_transactions(session) == []
