"""API v1 for review: reviewer queues and decisions, annotator feedback and appeals, ops grants.

Reviewers call these with their session cookie (review belongs to a person: organisation tokens
get 403). A reviewer sees only their own tasks, in languages they still review; everything else
is 404. Annotators see only their own outcomes, never another annotator or a gold answer.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.accounts import service as accounts
from marketplace.db import utcnow
from marketplace.errors import Forbidden, NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.pagination import decode_cursor, encode_cursor, parse_limit
from marketplace.projects.access import Actor
from marketplace.projects.presenters import timestamp
from marketplace.review import feedback, presenters, service
from marketplace.review.models import (
    AppealState,
    RejectionReason,
    ReviewDecision,
    ReviewReason,
    ReviewTask,
    ReviewTaskState,
)
from marketplace.review.stats import reviewer_agreement
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.api import QueryParam, endpoint
from marketplace.web.auth import require_annotator, require_ops

TAG_REVIEW = ("review",)
TAG_FEEDBACK = ("feedback",)
TAG_OPS = ("ops",)

#: Feedback entries per page unless the caller asks for fewer.
FEEDBACK_PAGE = 50
#: Most feedback entries one page may hold.
FEEDBACK_MAX_PAGE = 200

_ANSWER = {"type": ["object", "null"], "description": "An answer in the shape of the project's task type."}

QUEUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["language", "open", "leased", "decided", "reasons", "acceptance_rate"],
    "properties": {
        "language": {"type": "string", "description": "BCP 47"},
        "direction": {"type": "string", "enum": ["ltr", "rtl"]},
        "open": {"type": "integer", "description": "Tasks waiting for a reviewer."},
        "leased": {"type": "integer", "description": "Tasks a reviewer holds now."},
        "decided": {"type": "integer"},
        "reasons": {
            "type": "array",
            "description": "Waiting tasks per reason (a task with two reasons counts under both).",
            "items": {
                "type": "object",
                "properties": {
                    "reason": {"type": "string", "enum": [r.value for r in ReviewReason]},
                    "text": {"type": "string"},
                    "count": {"type": "integer"},
                },
            },
        },
        "decisions": {"type": "object", "additionalProperties": {"type": "integer"}},
        "acceptance_rate": {
            "type": ["number", "null"],
            "description": "Share of decisions that accepted the work (accept or fix).",
        },
    },
}

TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "project", "language", "direction", "item", "reasons", "state", "judgments"],
    "properties": {
        "id": {"type": "string"},
        "project": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "task_type": {"type": "string"},
            },
        },
        "language": {"type": "string", "description": "BCP 47 language of the item."},
        "direction": {"type": "string", "enum": ["ltr", "rtl"]},
        "item": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "payload": {"type": "object"},
                "label": _ANSWER,
                "consensus": {
                    "type": ["object", "null"],
                    "properties": {
                        "answer": _ANSWER,
                        "confidence": {"type": ["number", "null"]},
                        "resolved": {"type": "boolean"},
                    },
                },
            },
        },
        "reasons": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"reason": {"type": "string"}, "text": {"type": "string"}},
            },
        },
        "pass_number": {"type": "integer"},
        "round": {"type": "integer"},
        "state": {"type": "string", "enum": [s.value for s in ReviewTaskState]},
        "lease_expires_at": {"type": ["string", "null"], "format": "date-time"},
        "single_judgment": {
            "type": "boolean",
            "description": "The task reviews one answer (a failed hidden check): accept or reject only.",
        },
        "judgments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "annotator": {
                        "type": "string",
                        "description": "A pseudonym such as A1, stable in the task.",
                    },
                    "answer": _ANSWER,
                    "flagged_edge_case": {"type": "boolean"},
                    "comment": {"type": "string"},
                    "seconds_spent": {"type": ["integer", "null"]},
                },
            },
        },
        "labels": {"type": "array", "items": {"type": "object"}},
        "guideline": {"type": ["object", "null"]},
        "gold": {
            "type": ["object", "null"],
            "description": "The expected answer and its explanation, for a failed hidden check.",
        },
        "decision": {"type": ["string", "null"], "enum": [*[d.value for d in ReviewDecision], None]},
        "correction": _ANSWER,
        "rejection_reason": {"type": ["string", "null"]},
        "note": {"type": "string"},
        "rejected_judgments": {"type": "array", "items": {"type": "object"}},
        "decided_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

CLAIM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 1, "maximum": service.MAX_REVIEW_LEASES, "default": 1},
        "language": {"type": "string", "maxLength": 35, "description": "Only this one of your languages."},
    },
}

DECISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["decision"],
    "properties": {
        "decision": {"type": "string", "enum": [d.value for d in ReviewDecision]},
        "answer": {"type": "object", "description": "The corrected answer (decision `fix`)."},
        "reason": {
            "type": "string",
            "enum": [r.value for r in RejectionReason],
            "description": "Why the work is rejected (decision `reject`), shown to the annotator.",
        },
        "note": {
            "type": "string",
            "maxLength": service.MAX_NOTE,
            "description": "A note for the annotators.",
        },
        "reject": {
            "type": "array",
            "items": {"type": "string", "maxLength": 32},
            "maxItems": 100,
            "description": "Judgment ids to reject (decision `reject`); all of them when absent.",
        },
    },
}

FEEDBACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["feedback", "next_cursor"],
    "properties": {
        "feedback": {"type": "array", "items": {"type": "object"}},
        "next_cursor": {"type": ["string", "null"]},
    },
}

APPEAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["message"],
    "properties": {"message": {"type": "string", "maxLength": feedback.MAX_APPEAL}},
}

GRANT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["user", "language"],
    "properties": {
        "user": {"type": ["string", "integer"], "description": "The person's email or user id."},
        "language": {"type": "string", "maxLength": 35},
    },
}

APPEAL_DECISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["overturn"],
    "properties": {
        "overturn": {
            "type": "boolean",
            "description": "True accepts (and pays) the work; false keeps the rejection.",
        },
        "note": {"type": "string", "maxLength": feedback.MAX_APPEAL},
    },
}


# --- who may call -------------------------------------------------------------------------------


def _reviewer(principal: Actor) -> tuple[int, list[str]]:
    """The caller's id and review languages; 403 for tokens, non-reviewers, reviewers of nothing."""
    languages = service.require_reviewer(principal.user)
    assert principal.user is not None
    return principal.user.id, languages


