"""The double-entry ledger: the one place money moves.

Every movement is a transaction of signed entries (debit positive, credit negative) that sum to
zero in each currency; ``post_transaction`` refuses anything else. A transaction carries a unique
idempotency key naming the business event it books (``accrual-<assignment id>``,
``payout-start-<payout id>``...), so booking the same event twice is a no-op, even from two
processes at once. Balances are always sums of entries; nothing stores a balance.

Sign conventions by account kind: cash is an asset (a positive balance is money held); escrow,
payable, in-flight and revenue are liabilities or income (their natural balance is negative, and
:func:`owed` flips the sign for display).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy import insert as sa_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.db import insert_ignoring_conflicts, utcnow
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)


class UnbalancedTransaction(ValueError):
    """The entries of a transaction do not sum to zero in some currency (a programming error)."""


@dataclass(frozen=True)
class AccountRef:
    """Names a ledger account; the account row is created the first time it is used."""

    kind: AccountKind
    currency: str
    project_id: int | None = None
    user_id: int | None = None
    language: str | None = None

    @property
    def key(self) -> str:
        owner = f"p{self.project_id}" if self.project_id is not None else ""
        owner += f"u{self.user_id}" if self.user_id is not None else ""
        return f"{self.kind}:{owner}:{self.language or ''}:{self.currency}"

    @classmethod
    def cash(cls, currency: str) -> AccountRef:
        return cls(AccountKind.CASH, currency)

    @classmethod
    def revenue(cls, currency: str) -> AccountRef:
        return cls(AccountKind.REVENUE, currency)

    @classmethod
    def escrow(cls, project_id: int, currency: str) -> AccountRef:
        return cls(AccountKind.ESCROW, currency, project_id=project_id)

    @classmethod
    def payable(cls, user_id: int, language: str, currency: str) -> AccountRef:
        return cls(AccountKind.PAYABLE, currency, user_id=user_id, language=language)

    @classmethod
    def in_flight(cls, user_id: int, language: str, currency: str) -> AccountRef:
        return cls(AccountKind.IN_FLIGHT, currency, user_id=user_id, language=language)


def account(session: Session, ref: AccountRef) -> LedgerAccount:
    """The account named by ``ref``, created if missing (an insert that ignores a concurrent twin)."""
    found = session.get(LedgerAccount, account_ids(session, [ref])[ref])
    assert found is not None
    return found


def check_balanced(postings: Sequence[tuple[AccountRef, int]]) -> None:
    """Raise :class:`UnbalancedTransaction` unless the postings sum to zero per currency and none
    is zero."""
    if not postings:
        raise UnbalancedTransaction("a transaction needs entries")
    totals: dict[str, int] = defaultdict(int)
    for ref, amount in postings:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount == 0:
            raise UnbalancedTransaction(f"entry on {ref.key} must be a non-zero integer, got {amount!r}")
        totals[ref.currency] += amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedTransaction(f"entries do not sum to zero: {unbalanced}")


@dataclass(frozen=True)
class Booking:
    """One transaction to book: its key, kind, entries and what it is about."""

    idempotency_key: str
    kind: TransactionKind
    postings: Sequence[tuple[AccountRef, int]]
    project_id: int | None = None
    user_id: int | None = None
    language: str | None = None
    assignment_id: int | None = None
    payout_id: int | None = None
    funding_id: int | None = None
    memo: str = ""
    created_by_id: int | None = None
    at: datetime | None = None


def post_transaction(
    session: Session,
    *,
    idempotency_key: str,
    kind: TransactionKind,
    postings: Sequence[tuple[AccountRef, int]],
    project_id: int | None = None,
    user_id: int | None = None,
    language: str | None = None,
    assignment_id: int | None = None,
    payout_id: int | None = None,
    funding_id: int | None = None,
    memo: str = "",
    created_by_id: int | None = None,
    at: datetime | None = None,
) -> LedgerTransaction | None:
    """Book a balanced transaction in the caller's unit of work; None when a transaction with this
    idempotency key exists already (the event was booked before, by this process or another)."""
    booking = Booking(
        idempotency_key, kind, postings, project_id, user_id, language, assignment_id, payout_id,
        funding_id, memo, created_by_id, at,
    )  # fmt: skip
    booked = post_transactions(session, [booking])
    return booked[0] if booked else None


#: Keys looked up per statement when checking a batch for earlier bookings.
_KEY_CHUNK = 1_000


def _new_bookings(session: Session, bookings: Sequence[Booking]) -> list[Booking]:
    """The bookings whose key was never booked (nor repeats earlier in the batch), each checked to
    balance first."""
    for booking in bookings:
        check_balanced(booking.postings)
    keys = [booking.idempotency_key for booking in bookings]
    existing: set[str] = set()
    for first in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[first : first + _KEY_CHUNK]
        existing.update(
            session.scalars(
                select(LedgerTransaction.idempotency_key).where(LedgerTransaction.idempotency_key.in_(chunk))
            )
        )
    todo: list[Booking] = []
    for booking in bookings:
        if booking.idempotency_key not in existing:
            existing.add(booking.idempotency_key)
            todo.append(booking)
    return todo


def account_ids(session: Session, refs: Iterable[AccountRef]) -> dict[AccountRef, int]:
    """Ids of many accounts in two or three statements, creating the missing ones."""
    wanted = {ref.key: ref for ref in refs}
    if not wanted:
        return {}
    query = select(LedgerAccount.key, LedgerAccount.id).where(LedgerAccount.key.in_(list(wanted)))
    found: dict[str, int] = {key: id_ for key, id_ in session.execute(query)}
    missing = [ref for key, ref in wanted.items() if key not in found]
    if missing:
        now = utcnow()
        rows = [
            {
                "key": ref.key,
                "kind": str(ref.kind),
                "currency": ref.currency,
                "project_id": ref.project_id,
                "user_id": ref.user_id,
                "language": ref.language,
                "created_at": now,
            }
            for ref in missing
        ]
        session.execute(insert_ignoring_conflicts(session, LedgerAccount, rows, ["key"]))
        found = {key: id_ for key, id_ in session.execute(query)}
    return {ref: found[key] for key, ref in wanted.items()}


def post_transactions(session: Session, bookings: Sequence[Booking]) -> list[LedgerTransaction]:
    """Book transactions in the caller's unit of work and return those booked; a booking whose key
    exists already (or repeats in the batch) is skipped. For large batches, :func:`book_many`."""
    todo = _new_bookings(session, bookings)
    if not todo:
        return []
    accounts = account_ids(session, {ref for b in todo for ref, _amount in b.postings})
    transactions = [_transaction(booking, accounts) for booking in todo]
    try:
        with session.begin_nested():
            session.add_all(transactions)
            session.flush()
    except IntegrityError:
        if len(todo) == 1:
            # A concurrent booking of the same event committed first: the key's unique
            # constraint kept it single; this one becomes a no-op.
            return []
        return [booked for b in todo for booked in post_transactions(session, [b])]
    return transactions


def book_many(session: Session, bookings: Sequence[Booking]) -> int:
    """Book a large batch (the auto-accept job books thousands of accruals at once) with bulk
    statements instead of one ORM object per row; returns how many were booked. Same rules as
    :func:`post_transactions`: balanced or refused, each key once. If a concurrent booking of one
    of the keys commits in between, the batch falls back to one by one."""
    todo = _new_bookings(session, bookings)
    if not todo:
        return 0
    accounts = account_ids(session, {ref for b in todo for ref, _amount in b.postings})
    now = utcnow()
    rows = [
        {
            "idempotency_key": b.idempotency_key,
            "kind": str(b.kind),
            "project_id": b.project_id,
            "user_id": b.user_id,
            "language": b.language,
            "assignment_id": b.assignment_id,
            "payout_id": b.payout_id,
            "funding_id": b.funding_id,
            "memo": b.memo,
            "created_by_id": b.created_by_id,
            "created_at": b.at or now,
        }
        for b in todo
    ]
    try:
        with session.begin_nested():
            ids = session.scalars(
                sa_insert(LedgerTransaction).returning(LedgerTransaction.id, sort_by_parameter_order=True),
                rows,
            ).all()
            session.execute(
                sa_insert(LedgerEntry),
                [
                    {
                        "transaction_id": transaction_id,
                        "account_id": accounts[ref],
                        "currency": ref.currency,
                        "amount_minor": amount,
                    }
                    for transaction_id, booking in zip(ids, todo, strict=True)
                    for ref, amount in booking.postings
                ],
            )
    except IntegrityError:
        return len(post_transactions(session, todo))
    return len(todo)


def _transaction(booking: Booking, accounts: dict[AccountRef, int]) -> LedgerTransaction:
    transaction = LedgerTransaction(
        idempotency_key=booking.idempotency_key,
        kind=str(booking.kind),
        project_id=booking.project_id,
        user_id=booking.user_id,
        language=booking.language,
        assignment_id=booking.assignment_id,
        payout_id=booking.payout_id,
        funding_id=booking.funding_id,
        memo=booking.memo,
        created_by_id=booking.created_by_id,
        created_at=booking.at or utcnow(),
    )
    transaction.entries = [
        LedgerEntry(account_id=accounts[ref], currency=ref.currency, amount_minor=amount)
        for ref, amount in booking.postings
    ]
    return transaction


def balance(session: Session, ref: AccountRef) -> int:
    """The account's balance (sum of its entries; debit positive)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerAccount.key == ref.key)
        )
        or 0
    )


