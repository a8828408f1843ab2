"""Payout runs pay every balance exactly once, whatever dies or fails on the way.

The runs talk to the fake Stripe over HTTP through the official SDK. Failures are injected where
they hurt: before Stripe processes a request, after it processed it but before we get the answer
(``after``), or as a dropped connection (``drop_after``); and the run itself dies at every step
(``_checkpoint`` raising, or a real SIGKILL of a separate process). After the runs converge,
Stripe holds exactly one transfer per payout, each annotator received exactly what they earned,
and the ledger is balanced with nothing left payable or in flight.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.db import get_session
from marketplace.payments.ledger import AccountRef, owed
from marketplace.payments.models import AccountKind, ConnectedAccount, PayoutState, StripeEvent
from marketplace.payments.payouts import service as payouts
from tests.payments.helpers import (
    CURRENCY,
    Crash,
    assert_exactly_once,
    assert_ledger_sound,
    build_world,
    onboard,
    owed_to,
    payouts_of,
    pending_count,
    post_event,
    stripe_mode,  # noqa: F401  (fixture)
)
from tests.stripe_server import TEST_API_KEY, FakeStripe

ROOT = Path(__file__).resolve().parents[2]

#: Every point at which ``run_payouts`` calls the crash hook.
CHECKPOINTS = (
    "run_started",
    "payout_opened",
    "payout_locked",
    "transfer_looked_up",
    "transfer_made",
    "paid_booked",
    "failed_booked",
    "left_pending",
    "payout_done",
    "run_finishing",
)
CRASH_SEEDS = 40
WHEN = ("before", "after", "drop_after")


def run_once(app: Flask) -> Any:
    """One run in a fresh app context, as a new worker process would start it."""
    with app.app_context():
        return payouts.run_payouts()


def crash_at(monkeypatch: pytest.MonkeyPatch, name: str, nth: int) -> list[str]:
    """Make the ``nth`` call of checkpoint ``name`` raise :class:`Crash`; returns the calls seen."""
    seen: list[str] = []

    def checkpoint(reached: str) -> None:
        seen.append(reached)
        if reached == name and seen.count(name) == nth:
            raise Crash(f"crash at {name} #{nth}")

    monkeypatch.setattr(payouts, "_checkpoint", checkpoint)
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(CRASH_SEEDS))
def test_crash_anywhere_with_failing_http_pays_exactly_once(
    seed: int,
    app: Flask,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = stripe_mode
    rng = random.Random(seed)
    world = build_world(app, run_jobs, annotators=rng.randint(3, 5))
    for user_id in world.annotators:
        onboard(app, server, user_id)
    languages = ("es", "fr", "de")

    def earn_some() -> None:
        for user_id in world.annotators:
            for _ in range(rng.randint(0, 3)):
                world.accrue(
                    user_id, rng.randint(100, 900), fee=rng.randint(0, 100), language=rng.choice(languages)
                )

    earn_some()
    crashes = 0
    for attempt in range(60):
        if attempt < 12:
            server.fail_randomly(rng.uniform(0.2, 0.6), seed * 1000 + attempt, when=rng.choice(WHEN))
            if rng.random() < 0.3:
                server.fail_next("GET", "/v1/transfers", when="before", count=rng.randint(1, 2))
            if rng.random() < 0.25:
                # A refusal: answered before Stripe acts (the payout fails, a later one pays the
                # money), or after it made the transfer (which must then count as paid).
                server.fail_next("POST", "/v1/transfers", status=402, when=rng.choice(WHEN))
            crash_at(monkeypatch, rng.choice(CHECKPOINTS), rng.randint(1, 3))
        else:
            server.clear_failures()
            monkeypatch.setattr(payouts, "_checkpoint", lambda name: None)
        try:
            run_once(app)
        except Crash:
            crashes += 1
        if attempt == 4:
            earn_some()  # more work accepted between runs: later payouts for the same people
        if (
            attempt >= 12
            and pending_count(app) == 0
            and all(owed_to(app, user_id, AccountKind.PAYABLE) == 0 for user_id in world.annotators)
        ):
            break
    else:
        pytest.fail("payout runs did not converge")
    assert_exactly_once(app, server, world)
    assert {p.state for p in payouts_of(app)} <= {PayoutState.PAID, PayoutState.FAILED}


# --- a real kill ---------------------------------------------------------------------------------

CHILD = """
import os, sys
from marketplace import create_app
from marketplace.payments.payouts import service as payouts
app = create_app({"STRIPE_MAX_NETWORK_RETRIES": 0})
with app.app_context():
    print("ready", flush=True)
    payouts.run_payouts()
    print("done", flush=True)
