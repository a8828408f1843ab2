"""The Stripe webhook endpoint: verifies a delivery on the raw body, then hands it to the service.

It does as little as possible: it checks the ``Stripe-Signature`` header against the exact bytes
received (a body parsed and serialised again would not be what Stripe signed), refuses stale
timestamps (the SDK's 300 s tolerance: a captured request cannot be replayed later), and passes the
event to :func:`marketplace.payments.webhooks.receive_event`, which stores it under Stripe's event
id and enqueues its processing. Its own blueprint, outside the API: Stripe has no session and no
CSRF token (the app exempts it from CSRF).
"""

from __future__ import annotations

import json

import stripe
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.payments import webhooks

bp = Blueprint("stripe_webhooks", __name__)


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
    stored = webhooks.receive_event(event_id, event_type, event)
    return jsonify({"received": True, "duplicate": not stored}), 200
