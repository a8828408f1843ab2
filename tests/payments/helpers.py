"""Shared helpers for the payout, funding and webhook tests.

Balances come from real ledger bookings: a project funded by hand, assignments with their rate
fields set (as routing copies them at claim time) and ``accrue_assignment`` (what accepting a
judgment books), so nothing here depends on the review domain.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.db import get_session, utcnow
from marketplace.payments import connect, funding
from marketplace.payments.accrual import accrue_assignment
from marketplace.payments.ledger import balances, unbalanced_transactions
from marketplace.payments.models import AccountKind, ConnectedAccount, Payout, PayoutState
from marketplace.projects.models import Item
from marketplace.routing.models import Acceptance, Assignment, AssignmentState
from tests.stripe_server import TEST_API_KEY, TEST_WEBHOOK_SECRET, FakeStripe, sign_webhook

CURRENCY = "EUR"
PASSWORD = "correct horse battery"
LABELS = [
    {"name": "positive", "definition": "Happy customer.", "edge_cases": [], "examples": []},
    {"name": "negative", "definition": "Unhappy customer.", "edge_cases": [], "examples": []},
]
RETURN_URL = "https://marketplace.test/payouts/connect/return"
REFRESH_URL = "https://marketplace.test/payouts/connect/refresh"

#: Texts long enough for language detection to settle, so the items are routable like real ones.
TEXTS = {
    "es": "Estoy muy contento con el servicio, el pedido llegó a tiempo y todo funciona bien.",
    "fr": "Je suis très content du service, la commande est arrivée à temps et tout fonctionne.",
    "de": "Ich bin sehr zufrieden mit dem Service, die Bestellung kam pünktlich und alles funktioniert.",
}


class Crash(BaseException):
    """Raised by the crash-injection hook: a process dying at that point (not an ``Exception``,
    so no ``except Exception`` in the code under test can swallow it)."""


@pytest.fixture
def stripe_mode(app: Flask, stripe_server: FakeStripe) -> Iterator[FakeStripe]:
    """Stripe keys set and pointed at the fake for this test; the app's config restored after."""
    keys = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_MAX_NETWORK_RETRIES")
    saved = {key: app.config.get(key) for key in (*keys, "PAYOUT_MINIMUM_MINOR")}
    app.config.update(
        STRIPE_SECRET_KEY=TEST_API_KEY,
        STRIPE_API_BASE=stripe_server.url,
        STRIPE_WEBHOOK_SECRET=TEST_WEBHOOK_SECRET,
        STRIPE_MAX_NETWORK_RETRIES=0,
        PAYOUT_MINIMUM_MINOR=100,
    )
    yield stripe_server
    app.config.update(saved)


@pytest.fixture
def manual_mode(app: Flask) -> Iterator[None]:
    """No Stripe keys (the embedded default), a webhook secret so webhooks can still be tested."""
    saved = {key: app.config.get(key) for key in ("STRIPE_WEBHOOK_SECRET", "PAYOUT_MINIMUM_MINOR")}
    app.config.update(STRIPE_WEBHOOK_SECRET=TEST_WEBHOOK_SECRET, PAYOUT_MINIMUM_MINOR=100)
    yield
    app.config.update(saved)


