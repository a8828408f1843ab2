"""Queues and how a job is started: on Redis through RQ, in a thread of this process, or inline.

Why three modes: production runs RQ workers; ``make run`` has no Redis and uses a thread so pages
can watch a job's progress; some tests run jobs inline to stay deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

#: Imports of uploaded items: can be long, kept apart so they never delay quick jobs.
QUEUE_IMPORTS = "imports"
#: Short jobs that react to something that just happened (language detection, statistics).
QUEUE_DEFAULT = "default"
#: Periodic housekeeping (expired leases, automatic acceptance, payout runs).
QUEUE_MAINTENANCE = "maintenance"

ALL_QUEUES = (QUEUE_DEFAULT, QUEUE_IMPORTS, QUEUE_MAINTENANCE)

#: Default time limit of one job, in seconds.
JOB_TIMEOUT = 30 * 60


def init_app(app: Flask) -> None:
    mode = app.config["JOBS_MODE"]
    if mode not in {"rq", "thread", "inline"}:
        raise RuntimeError(f"MARKETPLACE_JOBS_MODE must be rq, thread or inline, not {mode!r}")
    if mode == "rq":
        if not app.config["REDIS_URL"]:
            raise RuntimeError("MARKETPLACE_JOBS_MODE=rq needs REDIS_URL")
        from redis import Redis

        app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])
    elif mode == "thread":
        app.extensions["job_executor"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="job")
        if app.config.get("RUN_PERIODIC_JOBS", True) and not app.config["TESTING"]:
            from workers.cron import start_in_process_scheduler

            app.extensions["periodic_jobs"] = start_in_process_scheduler(app)


def _run_in_app(app: Flask, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    with app.app_context():
        return func(*args)


def enqueue(
    func: Callable[..., Any], *args: Any, queue: str = QUEUE_DEFAULT, job_id: str | None = None
) -> str | None:
    """Start ``func(*args)`` as a background job. Returns the RQ job id in ``rq`` mode.

    ``job_id`` makes enqueueing idempotent in ``rq`` mode: the same id is one job.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = app.config["JOBS_MODE"]
    if mode == "rq":
        from rq import Queue

        rq_queue = Queue(queue, connection=app.extensions["redis"], default_timeout=JOB_TIMEOUT)
        job = rq_queue.enqueue(func, *args, job_id=job_id, failure_ttl=7 * 24 * 3600)
        return str(job.id)
    if mode == "thread":
        executor: ThreadPoolExecutor = app.extensions["job_executor"]
        future: Future[Any] = executor.submit(_run_in_app, app, func, args)
        future.add_done_callback(_log_failure(app))
        return None
    _run_in_app(app, func, args)
    return None


def _log_failure(app: Flask) -> Callable[[Future[Any]], None]:
    def callback(future: Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            app.logger.error("background job failed", exc_info=exc)

    return callback