def owed(session: Session, ref: AccountRef) -> int:
    """A liability account's balance as a positive amount owed (escrow, payable, in flight)."""
    return -balance(session, ref)


@dataclass(frozen=True)
class AccountBalance:
    kind: str
    currency: str
    project_id: int | None
    user_id: int | None
    language: str | None
    balance: int


def balances(
    session: Session,
    *,
    kinds: Iterable[AccountKind] | None = None,
    user_id: int | None = None,
    project_id: int | None = None,
    currency: str | None = None,
) -> list[AccountBalance]:
    """Balances of the matching accounts, computed from their entries in one query."""
    query = (
        select(
            LedgerAccount.kind,
            LedgerAccount.currency,
            LedgerAccount.project_id,
            LedgerAccount.user_id,
            LedgerAccount.language,
            func.coalesce(func.sum(LedgerEntry.amount_minor), 0),
        )
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .group_by(LedgerAccount.id)
        .order_by(LedgerAccount.id)
    )
    if kinds is not None:
        query = query.where(LedgerAccount.kind.in_([str(k) for k in kinds]))
    if user_id is not None:
        query = query.where(LedgerAccount.user_id == user_id)
    if project_id is not None:
        query = query.where(LedgerAccount.project_id == project_id)
    if currency is not None:
        query = query.where(LedgerAccount.currency == currency)
    return [
        AccountBalance(kind, cur, pid, uid, language, int(total))
        for kind, cur, pid, uid, language, total in session.execute(query)
    ]


def unbalanced_transactions(session: Session) -> list[int]:
    """Ids of transactions whose entries do not sum to zero in some currency: always empty, and
    the tests (and ops checks) verify that from the stored rows, not from the code's intent."""
    rows = session.execute(
        select(LedgerEntry.transaction_id)
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
    )
    return sorted({row[0] for row in rows})
