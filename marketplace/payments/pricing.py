"""What a judgment costs a project, and how many more the project's budget can take.

Routing asks both questions at claim time: the price is copied onto the assignment (so a later
rate change never reprices work already handed out), and a project whose escrow cannot cover one
more judgment on top of what it has already committed gets no more claims.

A project with no rate card at all is unpriced (internal or volunteer work): routed freely, its
judgments carry no rate. A priced project routes only the languages it has a rate for.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from marketplace.db import is_postgresql
from marketplace.payments.ledger import AccountRef, account, owed
from marketplace.payments.models import LedgerAccount, RateCard
from marketplace.projects.models import Project
from marketplace.routing.budget import Price
from marketplace.routing.models import Acceptance, Assignment, AssignmentState

__all__ = ["LEDGER_BUDGET", "Price", "affordable", "project_prices"]


def fee_for(rate_minor: int, fee_bps: int) -> int:
    """The fee in basis points of the rate, rounded half up to a whole minor unit."""
    return (rate_minor * fee_bps + 5_000) // 10_000


def fee_bps(project: Project) -> int:
    """The project's fee (``settings.payments.fee_bps``), else the platform default."""
    payments = (project.settings or {}).get("payments") or {}
    value = payments.get("fee_bps")
    return int(value) if isinstance(value, int) else int(current_app.config["PLATFORM_FEE_BPS"])


def project_prices(session: Session, project: Project) -> dict[str, Price] | None:
    """Price per language of the project's task type; None when the project is unpriced."""
    cards = list(session.scalars(select(RateCard).where(RateCard.project_id == project.id)))
    if not cards:
        return None
    bps = fee_bps(project)
    return {
        card.language: Price(card.amount_minor, fee_for(card.amount_minor, bps), card.currency)
        for card in cards
        if card.task_type == project.task_type
    }


def committed_minor(session: Session, project_id: int, currency: str, now: datetime) -> int:
    """Cost of the project's judgments that may still be accepted: live leases, and submitted
    judgments waiting for acceptance (pending or in review)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Assignment.rate_minor + Assignment.fee_minor), 0)).where(
            Assignment.project_id == project_id,
            Assignment.rate_currency == currency,
            or_(
                and_(Assignment.state == AssignmentState.LEASED, Assignment.lease_expires_at > now),
                and_(
                    Assignment.state == AssignmentState.SUBMITTED,
                    or_(
                        Assignment.acceptance.is_(None),
                        Assignment.acceptance.in_([Acceptance.PENDING, Acceptance.IN_REVIEW]),
                    ),
                ),
            ),
        )
    )
    return int(total or 0)


def available_minor(session: Session, project_id: int, currency: str, now: datetime) -> int:
    """Escrow not yet spent and not committed to judgments in progress (may be negative when an
    appeal was overturned on an exhausted budget)."""
    return owed(session, AccountRef.escrow(project_id, currency)) - committed_minor(
        session, project_id, currency, now
    )


def affordable(session: Session, project_id: int, price: Price, wanted: int, now: datetime) -> int:
    """How many of ``wanted`` judgments at ``price`` the budget can still take.

    On PostgreSQL the project's escrow account row is locked for the rest of the claim's
    transaction, so two claims on the same priced project cannot both spend the last of its
    budget; SQLite serialises writers anyway.
    """
    if price.unit_cost <= 0:
        return wanted
    escrow = account(session, AccountRef.escrow(project_id, price.currency))
    if is_postgresql(session):
        session.execute(select(LedgerAccount.id).where(LedgerAccount.id == escrow.id).with_for_update())
    room = available_minor(session, project_id, price.currency, now) // price.unit_cost
    return max(0, min(wanted, room))


class LedgerBudget:
    """Routing's ``ClaimBudget`` answered from the rate cards and the project's escrow."""

    def project_prices(self, session: Session, project: Project) -> dict[str, Price] | None:
        return project_prices(session, project)

    def affordable(self, session: Session, project_id: int, price: Price, wanted: int, now: datetime) -> int:
        return affordable(session, project_id, price, wanted, now)


#: The one instance the app factory installs into routing (``routing.budget.EXTENSION_KEY``).
LEDGER_BUDGET = LedgerBudget()
