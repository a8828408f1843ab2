"""The payment pages as a browser without JavaScript uses them: who may open them, amounts in the
reader's locale, and the rate card form."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.numbers import format_currency
from flask import Flask
from flask.testing import FlaskClient

from marketplace.accounts.models import Role
from marketplace.payments import rates
from marketplace.payments.models import TransactionKind
from marketplace.routing.models import Acceptance
from tests.conftest import csrf_token, post_form
from tests.payments.money_helpers import fund, judgment, payout_row, payout_step
from tests.routing.test_api import login_as

ITEMS = [
    *[("es", f"El pedido {n} llegó roto y nadie me ayuda.") for n in range(4)],
    *[("hi", f"मेरा ऑर्डर {n} टूटा हुआ आया और कोई मदद नहीं करता।") for n in range(2)],
    *[("ar", f"وصل الطلب {n} مكسورا ولم يساعدني أحد.") for n in range(2)],
]


@pytest.fixture
def organisation(client_org: dict[str, Any]) -> int:
    return int(client_org["organisation_id"])


@pytest.fixture
def project(make_project: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_project(ITEMS, languages=["ar", "es", "hi"], name="Shop reviews")


@pytest.fixture
def earning_annotator(app: Flask, project: dict[str, Any], annotator: Callable[..., int]) -> int:
    """An annotator owed 12.50 € in Spanish and 123,456.78 € in Hindi (a very long transcript)."""
    with app.app_context():
        rates.set_rate_card(project["id"], "es", "EUR", 1250, None)
        rates.set_rate_card(project["id"], "hi", "EUR", 12_345_678 // 2, None)
    fund(app, project["id"], 100_000_000)
    worker = annotator("es", "hi")
    judgment(app, project["id"], worker, "es", acceptance=Acceptance.ACCEPTED, rate_minor=1250, fee_minor=250)
    for _ in range(2):
        judgment(
            app,
            project["id"],
            worker,
            "hi",
            acceptance=Acceptance.ACCEPTED,
            rate_minor=12_345_678 // 2,
            fee_minor=0,
        )
    judgment(app, project["id"], worker, "es", acceptance=Acceptance.PENDING, rate_minor=1250)
    return worker


def _html(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


# --- earnings ---------------------------------------------------------------------------------


def test_earnings_page_formats_money_for_the_readers_locale(
    app: Flask, client: FlaskClient, earning_annotator: int
) -> None:
    login_as(client, earning_annotator, app)

    spanish = _html(client, "/earnings?lang=es")
    assert "12,50\xa0€" in spanish  # owed in Spanish, and the pending judgment
    assert "Shop reviews" in spanish
    assert 'href="/payouts/connect"' in spanish

    english = _html(client, "/earnings?lang=en")
    assert "€12.50" in english and "€123,456.78" in english

    hindi = _html(client, "/earnings?lang=hi")
    assert "€1,23,456.78" in hindi  # Indian digit grouping
    assert format_currency(Decimal("123456.78"), "EUR", locale="hi") in hindi

    arabic = _html(client, "/earnings?lang=ar")
    assert 'dir="rtl"' in arabic
    assert format_currency(Decimal("12.50"), "EUR", locale="ar") in arabic


def test_earnings_page_lists_payouts_and_balances(
    app: Flask, client: FlaskClient, earning_annotator: int
) -> None:
    payout_step(app, TransactionKind.PAYOUT_START, earning_annotator, "es", 1250)
    payout_step(app, TransactionKind.PAYOUT_PAID, earning_annotator, "es", 1250)
    payout_row(app, earning_annotator, 1250, "paid")
    login_as(client, earning_annotator, app)

    html = _html(client, "/earnings?lang=en")

    paid_cells = re.findall(r'data-field="paid">([^<]*)<', html)
    assert "€12.50" in paid_cells
    assert "Recent payouts" in html
    assert re.search(r"<td>paid \(", html)


def test_annotator_never_sees_another_annotators_earnings(
    app: Flask, client: FlaskClient, earning_annotator: int, annotator: Callable[..., int]
) -> None:
    other = annotator("es")
    login_as(client, other, app)

    html = _html(client, "/earnings?lang=en")

    assert "Shop reviews" not in html
    assert "€12.50" not in html and "123,456.78" not in html
    assert "Nothing is owed to you yet" in html


def test_earnings_page_needs_an_annotator(
    client: FlaskClient, client_org: dict[str, Any], login: Callable[..., Any]
) -> None:
    anonymous = client.get("/earnings")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login("owner@client.example")
    assert client.get("/earnings").status_code == 403


# --- ops --------------------------------------------------------------------------------------


def test_ops_payments_page(
    app: Flask,
    client: FlaskClient,
    earning_annotator: int,
    make_user: Callable[..., int],
    login: Callable[..., Any],
) -> None:
    make_user("ops@example.org", roles=(Role.OPS,), native=())
    login("ops@example.org")

    html = _html(client, "/ops/payments?lang=es")

    revenue = re.findall(r'data-field="revenue">([^<]*)<', html)
    assert revenue == ["2,50\xa0€"]  # the Hindi judgments were priced without a fee
    assert "12,50\xa0€" in html  # owed in Spanish


def test_ops_payments_page_is_ops_only(
    app: Flask,
    client: FlaskClient,
    earning_annotator: int,
    login: Callable[..., Any],
    client_org: dict[str, Any],
) -> None:
    login_as(client, earning_annotator, app)
    assert client.get("/ops/payments").status_code == 403
    other = app.test_client()
    post_form(other, "/login", {"email": "owner@client.example", "password": "correct horse battery"})
    assert other.get("/ops/payments").status_code == 403


# --- a project's rates and budget -------------------------------------------------------------


class _Controls(HTMLParser):
    """Form controls of a page and the ``for`` targets of its labels."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "label" and values.get("for"):
            self.label_targets.add(values["for"] or "")
        if tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            self.controls.append(values)