@dataclass
class World:
    """A funded project with items, and annotators with the money they earned."""

    app: Flask
    project_id: int
    project_public_id: str
    ops_id: int
    item_ids: list[int]
    annotators: list[int] = field(default_factory=list)
    earned: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    used: set[tuple[int, int]] = field(default_factory=set)

    def accrue(self, annotator_id: int, rate: int, *, fee: int = 0, language: str = "es") -> int | None:
        """Accept a judgment by ``annotator_id`` on an item they have not done yet; returns the
        assignment id (None when they did every item)."""
        free = [item for item in self.item_ids if (item, annotator_id) not in self.used]
        if not free:
            return None
        item_id = free[0]
        self.used.add((item_id, annotator_id))
        with self.app.app_context():
            session = get_session()
            now = utcnow()
            assignment = Assignment(
                item_id=item_id,
                project_id=self.project_id,
                annotator_id=annotator_id,
                language=language,
                state=AssignmentState.SUBMITTED,
                lease_expires_at=now + timedelta(minutes=30),
                finished_at=now,
                answer={"label": "positive"},
                acceptance=Acceptance.ACCEPTED,
                accepted_at=now,
                rate_minor=rate,
                fee_minor=fee,
                rate_currency=CURRENCY,
            )
            session.add(assignment)
            session.flush()
            assert accrue_assignment(session, assignment, now) is not None
            session.commit()
            self.earned[annotator_id] += rate
            return assignment.id

    def reject(self, annotator_id: int) -> None:
        """A rejected judgment: stored, never booked."""
        free = [item for item in self.item_ids if (item, annotator_id) not in self.used]
        if not free:
            return
        self.used.add((free[0], annotator_id))
        with self.app.app_context():
            session = get_session()
            now = utcnow()
            session.add(
                Assignment(
                    item_id=free[0],
                    project_id=self.project_id,
                    annotator_id=annotator_id,
                    language="es",
                    state=AssignmentState.REJECTED,
                    lease_expires_at=now,
                    finished_at=now,
                    acceptance=Acceptance.REJECTED,
                    rate_minor=100,
                    fee_minor=20,
                    rate_currency=CURRENCY,
                )
            )
            session.commit()

    def fund(self, amount: int) -> None:
        with self.app.app_context():
            funding.record_manual_funding(self.project_id, amount, CURRENCY, "bank-ref", self.ops_id)


def build_world(
    app: Flask,
    run_jobs: Callable[[], int],
    *,
    annotators: int = 3,
    items: int = 12,
    funds: int = 10_000_000,
    organisation_id: int | None = None,
) -> World:
    """A project with ``items`` items, an ops user, ``annotators`` annotators and ``funds`` in
    escrow; built with the services only, so it can be rebuilt after wiping the database."""
    from marketplace.accounts import service as accounts
    from marketplace.projects import organisations
    from marketplace.projects import service as projects
    from marketplace.projects.ingest import upload_items
    from marketplace.projects.models import ProjectState
    from marketplace.projects.upload_parsing import Upload

    languages = list(TEXTS)
    with app.app_context():
        if organisation_id is None:
            organisation_id = organisations.create_organisation("Funding Co").id
        project = projects.create_project(
            organisation_id,
            {
                "name": "Payouts",
                "task_type": "classification",
                "source_language": "es",
                "languages": languages,
                "overlap": 3,
                "max_overlap": 5,
                "ontology": {"labels": LABELS},
                "guidelines": {"es": "Elige el sentimiento."},
                "settings": {"qualification": {"required": False}},
            },
        )
        projects.set_project_state(project.id, ProjectState.ACTIVE, None)
        document = {
            "batch": {"name": "b1"},
            "items": [
                {
                    "external_id": f"i{n}",
                    "language": languages[n % 3],
                    "payload": {"text": f"{TEXTS[languages[n % 3]]} {n}"},
                }
                for n in range(items)
            ],
        }
        upload_items(project.id, Upload(format="json", content=json.dumps(document).encode()))
        project_id, public_id = project.id, project.public_id
        ops_id = accounts.create_user("ops@example.org", PASSWORD, "Ops", [Role.OPS]).id
        people = []
        for n in range(annotators):
            user = accounts.create_user(
                f"annotator{n}@example.org", PASSWORD, f"Annotator {n}", [Role.ANNOTATOR]
            )
            accounts.update_language_profile(user.id, [accounts.LanguageEntry("es", True)])
            people.append(user.id)
    run_jobs()
    with app.app_context():
        item_ids = list(
            get_session().scalars(select(Item.id).where(Item.project_id == project_id).order_by(Item.id))
        )
    world = World(app, project_id, public_id, ops_id, item_ids, people)
    world.fund(funds)
    return world


def onboard(app: Flask, server: FakeStripe, user_id: int) -> str:
    """Connect the annotator's Stripe account and finish onboarding; returns the account id."""
    with app.app_context():
        connect.start_onboarding(user_id, RETURN_URL, REFRESH_URL)
        account_id = get_session().get(ConnectedAccount, user_id).stripe_account_id  # type: ignore[union-attr]
    account = server.complete_onboarding(account_id)
    with app.app_context():
        assert connect.apply_account_update(account) == "account_updated"
    return account_id


