"""Stripe webhooks: verified on the raw body, stored under the event id, processed by a job.

The endpoint does as little as possible: it checks the ``Stripe-Signature`` header against the
exact bytes received (a body parsed and serialised again would not be what Stripe signed), refuses
stale timestamps (the SDK's 300 s tolerance: a captured request cannot be replayed later), stores
the event under Stripe's unique event id with an insert that ignores duplicates, and enqueues its
processing. A duplicate delivery finds the row and changes nothing. Processing is idempotent too:
it locks the event row, does nothing if it was processed, and applies the event and marks it
processed in one transaction.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session, insert_ignoring_conflicts, is_postgresql, new_session, utcnow
from marketplace.payments.connect import apply_account_object
from marketplace.payments.funding import apply_payment_intent
from marketplace.payments.models import StripeEvent
from marketplace.payments.payouts import apply_transfer_reversal
from workers.queues import QUEUE_DEFAULT, enqueue

log = logging.getLogger(__name__)

bp = Blueprint("stripe_webhooks", __name__)

#: Event types we act on; every other event is stored and marked ignored.
HANDLED_EVENTS = frozenset(
    {"account.updated", "payment_intent.succeeded", "payment_intent.payment_failed", "transfer.reversed"}
)


def _refuse(code: str, message: str) -> ResponseReturnValue:
    # Stripe reads only the status; the body helps whoever debugs the endpoint's configuration.
    return jsonify({"error": {"code": code, "message": message}}), 400


@bp.post("/webhooks/stripe")
def receive_stripe_event() -> ResponseReturnValue:
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        return _refuse("webhooks_not_configured", _("No webhook signing secret is configured."))
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return _refuse("missing_signature", _("The Stripe-Signature header is missing."))
    payload = request.get_data(cache=False)
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError:
        return _refuse("invalid_signature", _("The signature does not match the body, or is too old."))
    except (ValueError, KeyError, IndexError, TypeError):
        return _refuse("invalid_payload", _("The body is not a Stripe event."))
    # The verified bytes themselves, as plain JSON (the SDK's Event object is not a dict).
    event = json.loads(payload)
    event_id = event.get("id") if isinstance(event, dict) else None
    event_type = event.get("type") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        return _refuse("invalid_payload", _("The body is not a Stripe event."))
    row_id, stored = store_event(get_session(), event_id, event_type, event)
    if row_id is not None:
        from workers.payments import process_stripe_event as job

        enqueue(job, row_id, queue=QUEUE_DEFAULT)
    return jsonify({"received": True, "duplicate": not stored}), 200


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
