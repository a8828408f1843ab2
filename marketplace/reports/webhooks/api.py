"""Client API v1: webhook endpoints, their delivery log, redelivery and test pings.

Each view parses the request, makes one service call and renders. Who may call is the service's
``visible_endpoint``: clients of the endpoint's organisation (and ops); 403 for callers who are no
client at all, 404 for other organisations' endpoints, as for projects.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.pagination import parse_limit
from marketplace.projects.access import Actor
from marketplace.projects.organisations import organisation_public_ids
from marketplace.reports.models import WebhookEndpoint, WebhookMessageState
from marketplace.reports.webhooks import schemas, service
from marketplace.reports.webhooks.presenters import endpoint_json, message_json, ping_json
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.api import QueryParam, endpoint

TAGS = ("webhooks",)
_PAGE_PARAMS = (
    QueryParam("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Page size."),
)
_STATE_PARAM = QueryParam(
    "state",
    {"type": "string", "enum": [state.value for state in WebhookMessageState]},
    "Only messages in this state.",
)
_WRITE_ERRORS = (400, 401, 403, 404, 409, 422)


def _body(webhook: WebhookEndpoint, with_secret: bool = False) -> dict[str, Any]:
    organisation = organisation_public_ids([webhook.organisation_id])[webhook.organisation_id]
    return endpoint_json(webhook, organisation, with_secret)


def _user_id(principal: Actor) -> int | None:
    return principal.user.id if principal.user is not None else None


@endpoint(
    "/webhooks/endpoints",
    "POST",
    summary="Register a webhook endpoint (the answer holds its signing secret, shown only now)",
    tags=TAGS,
    request_schema=schemas.ENDPOINT_CREATE,
    response_schema=schemas.ENDPOINT_WITH_SECRET,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 422),
)
def create_webhook_endpoint(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    organisation_id = service.endpoint_organisation(principal, body.get("organisation"))
    webhook = service.create_endpoint(
        organisation_id, body["url"], body["events"], body.get("description", ""), _user_id(principal)
    )
    location = url_for("api_v1.get_webhook_endpoint_get", endpoint_id=webhook.public_id)
    return jsonify(_body(webhook, with_secret=True)), 201, {"Location": location}


@endpoint(
    "/webhooks/endpoints",
    summary="List the webhook endpoints of the caller's organisations",
    tags=TAGS,
    response_schema=schemas.ENDPOINT_LIST,
    query=_PAGE_PARAMS,
    error_statuses=(400, 401, 403),
)
def list_webhook_endpoints(principal: Actor) -> ResponseReturnValue:
    page = service.list_endpoints(
        principal, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    organisations = organisation_public_ids(e.organisation_id for e in page.items)
    return jsonify(
        {
            "endpoints": [endpoint_json(e, organisations[e.organisation_id]) for e in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@endpoint(
    "/webhooks/endpoints/<endpoint_id>",
    summary="Read a webhook endpoint (without its secret)",
    tags=TAGS,
    response_schema=schemas.ENDPOINT,
)
def get_webhook_endpoint(principal: Actor, endpoint_id: str) -> ResponseReturnValue:
    return jsonify(_body(service.visible_endpoint(principal, endpoint_id)))


@endpoint(
    "/webhooks/endpoints/<endpoint_id>",
    "PATCH",
    summary="Change a webhook endpoint's URL, events or description, or turn it off or on",
    tags=TAGS,
    request_schema=schemas.ENDPOINT_UPDATE,
    response_schema=schemas.ENDPOINT,
    error_statuses=_WRITE_ERRORS,
)
def update_webhook_endpoint(principal: Actor, endpoint_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    webhook = service.visible_endpoint(principal, endpoint_id)
    webhook = service.update_endpoint(
        webhook.id,
        url=body.get("url"),
        events=body.get("events"),
        description=body.get("description"),
        enabled=body.get("enabled"),
    )
    return jsonify(_body(webhook))


@endpoint(
    "/webhooks/endpoints/<endpoint_id>",
    "DELETE",
    summary="Delete a webhook endpoint and its delivery log",
    tags=TAGS,
    success_status=204,
)
def delete_webhook_endpoint(principal: Actor, endpoint_id: str) -> ResponseReturnValue:
    service.delete_endpoint(service.visible_endpoint(principal, endpoint_id).id)
    return "", 204


@endpoint(
    "/webhooks/endpoints/<endpoint_id>/rotate-secret",
    "POST",
    summary="Replace the signing secret (the answer holds the new one, shown only now); the previous "
    "one keeps signing for 24 hours unless `expire_previous=true`",
    tags=TAGS,
    response_schema=schemas.ENDPOINT_WITH_SECRET,
    query=(
        QueryParam(
            "expire_previous",
            {"type": "boolean", "default": False},
            "End the previous secret at once (it leaked) instead of letting it sign for 24 hours.",
        ),
    ),
)
def rotate_webhook_secret(principal: Actor, endpoint_id: str) -> ResponseReturnValue:
    expire_previous = request.args.get("expire_previous", "false").strip().lower()
    if expire_previous not in ("true", "false"):
        raise InvalidInput([FieldError("expire_previous", "invalid", _("Use true or false."))])
    webhook = service.rotate_secret(
        service.visible_endpoint(principal, endpoint_id).id, expire_previous=expire_previous == "true"
    )
    return jsonify(_body(webhook, with_secret=True))


@endpoint(
    "/webhooks/endpoints/<endpoint_id>/messages",
    summary="The delivery log of a webhook endpoint, newest first",
    tags=TAGS,
    response_schema=schemas.MESSAGE_LIST,
    query=(*_PAGE_PARAMS, _STATE_PARAM),
)
def list_webhook_messages(principal: Actor, endpoint_id: str) -> ResponseReturnValue:
    webhook = service.visible_endpoint(principal, endpoint_id)
    state = request.args.get("state") or None
    if state is not None and state not in {s.value for s in WebhookMessageState}:
        raise InvalidInput([FieldError("state", "invalid", _("This is not a message state."))])
    page = service.list_messages(
        webhook.id, request.args.get("cursor"), parse_limit(request.args.get("limit")), state
    )
    return jsonify({"messages": [message_json(m) for m in page.items], "next_cursor": page.next_cursor})


@endpoint(
    "/webhooks/endpoints/<endpoint_id>/messages/<message_id>/redeliver",
    "POST",
    summary="Send a message again now (same event id: receivers deduplicate on it)",
    tags=TAGS,
    response_schema=schemas.MESSAGE,
    success_status=202,
    error_statuses=(401, 403, 404, 409),
)
def redeliver_webhook_message(principal: Actor, endpoint_id: str, message_id: str) -> ResponseReturnValue:
    webhook = service.visible_endpoint(principal, endpoint_id)
    logged = service.redeliver(webhook.id, message_id)
    service.kick()
    return jsonify(message_json(logged)), 202


@endpoint(
    "/webhooks/endpoints/<endpoint_id>/test",
    "POST",
    summary="Send a signed `webhook.test` ping now and report the receiver's answer",
    tags=TAGS,
    response_schema=schemas.TEST_RESULT,
)
def test_webhook_endpoint(principal: Actor, endpoint_id: str) -> ResponseReturnValue:
    ping = service.send_test(service.visible_endpoint(principal, endpoint_id).id)
    return jsonify(ping_json(ping))
