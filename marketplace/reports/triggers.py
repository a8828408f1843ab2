"""Deliveries nobody has to ask for: when a batch completes, and on the project's weekly cadence.

One periodic job (``workers.cron``) does both; it is idempotent: a batch is closed once
(``batch.completed_at``), and a cadence delivery is made only if none was made since the last
scheduled moment, so an extra or overlapping run adds nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from marketplace.db import get_session, utcnow
from marketplace.projects.batches import close_completed_batches
from marketplace.projects.models import Batch, Item, ItemState, Project, ProjectState
from marketplace.projects.settings.delivery import DeliverySettings
from marketplace.reports.deliveries import add_delivery, kick_build
from marketplace.reports.models import Delivery, DeliveryTrigger


def run_delivery_triggers() -> int:
    """Close completed batches (with their delivery, if the project wants one) and make the
    cadence deliveries that are due; returns how many deliveries were queued."""
    session = get_session()
    queued: list[int] = []
    closed = close_completed_batches()
    if closed:
        for batch_id, project_id, settings in session.execute(
            select(Batch.id, Project.id, Project.settings)
            .join(Project, Project.id == Batch.project_id)
            .where(Batch.id.in_(closed))
        ):
            if DeliverySettings.of(settings).on_batch_complete:
                queued.append(add_delivery(project_id, [batch_id], DeliveryTrigger.BATCH_COMPLETED).id)
    # Committed together: a closed batch always has its delivery row.
    session.commit()
    queued.extend(_cadence_deliveries())
    for delivery_id in queued:
        kick_build(delivery_id)
    return len(queued)


def _cadence_deliveries() -> list[int]:
    session = get_session()
    now = utcnow()
    made: list[int] = []
    projects = session.execute(
        select(Project.id, Project.settings, Project.created_at).where(Project.state == ProjectState.ACTIVE)
    ).all()
    for project_id, settings, created_at in projects:
        cadence = DeliverySettings.of(settings).cadence
        if cadence is None:
            continue
        due = cadence.last_due(now)
        if created_at > due:
            continue  # the first scheduled moment after the project was made has not come yet
        already = session.scalar(
            select(Delivery.id)
            .where(
                Delivery.project_id == project_id,
                Delivery.trigger == DeliveryTrigger.CADENCE,
                Delivery.created_at >= due,
            )
            .limit(1)
        )
        has_labels = session.scalar(
            select(Item.id).where(Item.project_id == project_id, Item.state == ItemState.COMPLETE).limit(1)
        )
        if already is None and has_labels is not None:
            made.append(add_delivery(project_id, [], DeliveryTrigger.CADENCE).id)
            session.commit()
    # End the reading transaction before builds are queued (inline jobs open their own).
    session.commit()
    return made
