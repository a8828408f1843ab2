"""Annotator earnings and the ops summary, computed from ledger entries and fixed rates; and who may
read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.accounts.models import Role
from marketplace.payments import rates
from marketplace.payments.earnings import annotator_earnings, ops_payments_summary
from marketplace.payments.models import TransactionKind
from marketplace.routing.models import Acceptance, AssignmentState
from tests.payments.money_helpers import assert_ledger_balanced, fund, judgment, payout_row, payout_step
from tests.routing.test_api import login_as

ITEMS = [
    *[("es", f"El pedido {n} llegó roto y nadie me ayuda.") for n in range(8)],
    *[("hi", f"मेरा ऑर्डर {n} टूटा हुआ आया और कोई मदद नहीं करता।") for n in range(4)],
]


@pytest.fixture
def world(
    app: Flask, make_project: Callable[..., dict[str, Any]], annotator: Callable[..., int]
) -> dict[str, Any]:
    """Two priced projects (EUR and INR), two annotators with accepted, pending and rejected work."""
    shop = make_project(ITEMS, languages=["es", "hi"], name="Shop reviews")
    calls = make_project(ITEMS[:4], languages=["es"], name="Call notes")
    with app.app_context():
        rates.set_rate_card(shop["id"], "es", "EUR", 1250, None)
        rates.set_rate_card(shop["id"], "hi", "EUR", 900, None)
        rates.set_rate_card(calls["id"], "es", "INR", 5000, None)
    fund(app, shop["id"], 100_000)
    fund(app, calls["id"], 100_000, "INR")
    ana = annotator("es", "hi")
    ben = annotator("es")
    # Ana, Shop reviews, es: two accepted, one pending, one in review, one rejected.
    for acceptance in (Acceptance.ACCEPTED, Acceptance.ACCEPTED, Acceptance.PENDING, Acceptance.IN_REVIEW):
        judgment(app, shop["id"], ana, "es", acceptance=acceptance, rate_minor=1250, fee_minor=250)
    judgment(
        app,
        shop["id"],
        ana,
        "es",
        acceptance=Acceptance.REJECTED,
        state=AssignmentState.REJECTED,
        rate_minor=1250,
        fee_minor=250,
    )
    # Ana, Shop reviews, hi: one accepted; a live lease is not pending work yet.
    judgment(app, shop["id"], ana, "hi", acceptance=Acceptance.ACCEPTED, rate_minor=900, fee_minor=180)
    judgment(app, shop["id"], ana, "hi", acceptance=None, state=AssignmentState.LEASED, rate_minor=900)
    # Ana, Call notes (INR): one accepted.
    judgment(
        app,
        calls["id"],
        ana,
        "es",
        acceptance=Acceptance.ACCEPTED,
        rate_minor=5000,
        fee_minor=1000,
        currency="INR",
    )
    # Ben: one accepted on Shop reviews, es.
    judgment(app, shop["id"], ben, "es", acceptance=Acceptance.ACCEPTED, rate_minor=1250, fee_minor=250)
    return {"shop": shop, "calls": calls, "ana": ana, "ben": ben}


def test_earnings_per_project_language_and_currency(app: Flask, world: dict[str, Any]) -> None:
    with app.app_context():
        earned = annotator_earnings(world["ana"])

    rows = {(p.project_name, p.language, p.currency): p for p in earned.projects}
    assert set(rows) == {
        ("Call notes", "es", "INR"),
        ("Shop reviews", "es", "EUR"),
        ("Shop reviews", "hi", "EUR"),
    }
    shop_es = rows[("Shop reviews", "es", "EUR")]
    assert (shop_es.pending_minor, shop_es.pending_count) == (2500, 2)
    assert (shop_es.accepted_minor, shop_es.accepted_count) == (2500, 2)
    assert shop_es.rejected_count == 1
    assert shop_es.project_public_id == world["shop"]["public_id"]
    shop_hi = rows[("Shop reviews", "hi", "EUR")]
    assert (shop_hi.pending_minor, shop_hi.accepted_minor, shop_hi.rejected_count) == (0, 900, 0)
    assert rows[("Call notes", "es", "INR")].accepted_minor == 5000

    balances = {(b.language, b.currency): b for b in earned.balances}
    assert {key: b.owed_minor for key, b in balances.items()} == {
        ("es", "EUR"): 2500,
        ("hi", "EUR"): 900,
        ("es", "INR"): 5000,
    }
    totals = {t.currency: t for t in earned.totals}
    assert (totals["EUR"].pending_minor, totals["EUR"].accepted_minor, totals["EUR"].owed_minor) == (
        2500,
        3400,
        3400,
    )
    assert totals["INR"].owed_minor == 5000
    assert earned.payouts == []
    assert_ledger_balanced(app)


def test_owed_in_payout_paid_and_reversed(app: Flask, world: dict[str, Any]) -> None:
    ana = world["ana"]
    payout_step(app, TransactionKind.PAYOUT_START, ana, "es", 2000)
    payout_step(app, TransactionKind.PAYOUT_START, ana, "hi", 900)
    with app.app_context():
        es = {b.language: b for b in annotator_earnings(ana).balances if b.currency == "EUR"}
    assert (es["es"].owed_minor, es["es"].in_payout_minor, es["es"].paid_minor) == (500, 2000, 0)
    assert (es["hi"].owed_minor, es["hi"].in_payout_minor) == (0, 900)

    payout_step(app, TransactionKind.PAYOUT_PAID, ana, "es", 2000)
    payout_step(app, TransactionKind.PAYOUT_FAILED, ana, "hi", 900)  # back to owed
    with app.app_context():
        es = {b.language: b for b in annotator_earnings(ana).balances if b.currency == "EUR"}
    assert (es["es"].owed_minor, es["es"].in_payout_minor, es["es"].paid_minor) == (500, 0, 2000)
    assert (es["hi"].owed_minor, es["hi"].in_payout_minor, es["hi"].paid_minor) == (900, 0, 0)

    payout_step(app, TransactionKind.PAYOUT_REVERSED, ana, "es", 2000)  # the bank sent it back
    paid_id = payout_row(app, ana, 2000, "reversed")
    payout_row(app, world["ben"], 1250, "paid")
    with app.app_context():
        earned = annotator_earnings(ana)
    es = {b.language: b for b in earned.balances if b.currency == "EUR"}
    assert (es["es"].owed_minor, es["es"].in_payout_minor, es["es"].paid_minor) == (2500, 0, 0)
    assert [p.public_id for p in earned.payouts] == [paid_id]
    assert_ledger_balanced(app)


def test_ops_summary_per_language_and_currency(app: Flask, world: dict[str, Any]) -> None:
    payout_step(app, TransactionKind.PAYOUT_START, world["ana"], "es", 2500)
    payout_step(app, TransactionKind.PAYOUT_PAID, world["ana"], "es", 1000)  # part of it confirmed
    payout_step(app, TransactionKind.PAYOUT_START, world["ana"], "es", 5000, "INR")
    payout_step(app, TransactionKind.PAYOUT_PAID, world["ana"], "es", 5000, "INR")

    with app.app_context():
        summary = ops_payments_summary()

    lines = {(s.language, s.currency): s for s in summary.languages}
    es_eur = lines[("es", "EUR")]
    assert es_eur.accrued_minor == 3 * 1250
    assert es_eur.owed_minor == 1250  # Ben's
    assert es_eur.in_flight_minor == 1500
    assert es_eur.paid_minor == 1000
    assert es_eur.annotators_owed == 1
    hi_eur = lines[("hi", "EUR")]
    assert (hi_eur.accrued_minor, hi_eur.owed_minor, hi_eur.annotators_owed) == (900, 900, 1)
    es_inr = lines[("es", "INR")]
    assert (es_inr.owed_minor, es_inr.paid_minor, es_inr.annotators_owed) == (0, 5000, 0)

    currencies = {c.currency: c for c in summary.currencies}
    eur = currencies["EUR"]
    assert eur.revenue_minor == 3 * 250 + 180
    assert eur.escrow_minor == 100_000 - 3 * 1500 - 1080
    assert (eur.accrued_minor, eur.owed_minor, eur.in_flight_minor, eur.paid_minor) == (
        4650,
        2150,
        1500,
        1000,
    )
    assert currencies["INR"].revenue_minor == 1000
    assert currencies["INR"].escrow_minor == 100_000 - 6000
    assert_ledger_balanced(app)


# --- the API: one's own only ------------------------------------------------------------------


def test_earnings_api_returns_only_the_callers_own(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    login_as(client, world["ben"], app)
    body = client.get("/api/v1/earnings").json
    assert [(p["project"]["name"], p["language"]) for p in body["projects"]] == [("Shop reviews", "es")]
    assert body["projects"][0]["accepted"] == {"amount_minor": 1250, "currency": "EUR"}
    assert body["projects"][0]["accepted_judgments"] == 1
    assert body["balances"] == [
        {
            "language": "es",
            "owed": {"amount_minor": 1250, "currency": "EUR"},
            "in_payout": {"amount_minor": 0, "currency": "EUR"},
            "paid": {"amount_minor": 0, "currency": "EUR"},
        }
    ]
    assert "Call notes" not in str(body)
    # There is no way to name someone else: the query string is ignored.
    assert client.get(f"/api/v1/earnings?user={world['ana']}").json == body


def test_earnings_api_is_for_annotators(
    client: FlaskClient, api: Callable[..., Any], make_user: Callable[..., int], login: Callable[..., Any]
) -> None:
    assert client.get("/api/v1/earnings").status_code == 401
    assert api("GET", "/earnings").status_code == 403  # an organisation token is not a person
    make_user("client@example.org", roles=(Role.CLIENT,), native=())
    login("client@example.org")
    assert client.get("/api/v1/earnings").status_code == 403


def test_ops_summary_api_is_ops_only(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    world: dict[str, Any],
    make_user: Callable[..., int],
    login: Callable[..., Any],
) -> None:
    assert api("GET", "/ops/payments/summary").status_code == 403
    login_as(client, world["ana"], app)
    assert client.get("/api/v1/ops/payments/summary").status_code == 403

    ops_client = app.test_client()
    make_user("ops@example.org", roles=(Role.OPS,), native=())
    from tests.conftest import post_form

    post_form(ops_client, "/login", {"email": "ops@example.org", "password": "correct horse battery"})
    body = ops_client.get("/api/v1/ops/payments/summary").json
    eur = next(c for c in body["currencies"] if c["currency"] == "EUR")
    assert eur["revenue"] == {"amount_minor": 930, "currency": "EUR"}
    es = next(s for s in body["languages"] if s["language"] == "es" and s["accrued"]["currency"] == "EUR")
    assert es["owed"] == {"amount_minor": 3750, "currency": "EUR"}
    assert es["annotators_owed"] == 2
