"""``python -m workers`` is a real RQ worker: it takes queued jobs from Redis and runs them in the
app's context against the database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from marketplace.db import get_session
from marketplace.jobs import QUEUE_MAINTENANCE, resolve
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment, AssignmentState
from workers.cron import PERIODIC_JOBS

ROOT = Path(__file__).resolve().parents[2]


def test_expiry_is_a_periodic_job() -> None:
    expiry = [job for job in PERIODIC_JOBS if resolve(job.path) is routing.expire_leases]
    assert [job.every_seconds for job in expiry] == [60]


def test_every_periodic_job_resolves_to_a_marketplace_function() -> None:
    # A misspelt path would only fail in the scheduler at run time: resolve them all here.
    for job in PERIODIC_JOBS:
        assert callable(resolve(job.path)), job.path
    assert len({job.path for job in PERIODIC_JOBS}) == len(PERIODIC_JOBS)


def test_worker_process_runs_a_queued_job(
    app: Flask, db_url: str, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    if app.config["JOBS_MODE"] != "rq":
        pytest.skip("needs REDIS_URL: without Redis, jobs run in the web process")
    from rq import Queue

    make_project([("en", "a lease that will expire")])
    worker_id = annotator("en")
    with app.app_context():
        lease = routing.claim_next_assignments(worker_id)[0]
        session = get_session()
        session.execute(
            update(Assignment)
            .where(Assignment.id == lease.id)
            .values(lease_expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        session.commit()
        Queue(QUEUE_MAINTENANCE, connection=app.extensions["redis"]).enqueue(
            "marketplace.routing.service.expire_leases"
        )

    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": app.config["REDIS_URL"],
        "MARKETPLACE_SECRET_KEY": "test",
    }
    result = subprocess.run(
        [sys.executable, "-m", "workers", QUEUE_MAINTENANCE, "--burst", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with app.app_context():
        state = get_session().scalar(select(Assignment.state).where(Assignment.id == lease.id))
    assert state == AssignmentState.EXPIRED
