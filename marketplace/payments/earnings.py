"""What annotators have earned and been paid, and what the platform owes in total.

All figures come from ledger entries (and, for work not accepted yet, from the rates fixed on
assignments); no balance is stored anywhere. Sign conventions are the ledger's: payable and
in-flight accounts are liabilities, so a credit (negative entry) is money owed to the annotator.

What the figures mean to an annotator:

- *pending*: submitted judgments waiting for acceptance (review or the review period), at the rate
  fixed when they were claimed; they may still be rejected, so this is not money owed yet;
- *accepted*: what accepted judgments credited to the annotator (ACCRUAL transactions);
- *owed now*: the payable balance, paid by the next payout run;
- *in payout*: sent in a payout that is not confirmed yet;
- *paid*: confirmed payouts, less those reversed afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    TransactionKind,
)
from marketplace.projects.models import Project
from marketplace.routing.models import Acceptance, Assignment, AssignmentState

#: How many of an annotator's payouts the earnings page lists.
RECENT_PAYOUTS = 20

_PENDING_ACCEPTANCE = (Acceptance.PENDING, Acceptance.IN_REVIEW)


@dataclass
class ProjectEarnings:
    """One annotator's work on one project in one language, in one currency."""

    project_id: int
    project_public_id: str
    project_name: str
    language: str
    currency: str
    pending_minor: int = 0
    pending_count: int = 0
    accepted_minor: int = 0
    accepted_count: int = 0
    rejected_count: int = 0


@dataclass
class BalanceLine:
    """An annotator's money in one (language, currency): owed, on its way, and paid."""

    language: str
    currency: str
    owed_minor: int = 0
    in_payout_minor: int = 0
    paid_minor: int = 0


@dataclass
class CurrencyTotals:
    """The sums over languages and projects in one currency."""

    currency: str
    pending_minor: int = 0
    accepted_minor: int = 0
    owed_minor: int = 0
    in_payout_minor: int = 0
    paid_minor: int = 0


@dataclass
class Earnings:
    user_id: int
    projects: list[ProjectEarnings]
    balances: list[BalanceLine]
    totals: list[CurrencyTotals]
    payouts: list[Payout] = field(default_factory=list)


@dataclass
class LanguageSummary:
    """Ops' view of one (language, currency) over all annotators."""

    language: str
    currency: str
    accrued_minor: int = 0
    owed_minor: int = 0
    in_flight_minor: int = 0
    paid_minor: int = 0
    annotators_owed: int = 0


@dataclass
class CurrencySummary:
    """Ops' view of one currency: client money held, platform income, and the annotator totals."""

    currency: str
    escrow_minor: int = 0
    revenue_minor: int = 0
    accrued_minor: int = 0
    owed_minor: int = 0
    in_flight_minor: int = 0
    paid_minor: int = 0


@dataclass
class PaymentsSummary:
    languages: list[LanguageSummary]
    currencies: list[CurrencySummary]


# --- the annotator's own ----------------------------------------------------------------------


def annotator_earnings(user_id: int) -> Earnings:
    """Everything one annotator earned, per project and language, and their balances and payouts."""
    session = get_session()
    rows: dict[tuple[int, str, str], ProjectEarnings] = {}
    names = _NameCache(session)

    def row(project_id: int, language: str, currency: str) -> ProjectEarnings:
        key = (project_id, language, currency)
        if key not in rows:
            public_id, name = names(project_id)
            rows[key] = ProjectEarnings(project_id, public_id, name, language, currency)
        return rows[key]

    for project_id, language, currency, total, count in _pending(session, user_id):
        line = row(project_id, language, currency)
        line.pending_minor, line.pending_count = int(total), int(count)
    for project_id, language, currency, total, count in _accrued(session, user_id):
        line = row(project_id, language, currency)
        line.accepted_minor, line.accepted_count = -int(total), int(count)
    for project_id, language, currency, count in _rejected(session, user_id):
        row(project_id, language, currency).rejected_count = int(count)

    balances = _balances(session, user_id)
    projects = sorted(rows.values(), key=lambda r: (r.project_name, r.language, r.currency))
    return Earnings(
        user_id=user_id,
        projects=projects,
        balances=balances,
        totals=_totals(projects, balances),
        payouts=list(
            session.scalars(
                select(Payout)
                .where(Payout.user_id == user_id)
                .order_by(Payout.created_at.desc(), Payout.id.desc())
                .limit(RECENT_PAYOUTS)
            )
        ),
    )


