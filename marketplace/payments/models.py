"""Payment tables: rate cards, the double-entry ledger, client funding, connected Stripe accounts,
payouts and their runs, and received Stripe events.

Money is always an integer amount of the currency's minor unit plus an ISO 4217 code. Balances are
never stored: they are sums of ledger entries.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base, utcnow
from marketplace.ids import new_public_id


class AccountKind(StrEnum):
    """Ledger accounts. Entries are signed: a debit is positive, a credit negative, and the entries
    of every transaction sum to zero per currency."""

    #: The platform's money at Stripe (an asset: debit-normal).
    CASH = "cash"
    #: What a client funded for a project and has not been spent (owed to the client).
    ESCROW = "escrow"
    #: Earned by an annotator in one language and not yet sent (owed to the annotator).
    PAYABLE = "payable"
    #: Sent in a payout that has not been confirmed paid yet.
    IN_FLIGHT = "in_flight"
    #: The platform's fee on accepted work.
    REVENUE = "revenue"


class TransactionKind(StrEnum):
    FUNDING = "funding"
    ACCRUAL = "accrual"
    PAYOUT_START = "payout_start"
    PAYOUT_PAID = "payout_paid"
    PAYOUT_FAILED = "payout_failed"
    PAYOUT_REVERSED = "payout_reversed"


class FundingState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PayoutState(StrEnum):
    #: Stripe mode: created, its amount moved in flight, the transfer not confirmed yet.
    PENDING = "pending"
    #: Manual mode (no Stripe keys): owed, exported as CSV, paid by hand.
    DUE = "due"
    PAID = "paid"
    #: Stripe refused the transfer; the amount went back to the annotator's balance.
    FAILED = "failed"
    #: The transfer was reversed after it was paid; the amount went back to the balance.
    REVERSED = "reversed"


#: Payouts that still hold their amount in flight; at most one per (annotator, currency).
OPEN_PAYOUT_STATES = (PayoutState.PENDING, PayoutState.DUE)


class RateCard(Base):
    """What one accepted judgment pays in a (project, task type, language). The rate in force is
    copied onto the assignment when it is claimed, so a later change never reprices work."""

    __tablename__ = "rate_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    task_type: Mapped[str] = mapped_column(String(48))
    language: Mapped[str] = mapped_column(String(35))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("project_id", "task_type", "language"),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
    )


class LedgerAccount(Base):
    """One account of the ledger; ``key`` names it uniquely (kind, owner, language, currency)."""

    __tablename__ = "ledger_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    language: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('cash', 'escrow', 'payable', 'in_flight', 'revenue')", name="kind_known"),
    )


class LedgerTransaction(Base):
    """A balanced set of entries. ``idempotency_key`` is unique, so the same business event
    (accepting assignment 12, paying payout 7) can never be booked twice."""

    __tablename__ = "ledger_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    language: Mapped[str | None] = mapped_column(String(35))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id", ondelete="RESTRICT"))
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payout.id", ondelete="RESTRICT"))
    funding_id: Mapped[int | None] = mapped_column(ForeignKey("project_funding.id", ondelete="RESTRICT"))
    memo: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", order_by="LedgerEntry.id"
    )

    __table_args__ = (
        CheckConstraint(
            "kind IN ('funding', 'accrual', 'payout_start', 'payout_paid', 'payout_failed', "
            "'payout_reversed')",
            name="kind_known",
        ),
        Index("ix_ledger_transaction_project_id_kind", "project_id", "kind"),
        Index("ix_ledger_transaction_user_id_kind", "user_id", "kind"),
    )


class LedgerEntry(Base):
    """One signed amount on one account (debit positive, credit negative)."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transaction.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id", ondelete="RESTRICT"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")

    __table_args__ = (CheckConstraint("amount_minor <> 0", name="amount_not_zero"),)


class ProjectFunding(Base):
    """Money a client puts into a project's budget: a Stripe PaymentIntent, or a manual credit by
    ops. Its ledger transaction is booked once, when it succeeds."""

    __tablename__ = "project_funding"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("fnd"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16), default=FundingState.PENDING)
    #: "stripe" (a PaymentIntent the client pays) or "manual" (recorded by ops: bank transfer...).
    method: Mapped[str] = mapped_column(String(8))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(255))
    reference: Mapped[str] = mapped_column(String(255), default="")
    #: The caller's Idempotency-Key, so a retried funding request creates one PaymentIntent.
    request_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("state IN ('pending', 'succeeded', 'failed')", name="state_known"),
        CheckConstraint("method IN ('stripe', 'manual')", name="method_known"),
    )


class ConnectedAccount(Base):
    """An annotator's Stripe Connect Express account; payouts go only where payouts are enabled."""

    __tablename__ = "connected_account"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    transfers_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayoutRun(Base):
    """One run of the payout job (scheduled or started by ops), with what it did."""

    __tablename__ = "payout_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(8))
    triggered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    created: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    left_pending: Mapped[int] = mapped_column(Integer, default=0)


class Payout(Base):
    """Money sent (or due) to one annotator in one currency. The Stripe idempotency key is derived
    from the id (``payout-<id>``), so every retry of the same payout is the same transfer."""

    __tablename__ = "payout"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("pay"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("payout_run.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: Per language, the amount taken from each payable account ``{"es": 1200, ...}``.
    allocation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16))
    #: "stripe" or "manual".
    method: Mapped[str] = mapped_column(String(8))
    destination: Mapped[str | None] = mapped_column(String(255))
    transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str] = mapped_column(Text, default="")
    #: Manual payouts: the bank reference ops typed when they marked it paid.
    reference: Mapped[str] = mapped_column(String(255), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    reversed_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("state IN ('pending', 'due', 'paid', 'failed', 'reversed')", name="state_known"),
        CheckConstraint("method IN ('stripe', 'manual')", name="method_known"),
        # One open payout per (annotator, currency): a second run cannot pay the same balance.
        Index(
            "uq_payout_open_user_currency",
            "user_id",
            "currency",
            unique=True,
            postgresql_where=text("state IN ('pending', 'due')"),
            sqlite_where=text("state IN ('pending', 'due')"),
        ),
        Index("ix_payout_state_created_at", "state", "created_at"),
    )

    @property
    def idempotency_key(self) -> str:
        return f"payout-{self.id}"


class StripeEvent(Base):
    """A verified webhook event, stored under Stripe's unique id before anything acts on it, so a
    replay finds it stored and changes nothing."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    #: What processing did ("credited", "ignored", "account_updated"...), or the error.
    result: Mapped[str] = mapped_column(Text, default="")
