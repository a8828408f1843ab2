"""Funding a project (Stripe PaymentIntent or ops by hand), Connect onboarding, the ops payout API
and pages, and the CSV of due payouts."""

from __future__ import annotations

import csv
import http.client
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.payments.ledger import AccountRef, owed
from marketplace.payments.models import (
    AccountKind,
    FundingState,
    PayoutState,
    ProjectFunding,
    RateCard,
)
from marketplace.payments.payouts import manual, queries
from marketplace.payments.payouts import service as payouts
from tests.conftest import post_form
from tests.payments.helpers import (
    CURRENCY,
    assert_ledger_sound,
    build_world,
    csrf_header,
    manual_mode,  # noqa: F401  (fixture)
    owed_to,
    payouts_of,
    post_event,
    stripe_mode,  # noqa: F401  (fixture)
)
from tests.stripe_server import FakeStripe

PASSWORD = "correct horse battery"


@pytest.fixture
def world(
    app: Flask,
    client_org: dict[str, Any],
    run_jobs: Callable[[], int],
) -> Any:
    """A project of the client organisation (``api`` calls act for it), with two annotators."""
    return build_world(app, run_jobs, annotators=2, funds=1000, organisation_id=client_org["organisation_id"])


def escrow(app: Flask, project_id: int) -> int:
    with app.app_context():
        return owed(get_session(), AccountRef.escrow(project_id, CURRENCY))


# --- Stripe funding --------------------------------------------------------------------------------