class _NameCache:
    """Public id and name of projects, each looked up once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[int, tuple[str, str]] = {}

    def __call__(self, project_id: int) -> tuple[str, str]:
        if project_id not in self.known:
            found = self.session.execute(
                select(Project.public_id, Project.name).where(Project.id == project_id)
            ).one()
            self.known[project_id] = (found.public_id, found.name)
        return self.known[project_id]


def _pending(session: Session, user_id: int) -> Iterable[tuple[int, str, str, int, int]]:
    """Submitted, priced judgments that may still be accepted, at their fixed rate."""
    rows = session.execute(
        select(
            Assignment.project_id,
            Assignment.language,
            Assignment.rate_currency,
            func.coalesce(func.sum(Assignment.rate_minor), 0),
            func.count(Assignment.id),
        )
        .where(
            Assignment.annotator_id == user_id,
            Assignment.state == AssignmentState.SUBMITTED,
            Assignment.rate_currency.is_not(None),
            or_(Assignment.acceptance.is_(None), Assignment.acceptance.in_(_PENDING_ACCEPTANCE)),
        )
        .group_by(Assignment.project_id, Assignment.language, Assignment.rate_currency)
    )
    return [(p, lang, str(cur), int(total or 0), int(count)) for p, lang, cur, total, count in rows]


def _accrued(session: Session, user_id: int) -> Iterable[tuple[int, str, str, int, int]]:
    """ACCRUAL credits to the annotator's payable accounts, per project (negative sums)."""
    rows = session.execute(
        _entries_by(LedgerTransaction.project_id, LedgerAccount.language, LedgerEntry.currency)
        .add_columns(func.count(func.distinct(LedgerTransaction.id)))
        .where(
            LedgerAccount.user_id == user_id,
            LedgerAccount.kind == AccountKind.PAYABLE,
            LedgerTransaction.kind == TransactionKind.ACCRUAL,
        )
    )
    return [(p, lang, cur, total, count) for p, lang, cur, total, count in rows]


def _rejected(session: Session, user_id: int) -> Iterable[tuple[int, str, str, int]]:
    rows = session.execute(
        select(
            Assignment.project_id, Assignment.language, Assignment.rate_currency, func.count(Assignment.id)
        )
        .where(
            Assignment.annotator_id == user_id,
            Assignment.acceptance == Acceptance.REJECTED,
            Assignment.rate_currency.is_not(None),
        )
        .group_by(Assignment.project_id, Assignment.language, Assignment.rate_currency)
    )
    return [(p, lang, str(cur), int(count)) for p, lang, cur, count in rows]


def _balances(session: Session, user_id: int) -> list[BalanceLine]:
    lines: dict[tuple[str, str], BalanceLine] = {}
    for flow in _account_flows(session, user_id=user_id):
        key = (flow.language, flow.currency)
        line = lines.setdefault(key, BalanceLine(flow.language, flow.currency))
        line.owed_minor += flow.owed_on(AccountKind.PAYABLE)
        line.in_payout_minor += flow.owed_on(AccountKind.IN_FLIGHT)
        line.paid_minor += flow.paid
    return sorted(lines.values(), key=lambda b: (b.currency, b.language))


def _totals(projects: list[ProjectEarnings], balances: list[BalanceLine]) -> list[CurrencyTotals]:
    totals: dict[str, CurrencyTotals] = {}
    for p in projects:
        total = totals.setdefault(p.currency, CurrencyTotals(p.currency))
        total.pending_minor += p.pending_minor
        total.accepted_minor += p.accepted_minor
    for b in balances:
        total = totals.setdefault(b.currency, CurrencyTotals(b.currency))
        total.owed_minor += b.owed_minor
        total.in_payout_minor += b.in_payout_minor
        total.paid_minor += b.paid_minor
    return [totals[c] for c in sorted(totals)]


# --- ops ---------------------------------------------------------------------------------------


