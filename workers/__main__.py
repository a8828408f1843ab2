"""``python -m workers [queue ...]``: an RQ worker (with the scheduler) for the marketplace.

Each job runs inside the Flask app context, so it gets its own database session and closes it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from marketplace import create_app
from marketplace.jobs import ALL_QUEUES

#: How often a worker's thread checks RQ's command channel (RQ's own default is 60 s).
COMMAND_POLL_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("queues", nargs="*", default=list(ALL_QUEUES), help="queues to listen on, in order")
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the RQ scheduler")
    parser.add_argument(
        "--fork",
        action="store_true",
        help="fork a work horse per job (RQ's default; isolates jobs at ~0.5 s each)",
    )
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
    worker = make_worker(app, args.queues, fork=args.fork)
    worker.work(burst=args.burst, with_scheduler=not args.no_scheduler)
    return 0


def make_worker(app: Any, queue_names: list[str], fork: bool = False) -> Any:
    """An RQ worker whose jobs run inside ``app``'s context.

    By default jobs run in the worker process itself (RQ's ``SimpleWorker``): forking a work horse
    per job costs about half a second, so one forking worker completes 1-2 jobs a second while
    the app takes tens of submits a second, each queueing a statistics job. Our jobs keep no
    state between runs (each gets a fresh app context and session), so the fork buys little; a
    job that crashes the process is failed by RQ when the worker restarts, as with a forked horse.
    ``fork=True`` (``--fork``) keeps RQ's forking worker.
    """
    from rq import Queue, SimpleWorker, Worker

    base: Any = Worker if fork else SimpleWorker

    class AppWorker(base):  # type: ignore[misc]  # a class chosen at run time
        def perform_job(self, job: Any, queue: Any, *args: Any, **kwargs: Any) -> bool:
            with app.app_context():
                return bool(super().perform_job(job, queue, *args, **kwargs))

        def subscribe(self) -> None:
            """RQ's command channel (shutdown, kill-horse, stop-job), polled every second.

            RQ polls it every 60 s, and stopping the worker waits for the poll in flight: a burst
            worker (tests, ``--burst``) or a SIGTERM then hangs up to a minute after its last job.
            """
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=COMMAND_POLL_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
            )

    connection = app.extensions["redis"]
    return AppWorker([Queue(name, connection=connection) for name in queue_names], connection=connection)


if __name__ == "__main__":
    raise SystemExit(main())
