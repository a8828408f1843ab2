"""API v1 for money: rate cards, project budget, earnings, ops summaries.

Money is always ``{"amount_minor": <int>, "currency": "EUR"}``: an integer of the currency's minor
unit (cents; yen have none) and its ISO 4217 code, never a float.

Who may call: a project's rate cards and budget belong to its client organisation (and ops; other
organisations get 404, annotators 403); earnings are the signed-in annotator's own, with no way to
name anyone else; the summary is for ops only.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.payments import budget as budgets
from marketplace.payments import earnings as earnings_service
from marketplace.payments import pricing, rates
from marketplace.payments.models import Payout, RateCard
from marketplace.projects import service as projects
from marketplace.projects.access import Actor
from marketplace.projects.models import Project
from marketplace.projects.presenters import timestamp
from marketplace.web.api import endpoint
from marketplace.web.auth import require_annotator, require_ops

TAG_PAYMENTS = ("payments",)
_WRITE_ERRORS = (400, 401, 403, 404, 409, 422)

# --- schemas -----------------------------------------------------------------------------------

CURRENCY: dict[str, Any] = {
    "type": "string",
    "pattern": "^[A-Za-z]{3}$",
    "description": "ISO 4217 currency code, such as EUR.",
}

MONEY: dict[str, Any] = {
    "type": "object",
    "required": ["amount_minor", "currency"],
    "properties": {
        "amount_minor": {"type": "integer", "description": "Amount in the currency's minor unit."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
}

_NULLABLE_MONEY: dict[str, Any] = {"anyOf": [MONEY, {"type": "null"}]}

RATES_PUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rates"],
    "properties": {
        "rates": {
            "type": "array",
            "maxItems": 500,
            "description": (
                "The project's whole rate card: one entry per language; languages left out lose "
                "their rate (their items are no longer routed). All entries share one currency."
            ),
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["language", "currency", "amount_minor"],
                "properties": {
                    "language": {"type": "string", "maxLength": 35, "description": "A project language."},
                    "currency": CURRENCY,
                    "amount_minor": {
                        "type": "integer",
                        "description": (
                            f"What one accepted judgment pays the annotator, in minor units "
                            f"(0 to {rates.MAX_RATE_MINOR})."
                        ),
                    },
                },
            },
        }
    },
}

RATE_CARD: dict[str, Any] = {
    "type": "object",
    "required": ["language", "task_type", "currency", "amount_minor", "fee", "unit_cost"],
    "properties": {
        "language": {"type": "string"},
        "task_type": {"type": "string"},
        "currency": {"type": "string"},
        "amount_minor": {"type": "integer", "description": "The annotator's rate per accepted judgment."},
        "fee": {**MONEY, "description": "The platform's fee on each accepted judgment."},
        "unit_cost": {**MONEY, "description": "What the budget pays per accepted judgment."},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

RATE_CARDS: dict[str, Any] = {
    "type": "object",
    "required": ["project", "currency", "fee_bps", "rates"],
    "properties": {
        "project": {"type": "string"},
        "currency": {"type": ["string", "null"], "description": "Null while the project has no rate."},
        "fee_bps": {"type": "integer", "description": "The platform's fee in basis points of the rate."},
        "rates": {"type": "array", "items": RATE_CARD},
    },
}

BUDGET: dict[str, Any] = {
    "type": "object",
    "required": ["project", "currencies"],
    "properties": {
        "project": {"type": "string"},
        "currencies": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "currency": {"type": "string"},
                    "funded": {**MONEY, "description": "Money the client put into the project."},
                    "spent": {**MONEY, "description": "Accepted work, rates and fees."},
                    "committed": {**MONEY, "description": "Work in progress that may still be accepted."},
                    "available": {
                        **MONEY,
                        "description": "What routing may still hand out (negative if overspent).",
                    },
                    "accepted_judgments": {"type": "integer"},
                    "accepted_items": {"type": "integer"},
                    "average_cost_per_item": _NULLABLE_MONEY,
                    "average_cost_per_judgment": _NULLABLE_MONEY,
                },
            },
        },
    },
}

PAYOUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "amount": MONEY,
        "state": {"type": "string", "enum": ["pending", "due", "paid", "failed", "reversed"]},
        "method": {"type": "string", "enum": ["stripe", "manual"]},
        "created_at": {"type": "string", "format": "date-time"},
        "paid_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

EARNINGS: dict[str, Any] = {
    "type": "object",
    "required": ["projects", "balances", "totals", "payouts"],
    "properties": {
        "projects": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "project": {
                        "type": "object",
                        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                    },
                    "language": {"type": "string"},
                    "pending": {**MONEY, "description": "Submitted work waiting for acceptance."},
                    "pending_judgments": {"type": "integer"},
                    "accepted": {**MONEY, "description": "Accepted work credited to you."},
                    "accepted_judgments": {"type": "integer"},
                    "rejected_judgments": {"type": "integer"},
                },
            },
        },
        "balances": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "language": {"type": "string"},
                    "owed": {**MONEY, "description": "Owed now: paid by the next payout."},
                    "in_payout": {**MONEY, "description": "Sent, not confirmed yet."},
                    "paid": MONEY,
                },
            },
        },
        "totals": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "currency": {"type": "string"},
                    "pending": MONEY,
                    "accepted": MONEY,
                    "owed": MONEY,
                    "in_payout": MONEY,
                    "paid": MONEY,
                },
            },
        },
        "payouts": {"type": "array", "items": PAYOUT},
    },
}

OPS_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["languages", "currencies"],
    "properties": {
        "languages": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "language": {"type": "string"},
                    "accrued": MONEY,
                    "owed": MONEY,
                    "in_flight": MONEY,
                    "paid": MONEY,
                    "annotators_owed": {"type": "integer"},
                },
            },
        },
        "currencies": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "currency": {"type": "string"},
                    "escrow": {**MONEY, "description": "Client money held for projects."},
                    "revenue": {**MONEY, "description": "Platform fees earned."},
                    "accrued": MONEY,
                    "owed": MONEY,
                    "in_flight": MONEY,
                    "paid": MONEY,
                },
            },
        },
    },
}


# --- serialisers -------------------------------------------------------------------------------


def money(amount_minor: int, currency: str) -> dict[str, Any]:
    return {"amount_minor": int(amount_minor), "currency": currency}


def _nullable_money(amount_minor: int | None, currency: str) -> dict[str, Any] | None:
    return None if amount_minor is None else money(amount_minor, currency)


def rate_cards_json(project: Project, cards: list[RateCard]) -> dict[str, Any]:
    bps = pricing.fee_bps(project)
    items = []
    for card in cards:
        fee = pricing.fee_for(card.amount_minor, bps)
        items.append(
            {
                "language": card.language,
                "task_type": card.task_type,
                "currency": card.currency,
                "amount_minor": card.amount_minor,
                "fee": money(fee, card.currency),
                "unit_cost": money(card.amount_minor + fee, card.currency),
                "updated_at": timestamp(card.updated_at),
            }
        )
    return {
        "project": project.public_id,
        "currency": cards[0].currency if cards else None,
        "fee_bps": bps,
        "rates": items,
    }


def budget_json(project: Project, budget: budgets.Budget) -> dict[str, Any]:
    lines = []
    for line in budget.currencies:
        cur = line.currency
        lines.append(
            {
                "currency": cur,
                "funded": money(line.funded_minor, cur),
                "spent": money(line.spent_minor, cur),
                "committed": money(line.committed_minor, cur),
                "available": money(line.available_minor, cur),
                "accepted_judgments": line.accepted_judgments,
                "accepted_items": line.accepted_items,
                "average_cost_per_item": _nullable_money(line.average_cost_per_item_minor, cur),
                "average_cost_per_judgment": _nullable_money(line.average_cost_per_judgment_minor, cur),
            }
        )
    return {"project": project.public_id, "currencies": lines}


def payout_json(payout: Payout) -> dict[str, Any]:
    return {
        "id": payout.public_id,
        "amount": money(payout.amount_minor, payout.currency),
        "state": payout.state,
        "method": payout.method,
        "created_at": timestamp(payout.created_at),
        "paid_at": timestamp(payout.paid_at),
    }


def earnings_json(earned: earnings_service.Earnings) -> dict[str, Any]:
    return {
        "projects": [
            {
                "project": {"id": p.project_public_id, "name": p.project_name},
                "language": p.language,
                "pending": money(p.pending_minor, p.currency),
                "pending_judgments": p.pending_count,
                "accepted": money(p.accepted_minor, p.currency),
                "accepted_judgments": p.accepted_count,
                "rejected_judgments": p.rejected_count,
            }
            for p in earned.projects
        ],
        "balances": [
            {
                "language": b.language,
                "owed": money(b.owed_minor, b.currency),
                "in_payout": money(b.in_payout_minor, b.currency),
                "paid": money(b.paid_minor, b.currency),
            }
            for b in earned.balances
        ],
        "totals": [
            {
                "currency": t.currency,
                "pending": money(t.pending_minor, t.currency),
                "accepted": money(t.accepted_minor, t.currency),
                "owed": money(t.owed_minor, t.currency),
                "in_payout": money(t.in_payout_minor, t.currency),
                "paid": money(t.paid_minor, t.currency),
            }
            for t in earned.totals
        ],
        "payouts": [payout_json(p) for p in earned.payouts],
    }


def summary_json(summary: earnings_service.PaymentsSummary) -> dict[str, Any]:
    return {
        "languages": [
            {
                "language": s.language,
                "accrued": money(s.accrued_minor, s.currency),
                "owed": money(s.owed_minor, s.currency),
                "in_flight": money(s.in_flight_minor, s.currency),
                "paid": money(s.paid_minor, s.currency),
                "annotators_owed": s.annotators_owed,
            }
            for s in summary.languages
        ],
        "currencies": [
            {
                "currency": c.currency,
                "escrow": money(c.escrow_minor, c.currency),
                "revenue": money(c.revenue_minor, c.currency),
                "accrued": money(c.accrued_minor, c.currency),
                "owed": money(c.owed_minor, c.currency),
                "in_flight": money(c.in_flight_minor, c.currency),
                "paid": money(c.paid_minor, c.currency),
            }
            for c in summary.currencies
        ],
    }


def _user_id(principal: Actor) -> int | None:
    return principal.user.id if principal.user is not None else None


# --- rate cards and budget (the project's client, or ops) ----------------------------------------


@endpoint(
    "/projects/<project_id>/rates",
    summary="Read a project's rate card (rate per language, fee and cost per accepted judgment)",
    tags=TAG_PAYMENTS,
    response_schema=RATE_CARDS,
)
def get_rates(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    return jsonify(rate_cards_json(project, rates.list_rate_cards(project.id)))


@endpoint(
    "/projects/<project_id>/rates",
    "PUT",
    summary="Replace a project's rate card",
    tags=TAG_PAYMENTS,
    request_schema=RATES_PUT,
    response_schema=RATE_CARDS,
    error_statuses=_WRITE_ERRORS,
)
def put_rates(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    wanted = [rates.RateInput(r["language"], r["currency"], r["amount_minor"]) for r in body["rates"]]
    cards = rates.replace_rate_cards(project.id, wanted, _user_id(principal))
    return jsonify(rate_cards_json(project, cards))


@endpoint(
    "/projects/<project_id>/rates/<language>",
    "DELETE",
    summary="Remove the rate of one language (its items are no longer routed)",
    tags=TAG_PAYMENTS,
    success_status=204,
    error_statuses=(401, 403, 404, 409),
)
def delete_rate(principal: Actor, project_id: str, language: str) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    rates.delete_rate_card(project.id, language, _user_id(principal))
    return "", 204


@endpoint(
    "/projects/<project_id>/budget",
    summary="Read a project's budget: funded, spent, committed and available, per currency",
    tags=TAG_PAYMENTS,
    response_schema=BUDGET,
)
def get_budget(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    return jsonify(budget_json(project, budgets.project_budget(project.id)))


# --- the annotator's own earnings ---------------------------------------------------------------


@endpoint(
    "/earnings",
    summary="Your earnings: pending and accepted work, owed, in payout and paid, recent payouts",
    tags=TAG_PAYMENTS,
    response_schema=EARNINGS,
    error_statuses=(401, 403),
)
def get_earnings(principal: Actor) -> ResponseReturnValue:
    user_id = require_annotator(principal, _("Only annotators have earnings."))
    return jsonify(earnings_json(earnings_service.annotator_earnings(user_id)))


# --- ops ---------------------------------------------------------------------------------------


@endpoint(
    "/ops/payments/summary",
    summary="Owed, in flight and paid per language and currency; escrow and revenue (ops)",
    tags=("ops", *TAG_PAYMENTS),
    response_schema=OPS_SUMMARY,
    error_statuses=(401, 403),
)
def get_ops_payments_summary(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    return jsonify(summary_json(earnings_service.ops_payments_summary()))
