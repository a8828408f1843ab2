"""Payout runs: paying annotators' balances exactly once, whatever crashes or fails on the way.

A run has two steps, and every step commits before the next begins, so a process that dies at any
point leaves the database in a state the next run continues from:

1. **Open payouts.** For each (annotator, currency) whose payable balance (all languages) reaches
   ``PAYOUT_MINIMUM_MINOR`` and who has no open payout, one transaction creates the payout row and
   books PAYOUT_START (payable → in flight, per language; the split is kept on the payout). The
   partial unique index ``uq_payout_open_user_currency`` allows one open payout per annotator and
   currency, and the annotator's payable accounts are locked while their balance is read, so two
   runs cannot both move the same money.
2. **Send pending payouts** (Stripe mode; including those an earlier, crashed run left). Each
   payout row is locked (``FOR UPDATE SKIP LOCKED`` on PostgreSQL: a concurrent run skips it). We
   first ask Stripe for a transfer in the payout's transfer group ``payout-<id>`` (this finds a
   transfer whose answer we never got, even after Stripe forgot the idempotency key 24 h later);
   only if there is none do we create it, with idempotency key ``payout-<id>``. Then:
   success → paid, PAYOUT_PAID (in flight → cash); Stripe refused (and no transfer exists after
   all) → failed, PAYOUT_FAILED (in flight → payable: a later run pays the balance in a new
   payout); no trustworthy answer → still pending, tried again by the next run.

Every ledger booking carries a key derived from the payout id, so booking twice is impossible.
The state changes of a payout (paid, failed, reversed) are booked here, where the run makes them;
:mod:`~marketplace.payments.payouts.reversals` and :mod:`~marketplace.payments.payouts.manual` book
theirs through the same functions. Without Stripe keys payouts are created ``due``, exported as CSV,
paid by hand and marked paid by ops (:mod:`~marketplace.payments.payouts.manual`).

``_checkpoint(name)`` is called between all steps: a no-op that tests replace to kill the run at a
chosen point.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import jobs
from marketplace.db import get_session, is_postgresql, utcnow
from marketplace.payments.gateway import (
    Gateway,
    StripeRefused,
    StripeUnavailable,
    Transfer,
    gateway,
    payments_mode,
)
from marketplace.payments.ledger import AccountRef, balances, post_transaction
from marketplace.payments.models import (
    AccountKind,
    ConnectedAccount,
    LedgerAccount,
    LedgerEntry,
    Payout,
    PayoutRun,
    PayoutState,
    TransactionKind,
)

log = logging.getLogger(__name__)

#: Refusals that say the destination account cannot receive transfers: the account is marked not
#: ready, so later runs skip it until Stripe reports it fixed (``account.updated``).
DESTINATION_REFUSALS = frozenset(
    {"insufficient_capabilities_for_transfer", "account_invalid", "resource_missing"}
)


def _checkpoint(name: str) -> None:
    """Crash-injection hook between the steps of a run; does nothing in production."""


def payout_key(payout_id: int) -> str:
    """The payout's Stripe idempotency key and transfer group."""
    return f"payout-{payout_id}"


# --- the run -------------------------------------------------------------------------------------


def run_payouts(triggered_by: int | None = None) -> PayoutRun:
    """One payout run (scheduled when ``triggered_by`` is None, else started by that ops user).

    Safe to run at any time, twice, concurrently, or after a crash: see the module docstring.
    """
    session = get_session()
    mode = payments_mode()
    try:
        run = PayoutRun(mode=mode, triggered_by_id=triggered_by, started_at=utcnow())
        session.add(run)
        session.commit()
        _checkpoint("run_started")
        open_payouts(session, run, mode)
        if mode == "stripe":
            send_pending_payouts(session, run)
        run.finished_at = utcnow()
        _checkpoint("run_finishing")
        session.commit()
        return run
    except BaseException:
        # The database would roll back the open transaction of a dead process the same way.
        session.rollback()
        raise


def queue_payout_run(triggered_by: int) -> str | None:
    """Start a run as a background job (ops' button); the RQ job id in ``rq`` mode."""

    # End this request's transaction first: a job run inline or in a thread has its own session,
    # and SQLite would make it wait for the lock this one holds.
    get_session().commit()
    return jobs.enqueue(
        "marketplace.payments.jobs.run_payouts_job", triggered_by, queue=jobs.QUEUE_MAINTENANCE
    )


