"""Events clients can subscribe to, written in the transaction of the change that causes them.

This is the outbox: any domain records an event with ``record_event`` in its own session, so the
event exists exactly when the change commits, and is lost neither when Redis or a worker is down
at that moment nor when the receiver is offline. ``reports.webhooks`` fans each event out to the
organisation's endpoints and sends it later, as often as needed, from the database alone.

It sits in the floor because the changes happen in every layer (an item completes in projects, a
budget runs low in payments, a delivery is made in reports) and none of them may import the
package that sends webhooks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from marketplace.db import Base, get_session, utcnow
from marketplace.ids import new_public_id


class EventKind(StrEnum):
    """What a client can subscribe to; the value is the name on the wire."""

    DELIVERY_READY = "delivery.ready"
    BATCH_COMPLETED = "batch.completed"
    ITEM_COMPLETED = "item.completed"
    PROJECT_STATE_CHANGED = "project.state_changed"
    BUDGET_LOW = "budget.low"


class ClientEvent(Base):
    """One event for one organisation. ``public_id`` is what receivers deduplicate on: delivery is
    at least once, so the same event may arrive twice, always with the same id."""

    __tablename__ = "client_event"
    __table_args__ = (Index("ix_client_event_unfanned", "fanned_out", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_public_id("evt"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    #: The event's data as sent (public ids only, never an annotator's identity).
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Whether messages to the endpoints subscribed at the time have been created.
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def record_event(
    session: Session,
    organisation_id: int,
    kind: EventKind,
    data: dict[str, Any],
    project_id: int | None = None,
) -> ClientEvent:
    """Add an event to the caller's transaction: it commits or rolls back with the change."""
    event = ClientEvent(organisation_id=organisation_id, project_id=project_id, kind=kind.value, data=data)
    session.add(event)
    return event


#: How long sent events (and, through their foreign key, the delivery log of their messages) are
#: kept: long enough for a client to look back at a month of deliveries and redeliver.
RETENTION_DAYS = 30


def prune_events(now: datetime | None = None, batch_size: int = 5_000) -> int:
    """Periodic: forget fanned-out events older than ``RETENTION_DAYS`` (their messages with them),
    a batch at a time so no statement holds many locks. Returns how many were deleted."""
    session = get_session()
    cutoff = (now or utcnow()) - timedelta(days=RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            session.scalars(
                select(ClientEvent.id)
                .where(ClientEvent.fanned_out.is_(True), ClientEvent.created_at < cutoff)
                .order_by(ClientEvent.id)
                .limit(batch_size)
            )
        )
        if not ids:
            session.commit()
            return deleted
        session.execute(delete(ClientEvent).where(ClientEvent.id.in_(ids)))
        session.commit()
        deleted += len(ids)