"""


def child_env(app: Flask, server: FakeStripe) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=app.config["DATABASE_URL"],
        MARKETPLACE_SECRET_KEY="kill-test",
        MARKETPLACE_JOBS_MODE="inline",
        MARKETPLACE_STRIPE_SECRET_KEY=TEST_API_KEY,
        MARKETPLACE_STRIPE_API_BASE=server.url,
        MARKETPLACE_PAYOUT_MINIMUM_MINOR=str(app.config["PAYOUT_MINIMUM_MINOR"]),
        PYTHONPATH=str(ROOT),
    )
    return env


def kill_run_midway(app: Flask, server: FakeStripe, rng: random.Random, by_requests: bool) -> bool:
    """Start a payout run in another process and SIGKILL it partway; True if it was still running."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        env=child_env(app, server),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "ready", (line, child.stderr.read() if child.stderr else "")
        if by_requests:
            # Die right after Stripe handled the k-th request: between its answer and our commit.
            target = len(server.requests) + rng.randint(1, 12)
            deadline = time.monotonic() + 10
            while len(server.requests) < target and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.0005)
        else:
            time.sleep(rng.uniform(0.0, 0.3))
        running = child.poll() is None
        if running:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        if not running:  # it finished first: then it must have finished cleanly
            assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        if child.stdout:
            child.stdout.close()
        if child.stderr:
            child.stderr.close()
    return running


KILLS = 10


