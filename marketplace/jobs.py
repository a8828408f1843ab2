"""Background jobs: queue names, and how a job is started (on Redis through RQ, in a thread, inline).

Domains enqueue a job by the dotted path of its function (``"marketplace.agreement.service.
update_item_statistics"``), so no domain imports the process that runs it: RQ stores the path and
imports it in the worker, and the thread and inline modes import it here. Job functions take ids,
not objects, and are idempotent: running one twice changes nothing the second time.

Why three modes: production runs RQ workers (``python -m workers``); ``make run`` has no Redis and
uses a thread so pages can watch a job's progress; some tests run jobs inline to stay deterministic.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app

#: Imports of uploaded items: can be long, kept apart so they never delay quick jobs.
QUEUE_IMPORTS = "imports"
#: Short jobs that react to something that just happened (language detection, deliveries,
#: client webhooks, Stripe events).
QUEUE_DEFAULT = "default"
#: Periodic housekeeping (expired leases, automatic acceptance, payout runs).
QUEUE_MAINTENANCE = "maintenance"
#: Agreement statistics, one job per answer: many per second at peak and nobody waits on them,
#: so they are taken last and a backlog of them never delays detection, imports or webhooks.
QUEUE_STATISTICS = "statistics"

#: Every queue, in the order a worker takes jobs from them (the first non-empty queue first).
ALL_QUEUES = (QUEUE_DEFAULT, QUEUE_IMPORTS, QUEUE_MAINTENANCE, QUEUE_STATISTICS)

#: Default time limit of one job, in seconds.
JOB_TIMEOUT = 30 * 60

#: How long RQ keeps a failed job for inspection, in seconds.
FAILURE_TTL = 7 * 24 * 3600

JOB_MODES = frozenset({"rq", "thread", "inline"})


def init_app(app: Flask) -> None:
    """Check the jobs mode and make what it needs: a Redis connection or a thread pool."""
    mode = app.config["JOBS_MODE"]
    if mode not in JOB_MODES:
        raise RuntimeError(f"MARKETPLACE_JOBS_MODE must be rq, thread or inline, not {mode!r}")
    if mode == "rq":
        if not app.config["REDIS_URL"]:
            raise RuntimeError("MARKETPLACE_JOBS_MODE=rq needs REDIS_URL")
        from redis import Redis

        app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])
    elif mode == "thread":
        app.extensions["job_executor"] = ThreadPoolExecutor(max_workers=2, thread_name_prefix="job")


def resolve(path: str) -> Callable[..., Any]:
    """The function at ``package.module.function`` (what RQ does with a job's path in a worker)."""
    module_name, _, name = path.rpartition(".")
    if not module_name.startswith("marketplace."):
        raise ValueError(f"jobs are functions of the marketplace package, not {path!r}")
    func = getattr(importlib.import_module(module_name), name)
    if not callable(func):
        raise TypeError(f"{path} is not a function")
    return func  # type: ignore[no-any-return]


def enqueue(path: str, *args: Any, queue: str = QUEUE_DEFAULT, job_id: str | None = None) -> str | None:
    """Start the function at dotted ``path`` with ``args`` as a background job.

    Returns the RQ job id in ``rq`` mode. ``job_id`` makes enqueueing idempotent in ``rq`` mode:
    the same id is one job.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = app.config["JOBS_MODE"]
    if mode == "rq":
        from rq import Queue

        rq_queue = Queue(queue, connection=app.extensions["redis"], default_timeout=JOB_TIMEOUT)
        resolve(path)  # fail here, in the request, on a misspelt path: not later in a worker
        job = rq_queue.enqueue(path, *args, job_id=job_id, failure_ttl=FAILURE_TTL)
        return str(job.id)
    func = resolve(path)
    if mode == "thread":
        executor: ThreadPoolExecutor = app.extensions["job_executor"]
        future: Future[Any] = executor.submit(_run_in_app, app, func, args)
        future.add_done_callback(_log_failure(app))
        return None
    _run_in_app(app, func, args)
    return None


def _run_in_app(app: Flask, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    with app.app_context():
        return func(*args)


def _log_failure(app: Flask) -> Callable[[Future[Any]], None]:
    def callback(future: Future[Any]) -> None:
        exc = future.exception()
        if exc is not None:
            app.logger.error("background job failed", exc_info=exc)

    return callback
