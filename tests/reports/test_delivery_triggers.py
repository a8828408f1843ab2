"""Deliveries nobody asked for (batch completion, weekly cadence), the events clients hear, and a
delivery's build surviving Redis being down and a worker dying mid-build."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from marketplace import create_app
from marketplace.db import get_session, utcnow
from marketplace.events import ClientEvent
from marketplace.projects.models import Batch, Project
from marketplace.reports import deliveries
from marketplace.reports.models import Delivery, DeliveryItem
from marketplace.reports.triggers import run_delivery_triggers
from tests.reports.test_deliveries import _create, _project_body, _work_all
from tests.reports.test_webhooks import Receiver, create_endpoint, free_port, receiver, run  # noqa: F401

Api = Callable[..., Any]


def _events(app: Flask, kind: str) -> list[dict[str, Any]]:
    with app.app_context():
        rows = get_session().scalars(
            select(ClientEvent).where(ClientEvent.kind == kind).order_by(ClientEvent.id)
        )
        return [row.data for row in rows]


def _deliveries(app: Flask) -> list[tuple[int, str, str, list[Any]]]:
    with app.app_context():
        rows = get_session().scalars(select(Delivery).order_by(Delivery.version))
        return [(d.version, d.trigger, d.state, d.batch_ids) for d in rows]


def _labelled_project(
    app: Flask,
    api: Api,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
    n: int = 3,
    **settings: Any,
) -> dict[str, Any]:
    items = [
        {"external_id": f"t-{i}", "language": "en", "payload": {"text": f"Parcel {i} was late."}}
        for i in range(n)
    ]
    body = _project_body("classification", ["en"])
    body["settings"].update(settings)
    project = _create(api, body, items, run_jobs)
    _work_all(app, [annotator("en"), annotator("en")], lambda _i, _p: {"label": "negative"})
    run_jobs()
    return project


def test_a_completed_batch_is_announced_and_delivered_once(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    project = _labelled_project(app, api, run_jobs, annotator)
    # Every item completing was an event, in the transaction that completed it.
    completed = _events(app, "item.completed")
    assert len(completed) == 3 and {e["project"] for e in completed} == {project["id"]}
    assert _events(app, "project.state_changed") == [
        {"project": project["id"], "from": "draft", "to": "active"}
    ]

    with app.app_context():
        assert run_delivery_triggers() == 1
        assert run_delivery_triggers() == 0  # idempotent: the batch is closed once
        batch = get_session().scalar(select(Batch).join(Project).where(Project.public_id == project["id"]))
        assert batch is not None and batch.completed_at is not None
        batch_id, batch_public_id = batch.id, batch.public_id
    run_jobs()
    assert _events(app, "batch.completed") == [
        {"project": project["id"], "batch": batch_public_id, "name": "b1", "items": 3}
    ]
    assert _deliveries(app) == [(1, "batch_completed", "ready", [batch_id])]
    ready = _events(app, "delivery.ready")
    assert len(ready) == 1 and ready[0]["version"] == 1 and ready[0]["items"] == 3
    assert ready[0]["diff"] == {"added": 3, "changed": 0, "withdrawn": 0}


def test_a_project_can_turn_batch_deliveries_off(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    _labelled_project(app, api, run_jobs, annotator, delivery={"on_batch_complete": False})
    with app.app_context():
        assert run_delivery_triggers() == 0
    assert len(_events(app, "batch.completed")) == 1
    assert _deliveries(app) == []


def test_weekly_cadence_delivers_once_per_scheduled_moment(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    project = _labelled_project(app, api, run_jobs, annotator, delivery={"on_batch_complete": False})
    now = utcnow()
    # Due an hour ago, in Berlin time; the project existed a week before that.
    berlin = (now - timedelta(hours=1)).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    cadence = {"weekday": berlin.weekday(), "hour": berlin.hour, "timezone": "Europe/Berlin"}
    response = api(
        "PUT",
        f"/projects/{project['id']}/delivery-settings",
        json={"on_batch_complete": False, "cadence": cadence},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"on_batch_complete": False, "cadence": cadence}
    with app.app_context():
        get_session().execute(
            update(Project)
            .where(Project.public_id == project["id"])
            .values(created_at=now - timedelta(days=8))
        )
        get_session().commit()
        assert run_delivery_triggers() == 1
        assert run_delivery_triggers() == 0
    run_jobs()
    assert [(v, t, s) for v, t, s, _b in _deliveries(app)] == [(1, "cadence", "ready")]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"cadence": {"weekday": 1, "hour": 9, "timezone": "Mars/Olympus"}}, "cadence.timezone"),
        ({"cadence": {"weekday": 7, "hour": 9, "timezone": "UTC"}}, None),
        ({"cadence": {"weekday": 1, "hour": 9}}, None),
        ({"on_batch_complete": "yes"}, None),
    ],
)
def test_bad_delivery_settings_are_refused(
    app: Flask, api: Api, run_jobs: Callable[[], int], settings: dict[str, Any], field: str | None
) -> None:
    project = _create(
        api,
        _project_body("classification", ["en"]),
        [{"language": "en", "payload": {"text": "Fine."}}],
        run_jobs,
    )
    response = api("PUT", f"/projects/{project['id']}/delivery-settings", json=settings)
    assert response.status_code in (400, 422), response.get_json()
    if field is not None:
        assert response.get_json()["error"]["field"] == field


def test_redis_down_when_asked_delays_the_delivery_and_its_webhook_loses_nothing(
    app: Flask,
    db_url: str,
    api: Api,
    client_org: dict[str, Any],
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
    receiver: Receiver,  # noqa: F811
    tmp_path: Any,
) -> None:
    project = _labelled_project(app, api, run_jobs, annotator)
    create_endpoint(api, receiver, events=("delivery.ready",))
    down = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": db_url,
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "JOBS_MODE": "rq",
            "STORAGE_LOCAL_ROOT": app.config["STORAGE_LOCAL_ROOT"],
        }
    )
    try:
        response = down.test_client().post(
            f"/api/v1/projects/{project['id']}/deliveries",
            json={},
            headers={"Authorization": f"Bearer {client_org['token']}"},
        )
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["state"] == "building"
        with down.app_context():
            # Nothing queued it: the sweeper takes it once it is clearly not going to start.
            get_session().execute(update(Delivery).values(created_at=utcnow() - timedelta(minutes=1)))
            get_session().commit()
            assert deliveries.resume_stalled_builds() == 1
            assert run(down)["attempted"] == 1
    finally:
        down.extensions["db_engine"].dispose()
    assert [(v, s) for v, _t, s, _b in _deliveries(app)] == [(1, "ready")]
    assert [message["type"] for message in receiver.received] == ["delivery.ready"]
    assert all(message["valid"] for message in receiver.received)


def test_a_build_killed_midway_is_taken_over_after_its_lease_and_starts_clean(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    project = _labelled_project(app, api, run_jobs, annotator)
    with app.app_context():
        delivery = deliveries.add_delivery(
            get_session().scalar(select(Project.id).where(Project.public_id == project["id"])) or 0,
            [],
            deliveries.DeliveryTrigger.REQUEST,
        )
        # What a worker killed mid-build leaves: the build claimed, half its rows written.
        delivery.build_started_at = utcnow()
        delivery.attempts = 1
        get_session().commit()
        delivery_id = delivery.id
        item_id = get_session().scalar(select(DeliveryItem.item_id).limit(1))
        assert item_id is None
        # A live lease is respected: no second builder.
        assert deliveries.build_delivery(delivery_id) is False
        assert deliveries.resume_stalled_builds() == 0
        get_session().execute(
            update(Delivery).values(build_started_at=utcnow() - deliveries.BUILD_LEASE - timedelta(seconds=1))
        )
        get_session().commit()
        assert deliveries.resume_stalled_builds() == 1
        done = get_session().get(Delivery, delivery_id)
        assert done is not None and done.state == "ready" and done.attempts == 2
        rows = (
            get_session().scalars(select(DeliveryItem).where(DeliveryItem.delivery_id == delivery_id)).all()
        )
        assert len(rows) == 3
        manifest = json.loads(json.dumps(done.manifest))
        assert manifest["counts"]["items"] == 3


def test_a_build_that_keeps_failing_is_marked_failed_with_its_reason(
    app: Flask,
    api: Api,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = _labelled_project(app, api, run_jobs, annotator)

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(deliveries, "build_qa_report", broken)
    response = api("POST", f"/projects/{project['id']}/deliveries", json={})
    assert response.status_code == 202
    run_jobs()
    with app.app_context():
        for _ in range(deliveries.MAX_ATTEMPTS):
            deliveries.build_delivery(get_session().scalar(select(Delivery.id)) or 0)
        delivery = get_session().scalar(select(Delivery))
        assert delivery is not None
        assert delivery.state == "failed" and delivery.attempts == deliveries.MAX_ATTEMPTS
        assert delivery.error == "OSError: disk full"
    body = api("GET", f"/projects/{project['id']}/deliveries/{delivery.public_id}").get_json()
    assert body["state"] == "failed" and body["files"] == []
    assert body["error"] and "disk" not in body["error"]  # the cause stays in our logs


def test_events_and_their_delivery_log_are_kept_thirty_days(
    app: Flask,
    api: Api,
    client_org: dict[str, Any],
    receiver: Receiver,  # noqa: F811
) -> None:
    from marketplace.events import RETENTION_DAYS, EventKind, prune_events, record_event
    from marketplace.reports.models import WebhookMessage

    create_endpoint(api, receiver, events=("budget.low",))
    with app.app_context():
        session = get_session()
        old = record_event(session, client_org["organisation_id"], EventKind.BUDGET_LOW, {"n": 1})
        new = record_event(session, client_org["organisation_id"], EventKind.BUDGET_LOW, {"n": 2})
        unsent = record_event(session, client_org["organisation_id"], EventKind.BUDGET_LOW, {"n": 3})
        session.commit()
        old_id, new_id, unsent_id = old.id, new.id, unsent.id
    run(app)
    with app.app_context():
        session = get_session()
        session.execute(
            update(ClientEvent)
            .where(ClientEvent.id.in_([old_id, unsent_id]))
            .values(created_at=utcnow() - timedelta(days=RETENTION_DAYS + 1))
        )
        session.execute(update(ClientEvent).where(ClientEvent.id == unsent_id).values(fanned_out=False))
        session.commit()
        assert prune_events() == 1
        left = set(session.scalars(select(ClientEvent.id)))
        assert left == {new_id, unsent_id}  # an event not yet sent is never dropped
        # The old event's delivery log went with it (foreign key), the others' stayed.
        assert set(session.scalars(select(WebhookMessage.event_id))) == {new_id, unsent_id}