def retry_pending_payouts() -> int:
    """Only step 2, for payouts left pending by a Stripe hiccup (between full runs, which the
    ``payout_run`` table records); returns how many were paid."""
    session = get_session()
    if payments_mode() != "stripe":
        return 0
    try:
        return send_pending_payouts(session, None)
    except BaseException:
        session.rollback()
        raise


def has_pending_payouts() -> bool:
    """Whether a Stripe payout waits to be sent (or retried)."""
    session = get_session()
    found = session.scalar(select(Payout.id).where(Payout.state == PayoutState.PENDING).limit(1))
    session.commit()
    return found is not None


# --- step 1: open payouts ------------------------------------------------------------------------


def _payable_totals(session: Session, minimum: int) -> list[tuple[int, str]]:
    """(annotator, currency) pairs whose payable balance, all languages together, reaches the
    minimum; read without locks (each is checked again under lock before anything is booked)."""
    owed = -func.sum(LedgerEntry.amount_minor)
    rows = session.execute(
        select(LedgerAccount.user_id, LedgerAccount.currency)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == AccountKind.PAYABLE, LedgerAccount.user_id.is_not(None))
        .group_by(LedgerAccount.user_id, LedgerAccount.currency)
        .having(owed >= minimum)
        .order_by(LedgerAccount.user_id, LedgerAccount.currency)
    )
    return [(int(user_id), str(currency)) for user_id, currency in rows if user_id is not None]


def _ready_destination(session: Session, user_id: int) -> str | None:
    """The annotator's Stripe account if it can receive transfers now."""
    account = session.get(ConnectedAccount, user_id, populate_existing=True)
    if account is None or not (account.payouts_enabled and account.transfers_active):
        return None
    return account.stripe_account_id


def open_payouts(session: Session, run: PayoutRun, mode: str) -> int:
    """Step 1: one payout per eligible (annotator, currency), each in its own transaction."""
    minimum = int(current_app.config["PAYOUT_MINIMUM_MINOR"])
    candidates = _payable_totals(session, minimum)
    session.commit()  # end the read (SQLite holds its write lock for the whole transaction)
    created = 0
    for user_id, currency in candidates:
        if _open_payout(session, run, mode, user_id, currency, minimum) is not None:
            created += 1
            run.created = created
            session.commit()
    return created


def _lock_payable_accounts(session: Session, user_id: int, currency: str) -> None:
    """Serialise payout creation per (annotator, currency) on PostgreSQL; SQLite's write lock,
    taken at the start of every transaction, does it there."""
    if is_postgresql(session):
        session.execute(
            select(LedgerAccount.id)
            .where(
                LedgerAccount.kind == AccountKind.PAYABLE,
                LedgerAccount.user_id == user_id,
                LedgerAccount.currency == currency,
            )
            .order_by(LedgerAccount.id)
            # FOR NO KEY UPDATE: excludes another payout run, but not accruals, whose new entries
            # only take a key-share lock on the account through their foreign key.
            .with_for_update(key_share=True)
        )


def _has_open_payout(session: Session, user_id: int, currency: str) -> bool:
    return (
        session.scalar(
            select(Payout.id).where(
                Payout.user_id == user_id,
                Payout.currency == currency,
                Payout.state.in_([PayoutState.PENDING, PayoutState.DUE]),
            )
        )
        is not None
    )


