"""API v1 for payouts: Stripe Connect onboarding, project funding, payout runs, manual payouts and
their CSV.

Who may call what: an annotator connects and reads only their own account; a client funds and
lists fundings of its organisation's projects (others' projects are 404, like everywhere); ops do
everything else. Organisation tokens never act for ops.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.errors import Conflict
from marketplace.pagination import parse_limit
from marketplace.payments import connect, funding
from marketplace.payments.gateway import payments_mode
from marketplace.payments.models import Payout, ProjectFunding
from marketplace.payments.payouts import manual, queries, service
from marketplace.projects import service as projects
from marketplace.projects.access import Actor
from marketplace.projects.presenters import timestamp
from marketplace.web.api import QueryParam, endpoint
from marketplace.web.auth import require_annotator, require_ops

TAG_PAYOUTS = ("payouts",)
TAG_FUNDING = ("funding",)

_MONEY_PROPERTIES: dict[str, Any] = {
    # Ranges are checked by the service (422 with a message), not by the schema (400).
    "amount_minor": {
        "type": "integer",
        "description": f"Amount in the currency's minor unit (cents), 1 to {funding.MAX_FUNDING_MINOR}.",
    },
    "currency": {
        "type": "string",
        "description": "ISO 4217 code; a priced project's rate-card currency.",
    },
}

FUNDING_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["amount_minor", "currency"],
    "properties": _MONEY_PROPERTIES,
}

MANUAL_FUNDING_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["amount_minor", "currency", "reference"],
    "properties": {
        **_MONEY_PROPERTIES,
        "reference": {"type": "string", "minLength": 1, "maxLength": 255, "description": "Bank reference."},
    },
}

FUNDING: dict[str, Any] = {
    "type": "object",
    "required": ["id", "amount_minor", "currency", "state", "method", "created_at"],
    "properties": {
        "id": {"type": "string"},
        "amount_minor": {"type": "integer"},
        "currency": {"type": "string"},
        "state": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
        "method": {"type": "string", "enum": ["stripe", "manual"]},
        "reference": {"type": "string"},
        "client_secret": {
            "type": ["string", "null"],
            "description": "For Stripe.js to confirm the payment (only in the answer to its creator).",
        },
        "created_at": {"type": "string", "format": "date-time"},
        "settled_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

FUNDING_LIST: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": FUNDING}},
}

CONNECT_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "country": {
            "type": "string",
            "pattern": "^[A-Z]{2}$",
            "description": "Country of the payout account (ISO 3166-1 alpha-2); Stripe's default if absent.",
        }
    },
}

ACCOUNT_STATUS: dict[str, Any] = {
    "type": "object",
    "required": ["mode", "connected", "ready"],
    "properties": {
        "mode": {"type": "string", "enum": ["stripe", "manual"]},
        "connected": {"type": "boolean"},
        "account_id": {"type": ["string", "null"]},
        "details_submitted": {"type": "boolean"},
        "payouts_enabled": {"type": "boolean"},
        "transfers_active": {"type": "boolean"},
        "ready": {"type": "boolean", "description": "Payout runs pay this account."},
    },
}

CONNECT_RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["url", "account"],
    "properties": {
        "url": {"type": "string", "description": "Stripe's onboarding page; single use, expires in minutes."},
        "account": ACCOUNT_STATUS,
    },
}

PAYOUT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "annotator", "amount_minor", "currency", "state", "method", "created_at"],
    "properties": {
        "id": {"type": "string"},
        "annotator": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "email": {"type": "string"},
            },
        },
        "amount_minor": {"type": "integer"},
        "currency": {"type": "string"},
        "allocation": {"type": "object", "additionalProperties": {"type": "integer"}},
        "state": {"type": "string", "enum": list(queries.PAYOUT_STATES)},
        "method": {"type": "string", "enum": ["stripe", "manual"]},
        "transfer_id": {"type": ["string", "null"]},
        "attempts": {"type": "integer"},
        "failure_code": {"type": ["string", "null"]},
        "failure_message": {"type": "string"},
        "reference": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_attempt_at": {"type": ["string", "null"], "format": "date-time"},
        "paid_at": {"type": ["string", "null"], "format": "date-time"},
        "failed_at": {"type": ["string", "null"], "format": "date-time"},
        "reversed_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

PAYOUT_LIST: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": PAYOUT}, "next_cursor": {"type": ["string", "null"]}},
}

MARK_PAID_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reference"],
    "properties": {"reference": {"type": "string", "minLength": 1, "maxLength": 255}},
}

RUN_QUEUED: dict[str, Any] = {
    "type": "object",
    "required": ["queued", "mode"],
    "properties": {
        "queued": {"type": "boolean"},
        "mode": {"type": "string", "enum": ["stripe", "manual"]},
        "job_id": {"type": ["string", "null"]},
    },
}


def funding_json(row: ProjectFunding, *, with_secret: bool = False) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "state": row.state,
        "method": row.method,
        "reference": row.reference,
        "client_secret": row.client_secret if with_secret else None,
        "created_at": timestamp(row.created_at),
        "settled_at": timestamp(row.settled_at),
    }


def payout_json(payout: Payout, name: str, email: str) -> dict[str, Any]:
    return {
        "id": payout.public_id,
        "annotator": {"id": payout.user_id, "name": name, "email": email},
        "amount_minor": payout.amount_minor,
        "currency": payout.currency,
        "allocation": dict(payout.allocation),
        "state": payout.state,
        "method": payout.method,
        "transfer_id": payout.transfer_id,
        "attempts": payout.attempts,
        "failure_code": payout.failure_code,
        "failure_message": payout.failure_message,
        "reference": payout.reference,
        "created_at": timestamp(payout.created_at),
        "last_attempt_at": timestamp(payout.last_attempt_at),
        "paid_at": timestamp(payout.paid_at),
        "failed_at": timestamp(payout.failed_at),
        "reversed_at": timestamp(payout.reversed_at),
    }


def public_url(endpoint_name: str) -> str:
    """An absolute URL of ours for Stripe to send people back to (``PUBLIC_BASE_URL`` when set)."""
    from flask import current_app

    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for(endpoint_name)
    return url_for(endpoint_name, _external=True)


# --- annotators: Connect ---------------------------------------------------------------------------


@endpoint(
    "/payouts/connect",
    "POST",
    summary="Start (or continue) Stripe onboarding; returns the onboarding URL",
    tags=TAG_PAYOUTS,
    request_schema=CONNECT_REQUEST,
    response_schema=CONNECT_RESPONSE,
    body_required=False,
    error_statuses=(400, 401, 403, 409, 502, 503),
)
def connect_account(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    user_id = require_annotator(principal, _("Only annotators connect a payout account."))
    url = connect.start_onboarding(
        user_id,
        return_url=public_url("payouts.connect_return"),
        refresh_url=public_url("payouts.connect_refresh"),
        country=body.get("country"),
    )
    return jsonify({"url": url, "account": connect.account_status(user_id)})


@endpoint(
    "/payouts/account",
    summary="The caller's payout account status",
    tags=TAG_PAYOUTS,
    response_schema=ACCOUNT_STATUS,
)
def get_payout_account(principal: Actor) -> ResponseReturnValue:
    user_id = require_annotator(principal, _("Only annotators have a payout account."))
    return jsonify(connect.account_status(user_id))


# --- funding -----------------------------------------------------------------------------------------


@endpoint(
    "/projects/<project_id>/funding",
    "POST",
    summary="Fund a project by card: creates a Stripe PaymentIntent (send an Idempotency-Key header)",
    tags=TAG_FUNDING,
    request_schema=FUNDING_REQUEST,
    response_schema=FUNDING,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 409, 422, 503),
)
def create_funding(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    """201 with the client secret; 200 with the same funding when the Idempotency-Key was seen."""
    project = projects.visible_project(principal, project_id)
    if payments_mode() != "stripe":
        raise Conflict(_("Card payments are not available here. Please contact us to fund this project."))
    row, created = funding.start_stripe_funding(
        project.id,
        body["amount_minor"],
        body["currency"],
        principal.user.id if principal.user is not None else None,
        request.headers.get("Idempotency-Key"),
    )
    return jsonify(funding_json(row, with_secret=True)), 201 if created else 200


@endpoint(
    "/ops/projects/<project_id>/funding",
    "POST",
    summary="Record money received for a project outside Stripe (ops)",
    tags=TAG_FUNDING,
    request_schema=MANUAL_FUNDING_REQUEST,
    response_schema=FUNDING,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 422),
)
def create_manual_funding(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    project = projects.visible_project(principal, project_id)
    row = funding.record_manual_funding(
        project.id, body["amount_minor"], body["currency"], body["reference"], ops_id
    )
    return jsonify(funding_json(row)), 201


@endpoint(
    "/projects/<project_id>/funding",
    summary="A project's fundings, newest first",
    tags=TAG_FUNDING,
    response_schema=FUNDING_LIST,
)
def list_fundings(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    return jsonify({"items": [funding_json(row) for row in funding.project_fundings(project.id)]})


# --- ops: payouts ------------------------------------------------------------------------------------


@endpoint(
    "/ops/payouts/run",
    "POST",
    summary="Start a payout run now (ops); it runs as a background job",
    tags=TAG_PAYOUTS,
    response_schema=RUN_QUEUED,
    success_status=202,
    error_statuses=(401, 403),
)
def start_payout_run(principal: Actor) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    job_id = service.queue_payout_run(ops_id)
    return jsonify({"queued": True, "mode": payments_mode(), "job_id": job_id}), 202


@endpoint(
    "/ops/payouts",
    summary="Payouts, newest first (ops)",
    tags=TAG_PAYOUTS,
    response_schema=PAYOUT_LIST,
    query=(
        QueryParam("state", {"type": "string", "enum": list(queries.PAYOUT_STATES)}, "Only this state."),
        QueryParam("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Page size."),
    ),
)
def list_payouts(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    page = queries.list_payouts(
        request.args.get("state") or None, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    return jsonify(
        {
            "items": [payout_json(p, user.display_name, user.email) for p, user in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@endpoint(
    "/ops/payouts/<payout_id>/mark-paid",
    "POST",
    summary="Record that a due payout was paid by hand (ops)",
    tags=TAG_PAYOUTS,
    request_schema=MARK_PAID_REQUEST,
    response_schema=PAYOUT,
    error_statuses=(400, 401, 403, 404, 409, 422),
)
def mark_paid(principal: Actor, payout_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    payout = manual.mark_payout_paid(payout_id, body["reference"], ops_id)
    user = queries.payout_user(payout)
    return jsonify(payout_json(payout, user.display_name, user.email))


@endpoint(
    "/ops/payouts.csv",
    summary="Payouts in one state (default: due) as CSV, to pay them by hand (ops)",
    tags=TAG_PAYOUTS,
    query=(QueryParam("state", {"type": "string", "enum": list(queries.PAYOUT_STATES)}, "Default `due`."),),
)
def payouts_csv(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    state = queries.check_state(request.args.get("state") or "due")
    body = manual.payouts_csv(state)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="payouts-{state}.csv"'},
    )