def own_task(reviewer_id: int, languages: list[str], task_id: str) -> ReviewTask:
    """The reviewer's task in a language they still review; 404 otherwise (revoked included)."""
    task = service.own_review_task(reviewer_id, task_id)
    if task.language not in languages:
        raise NotFound(_("No such review task."))
    return task


def language_param(raw: str) -> str:
    """A language named in a request, normalised; 400 when it is not a language."""
    try:
        return normalize_language(raw)
    except UnknownLanguage as exc:
        raise InvalidInput(
            [
                FieldError(
                    "language", "unknown_language", _("“%(code)s” is not a known language code.", code=raw)
                )
            ]
        ) from exc


def claim_languages(languages: list[str], wanted: str | None) -> list[str]:
    """The languages a claim may draw from: all the reviewer's, or the one asked for (403 when they
    do not review it)."""
    if not wanted:
        return languages
    code = language_param(wanted)
    if code not in languages:
        raise Forbidden(_("You do not review this language."))
    return [code]


# --- reviewers -----------------------------------------------------------------------------------


@endpoint(
    "/review/queue",
    summary="The review queues of the caller's languages, and the tasks they hold",
    tags=TAG_REVIEW,
    response_schema={
        "type": "object",
        "required": ["queues", "held"],
        "properties": {
            "queues": {"type": "array", "items": QUEUE_SCHEMA},
            "held": {"type": "array", "items": {"type": "object"}},
        },
    },
    error_statuses=(401, 403),
)
def review_queue(principal: Actor) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer(principal)
    held = service.live_review_leases(reviewer_id, utcnow())
    return jsonify(
        {
            "queues": presenters.queues_for(languages),
            "held": [
                {"id": t.public_id, "language": t.language, "lease_expires_at": timestamp(t.lease_expires_at)}
                for t in held
            ],
        }
    )


