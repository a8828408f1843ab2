"""Rate cards (rules, the API, who may see and change them) and a project's budget from the ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.errors import Conflict, NotFound
from marketplace.payments import rates
from marketplace.payments.budget import project_budget
from marketplace.payments.models import RateCard
from marketplace.routing.models import Acceptance, AssignmentState
from marketplace.validation import InvalidInput
from tests.payments.money_helpers import assert_ledger_balanced, fund, judgment

ITEMS = [
    *[("es", f"El pedido {n} llegó roto y nadie me ayuda.") for n in range(6)],
    *[("hi", f"मेरा ऑर्डर {n} टूटा हुआ आया और कोई मदद नहीं करता।") for n in range(3)],
    *[("ar", f"وصل الطلب {n} مكسورا ولم يساعدني أحد.") for n in range(3)],
]


@pytest.fixture
def organisation(client_org: dict[str, Any]) -> int:
    """Projects of these tests belong to the client organisation that holds the API token."""
    return int(client_org["organisation_id"])


@pytest.fixture
def project(make_project: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_project(ITEMS, languages=["ar", "es", "hi"])


def _errors(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


# --- the service's rules ----------------------------------------------------------------------


def test_set_rate_card_creates_then_updates_one_card_per_language(
    app_ctx: Flask, project: dict[str, Any], client_org: dict[str, Any]
) -> None:
    card = rates.set_rate_card(project["id"], "es", "EUR", 12, client_org["owner_id"])
    assert (card.language, card.currency, card.amount_minor, card.task_type) == (
        "es",
        "EUR",
        12,
        "classification",
    )

    rates.set_rate_card(project["id"], "ES", "eur", 15, None)

    cards = rates.list_rate_cards(project["id"])
    assert [(c.language, c.currency, c.amount_minor) for c in cards] == [("es", "EUR", 15)]
    assert cards[0].updated_by_id is None
    assert rates.project_currency(project["id"]) == "EUR"


@pytest.mark.parametrize(
    ("language", "currency", "amount", "field", "code"),
    [
        ("fr", "EUR", 10, "language", "not_a_project_language"),
        ("xx-nonsense", "EUR", 10, "language", "not_a_project_language"),
        ("es", "XYZ", 10, "currency", "unknown_currency"),
        ("es", "DEM", 10, "currency", "unknown_currency"),  # withdrawn: nobody can pay in it
        ("es", "XXX", 10, "currency", "unknown_currency"),  # "no currency", not money
        ("es", "EUR", -1, "amount_minor", "minimum"),
        ("es", "EUR", rates.MAX_RATE_MINOR + 1, "amount_minor", "maximum"),
        ("es", "EUR", True, "amount_minor", "type"),
        ("es", "EUR", 1.5, "amount_minor", "type"),
    ],
)
def test_set_rate_card_refuses_broken_rules_with_422(
    app_ctx: Flask, project: dict[str, Any], language: str, currency: str, amount: Any, field: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        rates.set_rate_card(project["id"], language, currency, amount, None)
    assert exc.value.status == 422
    assert _errors(exc) == {field: code}
    assert rates.list_rate_cards(project["id"]) == []


def test_zero_and_the_maximum_are_allowed(app_ctx: Flask, project: dict[str, Any]) -> None:
    rates.set_rate_card(project["id"], "es", "JPY", 0, None)
    rates.set_rate_card(project["id"], "hi", "JPY", rates.MAX_RATE_MINOR, None)
    assert [c.amount_minor for c in rates.list_rate_cards(project["id"])] == [0, rates.MAX_RATE_MINOR]


def test_all_cards_of_a_project_share_one_currency(app_ctx: Flask, project: dict[str, Any]) -> None:
    rates.set_rate_card(project["id"], "es", "EUR", 10, None)

    with pytest.raises(InvalidInput) as exc:
        rates.set_rate_card(project["id"], "hi", "INR", 900, None)
    assert _errors(exc) == {"currency": "mixed_currency"}

    # The only card may change currency; with two cards, the whole card changes at once.
    rates.set_rate_card(project["id"], "es", "USD", 11, None)
    rates.replace_rate_cards(
        project["id"], [rates.RateInput("es", "INR", 900), rates.RateInput("hi", "INR", 800)], None
    )
    assert {c.currency for c in rates.list_rate_cards(project["id"])} == {"INR"}


def test_replace_lists_every_problem_and_changes_nothing(app_ctx: Flask, project: dict[str, Any]) -> None:
    rates.set_rate_card(project["id"], "es", "EUR", 10, None)

    with pytest.raises(InvalidInput) as exc:
        rates.replace_rate_cards(
            project["id"],
            [
                rates.RateInput("es", "EUR", 12),
                rates.RateInput("es", "EUR", 13),
                rates.RateInput("hi", "USD", 14),
                rates.RateInput("de", "EUR", -2),
            ],
            None,
        )

    assert exc.value.status == 422
    assert _errors(exc) == {
        "rates[1].language": "duplicate",
        "rates[2].currency": "mixed_currency",
        "rates[3].language": "not_a_project_language",
        "rates[3].amount_minor": "minimum",
    }
    assert [(c.language, c.amount_minor) for c in rates.list_rate_cards(project["id"])] == [("es", 10)]


def test_rates_follow_the_currency_the_budget_is_held_in(app: Flask, project: dict[str, Any]) -> None:
    fund(app, project["id"], 5_000, "EUR")
    with app.app_context():
        with pytest.raises(InvalidInput) as exc:
            rates.set_rate_card(project["id"], "es", "USD", 10, None)
        assert _errors(exc) == {"currency": "budget_currency"}
        rates.set_rate_card(project["id"], "es", "EUR", 10, None)


def test_a_funded_or_paid_project_cannot_lose_its_last_rate(app: Flask, project: dict[str, Any]) -> None:
    with app.app_context():
        rates.set_rate_card(project["id"], "es", "EUR", 10, None)
        rates.set_rate_card(project["id"], "hi", "EUR", 10, None)
        rates.delete_rate_card(project["id"], "hi", None)
        with pytest.raises(NotFound):
            rates.delete_rate_card(project["id"], "ar", None)
        # Unfunded and never worked: may go back to being unpriced.
        rates.delete_rate_card(project["id"], "es", None)
        rates.set_rate_card(project["id"], "es", "EUR", 10, None)
    fund(app, project["id"], 1_000)
    with app.app_context():
        with pytest.raises(Conflict):
            rates.delete_rate_card(project["id"], "es", None)
        with pytest.raises(Conflict):
            rates.replace_rate_cards(project["id"], [], None)
        assert len(rates.list_rate_cards(project["id"])) == 1


# --- the API ----------------------------------------------------------------------------------


def test_put_replaces_the_rate_card_and_get_shows_fee_and_cost(
    api: Callable[..., Any], project: dict[str, Any]
) -> None:
    path = f"/projects/{project['public_id']}/rates"
    response = api(
        "PUT",
        path,
        json={
            "rates": [
                {"language": "es", "currency": "EUR", "amount_minor": 100},
                {"language": "hi", "currency": "EUR", "amount_minor": 75},
            ]
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["currency"] == "EUR"
    assert response.json["fee_bps"] == 2000
    es = response.json["rates"][0]
    assert es["language"] == "es" and es["amount_minor"] == 100 and es["task_type"] == "classification"
    assert es["fee"] == {"amount_minor": 20, "currency": "EUR"}
    assert es["unit_cost"] == {"amount_minor": 120, "currency": "EUR"}
    assert response.json["rates"][1]["fee"] == {"amount_minor": 15, "currency": "EUR"}

    # Languages left out of a PUT lose their rate.
    response = api("PUT", path, json={"rates": [{"language": "hi", "currency": "EUR", "amount_minor": 80}]})
    assert response.status_code == 200
    listed = api("GET", path).json
    assert [(r["language"], r["amount_minor"]) for r in listed["rates"]] == [("hi", 80)]
    assert listed["project"] == project["public_id"]


def test_put_reports_rule_breaks_as_422_field_errors(
    api: Callable[..., Any], project: dict[str, Any]
) -> None:
    response = api(
        "PUT",
        f"/projects/{project['public_id']}/rates",
        json={"rates": [{"language": "fr", "currency": "EUR", "amount_minor": 5}]},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_input"
    assert error["field"] == "rates[0].language"
    assert error["errors"][0]["code"] == "not_a_project_language"

    malformed = api("PUT", f"/projects/{project['public_id']}/rates", json={"rates": [{"language": "es"}]})
    assert malformed.status_code == 400


def test_delete_one_rate(api: Callable[..., Any], project: dict[str, Any]) -> None:
    path = f"/projects/{project['public_id']}/rates"
    api(
        "PUT",
        path,
        json={
            "rates": [
                {"language": "es", "currency": "EUR", "amount_minor": 10},
                {"language": "ar", "currency": "EUR", "amount_minor": 10},
            ]
        },
    )
    assert api("DELETE", f"{path}/ar").status_code == 204
    assert api("DELETE", f"{path}/ar").status_code == 404
    assert [r["language"] for r in api("GET", path).json["rates"]] == ["es"]


def test_rates_and_budget_are_the_projects_client_and_ops_only(
    app: Flask,
    client: FlaskClient,
    api: Callable[..., Any],
    project: dict[str, Any],
    make_user: Callable[..., int],
    login: Callable[..., Any],
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.projects import organisations

    rates_path = f"/api/v1/projects/{project['public_id']}/rates"
    budget_path = f"/api/v1/projects/{project['public_id']}/budget"
    body = {"rates": [{"language": "es", "currency": "EUR", "amount_minor": 10}]}
    assert api("PUT", f"/projects/{project['public_id']}/rates", json=body).status_code == 200

    # Another organisation's token: the project does not exist for it.
    with app.app_context():
        other = organisations.create_organisation("Other Corp")
        _token, raw = accounts.issue_api_token(other.id, "other")
    other_headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(rates_path, headers=other_headers).status_code == 404
    assert client.get(budget_path, headers=other_headers).status_code == 404
    assert client.put(rates_path, json=body, headers=other_headers).status_code == 404

    assert client.get(rates_path).status_code == 401

    make_user("worker@example.org", roles=(Role.ANNOTATOR,))
    login("worker@example.org")
    assert client.get(rates_path).status_code == 403
    assert client.get(budget_path).status_code == 403

    client.post("/logout", data={"csrf_token": _csrf(client)})
    make_user("ops@example.org", roles=(Role.OPS,), native=())
    login("ops@example.org")
    assert client.get(rates_path).json["rates"][0]["amount_minor"] == 10
    assert client.get(budget_path).status_code == 200


def _csrf(client: FlaskClient) -> str:
    import re

    html = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match
    return match.group(1)


def test_openapi_documents_the_payment_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    rates_op = paths["/api/v1/projects/{project_id}/rates"]
    assert set(rates_op) >= {"get", "put"}
    assert rates_op["put"]["requestBody"]["content"]["application/json"]["schema"]["required"] == ["rates"]
    assert "422" in rates_op["put"]["responses"]
    assert (
        "schema"
        in paths["/api/v1/projects/{project_id}/budget"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]
    )
    assert "/api/v1/earnings" in paths
    assert "/api/v1/ops/payments/summary" in paths


# --- the budget -------------------------------------------------------------------------------


def test_budget_from_funding_accrual_and_work_in_progress(
    app: Flask, api: Callable[..., Any], project: dict[str, Any], annotator: Callable[..., int]
) -> None:
    pid = project["id"]
    with app.app_context():
        rates.set_rate_card(pid, "es", "EUR", 100, None)
    fund(app, pid, 6_000)
    fund(app, pid, 4_000)
    ana, ben = annotator("es"), annotator("es")
    first = judgment(app, pid, ana, "es", acceptance=Acceptance.ACCEPTED)
    with app.app_context():
        from marketplace.routing.models import Assignment

        same_item = get_session().get(Assignment, first)
        assert same_item is not None
        item_id = same_item.item_id
    judgment(app, pid, ben, "es", acceptance=Acceptance.ACCEPTED, item_id=item_id)  # same item
    judgment(app, pid, ben, "es", acceptance=Acceptance.ACCEPTED)
    judgment(app, pid, ana, "es", acceptance=Acceptance.PENDING)  # committed
    judgment(app, pid, ana, "es", acceptance=Acceptance.IN_REVIEW)  # committed
    judgment(app, pid, ana, "es", acceptance=None, state=AssignmentState.LEASED)  # live lease: committed
    judgment(app, pid, ben, "es", acceptance=Acceptance.REJECTED, state=AssignmentState.REJECTED)  # nothing

    with app.app_context():
        budget = project_budget(pid)
    assert [line.currency for line in budget.currencies] == ["EUR"]
    eur = budget.in_currency("EUR")
    assert eur is not None
    assert eur.funded_minor == 10_000
    assert eur.spent_minor == 3 * 120
    assert eur.committed_minor == 3 * 120
    assert eur.available_minor == 10_000 - 6 * 120
    assert (eur.accepted_judgments, eur.accepted_items) == (3, 2)
    assert eur.average_cost_per_item_minor == 180
    assert eur.average_cost_per_judgment_minor == 120

    body = api("GET", f"/projects/{project['public_id']}/budget").json
    assert body["project"] == project["public_id"]
    line = body["currencies"][0]
    assert line["funded"] == {"amount_minor": 10_000, "currency": "EUR"}
    assert line["spent"] == {"amount_minor": 360, "currency": "EUR"}
    assert line["available"] == {"amount_minor": 9_280, "currency": "EUR"}
    assert line["average_cost_per_item"] == {"amount_minor": 180, "currency": "EUR"}
    assert_ledger_balanced(app)


def test_budget_of_a_priced_project_before_funding_and_of_an_unpriced_one(
    app: Flask, project: dict[str, Any]
) -> None:
    with app.app_context():
        assert project_budget(project["id"]).currencies == []
        rates.set_rate_card(project["id"], "es", "JPY", 15, None)
        line = project_budget(project["id"]).in_currency("JPY")
    assert line is not None
    assert (line.funded_minor, line.spent_minor, line.available_minor) == (0, 0, 0)
    assert line.average_cost_per_item_minor is None


def test_rate_cards_are_stored_for_the_projects_task_type(app_ctx: Flask, project: dict[str, Any]) -> None:
    rates.set_rate_card(project["id"], "ar", "EUR", 7, None)
    stored = get_session().query(RateCard).one()
    assert stored.task_type == "classification"
