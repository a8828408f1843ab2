"""Stripe webhook events: stored under Stripe's event id, then applied once by a job.

The endpoint that verifies a delivery is web layer
(:mod:`marketplace.payments.stripe_webhook_api`); this module is what it calls. An event is stored
with an insert that ignores duplicates, so a duplicate delivery finds the row and changes nothing,
and its processing is enqueued. Processing is idempotent too: it locks the event row, does nothing
if it was processed, and applies the event and marks it processed in one transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace import jobs
from marketplace.db import get_session, insert_ignoring_conflicts, is_postgresql, new_session, utcnow
from marketplace.payments.connect import apply_account_object
from marketplace.payments.funding import apply_payment_intent
from marketplace.payments.models import StripeEvent
from marketplace.payments.payouts.reversals import apply_transfer_reversal

log = logging.getLogger(__name__)

#: Event types we act on; every other event is stored and marked ignored.
HANDLED_EVENTS = frozenset(
    {"account.updated", "payment_intent.succeeded", "payment_intent.payment_failed", "transfer.reversed"}
)


def receive_event(event_id: str, event_type: str, payload: dict[str, Any]) -> bool:
    """Store a verified event and enqueue its processing; returns whether this delivery stored it
    (False: a duplicate)."""
    row_id, stored = store_event(get_session(), event_id, event_type, payload)
    if row_id is not None:
        jobs.enqueue("marketplace.payments.jobs.process_stripe_event", row_id)
    return stored


def store_event(
    session: Session, event_id: str, event_type: str, payload: dict[str, Any]
) -> tuple[int | None, bool]:
    """Store the event unless its id is known. Returns the row to process (None when a stored
    twin was processed already) and whether this call stored it."""
    row = {
        "event_id": event_id,
        "type": event_type[:120],
        "payload": payload,
        "received_at": utcnow(),
        "result": "",
    }
    inserted = session.execute(
        insert_ignoring_conflicts(session, StripeEvent, row, ["event_id"]).returning(StripeEvent.id)
    ).scalar()
    if inserted is not None:
        session.commit()
        return int(inserted), True
    existing = session.execute(
        select(StripeEvent.id, StripeEvent.processed_at).where(StripeEvent.event_id == event_id)
    ).one()
    session.commit()
    # Stored but never processed (the job was lost): a redelivery is the chance to process it.
    return (int(existing.id) if existing.processed_at is None else None), False


def _apply(session: Session, event: StripeEvent) -> str:
    if event.type not in HANDLED_EVENTS:
        return "ignored"
    obj = (event.payload.get("data") or {}).get("object") or {}
    if event.type == "account.updated":
        return apply_account_object(session, obj)
    if event.type == "payment_intent.succeeded":
        return apply_payment_intent(session, obj, succeeded=True)
    if event.type == "payment_intent.payment_failed":
        return apply_payment_intent(session, obj, succeeded=False)
    return apply_transfer_reversal(session, obj)


def process_event(event_row_id: int) -> str:
    """Apply one stored event (what the job runs). Running it again returns the stored result."""
    session = get_session()
    query = select(StripeEvent).where(StripeEvent.id == event_row_id)
    if is_postgresql(session):
        query = query.with_for_update()
    event = session.scalars(query.execution_options(populate_existing=True)).first()
    if event is None:
        session.rollback()
        return "missing"
    if event.processed_at is not None:
        session.rollback()
        return event.result
    try:
        result = _apply(session, event)
    except Exception as exc:
        session.rollback()
        _record_error(event_row_id, exc)
        raise
    event.result = result
    event.processed_at = utcnow()
    session.commit()
    return result


def _record_error(event_row_id: int, exc: Exception) -> None:
    """Keep why processing failed on the row (still unprocessed: a retry or redelivery runs it)."""
    log.exception("processing Stripe event %s failed", event_row_id)
    with new_session() as session:
        event = session.get(StripeEvent, event_row_id)
        if event is not None:
            event.result = f"error: {type(exc).__name__}: {exc}"[:2000]
            session.commit()