def ops_payments_summary() -> PaymentsSummary:
    """Owed, in flight, paid and accrued per (language, currency) over all annotators; escrow and
    platform revenue per currency."""
    session = get_session()
    languages: dict[tuple[str, str], LanguageSummary] = {}
    currencies: dict[str, CurrencySummary] = {}

    def currency_line(currency: str) -> CurrencySummary:
        return currencies.setdefault(currency, CurrencySummary(currency))

    for flow in _account_flows(session):
        line = languages.setdefault(
            (flow.language, flow.currency), LanguageSummary(flow.language, flow.currency)
        )
        line.accrued_minor += flow.accrued
        line.owed_minor += flow.owed_on(AccountKind.PAYABLE)
        line.in_flight_minor += flow.owed_on(AccountKind.IN_FLIGHT)
        line.paid_minor += flow.paid
    for language, currency, count in _annotators_owed(session):
        languages.setdefault(
            (language, currency), LanguageSummary(language, currency)
        ).annotators_owed = count
    for line in languages.values():
        total = currency_line(line.currency)
        total.accrued_minor += line.accrued_minor
        total.owed_minor += line.owed_minor
        total.in_flight_minor += line.in_flight_minor
        total.paid_minor += line.paid_minor
    for kind, currency, balance in _platform_balances(session):
        if kind == AccountKind.ESCROW:
            currency_line(currency).escrow_minor = -balance
        else:
            currency_line(currency).revenue_minor = -balance
    return PaymentsSummary(
        languages=sorted(languages.values(), key=lambda s: (s.currency, s.language)),
        currencies=[currencies[c] for c in sorted(currencies)],
    )


def _annotators_owed(session: Session) -> list[tuple[str, str, int]]:
    """Per (language, currency): annotators whose payable balance is above zero."""
    owed = (
        select(LedgerAccount.language, LedgerAccount.currency)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == AccountKind.PAYABLE)
        .group_by(LedgerAccount.id, LedgerAccount.language, LedgerAccount.currency)
        .having(func.sum(LedgerEntry.amount_minor) < 0)
        .subquery()
    )
    rows = session.execute(
        select(owed.c.language, owed.c.currency, func.count()).group_by(owed.c.language, owed.c.currency)
    )
    return [(language or "", currency, int(count)) for language, currency, count in rows]


def _platform_balances(session: Session) -> list[tuple[str, str, int]]:
    """Balances of all escrow accounts and of revenue, per (kind, currency)."""
    rows = session.execute(
        select(LedgerAccount.kind, LedgerAccount.currency, func.sum(LedgerEntry.amount_minor))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind.in_([AccountKind.ESCROW, AccountKind.REVENUE]))
        .group_by(LedgerAccount.kind, LedgerAccount.currency)
    )
    return [(kind, currency, int(total)) for kind, currency, total in rows]


# --- shared: annotator accounts by language ------------------------------------------------------


@dataclass
class _Flow:
    """Entry sums of one (language, currency) of annotator accounts, by account and transaction kind."""

    language: str
    currency: str
    sums: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def owed_on(self, account_kind: AccountKind) -> int:
        """The accounts' balance as a positive amount owed."""
        return -sum(total for (kind, _txn), total in self.sums.items() if kind == account_kind)

    @property
    def accrued(self) -> int:
        return -self.sums[(AccountKind.PAYABLE, TransactionKind.ACCRUAL)]

    @property
    def paid(self) -> int:
        """Confirmed payouts (debits to in-flight when paid) less reversals (credits back to the
        annotator's accounts when a paid transfer was reversed)."""
        sent = self.sums[(AccountKind.IN_FLIGHT, TransactionKind.PAYOUT_PAID)]
        reversed_back = -sum(
            total for (_kind, txn), total in self.sums.items() if txn == TransactionKind.PAYOUT_REVERSED
        )
        return sent - reversed_back


def _account_flows(session: Session, *, user_id: int | None = None) -> list[_Flow]:
    """Entry sums on annotator accounts (payable, in flight) per (language, currency, account
    kind, transaction kind): one query that every annotator figure is derived from."""
    query = _entries_by(
        LedgerAccount.language, LedgerEntry.currency, LedgerAccount.kind, LedgerTransaction.kind
    ).where(LedgerAccount.kind.in_([AccountKind.PAYABLE, AccountKind.IN_FLIGHT]))
    if user_id is not None:
        query = query.where(LedgerAccount.user_id == user_id)
    flows: dict[tuple[str, str], _Flow] = {}
    for language, currency, account_kind, txn_kind, total in session.execute(query):
        flow = flows.setdefault((language or "", currency), _Flow(language or "", currency))
        flow.sums[(str(account_kind), str(txn_kind))] += int(total)
    return list(flows.values())


def _entries_by(*columns: Any) -> Select[Any]:
    """Sum of entry amounts grouped by ``columns`` (account and transaction joined)."""
    return (
        select(*columns, func.sum(LedgerEntry.amount_minor))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .group_by(*columns)
    )


__all__ = [
    "BalanceLine",
    "CurrencySummary",
    "CurrencyTotals",
    "Earnings",
    "LanguageSummary",
    "PaymentsSummary",
    "ProjectEarnings",
    "annotator_earnings",
    "ops_payments_summary",
]
