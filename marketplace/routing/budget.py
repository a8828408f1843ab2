"""What routing needs to know about money at claim time, as a port the payments package fills.

A claim asks two questions of money: what a judgment of the project costs in each language (copied
onto the assignment, so a later rate change never reprices work already handed out), and how many
more judgments the project's budget can take. The answers live in payments (rate cards, the
escrow in the ledger), which sits above routing: payments reads assignments to know what is
committed and what to pay. So routing states the questions here (``ClaimBudget``) and the app
factory plugs in payments' answer (``marketplace.payments.pricing.LEDGER_BUDGET``): the import
arrows keep pointing one way, and routing can be tested with any budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy.orm import Session

from marketplace.projects.models import Project

#: Where the app factory puts the budget (``app.extensions[EXTENSION_KEY]``).
EXTENSION_KEY = "routing.claim_budget"


@dataclass(frozen=True)
class Price:
    """One judgment's rate (the annotator's) and the platform's fee on it, in minor units."""

    rate_minor: int
    fee_minor: int
    currency: str

    @property
    def unit_cost(self) -> int:
        """What the project's escrow pays when the judgment is accepted."""
        return self.rate_minor + self.fee_minor


class ClaimBudget(Protocol):
    """The money questions of a claim, answered inside the claim's transaction."""

    def project_prices(self, session: Session, project: Project) -> dict[str, Price] | None:
        """Price per language of the project's task type; None when the project is unpriced."""

    def affordable(self, session: Session, project_id: int, price: Price, wanted: int, now: datetime) -> int:
        """How many of ``wanted`` judgments at ``price`` the budget can still take (may lock the
        project's budget row for the rest of the transaction)."""


def claim_budget() -> ClaimBudget:
    """The budget the app factory installed. Missing is a wiring bug, never "free work"."""
    budget: ClaimBudget | None = current_app.extensions.get(EXTENSION_KEY)
    if budget is None:
        raise RuntimeError("no claim budget installed: create_app wires payments' pricing into routing")
    return budget