def _open_payout(
    session: Session, run: PayoutRun, mode: str, user_id: int, currency: str, minimum: int
) -> Payout | None:
    """Create one payout and move its amount in flight, in one transaction (committed by the
    caller's next commit; rolled back here when there is nothing to do)."""
    _lock_payable_accounts(session, user_id, currency)
    destination = _ready_destination(session, user_id) if mode == "stripe" else None
    if (mode == "stripe" and destination is None) or _has_open_payout(session, user_id, currency):
        session.rollback()
        return None
    allocation = {
        str(row.language): -row.balance
        for row in balances(session, kinds=[AccountKind.PAYABLE], user_id=user_id, currency=currency)
        if row.language is not None and -row.balance > 0
    }
    total = sum(allocation.values())
    if total < minimum or total <= 0:
        session.rollback()
        return None
    now = utcnow()
    payout = Payout(
        user_id=user_id,
        run_id=run.id,
        currency=currency,
        amount_minor=total,
        allocation=allocation,
        state=PayoutState.PENDING if mode == "stripe" else PayoutState.DUE,
        method="stripe" if mode == "stripe" else "manual",
        destination=destination,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(payout)
            session.flush()
    except IntegrityError:
        # Another run opened one meanwhile (the partial unique index): nothing to do here.
        session.rollback()
        return None
    postings: list[tuple[AccountRef, int]] = []
    for language, amount in sorted(allocation.items()):
        postings.append((AccountRef.payable(user_id, language, currency), amount))
        postings.append((AccountRef.in_flight(user_id, language, currency), -amount))
    post_transaction(
        session,
        idempotency_key=f"payout-start-{payout.id}",
        kind=TransactionKind.PAYOUT_START,
        postings=postings,
        user_id=user_id,
        payout_id=payout.id,
        at=now,
    )
    _checkpoint("payout_opened")
    return payout


# --- step 2: send pending payouts ----------------------------------------------------------------


def send_pending_payouts(session: Session, run: PayoutRun | None) -> int:
    """Step 2: try every pending Stripe payout once, oldest first; returns how many were paid."""
    pending = list(
        session.scalars(
            select(Payout.id)
            .where(Payout.state == PayoutState.PENDING, Payout.method == "stripe")
            .order_by(Payout.id)
        )
    )
    session.commit()
    paid = 0
    if not pending:
        return paid
    with gateway() as stripe_gateway:
        for payout_id in pending:
            outcome = _send_payout(session, stripe_gateway, payout_id)
            paid += outcome == "paid"
            if run is not None:
                run.paid += outcome == "paid"
                run.failed += outcome == "failed"
                run.left_pending += outcome == "pending"
            session.commit()
            _checkpoint("payout_done")
    return paid


def lock_payout(session: Session, payout_id: int, *, skip_locked: bool) -> Payout | None:
    """The payout row, locked for the rest of the transaction (PostgreSQL; SQLite's write lock
    does it there). With ``skip_locked`` a row another run holds is None, not a wait."""
    query = select(Payout).where(Payout.id == payout_id).execution_options(populate_existing=True)
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=skip_locked)
    return session.scalars(query).first()


def _find_transfer(stripe_gateway: Gateway, payout: Payout) -> Transfer | None:
    """The transfer already made for this payout, if any."""
    found = [
        transfer
        for transfer in stripe_gateway.transfers_in_group(payout_key(payout.id))
        if transfer.metadata.get("payout_id") == str(payout.id)
    ]
    if len(found) > 1:
        log.error("payout %s has %d transfers at Stripe: %s", payout.id, len(found), [t.id for t in found])
    return found[-1] if found else None  # Stripe lists newest first: keep the first one made


def _send_payout(session: Session, stripe_gateway: Gateway, payout_id: int) -> str:
    """Pay one pending payout: "paid", "failed", "pending" (try again later) or "skipped"."""
    payout = lock_payout(session, payout_id, skip_locked=True)
    if payout is None or payout.state != PayoutState.PENDING or payout.destination is None:
        session.rollback()
        return "skipped"
    _checkpoint("payout_locked")
    try:
        transfer = _find_transfer(stripe_gateway, payout)
    except (StripeRefused, StripeUnavailable) as error:
        # Not knowing whether a transfer exists, we must not make one: try again next run.
        _leave_pending(payout, error)
        _checkpoint("left_pending")
        return "pending"
    _checkpoint("transfer_looked_up")
    try:
        if transfer is None:
            transfer = stripe_gateway.create_transfer(
                payout.id, payout.amount_minor, payout.currency, payout.destination
            )
        _checkpoint("transfer_made")
    except StripeRefused as refusal:
        return _after_refusal(session, stripe_gateway, payout, refusal)
    except StripeUnavailable as error:
        _leave_pending(payout, error)
        _checkpoint("left_pending")
        return "pending"
    record_paid(session, payout, transfer)
    return "paid"


