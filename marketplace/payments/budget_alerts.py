"""``budget.low``: tell the client when a project's available money runs low, once per funding.

A periodic check rather than a hook on every accrual: the budget is computed from the ledger
(``budget.project_budget``), which is too much work for each accepted judgment, and a client needs
to hear of it in minutes, not at once. The event is recorded in the same transaction as the check
(the outbox), and again only after the project is funded anew.
"""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.events import ClientEvent, EventKind, record_event
from marketplace.payments.budget import project_budget
from marketplace.payments.models import FundingState, ProjectFunding
from marketplace.projects.models import Project, ProjectState

#: Available under this share of what was funded counts as low.
LOW_SHARE = 0.10


def check_low_budgets() -> int:
    """Record ``budget.low`` for active, funded projects below ``LOW_SHARE``; returns how many."""
    session = get_session()
    funded_projects = session.execute(
        select(Project.id, Project.public_id, Project.organisation_id, func.max(ProjectFunding.settled_at))
        .join(ProjectFunding, ProjectFunding.project_id == Project.id)
        .where(Project.state == ProjectState.ACTIVE, ProjectFunding.state == FundingState.SUCCEEDED)
        .group_by(Project.id, Project.public_id, Project.organisation_id)
    ).all()
    recorded = 0
    for project_id, public_id, organisation_id, last_funded_at in funded_projects:
        last_alert = session.scalar(
            select(func.max(ClientEvent.created_at)).where(
                ClientEvent.project_id == project_id, ClientEvent.kind == EventKind.BUDGET_LOW.value
            )
        )
        if last_alert is not None and (last_funded_at is None or last_alert >= last_funded_at):
            continue
        low = [
            line
            for line in project_budget(project_id).currencies
            if line.funded_minor > 0 and line.available_minor < line.funded_minor * LOW_SHARE
        ]
        if not low:
            continue
        record_event(
            session,
            organisation_id,
            EventKind.BUDGET_LOW,
            {
                "project": public_id,
                "budgets": [
                    {
                        "currency": line.currency,
                        "funded_minor": line.funded_minor,
                        "available_minor": line.available_minor,
                    }
                    for line in low
                ],
            },
            project_id=project_id,
        )
        recorded += 1
    session.commit()
    return recorded
