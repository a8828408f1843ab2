"""Webhook use-cases: the client's endpoints, and the job that sends its events to them.

How a message travels:

1. A domain records a ``ClientEvent`` in the transaction of its change (``marketplace.events``).
2. ``fan_out_events`` turns each new event into one ``WebhookMessage`` per enabled endpoint of the
   organisation subscribed to its kind (an insert that ignores duplicates, so a re-run adds none).
3. ``send_due_messages`` claims one due message at a time in a short transaction that pushes its
   ``next_attempt_at`` forward by ``CLAIM_SECONDS`` and commits; only then does it POST. No database
   transaction is open during network I/O, and two workers never send the same message at once: the
   second one skips the locked row (PostgreSQL) or finds it no longer due.
4. The outcome is recorded only if the claim still stands (a redelivery meanwhile starts a new
   series and wins). A failure is retried along ``RETRY_SCHEDULE_SECONDS``; when that runs out the
   message is failed and counts against its endpoint, which is disabled after
   ``DISABLE_AFTER_FAILED_MESSAGES`` failed messages in a row.

Delivery is at least once (a worker can die after the receiver answered and before the outcome
is saved); the event id in the ``Marketplace-Event-Id`` header lets receivers deduplicate.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace import jobs
from marketplace.db import get_session, insert_ignoring_conflicts, is_postgresql, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.events import ClientEvent, EventKind
from marketplace.ids import new_public_id
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects.access import Actor
from marketplace.projects.organisations import (
    organisation_public_ids,
    require_client_access,
    resolve_organisation,
)
from marketplace.reports.models import WebhookEndpoint, WebhookMessage, WebhookMessageState
from marketplace.reports.webhooks import signing, transport
from marketplace.validation import FieldError, InvalidInput

log = logging.getLogger(__name__)

#: Waits, in seconds, after each failed attempt: 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h and
#: 8 h, about 23.7 hours in all. Short at first (a receiver restarting), long later (a receiver down
#: for the night), so a day-long outage loses nothing and a dead receiver costs ten requests.
RETRY_SCHEDULE_SECONDS: tuple[int, ...] = (30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800)
#: Attempts of one message before it is failed: the first and one per wait of the schedule.
MAX_ATTEMPTS = len(RETRY_SCHEDULE_SECONDS) + 1
#: Each wait is stretched or shrunk by up to this fraction at random, so the messages that failed
#: together during an outage do not all come back in the same second when it ends.
RETRY_JITTER = 0.1
#: How far a claim pushes ``next_attempt_at``: longer than one attempt can take (the transport's
#: timeout), so the claim outlives the request; a worker that dies mid-send frees the message then.
CLAIM_SECONDS = 60
#: How long a replaced secret keeps signing messages next to the new one.
ROTATION_GRACE = timedelta(hours=24)
#: Failed messages in a row (each after all its retries) after which an endpoint is disabled.
DISABLE_AFTER_FAILED_MESSAGES = 5
#: Events fanned out per transaction.
FAN_OUT_CHUNK = 200
#: Most events one run fans out, and most messages it attempts.
FAN_OUT_LIMIT = 5_000
SEND_LIMIT = 500
#: A run stops claiming after this many seconds and leaves the rest to the next run (every 15 s):
#: with the in-process scheduler it shares one thread with every other periodic job.
SEND_BUDGET_SECONDS = 30.0
#: The job, as ``marketplace.jobs`` and the scheduler name it.
RUN_JOB_PATH = "marketplace.reports.webhooks.service.run_webhooks"
#: One id for every kick: in RQ mode, kicks in a burst name the same job.
KICK_JOB_ID = "webhooks-run"
#: The event type of ``send_test`` pings. Not an ``EventKind``: nobody subscribes to it, and the
#: ping is sent at once to one endpoint, never stored in the outbox.
TEST_EVENT_TYPE = "webhook.test"
MAX_URL_CHARS = 2000
MAX_DESCRIPTION_CHARS = 200


class DisabledReason(StrEnum):
    """Why an endpoint is off, shown on its page and in the API."""

    #: ``DISABLE_AFTER_FAILED_MESSAGES`` messages in a row ran out of retries. Only the page and the
    #: API tell the client for now; the e-mail to the organisation's owners and to ops comes with a
    #: later issue.
    REPEATED_FAILURE = "repeated_failure"
    BY_CLIENT = "by_client"


def event_kinds() -> list[str]:
    """Every event a client may subscribe to, in the order pages list them."""
    return [kind.value for kind in EventKind]


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as the API and the message body spell timestamps."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def allow_private_networks() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


# --- who may see an endpoint -----------------------------------------------------------------------


def visible_endpoint(principal: Actor, public_id: str) -> WebhookEndpoint:
    """The endpoint if the caller may act for its organisation; 403 for non-clients, 404 otherwise."""
    require_client_access(principal)
    endpoint = get_session().scalar(select(WebhookEndpoint).where(WebhookEndpoint.public_id == public_id))
    if endpoint is None or not principal.can_act_for(endpoint.organisation_id):
        raise NotFound(_("There is no such webhook endpoint."))
    return endpoint


def list_endpoints(principal: Actor, cursor: str | None, limit: int) -> Page[WebhookEndpoint]:
    """The endpoints of the caller's organisations (all of them for ops), oldest first."""
    require_client_access(principal)
    query = select(WebhookEndpoint).order_by(WebhookEndpoint.id).limit(limit + 1)
    if not principal.is_ops:
        query = query.where(WebhookEndpoint.organisation_id.in_(principal.organisation_ids))
    after = after_id(WebhookEndpoint, cursor)
    if after is not None:
        query = query.where(WebhookEndpoint.id > after)
    return cut_page(get_session().scalars(query).all(), limit, lambda e: e.public_id)