def _after_refusal(session: Session, stripe_gateway: Gateway, payout: Payout, refusal: StripeRefused) -> str:
    """Stripe said no. Check once more that no transfer exists (an error answered for a request
    that went through must never return paid money to the balance), then fail the payout."""
    try:
        transfer = _find_transfer(stripe_gateway, payout)
    except (StripeRefused, StripeUnavailable) as error:
        _leave_pending(payout, error)
        return "pending"
    if transfer is not None:
        record_paid(session, payout, transfer)
        return "paid"
    _record_failed(session, payout, refusal)
    return "failed"


def _leave_pending(payout: Payout, error: StripeRefused | StripeUnavailable) -> None:
    payout.attempts += 1
    payout.last_attempt_at = utcnow()
    payout.failure_code = error.code or (str(error.status) if error.status else "unavailable")
    payout.failure_message = error.message[:2000]


# --- state changes (the run's, and those of reversals and manual payment) -------------------------


def _in_flight_postings(payout: Payout) -> list[tuple[AccountRef, int]]:
    """Debits emptying the payout's in-flight accounts, per language."""
    return [
        (AccountRef.in_flight(payout.user_id, language, payout.currency), int(amount))
        for language, amount in sorted(payout.allocation.items())
    ]


def _payable_credits(payout: Payout) -> list[tuple[AccountRef, int]]:
    """Credits giving the payout's amount back to the annotator's payable accounts, per language."""
    return [
        (AccountRef.payable(payout.user_id, language, payout.currency), -int(amount))
        for language, amount in sorted(payout.allocation.items())
    ]


def book_paid(session: Session, payout: Payout, by: int | None = None) -> None:
    """Book PAYOUT_PAID (in flight → cash); ``by`` is the ops user who paid it by hand."""
    post_transaction(
        session,
        idempotency_key=f"payout-paid-{payout.id}",
        kind=TransactionKind.PAYOUT_PAID,
        postings=[*_in_flight_postings(payout), (AccountRef.cash(payout.currency), -payout.amount_minor)],
        user_id=payout.user_id,
        payout_id=payout.id,
        created_by_id=by,
    )


def record_paid(session: Session, payout: Payout, transfer: Transfer) -> None:
    """A pending payout's transfer exists: paid (and reversed too when the transfer was)."""
    now = utcnow()
    payout.state = PayoutState.PAID
    payout.transfer_id = transfer.id
    payout.attempts += 1
    payout.last_attempt_at = now
    payout.paid_at = now
    payout.failure_code = None
    payout.failure_message = ""
    book_paid(session, payout)
    _checkpoint("paid_booked")
    if transfer.reversed:
        # Reversed before we learnt it was made (its webhook found the payout still pending).
        record_reversed(session, payout)


def _record_failed(session: Session, payout: Payout, refusal: StripeRefused) -> None:
    """Stripe refused the transfer: failed, its amount payable again; a refused destination is
    marked unable to receive transfers."""
    now = utcnow()
    payout.state = PayoutState.FAILED
    payout.attempts += 1
    payout.last_attempt_at = now
    payout.failed_at = now
    payout.failure_code = (refusal.code or str(refusal.status or "refused"))[:64]
    payout.failure_message = refusal.message[:2000]
    post_transaction(
        session,
        idempotency_key=f"payout-failed-{payout.id}",
        kind=TransactionKind.PAYOUT_FAILED,
        postings=[*_in_flight_postings(payout), *_payable_credits(payout)],
        user_id=payout.user_id,
        payout_id=payout.id,
        memo=payout.failure_code,
    )
    if refusal.code in DESTINATION_REFUSALS or refusal.param == "destination":
        account = session.get(ConnectedAccount, payout.user_id)
        if account is not None and account.stripe_account_id == payout.destination:
            account.transfers_active = False
            account.updated_at = now
    _checkpoint("failed_booked")


def record_reversed(session: Session, payout: Payout) -> None:
    """A paid payout's transfer was reversed in full: its amount is payable again (cash → payable)."""
    payout.state = PayoutState.REVERSED
    payout.reversed_at = utcnow()
    post_transaction(
        session,
        idempotency_key=f"payout-reversed-{payout.id}",
        kind=TransactionKind.PAYOUT_REVERSED,
        postings=[(AccountRef.cash(payout.currency), payout.amount_minor), *_payable_credits(payout)],
        user_id=payout.user_id,
        payout_id=payout.id,
    )