@pytest.mark.slow
def test_sigkill_during_runs_pays_exactly_once(
    app: Flask,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    rng = random.Random(20261127)
    world = build_world(app, run_jobs, annotators=24, items=6)
    for user_id in world.annotators:
        onboard(app, server, user_id)
    for user_id in world.annotators:
        for _ in range(3):
            world.accrue(user_id, rng.randint(100, 900), fee=rng.randint(0, 50))
    killed_midway = 0
    for n in range(KILLS):
        server.fail_randomly(0.2, n, when=rng.choice(("before", "after", "drop_after")))
        killed_midway += kill_run_midway(app, server, rng, by_requests=n % 2 == 0)
        if n == KILLS // 2:
            for user_id in world.annotators[::3]:
                world.accrue(user_id, rng.randint(100, 900))
    server.clear_failures()
    # Drain. A run opens payouts first and then sends what is pending, so one that finds a killed
    # run's payout still pending sends it but leaves what was earned since for the next run: the
    # books are settled when a run starts with nothing pending and finds nothing new to open.
    for _ in range(6):
        pending_before = pending_count(app)
        run = run_once(app)
        if pending_before == 0 and run.created == 0:
            break
    assert killed_midway >= KILLS // 2, f"only {killed_midway} kills landed during a run"
    assert_exactly_once(app, server, world)
    assert all(p.state == PayoutState.PAID for p in payouts_of(app))


def test_concurrent_runs_never_work_on_the_same_payout(
    app: Flask,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    """Four runs at once (PostgreSQL: row locks, SKIP LOCKED; SQLite: its write lock): each payout
    is opened once and sent once, so Stripe sees one transfer request per payout."""
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=12, items=3)
    for user_id in world.annotators:
        onboard(app, server, user_id)
        world.accrue(user_id, 400, language="es")
        world.accrue(user_id, 300, language="fr")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            run_once(app)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    posts = [r for r in server.requests if r.method == "POST" and r.path == "/v1/transfers"]
    assert len(posts) == 12
    assert len({r.idempotency_key for r in posts}) == 12
    assert_exactly_once(app, server, world)


# --- refusals and reversals ----------------------------------------------------------------------


@pytest.mark.parametrize("cause", ["account_not_ready", "balance_insufficient"])
def test_definitive_refusal_fails_returns_balance_and_a_later_run_pays(
    cause: str,
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=1)
    (user_id,) = world.annotators
    if cause == "account_not_ready":
        # Our row says ready, Stripe disagrees (capability withdrawn, stale status...).
        with app.app_context():
            from marketplace.payments import connect

            connect.start_onboarding(user_id, "https://x.test/r", "https://x.test/f")
            row = get_session().get(ConnectedAccount, user_id)
            assert row is not None
            row.payouts_enabled = row.transfers_active = True
            get_session().commit()
            account_id = row.stripe_account_id
    else:
        account_id = onboard(app, server, user_id)
        server.set_balance("eur", 10)
    world.accrue(user_id, 700, language="es")
    world.accrue(user_id, 500, language="fr")

    run = run_once(app)
    assert (run.created, run.paid, run.failed) == (1, 0, 1)
    (failed,) = payouts_of(app)
    assert failed.state == PayoutState.FAILED
    assert failed.failure_code in {"insufficient_capabilities_for_transfer", "balance_insufficient"}
    assert failed.transfer_id is None
    assert owed_to(app, user_id, AccountKind.PAYABLE) == 1200
    assert owed_to(app, user_id, AccountKind.IN_FLIGHT) == 0
    assert server.transfers == []
    assert_ledger_sound(app)

    if cause == "account_not_ready":
        # The refusal marked the account not ready: runs skip it until Stripe says otherwise.
        assert run_once(app).created == 0
        account = server.complete_onboarding(account_id)
        assert (
            post_event(client, server.event("account.updated", account, account=account_id)).status_code
            == 200
        )
        run_jobs()
    else:
        server.set_balance("eur", 1_000_000)
    run = run_once(app)
    assert (run.created, run.paid, run.failed) == (1, 1, 0)
    assert [p.state for p in payouts_of(app)] == [PayoutState.FAILED, PayoutState.PAID]
    assert run_once(app).created == 0
    assert_exactly_once(app, server, world)


@pytest.mark.parametrize("status", [400, 402])
def test_refusal_answered_for_a_transfer_that_was_made_counts_as_paid(
    status: int,
    app: Flask,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    """An error answer must never return money to the balance if the transfer exists after all."""
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=1)
    onboard(app, server, world.annotators[0])
    world.accrue(world.annotators[0], 900)
    server.fail_next("POST", "/v1/transfers", status=status, when="after")
    run = run_once(app)
    assert (run.paid, run.failed) == (1, 0)
    assert run_once(app).created == 0
    assert_exactly_once(app, server, world)


def test_reversal_webhook_returns_money_and_the_next_run_pays_it_once(
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
) -> None:
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=2)
    for user_id in world.annotators:
        onboard(app, server, user_id)
        world.accrue(user_id, 800, fee=160, language="es")
        world.accrue(user_id, 300, fee=60, language="de")
    assert run_once(app).paid == 2
    first = next(p for p in payouts_of(app) if p.user_id == world.annotators[0])
    assert first.allocation == {"es": 800, "de": 300}

    event = server.event("transfer.reversed", server.reverse_transfer(first.transfer_id))
    assert post_event(client, event).status_code == 200
    run_jobs()
    reversed_payout = next(p for p in payouts_of(app) if p.id == first.id)
    assert reversed_payout.state == PayoutState.REVERSED
    assert owed_to(app, first.user_id, AccountKind.PAYABLE) == 1100
    with app.app_context():
        assert owed(get_session(), AccountRef.payable(first.user_id, "es", CURRENCY)) == 800
        stored = get_session().query(StripeEvent).one()
        assert stored.result == "reversed"
    assert_ledger_sound(app)

    # The same event again, and the same reversal under a new event id: nothing changes.
    before = payouts_of(app)
    assert post_event(client, event).json == {"received": True, "duplicate": True}
    again = server.event(
        "transfer.reversed", next(t for t in server.transfers if t["id"] == first.transfer_id)
    )
    assert post_event(client, again).status_code == 200
    run_jobs()
    assert [(p.id, p.state) for p in payouts_of(app)] == [(p.id, p.state) for p in before]

    run = run_once(app)
    assert (run.created, run.paid) == (1, 1)
    assert run_once(app).created == 0
    assert_exactly_once(app, server, world)
    assert len(server.transfers) == 3


