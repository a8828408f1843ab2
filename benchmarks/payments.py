"""The cost of money on the hot paths, each against a floor measured in the same run.

Run: ``.venv/bin/python -m benchmarks.payments [--section claims] [--judgments N] [--payouts N]``
(``DATABASE_URL`` picks the database: a scratch database named ``bench_payments`` is created on
that PostgreSQL server; without it, a SQLite file in a temporary folder).

Sections (run in order; each prints figures and a ratio):

* ``claims`` — an annotator claims and submits every item of an unpriced project, then of a priced
  and funded one with the same items. The priced path adds the rate lookup, the budget check
  (escrow balance minus commitments) and, on PostgreSQL, the lock on the project's escrow account.
  Ratio: priced cycles/s ÷ unpriced cycles/s (1.0 = free).
* ``accept`` — ``auto_accept_due`` accepts N pending judgments, each booking a balanced ledger
  transaction (one transaction row, three entries) with its idempotency key checked. Floor: the same
  rows written by bulk ``INSERT`` statements with no checks. Ratio: floor time ÷ ours.
* ``payouts`` — a payout run pays N annotators through the Stripe-compatible test server (the one the
  test suite starts, on loopback), with the ledger bookings, row locks and the look-up of an earlier
  transfer that make it safe to rerun. Floor: the same number of bare SDK transfer calls to the same
  server. Ratio: floor time ÷ ours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.config import normalize_database_url
from marketplace.db import get_session, utcnow
from marketplace.pipeline import submit as pipeline

ROOT = Path(__file__).resolve().parent.parent
CURRENCY = "EUR"
RATE = 100


# --- scratch database and app ----------------------------------------------------------------------


def scratch_database(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    server = make_url(normalize_database_url(url))
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS bench_payments WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE bench_payments"))
    admin.dispose()
    return server.set(database="bench_payments").render_as_string(hide_password=False)


def build_app(url: str, stripe_url: str | None = None) -> Flask:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    command.upgrade(cfg, "head")
    overrides: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "REDIS_URL": None,
        "JOBS_MODE": "inline",
    }
    if stripe_url:
        from tests.stripe_server import TEST_API_KEY, TEST_WEBHOOK_SECRET

        overrides |= {
            "STRIPE_SECRET_KEY": TEST_API_KEY,
            "STRIPE_WEBHOOK_SECRET": TEST_WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe_url,
        }
    return create_app(overrides)


def _people(n: int, prefix: str) -> list[int]:
    from marketplace.accounts import service as accounts
    from marketplace.accounts.models import Role

    ids = []
    for k in range(n):
        user = accounts.create_user(
            f"{prefix}{k}@bench.example", "bench-password-2026", f"{prefix}{k}", [Role.ANNOTATOR]
        )
        accounts.update_language_profile(user.id, [accounts.LanguageEntry("es", True)])
        ids.append(user.id)
    return ids


def _project(organisation_id: int, name: str, n_items: int) -> int:
    from marketplace.projects import service as projects
    from marketplace.projects.language_detection_job import detect_batch_languages
    from marketplace.projects.models import Batch, ProjectState

    project = projects.create_project(
        organisation_id,
        {
            "name": name,
            "task_type": "classification",
            "source_language": "es",
            "languages": ["es"],
            "overlap": 1,
            "max_overlap": 1,
            "ontology": {"labels": [{"name": x, "definition": x} for x in ("positive", "negative")]},
            "guidelines": {"es": "Elija el sentimiento."},
            "settings": {"qualification": {"required": False}, "review": {"sample_rate": 0.0}},
        },
    )
    projects.set_project_state(project.id, ProjectState.ACTIVE, None)
    from marketplace.projects.ingest import upload_items
    from marketplace.projects.upload_parsing import Upload

    lines = "\n".join(
        f'{{"language": "es", "payload": {{"text": "Reseña número {n}: todo llegó bien."}}}}'
        for n in range(n_items)
    )
    upload_items(project.id, Upload(format="jsonl", content=lines.encode()))
    session = get_session()
    for batch_id in list(session.scalars(select(Batch.id).where(Batch.project_id == project.id))):
        session.commit()
        detect_batch_languages(batch_id)
    return project.id


def _price_and_fund(project_id: int, amount: int) -> None:
    from marketplace.payments import ledger
    from marketplace.payments.ledger import AccountRef
    from marketplace.payments.models import RateCard, TransactionKind

    session = get_session()
    session.add(
        RateCard(
            project_id=project_id,
            task_type="classification",
            language="es",
            currency=CURRENCY,
            amount_minor=RATE,
        )
    )
    ledger.post_transaction(
        session,
        idempotency_key=f"bench-funding-{project_id}",
        kind=TransactionKind.FUNDING,
        postings=[(AccountRef.cash(CURRENCY), amount), (AccountRef.escrow(project_id, CURRENCY), -amount)],
    )
    session.commit()


# --- sections ------------------------------------------------------------------------------------


def _cycles(annotator: int, project_public_id: str) -> tuple[int, float]:
    from marketplace.routing import service as routing

    done = 0
    start = time.perf_counter()
    while batch := routing.claim_next_assignments(annotator, 1, project_public_id):
        for assignment in batch:
            pipeline.submit_assignment(annotator, assignment.public_id, {"label": "positive"})
            done += 1
    return done, time.perf_counter() - start


def claims_section(args: argparse.Namespace, app: Flask) -> bool:
    from marketplace.projects import organisations
    from marketplace.projects.models import Project

    with app.app_context():
        org = organisations.create_organisation("Bench claims")
        free_id = _project(org.id, "unpriced", args.items)
        paid_id = _project(org.id, "priced", args.items)
        _price_and_fund(paid_id, args.items * 200)
        free_worker, paid_worker = _people(2, "claims")
        session = get_session()
        free_public = session.get(Project, free_id).public_id  # type: ignore[union-attr]
        paid_public = session.get(Project, paid_id).public_id  # type: ignore[union-attr]
        free_done, free_time = _cycles(free_worker, free_public)
        paid_done, paid_time = _cycles(paid_worker, paid_public)
    free_rate, paid_rate = free_done / free_time, paid_done / paid_time
    print(f"claims: {args.items} items, one annotator, claim + submit in-process")
    print(f"  unpriced project: {free_done} cycles in {free_time:.2f} s = {free_rate:.0f}/s")
    print(f"  priced project:   {paid_done} cycles in {paid_time:.2f} s = {paid_rate:.0f}/s")
    print(f"  ratio priced/unpriced: {paid_rate / free_rate:.2f}")
    return bool(free_done == paid_done == args.items)


def _pending_judgments(project_id: int, workers: Sequence[int], n: int, tag: str) -> None:
    """Items and submitted judgments written in bulk, pending acceptance since a minute ago."""
    from marketplace.projects.models import Batch, Item, ItemState
    from marketplace.routing.models import Acceptance, Assignment, AssignmentState

    session = get_session()
    batch = Batch(project_id=project_id, name="bench pending")
    session.add(batch)
    session.flush()
    now = utcnow()
    session.execute(
        insert(Item),
        [
            {"project_id": project_id, "batch_id": batch.id, "payload": {"text": f"t{k}"}, "language": "es",
             "state": ItemState.COMPLETE, "created_at": now, "review_round": 0, "client_metadata": {}}
            for k in range(n)
        ],
    )  # fmt: skip
    item_ids = list(session.scalars(select(Item.id).where(Item.batch_id == batch.id).order_by(Item.id)))
    session.execute(
        insert(Assignment),
        [
            {"public_id": f"asg_{tag}{k:08d}", "item_id": item_id, "project_id": project_id,
             "annotator_id": workers[k % len(workers)], "language": "es", "state": AssignmentState.SUBMITTED,
             "claimed_at": now, "lease_expires_at": now, "finished_at": now, "answer": {"label": "positive"},
             "acceptance": Acceptance.PENDING, "accept_after": now - timedelta(minutes=1),
             "rate_minor": RATE, "fee_minor": 20, "rate_currency": CURRENCY, "flagged_edge_case": False,
             "comment": ""}
            for k, item_id in enumerate(item_ids)
        ],
    )  # fmt: skip
    session.commit()


def _floor_bookings(n: int, account_ids: Sequence[int]) -> float:
    """The same ledger rows (one transaction, three entries per judgment) by bulk INSERT."""
    from marketplace.payments.models import LedgerEntry, LedgerTransaction

    session = get_session()
    now = utcnow()
    start = time.perf_counter()
    chunk = 2_000
    for first in range(0, n, chunk):
        keys = [f"floor-{k}" for k in range(first, min(n, first + chunk))]
        session.execute(
            insert(LedgerTransaction),
            [{"idempotency_key": key, "kind": "accrual", "created_at": now, "memo": ""} for key in keys],
        )
        ids = list(
            session.scalars(select(LedgerTransaction.id).where(LedgerTransaction.idempotency_key.in_(keys)))
        )
        session.execute(
            insert(LedgerEntry),
            [
                {"transaction_id": tid, "account_id": account, "currency": CURRENCY, "amount_minor": amount}
                for tid in ids
                for account, amount in zip(account_ids, (120, -100, -20), strict=True)
            ],
        )
    session.commit()
    return time.perf_counter() - start


def accept_section(args: argparse.Namespace, app: Flask) -> bool:
    from marketplace.payments import ledger
    from marketplace.payments.ledger import AccountRef
    from marketplace.projects import organisations
    from marketplace.review.acceptance import auto_accept_due

    with app.app_context():
        org = organisations.create_organisation("Bench accept")
        project_id = _project(org.id, "accept", 1)
        _price_and_fund(project_id, args.judgments * 200)
        workers = _people(50, "accept")
        _pending_judgments(project_id, workers, args.judgments, "acc")
        start = time.perf_counter()
        accepted = auto_accept_due()
        ours = time.perf_counter() - start
        session = get_session()
        balanced = ledger.unbalanced_transactions(session) == []
        refs = (
            AccountRef.escrow(project_id, CURRENCY),
            AccountRef.payable(workers[0], "es", CURRENCY),
            AccountRef.revenue(CURRENCY),
        )
        accounts = [ledger.account(session, ref).id for ref in refs]
        session.commit()
        floor = _floor_bookings(args.judgments, accounts)
    print(f"accept: {accepted} pending judgments accepted and booked")
    print(f"  auto_accept_due: {ours:.2f} s = {accepted / ours:.0f} judgments/s")
    print(f"  bulk INSERT floor: {floor:.2f} s = {args.judgments / floor:.0f}/s")
    print(f"  ratio floor/ours: {floor / ours:.2f}")
    return accepted == args.judgments and balanced


def payouts_section(args: argparse.Namespace, app: Flask) -> bool:
    import stripe

    from marketplace.payments import ledger
    from marketplace.payments.accrual import accrue_assignment
    from marketplace.payments.models import ConnectedAccount, Payout, PayoutState
    from marketplace.projects import organisations
    from marketplace.routing.models import Assignment
    from tests.stripe_server import TEST_API_KEY

    server = app.extensions["bench_stripe"]
    with app.app_context():
        org = organisations.create_organisation("Bench payouts")
        project_id = _project(org.id, "payouts", 1)
        _price_and_fund(project_id, args.payouts * 50_000)
        workers = _people(args.payouts, "payee")
        _pending_judgments(project_id, workers, args.payouts * 20, "pay")
        session = get_session()
        now = utcnow()
        for assignment in session.scalars(select(Assignment).where(Assignment.rate_minor.is_not(None))):
            assignment.acceptance = "accepted"
            accrue_assignment(session, assignment, now)
        session.commit()
        client = stripe.StripeClient(TEST_API_KEY, base_addresses={"api": server.url}, max_network_retries=0)
        for worker in workers:
            acct = client.v1.accounts.create({"type": "express", "country": "ES"})
            server.complete_onboarding(acct.id)
            session.add(
                ConnectedAccount(user_id=worker, stripe_account_id=acct.id, details_submitted=True,
                                 payouts_enabled=True, transfers_active=True)
            )  # fmt: skip
        session.commit()
        from marketplace.payments.payouts.service import run_payouts

        start = time.perf_counter()
        run = run_payouts()
        ours = time.perf_counter() - start
        paid = session.scalar(
            select(text("count(*)")).select_from(Payout).where(Payout.state == PayoutState.PAID)
        )
        balanced = ledger.unbalanced_transactions(session) == []
        destinations = [row.stripe_account_id for row in session.scalars(select(ConnectedAccount))]
    start = time.perf_counter()
    for k, destination in enumerate(destinations):
        client.v1.transfers.create(
            {"amount": 100, "currency": "eur", "destination": destination}, {"idempotency_key": f"floor-{k}"}
        )
    floor = time.perf_counter() - start
    print(f"payouts: {args.payouts} annotators with balances, paid through the Stripe-compatible server")
    print(f"  run_payouts: {ours:.2f} s = {run.paid / ours:.0f} payouts/s ({run.paid} paid)")
    print(f"  bare SDK transfers floor: {floor:.2f} s = {len(destinations) / floor:.0f}/s")
    print(f"  ratio floor/ours: {floor / ours:.2f}")
    return paid == args.payouts == run.paid and balanced


SECTIONS: dict[str, Callable[[argparse.Namespace, Flask], bool]] = {
    "claims": claims_section,
    "accept": accept_section,
    "payouts": payouts_section,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append", help="run only these")
    parser.add_argument("--items", type=int, default=500, help="items per project in `claims`")
    parser.add_argument("--judgments", type=int, default=20_000, help="judgments accepted in `accept`")
    parser.add_argument("--payouts", type=int, default=200, help="annotators paid in `payouts`")
    args = parser.parse_args(argv)
    from tests.stripe_server import FakeStripe

    ok = True
    with tempfile.TemporaryDirectory() as tmp, FakeStripe() as server:
        url = scratch_database(Path(tmp))
        print(f"database: {make_url(url).get_backend_name()}")
        app = build_app(url, server.url)
        app.extensions["bench_stripe"] = server
        for name, section in SECTIONS.items():
            if args.section and name not in args.section:
                continue
            ok = section(args, app) and ok
            print()
        app.extensions["db_engine"].dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