def endpoint_organisation(principal: Actor, organisation_public_id: str | None) -> int:
    """The organisation a new endpoint is for: the token's, the person's only one, or the one named.

    Why not only ``resolve_organisation``: its "which organisation" message speaks of projects.
    """
    require_client_access(principal)
    if (
        organisation_public_id is None
        and principal.token is None
        and len(principal.organisation_ids) != 1
        and (principal.organisation_ids or principal.is_ops)
    ):
        message = _("Say which organisation the endpoint is for.")
        raise InvalidInput([FieldError("organisation", "required", message)], status=422)
    return resolve_organisation(principal, organisation_public_id)


# --- validation ------------------------------------------------------------------------------------


def _url_messages() -> dict[str, str]:
    return {
        "invalid_url": _("This is not a valid URL."),
        "scheme": _("The URL must start with https:// or http://."),
        "credentials": _("The URL must not contain a user name or password."),
        "private_address": _(
            "The URL points to a private, local or reserved network address. Use an address that "
            "can be reached from the internet."
        ),
        "unresolvable": _("The host name of this URL could not be found."),
    }


def clean_url(url: str) -> str:
    """The URL we will call, or a 422 naming what is wrong (the client can fix it, so say how)."""
    if len(url.strip()) > MAX_URL_CHARS:
        message = _("The URL may have at most %(max)s characters.", max=MAX_URL_CHARS)
        raise InvalidInput([FieldError("url", "too_long", message)], status=422)
    try:
        return transport.check_url(url, allow_private_networks())
    except transport.UrlRefused as exc:
        message = _url_messages().get(exc.code, _url_messages()["invalid_url"])
        raise InvalidInput([FieldError("url", exc.code, message)], status=422) from exc


def clean_events(events: Sequence[str]) -> list[str]:
    """Known event kinds, each once, in ``EventKind`` order; at least one."""
    known = event_kinds()
    errors = [
        FieldError(
            f"events[{index}]",
            "unknown_event",
            _("“%(name)s” is not an event you can subscribe to.", name=name),
        )
        for index, name in enumerate(events)
        if name not in known
    ]
    if not events:
        errors.append(FieldError("events", "required", _("Choose at least one event.")))
    if errors:
        raise InvalidInput(errors, status=422)
    return [kind for kind in known if kind in set(events)]


