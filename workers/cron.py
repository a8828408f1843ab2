"""Periodic jobs, and the two ways they run: an RQ cron scheduler process in production, or a
thread of the web process in the embedded default."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from workers import payments, qualification, review, routing
from workers.queues import QUEUE_MAINTENANCE


@dataclass(frozen=True)
class PeriodicJob:
    func: Callable[[], Any]
    every_seconds: int
    queue: str = QUEUE_MAINTENANCE


#: What runs on a schedule. Each job is idempotent, so an extra or overlapping run is harmless.
PERIODIC_JOBS = (
    PeriodicJob(routing.expire_leases, every_seconds=60),
    PeriodicJob(qualification.expire_exams, every_seconds=60),
    PeriodicJob(review.expire_review_leases, every_seconds=60),
    PeriodicJob(review.auto_accept_due, every_seconds=300),
    PeriodicJob(review.intake_stragglers, every_seconds=300),
    # A full payout run once per PAYOUT_INTERVAL_SECONDS; in between only payouts left pending.
    PeriodicJob(payments.scheduled_payouts, every_seconds=300),
)


def run_cron_scheduler(app: Flask) -> None:
    """Block, enqueueing each periodic job on its queue at its interval (``python -m workers --cron``)."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=app.extensions["redis"])
    for job in PERIODIC_JOBS:
        scheduler.register(job.func, job.queue, interval=job.every_seconds)
    scheduler.start()  # type: ignore[no-untyped-call]  # rq leaves this one untyped


def start_in_process_scheduler(app: Flask) -> threading.Thread:
    """Run the periodic jobs in a daemon thread (no Redis: the embedded default)."""

    def loop() -> None:
        next_run = {job: 0.0 for job in PERIODIC_JOBS}
        while True:
            now = time.monotonic()
            for job, due in next_run.items():
                if now >= due:
                    try:
                        with app.app_context():
                            job.func()
                    except Exception:
                        app.logger.exception("periodic job %s failed", job.func.__name__)
                    next_run[job] = now + job.every_seconds
            time.sleep(1.0)

    thread = threading.Thread(target=loop, name="periodic-jobs", daemon=True)
    thread.start()
    return thread