def test_below_minimum_waits_and_manual_mode_makes_due_payouts(
    app: Flask,
    run_jobs: Callable[[], int],
) -> None:
    saved = app.config["PAYOUT_MINIMUM_MINOR"]
    app.config["PAYOUT_MINIMUM_MINOR"] = 1000
    try:
        world = build_world(app, run_jobs, annotators=2)
        rich, poor = world.annotators
        world.accrue(rich, 600, language="es")
        world.accrue(rich, 400, language="fr")
        world.accrue(poor, 999)
        run = run_once(app)
        assert (run.mode, run.created) == ("manual", 1)
        (due,) = payouts_of(app)
        assert (due.user_id, due.state, due.method, due.amount_minor) == (
            rich,
            PayoutState.DUE,
            "manual",
            1000,
        )
        assert owed_to(app, rich, AccountKind.IN_FLIGHT) == 1000
        assert owed_to(app, poor, AccountKind.PAYABLE) == 999
        # An open payout blocks a second one for the same person until it is settled.
        world.accrue(rich, 5000)
        assert run_once(app).created == 0
        assert_ledger_sound(app)
    finally:
        app.config["PAYOUT_MINIMUM_MINOR"] = saved


def test_scheduled_job_runs_fully_at_the_interval_and_retries_pending_in_between(
    app: Flask,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from marketplace.payments.jobs import scheduled_payouts

    server = stripe_mode
    world = build_world(app, run_jobs, annotators=1)
    (user_id,) = world.annotators
    onboard(app, server, user_id)
    world.accrue(user_id, 900)
    server.fail_next("POST", "/v1/transfers", status=503)
    with app.app_context():
        assert scheduled_payouts() is not None  # no run yet: a full one
    assert [p.state for p in payouts_of(app)] == [PayoutState.PENDING]
    world.accrue(user_id, 400)
    with app.app_context():
        assert scheduled_payouts() is None  # within the interval: only the retry
    assert [p.state for p in payouts_of(app)] == [PayoutState.PAID]
    assert owed_to(app, user_id, AccountKind.PAYABLE) == 400
    monkeypatch.setitem(app.config, "PAYOUT_INTERVAL_SECONDS", 0)
    with app.app_context():
        assert scheduled_payouts() is not None
    assert [p.state for p in payouts_of(app)] == [PayoutState.PAID, PayoutState.PAID]
    assert_exactly_once(app, server, world)


def test_ops_page_in_stripe_mode(
    app: Flask,
    client: FlaskClient,
    stripe_mode: FakeStripe,  # noqa: F811
    run_jobs: Callable[[], int],
    login: Callable[..., Any],
) -> None:
    server = stripe_mode
    world = build_world(app, run_jobs, annotators=2)
    onboard(app, server, world.annotators[0])
    world.accrue(world.annotators[0], 900)
    run_once(app)
    login("ops@example.org")
    page = client.get("/ops/payouts").get_data(as_text=True)
    (payout,) = payouts_of(app)
    assert payout.public_id in page and payout.transfer_id in page
    assert "Run payouts now" in page and 'for="state"' in page
    annotator_page = client.get("/ops/payouts?state=nonsense")
    assert annotator_page.status_code == 400