def test_stripe_funding_retried_with_the_same_key_makes_one_payment_intent(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    world: Any,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    path = f"/projects/{world.project_public_id}/funding"
    headers = {"Idempotency-Key": "order-42"}
    first = api("POST", path, json={"amount_minor": 50_000, "currency": "eur"}, headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["state"] == "pending" and first.json["currency"] == "EUR"
    assert first.json["client_secret"].startswith("pi_")
    retry = api("POST", path, json={"amount_minor": 50_000, "currency": "EUR"}, headers=headers)
    assert retry.status_code == 200
    assert (retry.json["id"], retry.json["client_secret"]) == (first.json["id"], first.json["client_secret"])
    assert len(server.payment_intents) == 1
    (intent,) = server.payment_intents
    assert (intent["amount"], intent["currency"]) == (50_000, "eur")
    # The same key for another amount is a conflict, not a second funding.
    other = api("POST", path, json={"amount_minor": 60_000, "currency": "EUR"}, headers=headers)
    assert other.status_code == 409
    # Nothing is credited until Stripe says the payment succeeded.
    assert escrow(app, world.project_id) == 1000
    event = server.event("payment_intent.succeeded", server.succeed_payment_intent(intent["id"]))
    assert post_event(client, event).status_code == 200
    run_jobs()
    assert escrow(app, world.project_id) == 51_000
    listed = api("GET", path)
    assert listed.status_code == 200
    states = {item["id"]: item["state"] for item in listed.json["items"]}
    assert states[first.json["id"]] == "succeeded"
    assert all(item["client_secret"] is None for item in listed.json["items"])
    assert_ledger_sound(app)


def test_lost_answer_from_stripe_is_retried_into_the_same_payment_intent(
    app: Flask,
    api: Callable[..., Any],
    world: Any,
    stripe_mode: FakeStripe,  # noqa: F811
) -> None:
    server = stripe_mode
    path = f"/projects/{world.project_public_id}/funding"
    server.fail_next("POST", "/v1/payment_intents", when="drop_after")
    lost = api(
        "POST", path, json={"amount_minor": 7_000, "currency": "EUR"}, headers={"Idempotency-Key": "k"}
    )
    assert lost.status_code == 503
    assert len(server.payment_intents) == 1  # Stripe made it; we never heard
    retry = api(
        "POST", path, json={"amount_minor": 7_000, "currency": "EUR"}, headers={"Idempotency-Key": "k"}
    )
    assert retry.status_code == 200
    assert retry.json["client_secret"] == server.payment_intents[0]["client_secret"]
    assert len(server.payment_intents) == 1


def test_funding_input_is_checked_with_422(
    app: Flask,
    api: Callable[..., Any],
    world: Any,
    stripe_mode: FakeStripe,  # noqa: F811
) -> None:
    path = f"/projects/{world.project_public_id}/funding"
    for body, field in (
        ({"amount_minor": 0, "currency": "EUR"}, "amount_minor"),
        ({"amount_minor": 10**12, "currency": "EUR"}, "amount_minor"),
        ({"amount_minor": 500, "currency": "XYZ"}, "currency"),
        ({"amount_minor": 500, "currency": "euro"}, "currency"),
    ):
        response = api("POST", path, json=body)
        assert response.status_code == 422, (body, response.json)
        assert response.json["error"]["field"] == field
    assert api("POST", path, json={"amount_minor": "5", "currency": "EUR"}).status_code == 400
    with app.app_context():
        get_session().add(
            RateCard(
                project_id=world.project_id,
                task_type="classification",
                language="es",
                currency="USD",
                amount_minor=10,
            )
        )
        get_session().commit()
    mismatch = api("POST", path, json={"amount_minor": 500, "currency": "EUR"})
    assert mismatch.status_code == 422
    assert mismatch.json["error"]["errors"][0]["code"] == "currency_mismatch"
    assert stripe_mode.payment_intents == []


def test_funding_access(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    world: Any,
    make_user: Callable[..., int],
    login: Callable[..., Any],
    stripe_mode: FakeStripe,  # noqa: F811
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.projects import organisations

    path = f"/api/v1/projects/{world.project_public_id}/funding"
    body = {"amount_minor": 500, "currency": "EUR"}
    # Another organisation's token: the project is not theirs (hidden: 404, as for every project).
    with app.app_context():
        other = organisations.create_organisation("Other Org")
        _token, raw = accounts.issue_api_token(other.id, "ci")
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 404
    assert client.get(path, headers={"Authorization": f"Bearer {raw}"}).status_code == 404
    # An annotator has no business funding projects.
    make_user("worker@example.org", roles=(Role.ANNOTATOR,))
    login("worker@example.org")
    assert client.post(path, json=body, headers=csrf_header(client)).status_code == 403
    assert client.get(path).status_code == 403
    assert (
        client.post(
            f"/api/v1/ops/projects/{world.project_public_id}/funding",
            json={**body, "reference": "x"},
            headers=csrf_header(client),
        ).status_code
        == 403
    )
    # A client token cannot act as ops either.
    ops_call = api(
        "POST", f"/ops/projects/{world.project_public_id}/funding", json={**body, "reference": "x"}
    )
    assert ops_call.status_code == 403
    assert stripe_mode.payment_intents == []


# --- manual funding --------------------------------------------------------------------------------


def test_manual_mode_refuses_card_funding_and_ops_record_it_by_hand(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    world: Any,
    login: Callable[..., Any],
    manual_mode: None,  # noqa: F811
) -> None:
    path = f"/projects/{world.project_public_id}/funding"
    refused = api("POST", path, json={"amount_minor": 500, "currency": "EUR"})
    assert refused.status_code == 409
    assert "contact" in refused.json["error"]["message"]
    login("ops@example.org")
    response = client.post(
        f"/api/v1/ops/projects/{world.project_public_id}/funding",
        json={"amount_minor": 12_345, "currency": "eur", "reference": "SEPA 2026-11-27"},
        headers=csrf_header(client),
    )
    assert response.status_code == 201, response.json
    assert (response.json["state"], response.json["method"]) == ("succeeded", "manual")
    assert escrow(app, world.project_id) == 1000 + 12_345
    with app.app_context():
        row = get_session().scalar(
            select(ProjectFunding).where(ProjectFunding.public_id == response.json["id"])
        )
        assert row is not None and row.state == FundingState.SUCCEEDED and row.created_by_id == world.ops_id
    assert_ledger_sound(app)


# --- Connect onboarding ----------------------------------------------------------------------------


def test_onboarding_url_then_return_page_shows_the_account_ready(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., int],
    login: Callable[..., Any],
    stripe_mode: FakeStripe,  # noqa: F811
) -> None:
    server = stripe_mode
    make_user("worker@example.org", roles=(Role.ANNOTATOR,))
    login("worker@example.org")
    assert client.get("/api/v1/payouts/account").json["connected"] is False
    response = client.post("/api/v1/payouts/connect", json={}, headers=csrf_header(client))
    assert response.status_code == 200, response.json
    url = response.json["url"]
    assert url.startswith(server.url + "/connect/onboarding/")
    assert response.json["account"]["connected"] is True and response.json["account"]["ready"] is False
    # Asking again reuses the account (a new single-use link, the same Stripe account).
    again = client.post("/api/v1/payouts/connect", headers=csrf_header(client))
    assert again.json["account"]["account_id"] == response.json["account"]["account_id"]
    assert len(server.accounts) == 1
    assert server.accounts[0]["capabilities"] == {"transfers": "inactive"}
    # The annotator fills in Stripe's form; Stripe sends them to our return page.
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    connection.request("GET", f"{parts.path}?{parts.query}")
    stripe_answer = connection.getresponse()
    stripe_answer.read()
    connection.close()
    assert stripe_answer.status == 302
    return_url = stripe_answer.getheader("Location") or ""
    assert urlsplit(return_url).path == "/payouts/connect/return"
    page = client.get(urlsplit(return_url).path)
    assert page.status_code == 200
    status = client.get("/api/v1/payouts/account").json
    assert status["ready"] is True and status["details_submitted"] is True


def test_onboarding_page_redirects_to_stripe(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., int],
    login: Callable[..., Any],
    stripe_mode: FakeStripe,  # noqa: F811
) -> None:
    make_user("worker@example.org", roles=(Role.ANNOTATOR,))
    login("worker@example.org")
    page = client.get("/payouts/connect")
    assert page.status_code == 200
    assert 'action="/payouts/connect"' in page.get_data(as_text=True)
    response = post_form(client, "/payouts/connect", {})
    assert response.status_code == 303
    assert response.headers["Location"].startswith(stripe_mode.url + "/connect/onboarding/")
    assert client.get("/payouts/connect/refresh").status_code == 200


def test_connect_is_for_annotators_and_needs_stripe(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    make_user: Callable[..., int],
    login: Callable[..., Any],
    manual_mode: None,  # noqa: F811
) -> None:
    assert api("POST", "/payouts/connect", json={}).status_code == 403
    assert api("GET", "/payouts/account").status_code == 403
    make_user("worker@example.org", roles=(Role.ANNOTATOR,))
    login("worker@example.org")
    assert client.post("/api/v1/payouts/connect", json={}, headers=csrf_header(client)).status_code == 409
    assert client.get("/api/v1/payouts/account").json == {
        "mode": "manual",
        "connected": False,
        "account_id": None,
        "details_submitted": False,
        "payouts_enabled": False,
        "transfers_active": False,
        "ready": False,
    }
    assert "bank transfer" in client.get("/payouts/connect").get_data(as_text=True)


# --- manual payouts: CSV and mark-paid ------------------------------------------------------------


def _due_payouts(app: Flask, world: Any) -> list[Any]:
    from marketplace.accounts.models import User

    with app.app_context():
        first, second = (get_session().get(User, uid) for uid in world.annotators)
        assert first is not None and second is not None
        first.display_name = '=HYPERLINK("x"), "Ana"'
        second.display_name = "Émile Zola"
        get_session().commit()
    world.accrue(world.annotators[0], 1250, language="es")
    world.accrue(world.annotators[1], 300, language="fr")
    world.accrue(world.annotators[1], 9, language="de")
    with app.app_context():
        run = payouts.run_payouts()
    assert (run.mode, run.created) == ("manual", 2)
    return payouts_of(app)


def test_csv_of_due_payouts(
    app: Flask,
    client: FlaskClient,
    world: Any,
    login: Callable[..., Any],
    manual_mode: None,  # noqa: F811
) -> None:
    due = _due_payouts(app, world)
    login("ops@example.org")
    response = client.get("/api/v1/ops/payouts.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["payout_id", "annotator_name", "annotator_email", "amount", "currency", "created_at"]
    body = {row[0]: row for row in rows[1:]}
    assert set(body) == {p.public_id for p in due}
    first = body[due[0].public_id]
    assert first[1] == '\'=HYPERLINK("x"), "Ana"'  # quoted by csv, and defused for spreadsheets
    assert first[3:5] == ["12.50", "EUR"]
    assert body[due[1].public_id][1:5] == ["Émile Zola", body[due[1].public_id][2], "3.09", "EUR"]
    assert first[5].endswith("Z")
    with app.app_context():
        assert manual.format_minor(1250, "JPY") == "1250" and manual.format_minor(5, "KWD") == "0.005"
    assert client.get("/api/v1/ops/payouts.csv?state=nonsense").status_code == 400


def test_mark_paid_through_the_api_and_the_page(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    world: Any,
    login: Callable[..., Any],
    manual_mode: None,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    first, second = _due_payouts(app, world)
    assert (
        api("POST", f"/ops/payouts/{first.public_id}/mark-paid", json={"reference": "x"}).status_code == 403
    )
    login("ops@example.org")
    listed = client.get("/api/v1/ops/payouts?state=due&limit=1")
    assert listed.status_code == 200
    assert len(listed.json["items"]) == 1 and listed.json["next_cursor"]
    rest = client.get(f"/api/v1/ops/payouts?state=due&limit=1&cursor={listed.json['next_cursor']}")
    assert {listed.json["items"][0]["id"], rest.json["items"][0]["id"]} == {first.public_id, second.public_id}
    assert rest.json["next_cursor"] is None

    url = f"/api/v1/ops/payouts/{first.public_id}/mark-paid"
    response = client.post(url, json={"reference": "BANK-1"}, headers=csrf_header(client))
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["reference"]) == ("paid", "BANK-1")
    assert client.post(url, json={"reference": "BANK-1"}, headers=csrf_header(client)).status_code == 409
    assert owed_to(app, first.user_id, AccountKind.IN_FLIGHT) == 0

    page = client.get("/ops/payouts")
    assert page.status_code == 200
    assert second.public_id in page.get_data(as_text=True)
    done = post_form(client, f"/ops/payouts/{second.public_id}/mark-paid", {"reference": "BANK-2"})
    assert done.status_code == 303
    assert [p.state for p in payouts_of(app)] == [PayoutState.PAID, PayoutState.PAID]
    assert owed_to(app, second.user_id, AccountKind.IN_FLIGHT) == 0
    assert_ledger_sound(app)

    # "Run payouts now" (the page's button and the API) queue a run that finds nothing to pay.
    assert post_form(client, "/ops/payouts/run", {}, follow_redirects=False).status_code == 303
    queued = client.post("/api/v1/ops/payouts/run", headers=csrf_header(client))
    assert queued.status_code == 202
    run_jobs()
    with app.app_context():
        runs = queries.recent_runs()
    assert len(runs) == 3 and all(run.created == 0 and run.finished_at for run in runs[:2])
    assert all(run.triggered_by_id == world.ops_id for run in runs[:2])
