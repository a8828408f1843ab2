"""Statistics jobs, one per answer, have a queue of their own that workers take last: a backlog of
them never delays language detection, imports or client webhooks (RQ mode, with Redis)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from marketplace.jobs import ALL_QUEUES, QUEUE_DEFAULT, QUEUE_STATISTICS
from marketplace.pipeline import submit as pipeline
from marketplace.routing import service as routing


def test_workers_take_statistics_last() -> None:
    assert ALL_QUEUES[0] == QUEUE_DEFAULT
    assert ALL_QUEUES[-1] == QUEUE_STATISTICS


def test_a_submit_queues_its_statistics_apart_from_the_reactive_jobs(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int], run_jobs: Callable[[], int]
) -> None:
    if app.config["JOBS_MODE"] != "rq":
        pytest.skip("queues exist with Redis (REDIS_URL)")
    from rq import Queue

    make_project([("en", "Fine, thanks, the parcel came early.")], overlap=1)
    person = annotator("en")
    redis = app.extensions["redis"]
    statistics, default = Queue(QUEUE_STATISTICS, connection=redis), Queue(QUEUE_DEFAULT, connection=redis)
    with app.app_context():
        (assignment,) = routing.claim_next_assignments(person, 1)
        pipeline.submit_assignment(person, assignment.public_id, {"label": "positive"})
    jobs = statistics.get_jobs()
    assert [job.func_name for job in jobs] == ["marketplace.agreement.service.update_item_statistics"]
    assert jobs[0].args == (assignment.item_id,)
    assert all(job.func_name != jobs[0].func_name for job in default.get_jobs())
    run_jobs()
    assert statistics.count == 0
