"""Periodic jobs, and the two ways they run: an RQ cron scheduler process in production, or a
thread of the web process in the embedded default (started by the app factory)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Flask

from marketplace.jobs import QUEUE_DEFAULT, QUEUE_MAINTENANCE, resolve


@dataclass(frozen=True)
class PeriodicJob:
    #: Dotted path of the job function, as domains enqueue it (``marketplace.jobs``).
    path: str
    every_seconds: int
    queue: str = QUEUE_MAINTENANCE

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]


#: What runs on a schedule. Each job is idempotent, so an extra or overlapping run is harmless.
PERIODIC_JOBS = (
    # Slots are free the moment a lease expires; this records the expiry and its event.
    PeriodicJob("marketplace.routing.service.expire_leases", every_seconds=60),
    PeriodicJob("marketplace.qualification.service.expire_exams", every_seconds=60),
    PeriodicJob("marketplace.review.service.expire_review_leases", every_seconds=60),
    PeriodicJob("marketplace.review.acceptance.auto_accept_due", every_seconds=300),
    # Completed items whose review intake a crash cut short between the submit and the intake.
    PeriodicJob("marketplace.review.intake.intake_stragglers", every_seconds=300),
    # A full payout run once per PAYOUT_INTERVAL_SECONDS; in between only payouts left pending.
    PeriodicJob("marketplace.payments.jobs.scheduled_payouts", every_seconds=300),
    # Batches that completed get their delivery; weekly cadences that came due get theirs.
    PeriodicJob("marketplace.reports.triggers.run_delivery_triggers", every_seconds=60),
    # Deliveries whose build was never queued (Redis down) or whose worker died.
    PeriodicJob("marketplace.reports.deliveries.resume_stalled_builds", every_seconds=60),
    PeriodicJob("marketplace.payments.budget_alerts.check_low_budgets", every_seconds=300),
    # Client webhooks: fan events out to endpoints, send what is due (retries with backoff). On
    # the default queue, so a long payout run on maintenance does not hold events back.
    PeriodicJob("marketplace.reports.webhooks.service.run_webhooks", every_seconds=15, queue=QUEUE_DEFAULT),
    # Client events (item.completed is one per item) and their delivery log kept 30 days.
    PeriodicJob("marketplace.events.prune_events", every_seconds=3600),
)


def run_cron_scheduler(app: Flask) -> None:
    """Block, enqueueing each periodic job on its queue at its interval (``python -m workers --cron``)."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=app.extensions["redis"])
    for job in PERIODIC_JOBS:
        scheduler.register(resolve(job.path), job.queue, interval=job.every_seconds)
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
                            resolve(job.path)()
                    except Exception:
                        app.logger.exception("periodic job %s failed", job.name)
                    next_run[job] = now + job.every_seconds
            time.sleep(1.0)

    thread = threading.Thread(target=loop, name="periodic-jobs", daemon=True)
    thread.start()
    return thread
