"""A project's budget as the client sees it: funded, spent, committed and still available.

Everything is computed from ledger entries and assignments at the moment of asking, never stored:
funded is what FUNDING transactions credited to the project's escrow, spent what ACCRUAL
transactions took out of it (rates plus the platform's fee), committed the cost of judgments that
may still be accepted (``pricing.committed_minor``), and available what routing may still hand out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import get_session, utcnow
from marketplace.payments import pricing
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    RateCard,
    TransactionKind,
)
from marketplace.routing.models import Assignment


@dataclass(frozen=True)
class CurrencyBudget:
    """The budget of one project in one currency (amounts in minor units)."""

    currency: str
    funded_minor: int
    spent_minor: int
    committed_minor: int
    available_minor: int
    #: Judgments whose cost was booked (accepted and priced).
    accepted_judgments: int
    #: Distinct items with at least one accepted, priced judgment.
    accepted_items: int

    @property
    def average_cost_per_item_minor(self) -> int | None:
        """Spent per item with accepted work (all its judgments together), rounded half up."""
        return _average(self.spent_minor, self.accepted_items)

    @property
    def average_cost_per_judgment_minor(self) -> int | None:
        return _average(self.spent_minor, self.accepted_judgments)


@dataclass(frozen=True)
class Budget:
    project_id: int
    currencies: list[CurrencyBudget]

    def in_currency(self, currency: str) -> CurrencyBudget | None:
        return next((line for line in self.currencies if line.currency == currency), None)


def project_budget(project_id: int, now: datetime | None = None) -> Budget:
    """The project's budget in every currency it has been funded, priced or charged in."""
    session = get_session()
    now = now or utcnow()
    flows = _escrow_flows(session, project_id)
    counts = _accepted_counts(session, project_id)
    currencies = sorted(set(flows) | set(counts) | _priced_currencies(session, project_id))
    lines = []
    for currency in currencies:
        funded, spent = flows.get(currency, (0, 0))
        judgments, items = counts.get(currency, (0, 0))
        lines.append(
            CurrencyBudget(
                currency=currency,
                funded_minor=funded,
                spent_minor=spent,
                committed_minor=pricing.committed_minor(session, project_id, currency, now),
                available_minor=pricing.available_minor(session, project_id, currency, now),
                accepted_judgments=judgments,
                accepted_items=items,
            )
        )
    return Budget(project_id, lines)


def _average(total: int, count: int) -> int | None:
    return (2 * total + count) // (2 * count) if count else None


def _escrow_flows(session: Session, project_id: int) -> dict[str, tuple[int, int]]:
    """Per currency: (funded, spent) moved through the project's escrow, as positive amounts."""
    rows = session.execute(
        select(LedgerEntry.currency, LedgerTransaction.kind, func.sum(LedgerEntry.amount_minor))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerAccount.kind == AccountKind.ESCROW, LedgerAccount.project_id == project_id)
        .group_by(LedgerEntry.currency, LedgerTransaction.kind)
    )
    flows: dict[str, tuple[int, int]] = {}
    for currency, kind, total in rows:
        funded, spent = flows.get(currency, (0, 0))
        if kind == TransactionKind.FUNDING:
            funded -= int(total)  # escrow is a liability: funding credits it (negative entries)
        elif kind == TransactionKind.ACCRUAL:
            spent += int(total)
        flows[currency] = (funded, spent)
    return flows


def _accepted_counts(session: Session, project_id: int) -> dict[str, tuple[int, int]]:
    """Per currency: (judgments, distinct items) whose accrual was booked on the project's escrow."""
    rows = session.execute(
        select(
            LedgerEntry.currency,
            func.count(func.distinct(LedgerTransaction.assignment_id)),
            func.count(func.distinct(Assignment.item_id)),
        )
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Assignment, Assignment.id == LedgerTransaction.assignment_id)
        .where(
            LedgerAccount.kind == AccountKind.ESCROW,
            LedgerAccount.project_id == project_id,
            LedgerTransaction.kind == TransactionKind.ACCRUAL,
        )
        .group_by(LedgerEntry.currency)
    )
    return {currency: (int(judgments), int(items)) for currency, judgments, items in rows}


def _priced_currencies(session: Session, project_id: int) -> set[str]:
    """Currencies of the project's rate cards and of work priced in them, even before funding."""
    cards = session.scalars(select(RateCard.currency).where(RateCard.project_id == project_id).distinct())
    work = session.scalars(
        select(Assignment.rate_currency)
        .where(Assignment.project_id == project_id, Assignment.rate_currency.is_not(None))
        .distinct()
    )
    return {c for c in cards} | {c for c in work if c is not None}
