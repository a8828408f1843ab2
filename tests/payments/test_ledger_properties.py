"""Property: whatever sequence of fundings, accepted and rejected judgments, payout runs (with
transient and definitive Stripe failures) and reversals happens, the books stay right.

After every step:
* every transaction is balanced per currency (checked from the stored entries);
* conservation: cash == escrow owed + payable owed + in flight owed + revenue owed;
* no payable or in-flight balance is negative;
* each annotator's earnings == payable + in flight + paid payouts (reversed ones are payable again);
* in flight == the open payouts' amounts;
* Stripe holds at most one transfer per payout, none outside a payout, and what it transferred
  (net of reversals) == paid payouts + pending payouts whose transfer exists but is unrecorded.
At the end, once failures stop and runs drain the pending payouts, Stripe's net total equals the
paid payouts exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.payments.models import AccountKind, Payout, PayoutState
from marketplace.payments.payouts import service as payouts
from tests.conftest import _wipe
from tests.payments.helpers import (
    World,
    assert_ledger_sound,
    build_world,
    ledger_state,
    onboard,
    owed_to,
    pending_count,
    post_event,
    stripe_mode,  # noqa: F401  (fixture)
)
from tests.stripe_server import FakeStripe

ANNOTATORS = 3
LANGUAGES = ("es", "fr", "de")

#: One injected failure on the transfer endpoints: transient (5xx, 429, a dropped connection) or a
#: refusal (400, 402); ``after`` means Stripe made the transfer and then answered the error.
failure = st.tuples(
    st.sampled_from(["POST", "POST", "POST", "GET"]),
    st.sampled_from(["before", "after", "drop_after"]),
    st.sampled_from([500, 429, 400, 402]),
)


def check_invariants(app: Flask, server: FakeStripe, world: World, *, drained: bool = False) -> None:
    assert_ledger_sound(app)
    with app.app_context():
        rows = list(get_session().scalars(select(Payout).order_by(Payout.id)))
    transfers = server.transfers
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for transfer in transfers:
        by_group[transfer["transfer_group"]].append(transfer)
    assert set(by_group) <= {f"payout-{p.id}" for p in rows}
    assert all(len(group) == 1 for group in by_group.values()), by_group
    expected = 0
    for payout in rows:
        made = by_group.get(f"payout-{payout.id}")
        if payout.state == PayoutState.PAID:
            assert made is not None and made[0]["id"] == payout.transfer_id
            expected += payout.amount_minor
        elif payout.state == PayoutState.PENDING and made is not None:
            assert not drained, "a pending payout is left after draining"
            expected += made[0]["amount"] - made[0]["amount_reversed"]
        elif payout.state == PayoutState.FAILED:
            assert made is None
    assert sum(t["amount"] - t["amount_reversed"] for t in transfers) == expected
    for user_id in world.annotators:
        paid = sum(p.amount_minor for p in rows if p.user_id == user_id and p.state == PayoutState.PAID)
        open_amount = sum(
            p.amount_minor
            for p in rows
            if p.user_id == user_id and p.state in (PayoutState.PENDING, PayoutState.DUE)
        )
        payable = owed_to(app, user_id, AccountKind.PAYABLE)
        in_flight = owed_to(app, user_id, AccountKind.IN_FLIGHT)
        assert in_flight == open_amount
        assert world.earned[user_id] == payable + in_flight + paid


@pytest.mark.slow
def test_any_sequence_keeps_the_books_right(
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = stripe_mode
    monkeypatch.setitem(app.config, "PAYOUT_MINIMUM_MINOR", 300)

    class Books(RuleBasedStateMachine):
        """One example: a fresh database and fake Stripe, then any sequence of the rules."""

        def __init__(self) -> None:
            super().__init__()
            _wipe(app)
            server.reset()
            self.world = build_world(app, run_jobs, annotators=ANNOTATORS, items=60, funds=1)
            # Two of three annotators can be paid; the third never finished onboarding (skipped).
            for user_id in self.world.annotators[:2]:
                onboard(app, server, user_id)

        @rule(amount=st.integers(1, 200_000))
        def fund(self, amount: int) -> None:
            self.world.fund(amount)

        @rule(
            who=st.integers(0, ANNOTATORS - 1),
            rate=st.integers(50, 3_000),
            fee=st.integers(0, 600),
            language=st.sampled_from(LANGUAGES),
        )
        def accept(self, who: int, rate: int, fee: int, language: str) -> None:
            self.world.accrue(self.world.annotators[who], rate, fee=fee, language=language)

        @rule(who=st.integers(0, ANNOTATORS - 1))
        def reject(self, who: int) -> None:
            before = ledger_state(app)
            self.world.reject(self.world.annotators[who])
            assert ledger_state(app) == before

        @rule(failures=st.lists(failure, max_size=4))
        def run(self, failures: list[tuple[str, str, int]]) -> None:
            server.clear_failures()
            for method, when, status in failures:
                server.fail_next(method, "/v1/transfers", status=status, when=when)
            with app.app_context():
                payouts.run_payouts()
            server.clear_failures()

        @rule(pick=st.integers(0, 1_000))
        def reverse(self, pick: int) -> None:
            with app.app_context():
                paid = list(
                    get_session().scalars(
                        select(Payout).where(Payout.state == PayoutState.PAID).order_by(Payout.id)
                    )
                )
            if paid:
                chosen = paid[pick % len(paid)]
                event = server.event("transfer.reversed", server.reverse_transfer(chosen.transfer_id or ""))
                assert post_event(client, event).status_code == 200
                run_jobs()

        @invariant()
        def books_are_right(self) -> None:
            check_invariants(app, server, self.world)

        def teardown(self) -> None:
            # Failures stop; the next runs finish whatever is pending, and Stripe then holds
            # exactly the paid payouts.
            for _ in range(5):
                with app.app_context():
                    payouts.run_payouts()
                if pending_count(app) == 0:
                    break
            check_invariants(app, server, self.world, drained=True)
            assert server.internal_errors == []

    run_state_machine_as_test(
        Books,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