def _form_of(html: str) -> str:
    match = re.search(r'<main id="main".*?</main>', html, re.S)
    assert match
    return match.group(0)


def test_project_payments_page_form_has_a_labelled_row_per_language(
    client: FlaskClient, project: dict[str, Any], login: Callable[..., Any]
) -> None:
    login("owner@client.example")

    html = _html(client, f"/projects/{project['public_id']}/payments?lang=en")

    parser = _Controls()
    parser.feed(_form_of(html))
    names = [c.get("name") for c in parser.controls]
    assert names == ["currency", "rate-ar", "rate-es", "rate-hi"]
    assert all(c.get("id") in parser.label_targets for c in parser.controls)
    assert 'name="csrf_token"' in html
    assert "This project has no budget yet" in html


def test_client_saves_rates_in_their_own_number_format(
    app: Flask, client: FlaskClient, project: dict[str, Any], login: Callable[..., Any]
) -> None:
    login("owner@client.example")
    url = f"/projects/{project['public_id']}/payments?lang=es"

    response = post_form(
        client, url, {"currency": "EUR", "rate-es": "0,15", "rate-hi": "1.250", "rate-ar": ""}
    )

    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        cards = {c.language: (c.currency, c.amount_minor) for c in rates.list_rate_cards(project["id"])}
    assert cards == {"es": ("EUR", 15), "hi": ("EUR", 125_000)}

    page = _html(client, url)
    assert 'value="0,15"' in page  # shown back as the reader writes it
    assert "0,03\xa0€" in page  # the 20 % fee on 0,15 €, rounded half up
    fund(app, project["id"], 50_000)
    funded = _html(client, url)
    assert re.findall(r'data-field="funded">([^<]*)<', funded) == ["500,00\xa0€"]


def test_rate_form_errors_are_shown_next_to_their_field(
    app: Flask, client: FlaskClient, project: dict[str, Any], login: Callable[..., Any]
) -> None:
    login("owner@client.example")
    url = f"/projects/{project['public_id']}/payments?lang=en"

    typo = post_form(client, url, {"currency": "EUR", "rate-es": "abc", "rate-hi": "0.125"})
    assert typo.status_code == 422
    html = typo.get_data(as_text=True)
    assert 'id="rate-es-errors"' in html and 'id="rate-hi-errors"' in html
    assert 'value="abc"' in html  # what was typed comes back to be fixed

    bad_currency = post_form(client, url, {"currency": "ZZZ", "rate-es": "1"})
    assert bad_currency.status_code == 422
    assert 'id="currency-errors"' in bad_currency.get_data(as_text=True)

    with app.app_context():
        assert rates.list_rate_cards(project["id"]) == []


def test_project_payments_page_is_for_the_projects_client_and_ops(
    app: Flask,
    client: FlaskClient,
    project: dict[str, Any],
    make_user: Callable[..., int],
    annotator: Callable[..., int],
) -> None:
    from marketplace.projects import organisations

    url = f"/projects/{project['public_id']}/payments"
    assert client.get(url).status_code == 302  # to the log-in page

    rival = make_user("rival@other.example", roles=(Role.CLIENT,), native=())
    with app.app_context():
        organisations.create_organisation("Rival Inc", owner_user_id=rival)
    rival_client = app.test_client()
    post_form(rival_client, "/login", {"email": "rival@other.example", "password": "correct horse battery"})
    assert rival_client.get(url).status_code == 404
    # A valid form post of the rival's own session still finds no such project.
    own_token = csrf_token(rival_client, "/account")
    stolen = rival_client.post(url, data={"csrf_token": own_token, "currency": "EUR", "rate-es": "9"})
    assert stolen.status_code == 404
    with app.app_context():
        assert rates.list_rate_cards(project["id"]) == []

    worker_client = app.test_client()
    login_as(worker_client, annotator("es"), app)
    assert worker_client.get(url).status_code == 403

    ops_client = app.test_client()
    make_user("ops@example.org", roles=(Role.OPS,), native=())
    post_form(ops_client, "/login", {"email": "ops@example.org", "password": "correct horse battery"})
    assert ops_client.get(url).status_code == 200
