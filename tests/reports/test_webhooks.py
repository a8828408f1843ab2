"""Client webhooks end to end: a real HTTP receiver on loopback checks every signature with the
``verify`` a client would copy, and records what arrives.

What is shown: an event recorded in a transaction arrives once, signed, with the documented body;
a receiver that fails or is down gets retries on the backoff schedule and the event arrives when it
is back (same event id); exhausted messages fail and disable the endpoint at the threshold; the
redeliver API sends again with the same id; Redis down at the moment of the change loses nothing;
only the organisation's clients see its endpoints; private addresses are refused; pages render.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.db import get_session, utcnow
from marketplace.events import ClientEvent, EventKind, record_event
from marketplace.reports.models import WebhookEndpoint, WebhookMessage, WebhookMessageState
from marketplace.reports.webhooks import service, signing, transport
from tests.conftest import csrf_token, post_form

# --- a receiver on loopback --------------------------------------------------------------------------


class Receiver:
    """An HTTP server in a thread that verifies each message and answers ``status``."""

    def __init__(self) -> None:
        self.secret = ""
        self.status = 200
        #: Seconds to wait before answering (a slow receiver).
        self.delay = 0.0
        self.received: list[dict[str, Any]] = []
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                header = self.headers.get(signing.SIGNATURE_HEADER, "")
                with receiver._lock:
                    receiver.received.append(
                        {
                            "event_id": self.headers.get(signing.EVENT_ID_HEADER),
                            "type": self.headers.get(signing.EVENT_TYPE_HEADER),
                            "content_type": self.headers.get("Content-Type"),
                            "user_agent": self.headers.get("User-Agent"),
                            "valid": signing.verify(receiver.secret, header, body),
                            "signature": header,
                            "body": body,
                        }
                    )
                    status = receiver.status
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the port (a later ``start`` opens the same one again)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def event_ids(self) -> list[str]:
        return [r["event_id"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


# --- helpers -----------------------------------------------------------------------------------------


def create_endpoint(
    api: Callable[..., Any], receiver: Receiver, events: tuple[str, ...] = ("item.completed",)
) -> dict[str, Any]:
    response = api("POST", "/webhooks/endpoints", json={"url": receiver.url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    receiver.secret = body["secret"]
    return body


def record(app: Flask, organisation_id: int, kind: EventKind = EventKind.ITEM_COMPLETED, **data: Any) -> str:
    """Record an event in a transaction of its own, as a domain does with its change."""
    with app.app_context():
        session = get_session()
        event = record_event(session, organisation_id, kind, data or {"item": "itm_1"})
        session.commit()
        return event.public_id


def run(app: Flask) -> dict[str, int]:
    with app.app_context():
        return service.run_webhooks()


def make_due(app: Flask) -> None:
    """Move the clock: every pending message is due now."""
    with app.app_context():
        session = get_session()
        session.execute(
            update(WebhookMessage)
            .where(WebhookMessage.state == WebhookMessageState.PENDING.value)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def messages(app: Flask) -> list[WebhookMessage]:
    with app.app_context():
        return list(get_session().scalars(select(WebhookMessage).order_by(WebhookMessage.id)))


def endpoint_row(app: Flask, public_id: str) -> WebhookEndpoint:
    with app.app_context():
        row = get_session().scalar(select(WebhookEndpoint).where(WebhookEndpoint.public_id == public_id))
        assert row is not None
        return row


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_backoff(message: WebhookMessage, attempt: int) -> None:
    assert message.last_attempt_at is not None
    wait = (message.next_attempt_at - message.last_attempt_at).total_seconds()
    base = service.RETRY_SCHEDULE_SECONDS[attempt - 1]
    # The delay is counted from the outcome, a few ms after the attempt started.
    assert base * (1 - service.RETRY_JITTER) <= wait <= base * (1 + service.RETRY_JITTER) + 5


# --- signing -------------------------------------------------------------------------------------------


def test_verify_accepts_a_good_signature_and_refuses_tampering_and_replays() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(secret) > 40
    body = b'{"id":"evt_1"}'
    header = signing.signature_header([secret], body, timestamp=1_700_000_000)
    assert header.count("v1=") == 1
    assert signing.verify(secret, header, body, now=1_700_000_100)
    assert not signing.verify(secret, header, body + b" ", now=1_700_000_100)
    assert not signing.verify("whsec_other", header, body, now=1_700_000_100)
    assert not signing.verify(secret, header, body, now=1_700_000_301)
    assert not signing.verify(secret, "v1=abc", body)
    assert not signing.verify(secret, "", body)
    rotated = f"{header},v1={signing.compute_signature('whsec_old', 1_700_000_000, body)}"
    assert signing.verify(secret, rotated, body, now=1_700_000_000)
    both = signing.signature_header([secret, "whsec_old"], body, timestamp=1_700_000_000)
    assert both == rotated
    assert signing.verify("whsec_old", both, body, now=1_700_000_000)


def test_public_addresses() -> None:
    from ipaddress import ip_address

    for private in (
        "127.0.0.1",
        "10.0.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
    ):
        assert not transport.is_public_address(ip_address(private)), private
    assert transport.is_public_address(ip_address("93.184.216.34"))


# --- delivery --------------------------------------------------------------------------------------------


def test_an_event_arrives_once_signed_with_the_documented_body(
    app: Flask, api: Callable[..., Any], client_org: dict[str, Any], receiver: Receiver
) -> None:
    endpoint = create_endpoint(api, receiver)
    event_id = record(app, client_org["organisation_id"], item="itm_42", project="prj_7")
    record(app, client_org["organisation_id"], EventKind.BUDGET_LOW)  # not subscribed
    assert run(app)["attempted"] == 1

    assert receiver.event_ids() == [event_id]
    got = receiver.received[0]
    assert got["valid"] and got["type"] == "item.completed"
    assert got["content_type"] == "application/json" and got["user_agent"] == signing.USER_AGENT
    document = json.loads(got["body"])
    with app.app_context():
        event = get_session().scalar(select(ClientEvent).where(ClientEvent.public_id == event_id))
        assert event is not None
        created_at = service.iso_utc(event.created_at)
    assert document == {
        "id": event_id,
        "type": "item.completed",
        "created_at": created_at,
        "organisation": endpoint["organisation"],
        "data": {"item": "itm_42", "project": "prj_7"},
    }
    assert got["body"] == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()

    assert run(app) == {"fanned_out": 0, "attempted": 0}  # idempotent
    assert len(receiver.received) == 1
    [message] = messages(app)
    assert message.state == WebhookMessageState.DELIVERED and message.last_status == 200
    assert message.delivered_at is not None and message.last_duration_ms is not None

    log = api("GET", f"/webhooks/endpoints/{endpoint['id']}/messages").get_json()
    assert [(m["event_id"], m["state"], m["attempts"]) for m in log["messages"]] == [
        (event_id, "delivered", 1)
    ]
    assert "secret" not in api("GET", f"/webhooks/endpoints/{endpoint['id']}").get_json()


def test_a_failing_then_absent_receiver_gets_retries_and_the_event_in_the_end(
    app: Flask, api: Callable[..., Any], client_org: dict[str, Any], receiver: Receiver
) -> None:
    create_endpoint(api, receiver)
    event_id = record(app, client_org["organisation_id"])

    receiver.status = 500
    run(app)
    [message] = messages(app)
    assert message.state == WebhookMessageState.PENDING and message.attempts == 1
    assert message.last_status == 500 and "HTTP 500" in message.last_error
    assert_backoff(message, 1)
    assert run(app)["attempted"] == 0  # not due yet

    receiver.stop()  # the port is closed: connection refused
    make_due(app)
    run(app)
    [message] = messages(app)
    assert message.attempts == 2 and message.last_status is None and message.last_error
    assert_backoff(message, 2)

    receiver.status = 200
    receiver.start()
    make_due(app)
    run(app)
    [message] = messages(app)
    assert message.state == WebhookMessageState.DELIVERED and message.attempts == 3
    assert message.last_error == ""
    assert receiver.event_ids() == [event_id, event_id]
    assert all(r["valid"] for r in receiver.received)


def test_exhausted_messages_fail_and_disable_the_endpoint_at_the_threshold(
    app: Flask,
    api: Callable[..., Any],
    client: FlaskClient,
    login: Callable[..., Any],
    client_org: dict[str, Any],
    receiver: Receiver,
) -> None:
    endpoint = create_endpoint(api, receiver)
    receiver.status = 503

    def exhaust() -> None:
        for _ in range(service.MAX_ATTEMPTS):
            make_due(app)
            run(app)

    for n in range(service.DISABLE_AFTER_FAILED_MESSAGES - 1):
        record(app, client_org["organisation_id"], item=f"itm_{n}")
    exhaust()
    assert {m.state for m in messages(app)} == {WebhookMessageState.FAILED}
    assert {m.attempts for m in messages(app)} == {service.MAX_ATTEMPTS}
    row = endpoint_row(app, endpoint["id"])
    assert row.enabled and row.consecutive_failures == service.DISABLE_AFTER_FAILED_MESSAGES - 1

    record(app, client_org["organisation_id"], item="itm_last")
    exhaust()
    row = endpoint_row(app, endpoint["id"])
    assert not row.enabled and row.disabled_reason == "repeated_failure"
    assert row.consecutive_failures == service.DISABLE_AFTER_FAILED_MESSAGES
    assert len(receiver.received) == service.DISABLE_AFTER_FAILED_MESSAGES * service.MAX_ATTEMPTS

    shown = api("GET", f"/webhooks/endpoints/{endpoint['id']}").get_json()
    assert shown["enabled"] is False and shown["disabled_reason"] == "repeated_failure"
    login("owner@client.example")
    page = client.get(f"/organisation/webhooks/{endpoint['id']}")
    assert page.status_code == 200 and "Turn back on" in page.get_data(as_text=True)

    # Turned off: new events make no message, and a redelivery is refused until it is back on.
    record(app, client_org["organisation_id"], item="itm_while_off")
    run(app)
    assert len(messages(app)) == service.DISABLE_AFTER_FAILED_MESSAGES
    first = messages(app)[0].public_id
    redelivery = api("POST", f"/webhooks/endpoints/{endpoint['id']}/messages/{first}/redeliver")
    assert redelivery.status_code == 409

    back_on = api("PATCH", f"/webhooks/endpoints/{endpoint['id']}", json={"enabled": True}).get_json()
    assert back_on["enabled"] is True and back_on["disabled_reason"] is None
    assert back_on["consecutive_failures"] == 0


def test_two_workers_never_send_the_same_message(
    app: Flask, api: Callable[..., Any], client_org: dict[str, Any], receiver: Receiver
) -> None:
    create_endpoint(api, receiver)
    receiver.delay = 0.05
    ids = [record(app, client_org["organisation_id"], item=f"itm_{n}") for n in range(12)]
    workers = [threading.Thread(target=run, args=(app,)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(receiver.event_ids()) == sorted(ids)  # each once: claims are exclusive
    assert {m.state for m in messages(app)} == {WebhookMessageState.DELIVERED}


def test_redeliver_sends_again_with_the_same_event_id(
    app: Flask,
    api: Callable[..., Any],
    client_org: dict[str, Any],
    receiver: Receiver,
    run_jobs: Callable[[], int],
) -> None:
    endpoint = create_endpoint(api, receiver)
    event_id = record(app, client_org["organisation_id"])
    run(app)
    [message] = messages(app)

    response = api("POST", f"/webhooks/endpoints/{endpoint['id']}/messages/{message.public_id}/redeliver")
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["event_id"] == event_id
    run_jobs()  # the kick: inline already ran it; with Redis a worker runs it here
    run(app)
    assert receiver.event_ids() == [event_id, event_id]
    assert all(r["valid"] for r in receiver.received)
    [message] = messages(app)
    assert message.state == WebhookMessageState.DELIVERED and message.attempts == 1

    missing = api("POST", f"/webhooks/endpoints/{endpoint['id']}/messages/whm_nothere/redeliver")
    assert missing.status_code == 404


def test_redis_down_at_the_change_loses_nothing(
    app: Flask,
    db_url: str,
    api: Callable[..., Any],
    client_org: dict[str, Any],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    create_endpoint(api, receiver, events=("delivery.ready",))
    down = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": db_url,
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "JOBS_MODE": "rq",
        }
    )
    try:
        with down.app_context():
            session = get_session()
            event = record_event(session, client_org["organisation_id"], EventKind.DELIVERY_READY, {"v": 1})
            session.commit()
            with caplog.at_level(logging.WARNING, logger=service.__name__):
                service.kick()  # Redis refuses the connection: logged, not raised
            assert "periodic run" in caplog.text
        with down.app_context():
            event_id = get_session().scalar(select(ClientEvent.public_id).where(ClientEvent.id == event.id))
        assert event_id is not None  # the change committed
        assert receiver.received == []
        run(down)
        assert receiver.event_ids() == [event_id]
    finally:
        down.extensions["db_engine"].dispose()


def test_test_ping_and_rotation(
    app: Flask, api: Callable[..., Any], client_org: dict[str, Any], receiver: Receiver
) -> None:
    endpoint = create_endpoint(api, receiver)
    ping = api("POST", f"/webhooks/endpoints/{endpoint['id']}/test").get_json()
    assert ping["delivered"] is True and ping["status"] == 200
    assert receiver.received[-1]["type"] == service.TEST_EVENT_TYPE and receiver.received[-1]["valid"]
    assert receiver.received[-1]["event_id"] == ping["event_id"]

    # A rotation keeps the previous secret signing too for a day: the receiver still holding it
    # accepts the next event, and so does one that switched already.
    before = utcnow()
    rotated = api("POST", f"/webhooks/endpoints/{endpoint['id']}/rotate-secret").get_json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != endpoint["secret"]
    until = datetime.fromisoformat(rotated["previous_secret_valid_until"].replace("Z", "+00:00"))
    assert timedelta(hours=23, minutes=59) < until - before <= timedelta(hours=24, seconds=5)
    event_id = record(app, client_org["organisation_id"])
    run(app)
    assert receiver.received[-1]["event_id"] == event_id and receiver.received[-1]["valid"]
    assert receiver.received[-1]["signature"].count("v1=") == 2
    receiver.secret = rotated["secret"]
    api("POST", f"/webhooks/endpoints/{endpoint['id']}/test")
    assert receiver.received[-1]["valid"]

    # When the day is over, only the new secret signs.
    with app.app_context():
        session = get_session()
        row = session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.public_id == endpoint["id"])
        ).one()
        row.previous_secret_until = utcnow() - timedelta(seconds=1)
        session.commit()
    api("POST", f"/webhooks/endpoints/{endpoint['id']}/test")
    assert receiver.received[-1]["valid"] and receiver.received[-1]["signature"].count("v1=") == 1
    receiver.secret = endpoint["secret"]
    api("POST", f"/webhooks/endpoints/{endpoint['id']}/test")
    assert not receiver.received[-1]["valid"]

    # A leaked secret is ended at once: the message that follows carries the new signature only.
    leaked = api(
        "POST", f"/webhooks/endpoints/{endpoint['id']}/rotate-secret?expire_previous=true"
    ).get_json()
    assert leaked["previous_secret_valid_until"] is None
    receiver.secret = rotated["secret"]
    api("POST", f"/webhooks/endpoints/{endpoint['id']}/test")
    assert not receiver.received[-1]["valid"] and receiver.received[-1]["signature"].count("v1=") == 1
    receiver.secret = leaked["secret"]
    api("POST", f"/webhooks/endpoints/{endpoint['id']}/test")
    assert receiver.received[-1]["valid"]


# --- the API's rules -------------------------------------------------------------------------------------


def test_only_the_organisations_clients_see_its_endpoints(
    app: Flask,
    api: Callable[..., Any],
    client: FlaskClient,
    make_user: Callable[..., int],
    login: Callable[..., Any],
    receiver: Receiver,
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.projects import organisations

    endpoint = create_endpoint(api, receiver)
    with app.app_context():
        other = organisations.create_organisation("Other Co")
        _token, other_raw = accounts.issue_api_token(other.id, "other")
    headers = {"Authorization": f"Bearer {other_raw}"}
    base = f"/api/v1/webhooks/endpoints/{endpoint['id']}"
    assert client.get(base, headers=headers).status_code == 404
    assert client.patch(base, json={"enabled": False}, headers=headers).status_code == 404
    assert client.delete(base, headers=headers).status_code == 404
    assert client.get(base + "/messages", headers=headers).status_code == 404
    assert client.post(base + "/rotate-secret", headers=headers).status_code == 404
    assert client.post(base + "/test", headers=headers).status_code == 404
    listed = client.get("/api/v1/webhooks/endpoints", headers=headers).get_json()
    assert listed == {"endpoints": [], "next_cursor": None}

    rival_id = make_user("rival@other.example", roles=(Role.CLIENT,), native=())
    with app.app_context():
        organisations.add_member(other.id, rival_id)
    rival = app.test_client()
    post_form(rival, "/login", {"email": "rival@other.example", "password": "correct horse battery"})
    assert rival.get(f"/organisation/webhooks/{endpoint['id']}").status_code == 404
    assert rival.get(base).status_code == 404
    assert rival.get("/organisation/webhooks").status_code == 200

    annotator_client = app.test_client()
    make_user("ann@example.org")
    post_form(annotator_client, "/login", {"email": "ann@example.org", "password": "correct horse battery"})
    assert annotator_client.get("/api/v1/webhooks/endpoints").status_code == 403
    assert annotator_client.get(base).status_code == 403
    assert annotator_client.get("/organisation/webhooks").status_code == 403

    assert api("GET", f"/webhooks/endpoints/{endpoint['id']}").status_code == 200
    assert app.test_client().get(base).status_code == 401


def test_private_addresses_and_bad_urls_are_refused_when_the_setting_is_off(
    app: Flask,
    api: Callable[..., Any],
    client_org: dict[str, Any],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = create_endpoint(api, receiver)  # allowed while the setting is on (tests)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)
    refused = {
        "http://127.0.0.1:8080/hooks": "private_address",
        "http://10.1.2.3/hooks": "private_address",
        "http://169.254.169.254/latest/meta-data": "private_address",
        "http://[::1]/hooks": "private_address",
        "http://localhost/hooks": "private_address",
        "ftp://example.com/hooks": "scheme",
        "https://user:pw@example.com/hooks": "credentials",
        "not a url": "scheme",
    }
    for url, code in refused.items():
        response = api("POST", "/webhooks/endpoints", json={"url": url, "events": ["item.completed"]})
        assert response.status_code == 422, url
        assert response.get_json()["error"]["errors"][0] == {
            "field": "url",
            "code": code,
            "message": response.get_json()["error"]["message"],
        }, url
    changed = api("PATCH", f"/webhooks/endpoints/{endpoint['id']}", json={"url": "http://192.168.0.1/x"})
    assert changed.status_code == 422

    # The URL saved earlier is checked again when sending: nothing leaves for a private address.
    record(app, client_org["organisation_id"])
    run(app)
    assert receiver.received == []
    [message] = messages(app)
    assert message.state == WebhookMessageState.PENDING and "private_address" in message.last_error


def test_bad_requests(api: Callable[..., Any], receiver: Receiver) -> None:
    unknown = api("POST", "/webhooks/endpoints", json={"url": receiver.url, "events": ["nope"]})
    assert unknown.status_code == 400
    empty = api("POST", "/webhooks/endpoints", json={"url": receiver.url, "events": []})
    assert empty.status_code == 400
    endpoint = create_endpoint(api, receiver)
    assert api("PATCH", f"/webhooks/endpoints/{endpoint['id']}", json={}).status_code == 400
    assert api("GET", f"/webhooks/endpoints/{endpoint['id']}/messages?state=odd").status_code == 400
    odd = api("POST", f"/webhooks/endpoints/{endpoint['id']}/rotate-secret?expire_previous=soon")
    assert odd.status_code == 400 and odd.get_json()["error"]["field"] == "expire_previous"
    assert (
        api("GET", f"/webhooks/endpoints/{endpoint['id']}").get_json()["previous_secret_valid_until"] is None
    )
    assert api("DELETE", f"/webhooks/endpoints/{endpoint['id']}").status_code == 204
    assert api("GET", f"/webhooks/endpoints/{endpoint['id']}").status_code == 404


def test_openapi_documents_the_webhook_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/webhooks/endpoints"]) == {"get", "post"}
    assert set(paths["/api/v1/webhooks/endpoints/{endpoint_id}"]) == {"get", "patch", "delete"}
    assert "post" in paths["/api/v1/webhooks/endpoints/{endpoint_id}/messages/{message_id}/redeliver"]


# --- pages --------------------------------------------------------------------------------------------


def test_pages_render_and_show_the_secret_only_once(
    app: Flask,
    client: FlaskClient,
    login: Callable[..., Any],
    client_org: dict[str, Any],
    receiver: Receiver,
) -> None:
    login("owner@client.example")
    assert client.get("/organisation/webhooks").status_code == 200
    created = post_form(
        client,
        "/organisation/webhooks",
        {"url": receiver.url, "description": "CI", "events": ["item.completed", "delivery.ready"]},
    )
    assert created.status_code == 200, created.get_data(as_text=True)
    with app.app_context():
        row = get_session().scalar(select(WebhookEndpoint))
        assert row is not None
        public_id, secret = row.public_id, row.secret
    assert secret in created.get_data(as_text=True)
    receiver.secret = secret

    event_id = record(app, client_org["organisation_id"])
    run(app)
    listing = client.get("/organisation/webhooks").get_data(as_text=True)
    assert receiver.url in listing and secret not in listing
    page = client.get(f"/organisation/webhooks/{public_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert event_id in html and "Redeliver" in html and secret not in html

    [message] = messages(app)
    url = f"/organisation/webhooks/{public_id}/messages/{message.public_id}/redeliver"
    response = client.post(
        url, data={"csrf_token": csrf_token(client, f"/organisation/webhooks/{public_id}")}
    )
    assert response.status_code == 303
    run(app)
    assert receiver.event_ids() == [event_id, event_id]

    # Rotating on the page shows the new secret once, and until when the old one signs too.
    rotated = client.post(
        f"/organisation/webhooks/{public_id}/rotate-secret",
        data={"csrf_token": csrf_token(client, f"/organisation/webhooks/{public_id}")},
    )
    html = rotated.get_data(as_text=True)
    assert rotated.status_code == 200 and "messages are signed with the previous secret too" in html
    with app.app_context():
        row = get_session().scalar(select(WebhookEndpoint))
        assert row is not None and row.secret in html and row.previous_secret == secret
    assert "signed with the previous secret too" in client.get(
        f"/organisation/webhooks/{public_id}"
    ).get_data(as_text=True)

    bad = post_form(
        client, "/organisation/webhooks", {"url": "ftp://x.example/", "events": ["item.completed"]}
    )
    assert bad.status_code == 422 and "https://" in bad.get_data(as_text=True)