def post_event(
    client: FlaskClient, event: dict[str, Any], *, secret: str = TEST_WEBHOOK_SECRET, **kw: Any
) -> Any:
    """Deliver an event to our webhook as Stripe does: the raw JSON body, signed."""
    body = json.dumps(event).encode()
    return client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": sign_webhook(body, secret, **kw), "Content-Type": "application/json"},
    )


# --- invariants ----------------------------------------------------------------------------------


def ledger_state(app: Flask) -> dict[str, Any]:
    """Every balance, for comparing before and after."""
    with app.app_context():
        return {
            (b.kind, b.currency, b.project_id, b.user_id, b.language): b.balance
            for b in balances(get_session())
        }


def assert_ledger_sound(app: Flask) -> None:
    """Every transaction balanced; cash equals what is owed; no payable or in-flight balance negative."""
    with app.app_context():
        session = get_session()
        assert unbalanced_transactions(session) == []
        rows = balances(session)
        per_currency: dict[str, int] = defaultdict(int)
        for row in rows:
            # Cash is debit-normal, every other account credit-normal (negative when owed), so
            # "cash == escrow + payable + in flight + revenue owed" is "all balances sum to zero".
            per_currency[row.currency] += row.balance
            if row.kind in (AccountKind.PAYABLE, AccountKind.IN_FLIGHT):
                assert -row.balance >= 0, f"negative {row.kind} balance: {row}"
        # cash == escrow owed + payable owed + in-flight owed + revenue owed
        assert all(total == 0 for total in per_currency.values()), per_currency


def owed_to(app: Flask, user_id: int, kind: AccountKind) -> int:
    with app.app_context():
        return -sum(b.balance for b in balances(get_session(), kinds=[kind], user_id=user_id))


def payouts_of(app: Flask) -> list[Payout]:
    with app.app_context():
        return list(get_session().scalars(select(Payout).order_by(Payout.id)))


def pending_count(app: Flask) -> int:
    with app.app_context():
        return int(
            get_session().scalar(select(func.count(Payout.id)).where(Payout.state == PayoutState.PENDING))
            or 0
        )


def assert_exactly_once(app: Flask, server: FakeStripe, world: World) -> None:
    """The end state after runs have converged: every payout paid once at Stripe, every annotator
    paid exactly what they earned, nothing left in flight or payable."""
    transfers = server.transfers
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for transfer in transfers:
        by_group[transfer["transfer_group"]].append(transfer)
    payouts = payouts_of(app)
    with app.app_context():
        accounts = {
            row.user_id: row.stripe_account_id for row in get_session().scalars(select(ConnectedAccount))
        }
    for payout in payouts:
        made = by_group.get(f"payout-{payout.id}", [])
        if payout.state in (PayoutState.PAID, PayoutState.REVERSED):
            assert len(made) == 1, f"payout {payout.id} has {len(made)} transfers"
            assert made[0]["id"] == payout.transfer_id
            assert made[0]["amount"] == payout.amount_minor
        else:
            assert payout.state == PayoutState.FAILED, payout.state
            assert made == [], f"failed payout {payout.id} has a transfer"
    assert sum(len(group) for group in by_group.values()) == len(transfers)
    assert set(by_group) <= {f"payout-{p.id}" for p in payouts}
    for user_id in world.annotators:
        net = sum(
            t["amount"] - t["amount_reversed"] for t in transfers if t["destination"] == accounts.get(user_id)
        )
        assert net == world.earned[user_id], (user_id, net, world.earned[user_id])
        assert owed_to(app, user_id, AccountKind.PAYABLE) == 0
        assert owed_to(app, user_id, AccountKind.IN_FLIGHT) == 0
    assert_ledger_sound(app)
    assert server.internal_errors == []


_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_header(client: FlaskClient, page: str = "/") -> dict[str, str]:
    """The X-CSRFToken header a page's script would send with a cookie-authenticated API write."""
    match = _META_CSRF.search(client.get(page).get_data(as_text=True))
    assert match, "no CSRF meta tag"
    return {"X-CSRFToken": match.group(1)}