@endpoint(
    "/review/claims",
    "POST",
    summary="Claim review tasks in the caller's languages (tasks already held come first)",
    tags=TAG_REVIEW,
    request_schema=CLAIM_SCHEMA,
    response_schema={
        "type": "object",
        "required": ["tasks"],
        "properties": {"tasks": {"type": "array", "items": TASK_SCHEMA}, "message": {"type": "string"}},
    },
    body_required=False,
    error_statuses=(400, 401, 403),
)
def claim_review_tasks(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer(principal)
    wanted = claim_languages(languages, body.get("language"))
    tasks = service.claim_review_tasks(reviewer_id, wanted, body.get("count", 1))
    if body.get("language"):
        # Leases already held come first whatever their language; keep the asked-for one only.
        tasks = [t for t in tasks if t.language in wanted]
    payload: dict[str, Any] = {"tasks": [presenters.task_json(t) for t in tasks]}
    if not tasks:
        payload["message"] = _("There is nothing to review in your languages right now.")
    return jsonify(payload)


@endpoint(
    "/review/tasks/<task_id>",
    summary="One of the caller's review tasks: the item, its judgments, the reasons, the guideline",
    tags=TAG_REVIEW,
    response_schema=TASK_SCHEMA,
)
def get_review_task(principal: Actor, task_id: str) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer(principal)
    return jsonify(presenters.task_json(own_task(reviewer_id, languages, task_id)))


def decision_from(body: dict[str, Any]) -> service.Decision:
    """The service's decision from a validated request body."""
    reason = body.get("reason")
    reject = body.get("reject")
    return service.Decision(
        decision=ReviewDecision(body["decision"]),
        answer=body.get("answer"),
        reason=RejectionReason(reason) if reason else None,
        note=body.get("note", ""),
        reject=list(reject) if reject is not None else None,
    )


@endpoint(
    "/review/tasks/<task_id>/decision",
    "POST",
    summary="Decide a task: accept, fix (with the corrected answer) or reject (with a reason)",
    tags=TAG_REVIEW,
    request_schema=DECISION_SCHEMA,
    response_schema=TASK_SCHEMA,
    error_statuses=(400, 401, 403, 404, 409, 422),
)
def decide_review_task(principal: Actor, task_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer(principal)
    own_task(reviewer_id, languages, task_id)
    task = service.decide(reviewer_id, task_id, decision_from(body))
    return jsonify(presenters.task_json(task))


@endpoint(
    "/review/tasks/<task_id>/release",
    "POST",
    summary="Give a review task back to the queue",
    tags=TAG_REVIEW,
    response_schema={"type": "object", "properties": {"id": {"type": "string"}, "state": {"type": "string"}}},
    error_statuses=(401, 403, 404, 409),
)
def release_review_task(principal: Actor, task_id: str) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer(principal)
    own_task(reviewer_id, languages, task_id)
    task = service.release_review_task(reviewer_id, task_id)
    return jsonify({"id": task.public_id, "state": task.state})


# --- annotators ------------------------------------------------------------------------------------


def _annotator(principal: Actor) -> int:
    return require_annotator(principal, _("Only annotators receive review feedback."))


def feedback_page(user_id: int, cursor: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the annotator's outcomes, newest first, and the cursor of the next page."""
    position = decode_cursor(cursor)
    before = position.get("before") if position else None
    if before is not None and not isinstance(before, int):
        raise InvalidInput([FieldError("cursor", "invalid", _("This cursor is not valid."))])
    entries = feedback.annotator_feedback(user_id, limit=limit + 1, before_id=before)
    more = len(entries) > limit
    entries = entries[:limit]
    next_cursor = encode_cursor({"before": entries[-1].outcome.id}) if more else None
    return [presenters.feedback_entry_json(e) for e in entries], next_cursor


@endpoint(
    "/feedback",
    summary="The caller's review results: accepted, corrected (with the correction) or rejected (why)",
    tags=TAG_FEEDBACK,
    response_schema=FEEDBACK_SCHEMA,
    query=(
        QueryParam("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
        QueryParam(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": FEEDBACK_MAX_PAGE, "default": FEEDBACK_PAGE},
            "Page size.",
        ),
    ),
    error_statuses=(400, 401, 403),
)
def my_review_feedback(principal: Actor) -> ResponseReturnValue:
    user_id = _annotator(principal)
    raw_limit = request.args.get("limit")
    limit = parse_limit(raw_limit) if raw_limit else FEEDBACK_PAGE
    entries, next_cursor = feedback_page(user_id, request.args.get("cursor"), min(limit, FEEDBACK_MAX_PAGE))
    return jsonify({"feedback": entries, "next_cursor": next_cursor})


def appeal_state_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.public_id,
        "state": row.state,
        "state_text": str(feedback.APPEAL_STATE_TEXT[AppealState(row.state)]),
        "message": row.message,
        "created_at": timestamp(row.created_at),
    }


@endpoint(
    "/feedback/<outcome_id>/appeal",
    "POST",
    summary="Appeal a rejection of your work (once); the operations team decides",
    tags=TAG_FEEDBACK,
    request_schema=APPEAL_SCHEMA,
    response_schema={"type": "object", "properties": {"id": {"type": "string"}, "state": {"type": "string"}}},
    success_status=201,
    error_statuses=(400, 401, 403, 404, 409, 422),
)
def appeal_review_outcome(principal: Actor, outcome_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    row = feedback.appeal(_annotator(principal), outcome_id, body["message"])
    return jsonify(appeal_state_json(row)), 201


# --- ops -------------------------------------------------------------------------------------------


@endpoint(
    "/ops/reviewers",
    summary="People who review each language",
    tags=TAG_OPS,
    query=(QueryParam("language", {"type": "string"}, "Only this language."),),
    error_statuses=(400, 401, 403),
)
def ops_list_reviewers(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    raw = request.args.get("language") or None
    language = language_param(raw) if raw else None
    return jsonify(
        {"reviewers": [presenters.reviewer_json(g, u) for g, u in service.list_reviewers(language)]}
    )


def find_user(value: str | int) -> int:
    """A user id from an id or an email; 422 when no account matches."""
    if isinstance(value, int) or value.strip().isdigit():
        user = accounts.get_user(int(value))
    else:
        user = accounts.find_user_by_email(value)
    if user is None:
        raise InvalidInput([FieldError("user", "not_found", _("No account has this email."))], status=422)
    return user.id


@endpoint(
    "/ops/reviewers",
    "POST",
    summary="Make someone a reviewer of a language (they must be qualified in it)",
    tags=TAG_OPS,
    request_schema=GRANT_SCHEMA,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 422),
)
def ops_grant_reviewer(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    user_id = find_user(body["user"])
    grant = service.grant_reviewer(user_id, body["language"], ops_id)
    user = accounts.get_user(user_id)
    assert user is not None
    return jsonify(presenters.reviewer_json(grant, user)), 201


@endpoint(
    "/ops/reviewers/<int:user_id>/<language>",
    "DELETE",
    summary="Stop someone reviewing a language",
    tags=TAG_OPS,
    error_statuses=(401, 403, 404),
)
def ops_revoke_reviewer(principal: Actor, user_id: int, language: str) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    grant = service.revoke_reviewer(user_id, language, ops_id)
    user = accounts.get_user(user_id)
    assert user is not None
    return jsonify(presenters.reviewer_json(grant, user))


@endpoint(
    "/ops/review/queues",
    summary="Review queues of every language: waiting, in hand, decided, reasons, acceptance rate",
    tags=TAG_OPS,
    response_schema={"type": "object", "properties": {"queues": {"type": "array", "items": QUEUE_SCHEMA}}},
    error_statuses=(401, 403),
)
def ops_review_queues(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    return jsonify({"queues": presenters.queues_for(None)})


@endpoint(
    "/ops/review/agreement",
    summary="How often reviewers agree with the pass before them, per language and reviewer",
    tags=TAG_OPS,
    error_statuses=(401, 403),
)
def ops_review_agreement(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    return jsonify({"languages": [presenters.agreement_json(row) for row in reviewer_agreement()]})


@endpoint(
    "/ops/review/appeals",
    summary="Appeals against rejections (open ones unless asked otherwise)",
    tags=TAG_OPS,
    query=(
        QueryParam("state", {"type": "string", "enum": [s.value for s in AppealState]}, "Only this state."),
        QueryParam("language", {"type": "string"}, "Only this language."),
    ),
    error_statuses=(400, 401, 403),
)
def ops_review_appeals(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    state = request.args.get("state") or AppealState.OPEN
    if state not in {s.value for s in AppealState}:
        raise InvalidInput([FieldError("state", "enum", _("This state does not exist."))])
    language = request.args.get("language") or None
    views = feedback.list_appeals([state], language)
    return jsonify({"appeals": [presenters.appeal_json(v) for v in views]})


@endpoint(
    "/ops/review/appeals/<appeal_id>/decision",
    "POST",
    summary="Decide an appeal: overturn (the work is accepted and paid) or uphold the rejection",
    tags=TAG_OPS,
    request_schema=APPEAL_DECISION_SCHEMA,
    error_statuses=(400, 401, 403, 404, 409),
)
def ops_decide_review_appeal(principal: Actor, appeal_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    row = feedback.decide_appeal(ops_id, appeal_id, overturn=body["overturn"], note=body.get("note", ""))
    return jsonify(
        {
            **appeal_state_json(row),
            "decision_note": row.decision_note,
            "decided_at": timestamp(row.decided_at),
        }
    )
