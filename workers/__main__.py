"""``python -m workers [queue ...]``: an RQ worker (with the scheduler) for the marketplace.

Each job runs inside the Flask app context, so it gets its own database session and closes it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from marketplace import create_app
from marketplace.jobs import ALL_QUEUES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("queues", nargs="*", default=list(ALL_QUEUES), help="queues to listen on, in order")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the RQ scheduler")
    parser.add_argument(
        "--cron",
        action="store_true",
        help="run the periodic-job scheduler instead of a worker (one per site)",
    )
    args = parser.parse_args(argv)

    app = create_app({"JOBS_MODE": "rq"})
    if not app.config["REDIS_URL"]:
        print("REDIS_URL is not set: without Redis, jobs run inside the web process.", file=sys.stderr)
        return 2
    if args.cron:
        from workers.cron import run_cron_scheduler

        run_cron_scheduler(app)
        return 0
    worker = make_worker(app, args.queues)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    return 0


def make_worker(app: Any, queue_names: list[str]) -> Any:
    """An RQ worker whose jobs run inside ``app``'s context."""
    from rq import Queue, Worker

    class AppWorker(Worker):
        def perform_job(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> bool:
            with app.app_context():
                return bool(super().perform_job(job, queue, *args, **kwargs))

    connection = app.extensions["redis"]
    return AppWorker([Queue(name, connection=connection) for name in queue_names], connection=connection)


if __name__ == "__main__":
    raise SystemExit(main())