def _clean_description(description: str) -> str:
    description = description.strip()
    if len(description) > MAX_DESCRIPTION_CHARS:
        message = _("The description may have at most %(max)s characters.", max=MAX_DESCRIPTION_CHARS)
        raise InvalidInput([FieldError("description", "too_long", message)], status=422)
    return description


# --- endpoints -------------------------------------------------------------------------------------


def create_endpoint(
    organisation_id: int,
    url: str,
    events: Sequence[str],
    description: str = "",
    created_by: int | None = None,
) -> WebhookEndpoint:
    """Register an endpoint with a fresh secret; it receives events recorded from now on."""
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id,
        url=clean_url(url),
        events=clean_events(events),
        description=_clean_description(description),
        secret=signing.new_secret(),
        enabled=True,
        consecutive_failures=0,
        created_by_id=created_by,
    )
    session = get_session()
    session.add(endpoint)
    session.commit()
    return endpoint


def _endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    if endpoint is None:
        raise NotFound(_("There is no such webhook endpoint."))
    return endpoint


def update_endpoint(
    endpoint_id: int,
    *,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change what is given. Turning an endpoint back on clears why it was off and its failure
    count, so it gets a full ``DISABLE_AFTER_FAILED_MESSAGES`` before it is turned off again."""
    session = get_session()
    endpoint = _endpoint(session, endpoint_id)
    if url is not None:
        endpoint.url = clean_url(url)
    if events is not None:
        endpoint.events = clean_events(events)
    if description is not None:
        endpoint.description = _clean_description(description)
    if enabled is True and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.consecutive_failures = 0
    elif enabled is False and endpoint.enabled:
        endpoint.enabled = False
        endpoint.disabled_reason = DisabledReason.BY_CLIENT.value
        endpoint.disabled_at = utcnow()
    session.commit()
    return endpoint


def delete_endpoint(endpoint_id: int) -> None:
    """Delete the endpoint and its log (the database cascades to its messages)."""
    session = get_session()
    session.delete(_endpoint(session, endpoint_id))
    session.commit()


def rotate_secret(endpoint_id: int, *, expire_previous: bool = False) -> WebhookEndpoint:
    """Give the endpoint a new secret. For :data:`ROTATION_GRACE` messages are signed with the
    new and the previous secret (two ``v1=`` entries), so the receiver can switch at its own pace
    without refusing one; ``expire_previous`` ends the old secret at once (it leaked)."""
    session = get_session()
    endpoint = _endpoint(session, endpoint_id)
    if expire_previous:
        endpoint.previous_secret, endpoint.previous_secret_until = None, None
    else:
        endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, utcnow() + ROTATION_GRACE
    endpoint.secret = signing.new_secret()
    session.commit()
    return endpoint


def previous_secret_until(endpoint: WebhookEndpoint, now: datetime | None = None) -> datetime | None:
    """Until when the secret replaced last still signs messages; None when it no longer does."""
    until = endpoint.previous_secret_until
    moment = now or utcnow()
    return until if endpoint.previous_secret and until is not None and until > moment else None


def signing_keys(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    """The secrets a message sent at ``now`` is signed with: the current one, and the previous one
    while its grace lasts."""
    if endpoint.previous_secret and previous_secret_until(endpoint, now) is not None:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


# --- the delivery log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedMessage:
    """A message with the event it carries, as the delivery log shows it."""

    message: WebhookMessage
    event_public_id: str
    event_type: str


def list_messages(
    endpoint_id: int, cursor: str | None, limit: int, state: str | None = None
) -> Page[LoggedMessage]:
    """The endpoint's messages, newest first (the cursor walks back in time)."""
    query = (
        select(WebhookMessage, ClientEvent.public_id, ClientEvent.kind)
        .join(ClientEvent, ClientEvent.id == WebhookMessage.event_id)
        .where(WebhookMessage.endpoint_id == endpoint_id)
        .order_by(WebhookMessage.id.desc())
        .limit(limit + 1)
    )
    if state is not None:
        query = query.where(WebhookMessage.state == state)
    before = after_id(WebhookMessage, cursor, endpoint_id=endpoint_id)
    if before is not None:
        query = query.where(WebhookMessage.id < before)
    rows = [LoggedMessage(row[0], row[1], row[2]) for row in get_session().execute(query)]
    return cut_page(rows, limit, lambda logged: logged.message.public_id)


def redeliver(endpoint_id: int, message_public_id: str) -> LoggedMessage:
    """Send a message again, whatever its state: a new series of attempts starting now, with the
    same event id (the receiver sees a duplicate it can recognise). The last outcome stays on
    the message until the new attempt replaces it. Call ``kick`` after it to send at once."""
    session = get_session()
    endpoint = _endpoint(session, endpoint_id)
    query = (
        select(WebhookMessage, ClientEvent.public_id, ClientEvent.kind)
        .join(ClientEvent, ClientEvent.id == WebhookMessage.event_id)
        .where(WebhookMessage.public_id == message_public_id, WebhookMessage.endpoint_id == endpoint_id)
        .execution_options(populate_existing=True)
    )
    if is_postgresql(session):
        query = query.with_for_update(of=WebhookMessage)
    row = session.execute(query).first()
    if row is None:
        raise NotFound(_("There is no such message."))
    if not endpoint.enabled:
        raise Conflict(_("Turn the endpoint back on before sending messages to it again."))
    message: WebhookMessage = row[0]
    message.state = WebhookMessageState.PENDING.value
    message.attempts = 0
    message.next_attempt_at = utcnow()
    session.commit()
    return LoggedMessage(message, row[1], row[2])


# --- fan-out ---------------------------------------------------------------------------------------


def fan_out_events(limit: int = FAN_OUT_LIMIT) -> int:
    """Make the messages of events not yet fanned out, oldest first; returns how many events.

    An endpoint receives the events recorded while it was enabled and subscribed: one disabled at
    fan-out time gets no message for that event (re-enabling does not replay the gap).
    """
    session = get_session()
    done = 0
    while done < limit:
        query = (
            select(ClientEvent.id, ClientEvent.organisation_id, ClientEvent.kind)
            .where(ClientEvent.fanned_out.is_(False))
            .order_by(ClientEvent.id)
            .limit(min(FAN_OUT_CHUNK, limit - done))
        )
        if is_postgresql(session):
            query = query.with_for_update(skip_locked=True)
        events = session.execute(query).all()
        if not events:
            session.commit()
            break
        subscribers: dict[int, list[tuple[int, list[Any]]]] = defaultdict(list)
        for endpoint_id, organisation_id, kinds in session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.organisation_id, WebhookEndpoint.events).where(
                WebhookEndpoint.organisation_id.in_({event.organisation_id for event in events}),
                WebhookEndpoint.enabled.is_(True),
            )
        ):
            subscribers[organisation_id].append((endpoint_id, list(kinds or [])))
        now = utcnow()
        rows = [
            {
                "public_id": new_public_id("whm"),
                "endpoint_id": endpoint_id,
                "event_id": event.id,
                "state": WebhookMessageState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
            }
            for event in events
            for endpoint_id, kinds in subscribers[event.organisation_id]
            if event.kind in kinds
        ]
        if rows:
            session.execute(
                insert_ignoring_conflicts(session, WebhookMessage, rows, ["endpoint_id", "event_id"])
            )
        session.execute(
            update(ClientEvent)
            .where(ClientEvent.id.in_([event.id for event in events]))
            .values(fanned_out=True)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        done += len(events)
    return done


# --- sending ---------------------------------------------------------------------------------------


def event_body(
    event_public_id: str,
    event_type: str,
    created_at: datetime,
    organisation_public_id: str,
    data: dict[str, Any],
) -> bytes:
    """The JSON a receiver gets, serialised once per attempt and signed as these exact bytes.
    Canonical (sorted keys, no spaces) so every attempt of one event carries the same body."""
    document = {
        "id": event_public_id,
        "type": event_type,
        "created_at": iso_utc(created_at),
        "organisation": organisation_public_id,
        "data": data,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def retry_delay(attempts_made: int) -> timedelta:
    """The wait after the ``attempts_made``-th failed attempt, with jitter (``RETRY_JITTER``)."""
    base = RETRY_SCHEDULE_SECONDS[min(attempts_made, len(RETRY_SCHEDULE_SECONDS)) - 1]
    return timedelta(seconds=base * random.uniform(1 - RETRY_JITTER, 1 + RETRY_JITTER))


@dataclass(frozen=True)
class _Claim:
    """What an attempt needs, read in the claiming transaction so none is open while it is sent.
    ``attempts`` and ``claimed_until`` identify the claim when its outcome is saved."""

    message_id: int
    endpoint_id: int
    attempts: int
    claimed_until: datetime
    url: str
    keys: tuple[str, ...]
    event_public_id: str
    event_type: str
    body: bytes


def _due_query(session: Session, now: datetime) -> Any:
    query = (
        select(WebhookMessage)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookMessage.endpoint_id)
        .where(
            WebhookMessage.state == WebhookMessageState.PENDING.value,
            WebhookMessage.next_attempt_at <= now,
            # A disabled endpoint's messages wait (they go once it is turned back on).
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookMessage.next_attempt_at, WebhookMessage.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True, of=WebhookMessage)
    return query


def _claim_next() -> _Claim | None:
    """Claim the most overdue message and commit the claim; None when nothing is due."""
    session = get_session()
    while True:
        now = utcnow()
        message: WebhookMessage | None = session.scalars(_due_query(session, now)).first()
        if message is None:
            session.commit()
            return None
        if message.attempts >= MAX_ATTEMPTS:
            # Its last claim never came back (the worker died mid-send): that attempt counts.
            message.state = WebhookMessageState.FAILED.value
            message.last_error = message.last_error or "the attempt did not finish"
            _count_failed_message(session, message.endpoint_id, now)
            session.commit()
            continue
        endpoint = session.get(WebhookEndpoint, message.endpoint_id, populate_existing=True)
        event = session.get(ClientEvent, message.event_id, populate_existing=True)
        assert endpoint is not None and event is not None  # foreign keys with cascades
        message.attempts += 1
        message.last_attempt_at = now
        message.next_attempt_at = now + timedelta(seconds=CLAIM_SECONDS)
        organisation = organisation_public_ids([event.organisation_id])[event.organisation_id]
        claim = _Claim(
            message_id=message.id,
            endpoint_id=endpoint.id,
            attempts=message.attempts,
            claimed_until=message.next_attempt_at,
            url=endpoint.url,
            keys=signing_keys(endpoint, now),
            event_public_id=event.public_id,
            event_type=event.kind,
            body=event_body(event.public_id, event.kind, event.created_at, organisation, dict(event.data)),
        )
        session.commit()
        return claim


def _count_failed_message(session: Session, endpoint_id: int, now: datetime) -> None:
    """One more failed message in a row for the endpoint; at the threshold it is disabled. Both as
    SQL updates of the row, so concurrent workers count every failure."""
    session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(consecutive_failures=WebhookEndpoint.consecutive_failures + 1)
        .execution_options(synchronize_session=False)
    )
    disabled = session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.consecutive_failures >= DISABLE_AFTER_FAILED_MESSAGES,
        )
        .values(enabled=False, disabled_reason=DisabledReason.REPEATED_FAILURE.value, disabled_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(disabled, "rowcount", 0):
        log.warning(
            "webhook endpoint %s disabled after %s failed messages in a row",
            endpoint_id,
            DISABLE_AFTER_FAILED_MESSAGES,
        )


def _record(claim: _Claim, outcome: transport.Outcome) -> None:
    """Save an attempt's outcome, unless the claim was superseded (redelivered meanwhile)."""
    session = get_session()
    now = utcnow()
    query = (
        select(WebhookMessage)
        .where(
            WebhookMessage.id == claim.message_id,
            WebhookMessage.state == WebhookMessageState.PENDING.value,
            WebhookMessage.attempts == claim.attempts,
            WebhookMessage.next_attempt_at == claim.claimed_until,
        )
        .execution_options(populate_existing=True)
    )
    if is_postgresql(session):
        query = query.with_for_update()
    message = session.scalars(query).first()
    if message is None:
        session.rollback()
        log.info("outcome of webhook message %s dropped: it was redelivered meanwhile", claim.message_id)
        return
    message.last_status = outcome.status
    message.last_duration_ms = outcome.duration_ms
    if outcome.ok:
        message.state = WebhookMessageState.DELIVERED.value
        message.delivered_at = now
        message.last_error = ""
        session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == claim.endpoint_id, WebhookEndpoint.consecutive_failures != 0)
            .values(consecutive_failures=0)
            .execution_options(synchronize_session=False)
        )
    else:
        message.last_error = outcome.error
        if message.attempts >= MAX_ATTEMPTS:
            message.state = WebhookMessageState.FAILED.value
            _count_failed_message(session, claim.endpoint_id, now)
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)
    session.commit()


