"""API v1 for annotators: next task, submit, release, skip, and their own assignments.

Annotators call these from the work page with their session cookie (and the CSRF header);
organisation tokens cannot, since work belongs to a person.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.i18n import current_locale_tag
from marketplace.pipeline import submit as pipeline
from marketplace.projects.access import Actor
from marketplace.projects.presenters import timestamp
from marketplace.routing import service
from marketplace.routing.models import Assignment, AssignmentState
from marketplace.routing.presenters import assignment_json as stored_assignment_json
from marketplace.routing.submission import MAX_SECONDS_SPENT
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.api import QueryParam, endpoint
from marketplace.web.auth import require_annotator
from marketplace.web.media import loadable_payload

ASSIGNMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "state", "lease_expires_at", "item", "project"],
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string", "enum": [s.value for s in AssignmentState]},
        "claimed_at": {"type": "string", "format": "date-time"},
        "lease_expires_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": ["string", "null"], "format": "date-time"},
        "answer": {"type": ["object", "null"]},
        "seconds_spent": {"type": ["integer", "null"]},
        "edge_case": {"type": "boolean"},
        "item": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "language": {"type": "string", "description": "BCP 47"},
                "direction": {"type": "string", "enum": ["ltr", "rtl"]},
                "payload": {"type": "object"},
            },
        },
        "project": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "task_type": {"type": "string"},
                "task_config": {"type": "object"},
                "labels": {"type": "array", "items": {"type": "object"}},
                "guideline": {"type": ["object", "null"]},
            },
        },
    },
}

ASSIGNMENT_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["assignments"],
    "properties": {"assignments": {"type": "array", "items": ASSIGNMENT_SCHEMA}},
}

NEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 1, "maximum": service.MAX_LEASES_PER_ANNOTATOR, "default": 1},
        "project": {"type": "string", "description": "Only work from this project."},
    },
}

SUBMIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["answer"],
    "properties": {
        "answer": {"type": "object", "description": "Validated against the project's task type and labels."},
        "seconds_spent": {"type": "integer", "minimum": 0, "maximum": MAX_SECONDS_SPENT},
        "edge_case": {"type": "boolean", "default": False, "description": "Flag the item for review."},
        "comment": {"type": "string", "maxLength": 2000},
    },
}

GIVE_BACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "reported_language": {
            "type": "string",
            "description": "The item is not in its routed language; BCP 47 of the language it is in.",
        }
    },
}

SUBMIT_RESULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "assignment": {
            "type": "object",
            "description": "The submitted assignment, in short (the page already has the item).",
            "properties": {
                "id": {"type": "string"},
                "state": {"type": "string"},
                "seconds_spent": {"type": ["integer", "null"]},
                "edge_case": {"type": "boolean"},
                "finished_at": {"type": ["string", "null"], "format": "date-time"},
            },
        },
        "late": {"type": "boolean"},
    },
}


def _annotator(principal: Actor) -> int:
    return require_annotator(principal, _("Only annotators can take work."))


def assignment_json(assignment: Assignment, locale: str | None) -> dict[str, Any]:
    """The assignment with its item's ``s3://`` media made loadable (presigned) for the caller."""
    body = stored_assignment_json(assignment, locale)
    item = body["item"]
    body["item"] = {**item, "payload": loadable_payload(body["project"]["task_type"], item["payload"])}
    return body


@endpoint(
    "/work/next",
    "POST",
    summary="Claim the next assignments in the caller's languages (live leases first)",
    tags=("work",),
    response_schema=ASSIGNMENT_LIST_SCHEMA,
    request_schema=NEXT_SCHEMA,
    body_required=False,
    error_statuses=(400, 401, 403),
)
def next_work(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    annotator_id = _annotator(principal)
    assignments = service.claim_next_assignments(annotator_id, body.get("count", 1), body.get("project"))
    locale = current_locale_tag()
    payload: dict[str, Any] = {"assignments": [assignment_json(a, locale) for a in assignments]}
    if not assignments:
        payload["message"] = _("There is no work in your languages right now. Please check again later.")
    return jsonify(payload)


@endpoint(
    "/work/assignments",
    summary="The caller's assignments, newest first",
    tags=("work",),
    response_schema=ASSIGNMENT_LIST_SCHEMA,
    query=(QueryParam("state", {"type": "string"}, "Only assignments in this state."),),
    error_statuses=(400, 401, 403),
)
def my_assignments(principal: Actor) -> ResponseReturnValue:
    annotator_id = _annotator(principal)
    state = request.args.get("state")
    if state and state not in {s.value for s in AssignmentState}:
        raise InvalidInput([FieldError("state", "enum", _("This state does not exist."))])
    assignments = service.list_own_assignments(annotator_id, [state] if state else None)
    locale = current_locale_tag()
    return jsonify({"assignments": [assignment_json(a, locale) for a in assignments]})


@endpoint(
    "/work/assignments/<assignment_id>",
    summary="One of the caller's assignments",
    tags=("work",),
    response_schema=ASSIGNMENT_SCHEMA,
)
def one_assignment(principal: Actor, assignment_id: str) -> ResponseReturnValue:
    assignment = service.own_assignment(_annotator(principal), assignment_id)
    return jsonify(assignment_json(assignment, current_locale_tag()))


@endpoint(
    "/work/assignments/<assignment_id>/submit",
    "POST",
    summary="Submit an answer (late answers count only if the slot is still free)",
    tags=("work",),
    request_schema=SUBMIT_SCHEMA,
    response_schema=SUBMIT_RESULT_SCHEMA,
    error_statuses=(400, 401, 403, 404, 409, 422),
)
def submit(principal: Actor, assignment_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    outcome = pipeline.submit_assignment(
        _annotator(principal),
        assignment_id,
        body["answer"],
        seconds_spent=body.get("seconds_spent"),
        edge_case=body.get("edge_case", False),
        comment=body.get("comment", ""),
    )
    assignment = outcome.assignment
    return jsonify(
        {
            "assignment": {
                "id": assignment.public_id,
                "state": assignment.state,
                "seconds_spent": assignment.seconds_spent,
                "edge_case": assignment.flagged_edge_case,
                "finished_at": timestamp(assignment.finished_at),
            },
            "late": outcome.late,
        }
    )


def _give_back(principal: Actor, assignment_id: str, skip: bool, body: dict[str, Any]) -> ResponseReturnValue:
    assignment = service.give_back_assignment(
        _annotator(principal), assignment_id, skip=skip, reported_language=body.get("reported_language")
    )
    return jsonify(assignment_json(assignment, current_locale_tag()))


@endpoint(
    "/work/assignments/<assignment_id>/release",
    "POST",
    summary="Give an assignment back to the pool (optionally reporting its real language)",
    tags=("work",),
    response_schema=ASSIGNMENT_SCHEMA,
    request_schema=GIVE_BACK_SCHEMA,
    body_required=False,
    error_statuses=(400, 401, 403, 404, 409),
)
def release(principal: Actor, assignment_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    return _give_back(principal, assignment_id, False, body)


@endpoint(
    "/work/assignments/<assignment_id>/skip",
    "POST",
    summary="Skip an assignment (never offered to the caller again)",
    tags=("work",),
    response_schema=ASSIGNMENT_SCHEMA,
    request_schema=GIVE_BACK_SCHEMA,
    body_required=False,
    error_statuses=(400, 401, 403, 404, 409),
)
def skip(principal: Actor, assignment_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    return _give_back(principal, assignment_id, True, body)
