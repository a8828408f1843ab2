"""Payment jobs: payout runs and the processing of stored Stripe webhook events.

Each job takes ids and is idempotent: a payout run continues whatever an earlier one left, and an
event that was processed already returns its stored result. They return plain values (ids, words)
because RQ keeps a job's result, and an ORM row does not outlive its session.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from marketplace.db import get_session, utcnow
from marketplace.payments import webhooks
from marketplace.payments.models import PayoutRun
from marketplace.payments.payouts import service as payouts


def run_payouts_job(triggered_by: int | None = None) -> int:
    """A full payout run (ops' "Run payouts now" button); returns the run's id."""
    return payouts.run_payouts(triggered_by).id


def scheduled_payouts() -> int | None:
    """The periodic job: a full run when the last one started ``PAYOUT_INTERVAL_SECONDS`` ago or
    more; otherwise a quick retry of payouts left pending (a Stripe hiccup should not wait for the
    next full run). Returns the full run's id, or None when it only retried."""
    session = get_session()
    interval = timedelta(seconds=int(current_app.config["PAYOUT_INTERVAL_SECONDS"]))
    last_started = session.scalar(select(func.max(PayoutRun.started_at)))
    session.commit()
    if last_started is None or utcnow() - last_started >= interval:
        return payouts.run_payouts(None).id
    payouts.retry_pending_payouts()
    return None


def process_stripe_event(event_row_id: int) -> str:
    """Apply one stored Stripe event; returns what it did ("credited", "ignored"...)."""
    return webhooks.process_event(event_row_id)
