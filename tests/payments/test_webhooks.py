"""The Stripe webhook: verified on the raw body, stored once under the event id, processed by a job.

A forged, re-signed, stale or unsigned delivery is refused with 400 and stores nothing; a replay
of a stored event answers 200 and changes nothing; two different events about the same payment
credit the project once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.db import get_session
from marketplace.payments import funding
from marketplace.payments.ledger import AccountRef, owed
from marketplace.payments.models import ConnectedAccount, FundingState, ProjectFunding, StripeEvent
from tests.payments.helpers import (
    CURRENCY,
    build_world,
    ledger_state,
    manual_mode,  # noqa: F401  (fixture)
    post_event,
    stripe_mode,  # noqa: F401  (fixture)
)
from tests.stripe_server import TEST_WEBHOOK_SECRET, FakeStripe, sign_webhook


def stored_events(app: Flask) -> list[StripeEvent]:
    with app.app_context():
        return list(get_session().scalars(select(StripeEvent).order_by(StripeEvent.id)))


def escrow(app: Flask, project_id: int) -> int:
    with app.app_context():
        return owed(get_session(), AccountRef.escrow(project_id, CURRENCY))


@pytest.fixture
def event(stripe_mode: FakeStripe) -> dict[str, Any]:  # noqa: F811
    return stripe_mode.event("customer.created", {"id": "cus_1", "object": "customer"})


def test_forged_signature_is_refused_and_nothing_stored(
    app: Flask, client: FlaskClient, event: dict[str, Any]
) -> None:
    body = json.dumps(event).encode()
    forged = sign_webhook(body, TEST_WEBHOOK_SECRET).split(",v1=")[0] + ",v1=" + "0" * 64
    response = client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": forged})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_signature"
    # A body changed after signing (re-serialised, or tampered with) fails too.
    signature = sign_webhook(body, TEST_WEBHOOK_SECRET)
    tampered = json.dumps(event, indent=2).encode()
    assert (
        client.post("/webhooks/stripe", data=tampered, headers={"Stripe-Signature": signature}).status_code
        == 400
    )
    assert client.post("/webhooks/stripe", data=body).status_code == 400  # no signature at all
    assert stored_events(app) == []


def test_wrong_secret_and_stale_timestamp_are_refused(
    app: Flask, client: FlaskClient, event: dict[str, Any]
) -> None:
    assert post_event(client, event, secret="whsec_someone_else").status_code == 400
    assert post_event(client, event, timestamp=int(time.time()) - 3600).status_code == 400
    assert stored_events(app) == []


def test_without_a_configured_secret_every_event_is_refused(
    app: Flask, client: FlaskClient, event: dict[str, Any]
) -> None:
    saved = app.config["STRIPE_WEBHOOK_SECRET"]
    app.config["STRIPE_WEBHOOK_SECRET"] = None
    try:
        response = post_event(client, event)
    finally:
        app.config["STRIPE_WEBHOOK_SECRET"] = saved
    assert response.status_code == 400
    assert response.json["error"]["code"] == "webhooks_not_configured"
    assert stored_events(app) == []


def test_valid_event_is_stored_processed_and_a_replay_changes_nothing(
    app: Flask,
    client: FlaskClient,
    event: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    response = post_event(client, event)
    assert response.status_code == 200
    assert response.json == {"received": True, "duplicate": False}
    run_jobs()
    (stored,) = stored_events(app)
    assert (stored.event_id, stored.type, stored.result) == (event["id"], "customer.created", "ignored")
    assert stored.processed_at is not None
    assert stored.payload == event

    replay = post_event(client, event)  # same id, newly signed (Stripe retrying a delivery)
    assert replay.status_code == 200
    assert replay.json == {"received": True, "duplicate": True}
    run_jobs()
    (again,) = stored_events(app)
    assert (again.id, again.processed_at, again.result) == (stored.id, stored.processed_at, stored.result)


def test_account_updated_enables_payouts(
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    annotator: Callable[..., int],
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    user_id = annotator("es")
    with app.app_context():
        from marketplace.payments import connect

        connect.start_onboarding(user_id, "https://x.test/return", "https://x.test/refresh")
        account_id = get_session().get(ConnectedAccount, user_id).stripe_account_id  # type: ignore[union-attr]
        assert connect.account_status(user_id)["ready"] is False
    account = server.complete_onboarding(account_id)
    assert post_event(client, server.event("account.updated", account, account=account_id)).status_code == 200
    run_jobs()
    with app.app_context():
        row = get_session().get(ConnectedAccount, user_id)
        assert row is not None
        assert (row.details_submitted, row.payouts_enabled, row.transfers_active) == (True, True, True)
    (stored,) = stored_events(app)
    assert stored.result == "account_updated"
    # An account we do not know is stored and reported, not an error.
    stranger = server.event("account.updated", {**account, "id": "acct_unknown"})
    assert post_event(client, stranger).status_code == 200
    run_jobs()
    assert stored_events(app)[-1].result == "unknown_account"


def test_payment_succeeded_credits_escrow_once_even_from_two_events(
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=0, items=1, funds=1000)
    with app.app_context():
        row, created = funding.start_stripe_funding(world.project_id, 25_000, "eur", None, "key-1")
        assert created and row.payment_intent_id is not None
    before = escrow(app, world.project_id)
    intent = server.succeed_payment_intent(row.payment_intent_id)
    first = server.event("payment_intent.succeeded", intent)
    second = server.event("payment_intent.succeeded", intent)  # another event id, same payment
    for delivery in (first, second, first):
        assert post_event(client, delivery).status_code == 200
    run_jobs()
    assert escrow(app, world.project_id) == before + 25_000
    assert [e.result for e in stored_events(app)] == ["credited", "already_credited"]
    with app.app_context():
        settled = get_session().get(ProjectFunding, row.id)
        assert settled is not None and settled.state == FundingState.SUCCEEDED
    state = ledger_state(app)
    # Processing a stored event again (a retried job) changes nothing either.
    with app.app_context():
        from marketplace.payments.jobs import process_stripe_event

        assert process_stripe_event(stored_events(app)[0].id) == "credited"
    assert ledger_state(app) == state


def test_payment_failed_marks_the_funding_failed_and_credits_nothing(
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=0, items=1, funds=1000)
    with app.app_context():
        row, _created = funding.start_stripe_funding(world.project_id, 9_900, "EUR", None, None)
    state = ledger_state(app)
    intent = server.fail_payment_intent(row.payment_intent_id)  # type: ignore[arg-type]
    assert post_event(client, server.event("payment_intent.payment_failed", intent)).status_code == 200
    run_jobs()
    assert ledger_state(app) == state
    with app.app_context():
        failed = get_session().get(ProjectFunding, row.id)
        assert failed is not None and failed.state == FundingState.FAILED
        count = get_session().scalar(select(func.count(StripeEvent.id)))
    assert count == 1


def test_manual_mode_still_verifies_and_stores_events(
    app: Flask,
    client: FlaskClient,
    manual_mode: None,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = FakeStripe()  # not started: only its event builder is used
    event = server.event(
        "transfer.reversed",
        {
            "id": "tr_unknown",
            "object": "transfer",
            "amount": 5,
            "amount_reversed": 5,
            "reversed": True,
            "currency": "eur",
        },
    )
    assert post_event(client, event).status_code == 200
    run_jobs()
    assert stored_events(app)[0].result == "unknown_transfer"