def send_due_messages(limit: int = SEND_LIMIT, budget_seconds: float = SEND_BUDGET_SECONDS) -> int:
    """Attempt due messages one by one until none is due, ``limit`` or the time budget; returns how
    many were attempted."""
    allow_private = allow_private_networks()
    started = time.monotonic()
    attempted = 0
    while attempted < limit and time.monotonic() - started < budget_seconds:
        claim = _claim_next()
        if claim is None:
            break
        headers = signing.request_headers(claim.keys, claim.event_public_id, claim.event_type, claim.body)
        outcome = transport.post(claim.url, claim.body, headers, allow_private)
        _record(claim, outcome)
        attempted += 1
    return attempted


def run_webhooks() -> dict[str, int]:
    """The job (periodic, and kicked after changes): fan out new events, send what is due.
    Idempotent: a second run finds nothing new and nothing due."""
    fanned_out = fan_out_events()
    attempted = send_due_messages()
    return {"fanned_out": fanned_out, "attempted": attempted}


def kick() -> None:
    """Ask for a run now, after a commit, so a message leaves in seconds rather than at the next
    periodic run. Best effort: with Redis down the change is committed all the same and the
    periodic job sends it, so a failure here is logged, never raised."""
    try:
        jobs.enqueue(RUN_JOB_PATH, queue=jobs.QUEUE_DEFAULT, job_id=KICK_JOB_ID)
    except Exception:
        log.warning("could not start the webhook job now; the periodic run will send", exc_info=True)


# --- test pings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PingResult:
    """A ping's event id (what the receiver saw in ``Marketplace-Event-Id``) and its outcome."""

    event_id: str
    outcome: transport.Outcome


def send_test(endpoint_id: int) -> PingResult:
    """Send a signed ``webhook.test`` ping to the endpoint now and return what it answered.

    Synchronous so the client sees the answer at once; the transaction is closed before the
    request. The ping has a fresh event id, is not stored and not retried, and is sent to a
    disabled endpoint too (to check a receiver before turning it back on).
    """
    session = get_session()
    endpoint = _endpoint(session, endpoint_id)
    organisation = organisation_public_ids([endpoint.organisation_id])[endpoint.organisation_id]
    url, keys, endpoint_public_id = endpoint.url, signing_keys(endpoint, utcnow()), endpoint.public_id
    session.commit()
    event_id = new_public_id("evt")
    body = event_body(event_id, TEST_EVENT_TYPE, utcnow(), organisation, {"endpoint": endpoint_public_id})
    headers = signing.request_headers(keys, event_id, TEST_EVENT_TYPE, body)
    return PingResult(event_id, transport.post(url, body, headers, allow_private_networks()))
