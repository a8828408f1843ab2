"""How many jobs one worker process completes per second: RQ's forking worker against ours.

Run: ``REDIS_URL=redis://127.0.0.1:6379/9 PYTHONPATH=. .venv/bin/python -m benchmarks.jobs [--jobs N]``
(with ``DATABASE_URL`` for PostgreSQL; a SQLite file otherwise). Each job is the statistics job
every submit queues (``agreement.update_item_statistics``) on an item that does not exist, so the
figure is the worker's own cost per job (dequeue, app context, session, bookkeeping), the part a
fork per job multiplies. Ratio: forking jobs/s ÷ in-process jobs/s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from rq import Queue

from benchmarks.payments import build_app, scratch_database
from workers.__main__ import make_worker

JOB = "marketplace.agreement.service.update_item_statistics"


def measure(app: object, n: int, fork: bool) -> float:
    redis = app.extensions["redis"]  # type: ignore[attr-defined]
    redis.flushdb()
    queue = Queue("default", connection=redis)
    for i in range(n):
        queue.enqueue(JOB, 10_000_000 + i)
    worker = make_worker(app, ["default"], fork=fork)
    started = time.perf_counter()
    worker.work(burst=True, with_scheduler=False)
    elapsed = time.perf_counter() - started
    assert queue.count == 0
    return n / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("set REDIS_URL (a scratch database number: it is flushed)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(scratch_database(Path(tmp)))
        app.config["JOBS_MODE"] = "rq"
        from redis import Redis

        app.extensions["redis"] = Redis.from_url(os.environ["REDIS_URL"])
        forking = measure(app, max(20, args.jobs // 10), fork=True)
        in_process = measure(app, args.jobs, fork=False)
    print(f"forking worker (RQ Worker):   {forking:8.1f} jobs/s")
    print(f"in-process worker (ours):     {in_process:8.1f} jobs/s")
    print(f"ratio forking / in-process:   {forking / in_process:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
