"""API v1 for gold sets (clients, ops), exams and qualifications (annotators), and quality (ops).

During an exam an annotator sees questions by position only; gold answers and explanations appear
only in the review of a finished exam, and hidden gold never shows anywhere an annotator reads.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.i18n import current_locale_tag
from marketplace.projects import service as projects
from marketplace.projects.access import Actor
from marketplace.qualification import service
from marketplace.qualification.presenters import (
    available_exams,
    exam_json,
    qualification_json,
    suspended_json,
)
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.api import QueryParam, endpoint
from marketplace.web.auth import require_annotator, require_ops

GOLD_UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "minItems": 1,
            "maxItems": 10000,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["language", "payload", "answer"],
                "properties": {
                    "external_id": {"type": "string", "maxLength": 200},
                    "language": {"type": "string", "description": "BCP 47; a target language of the project"},
                    "payload": {"type": "object"},
                    "answer": {"type": "object", "description": "The correct answer, per the task type"},
                    "explanation": {"type": "string", "maxLength": 5000},
                },
            },
        }
    },
}

COVERAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "minimum": {"type": "integer"},
        "exam_size": {"type": "integer"},
        "languages": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "language": {"type": "string"},
                    "total": {"type": "integer"},
                    "by_class": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "exam_open": {"type": "boolean"},
                },
            },
        },
    },
}

START_EXAM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["project", "language"],
    "properties": {"project": {"type": "string"}, "language": {"type": "string"}},
}

EXAM_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["answer"],
    "properties": {"answer": {"type": "object"}},
}

EXAM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "project": {"type": "object"},
        "language": {"type": "string"},
        "state": {"type": "string", "enum": ["in_progress", "submitted", "expired"]},
        "deadline_at": {"type": "string", "format": "date-time"},
        "questions": {"type": "array", "items": {"type": "object"}},
        "answers": {"type": "object"},
        "result": {"type": ["object", "null"]},
    },
}

QUALIFICATIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "qualifications": {"type": "array", "items": {"type": "object"}},
        "available_exams": {"type": "array", "items": {"type": "object"}},
    },
}


def _annotator(principal: Actor) -> int:
    return require_annotator(principal, _("Only annotators can take exams."))


# --- gold sets (the project's client, or ops) ---------------------------------------------------


@endpoint(
    "/projects/<project_id>/gold",
    "POST",
    summary="Add gold items (payload, correct answer, explanation) to a project",
    tags=("gold",),
    request_schema=GOLD_UPLOAD_SCHEMA,
    response_schema=COVERAGE_SCHEMA,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 422),
)
def add_gold(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    created_by = principal.user.id if principal.user else None
    added = service.add_gold_items(project.id, body["items"], created_by)
    return jsonify({"added": added, **service.gold_coverage(project.id)}), 201


@endpoint(
    "/projects/<project_id>/gold/coverage",
    summary="Gold items per language and class, and which exams are open",
    tags=("gold",),
    response_schema=COVERAGE_SCHEMA,
)
def gold_coverage(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    return jsonify(service.gold_coverage(project.id))


# --- annotators -------------------------------------------------------------------------------


@endpoint(
    "/qualifications",
    summary="The caller's qualifications and the exams they may take",
    tags=("qualification",),
    response_schema=QUALIFICATIONS_SCHEMA,
    error_statuses=(401, 403),
)
def my_qualifications(principal: Actor) -> ResponseReturnValue:
    user_id = _annotator(principal)
    return jsonify(
        {
            "qualifications": [qualification_json(q) for q in service.list_qualifications(user_id)],
            "available_exams": available_exams(user_id),
        }
    )


@endpoint(
    "/exams",
    "POST",
    summary="Start (or resume) the exam of a project in a language",
    tags=("qualification",),
    request_schema=START_EXAM_SCHEMA,
    response_schema=EXAM_SCHEMA,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 409),
)
def start_exam(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    attempt = service.start_exam(_annotator(principal), body["project"], body["language"])
    return jsonify(exam_json(attempt, current_locale_tag())), 201


@endpoint(
    "/exams/<exam_id>",
    summary="An exam: its questions while it runs; the score and explanations once it is over",
    tags=("qualification",),
    response_schema=EXAM_SCHEMA,
)
def get_exam(principal: Actor, exam_id: str) -> ResponseReturnValue:
    attempt = service.own_exam(_annotator(principal), exam_id)
    return jsonify(exam_json(attempt, current_locale_tag()))


@endpoint(
    "/exams/<exam_id>/answers/<int:index>",
    "PUT",
    summary="Save the answer to one question (checked for shape now, for correctness at the end)",
    tags=("qualification",),
    request_schema=EXAM_ANSWER_SCHEMA,
    response_schema=EXAM_SCHEMA,
    error_statuses=(400, 401, 403, 404, 409, 422),
)
def save_answer(principal: Actor, exam_id: str, index: int, body: dict[str, Any]) -> ResponseReturnValue:
    attempt = service.save_exam_answer(_annotator(principal), exam_id, index, body["answer"])
    return jsonify(exam_json(attempt, current_locale_tag()))


@endpoint(
    "/exams/<exam_id>/submit",
    "POST",
    summary="Hand the exam in: it is scored, and passing qualifies the caller",
    tags=("qualification",),
    response_schema=EXAM_SCHEMA,
    body_required=False,
)
def submit_exam(principal: Actor, exam_id: str) -> ResponseReturnValue:
    attempt = service.submit_exam(_annotator(principal), exam_id)
    return jsonify(exam_json(attempt, current_locale_tag()))


# --- ops --------------------------------------------------------------------------------------


@endpoint(
    "/ops/qualifications",
    summary="Suspended qualifications (per language) and exam pass rates",
    tags=("ops",),
    query=(QueryParam("language", {"type": "string"}, "Only this language."),),
    error_statuses=(401, 403),
)
def ops_qualifications(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    language = request.args.get("language") or None
    rates = [r for r in service.exam_pass_rates() if language is None or r["language"] == language]
    return jsonify(
        {
            "suspended": [suspended_json(q) for q in service.suspended_qualifications(language)],
            "pass_rates": rates,
        }
    )


def _ops_change(principal: Actor, qualification_id: int, reinstate: bool) -> ResponseReturnValue:
    ops_id = require_ops(principal)
    change = service.reinstate if reinstate else service.revoke
    return jsonify(qualification_json(change(qualification_id, ops_id)))


@endpoint(
    "/ops/qualifications/<int:qualification_id>/reinstate",
    "POST",
    summary="Reinstate a suspended or revoked qualification",
    tags=("ops",),
    error_statuses=(401, 403, 404, 409),
)
def ops_reinstate(principal: Actor, qualification_id: int) -> ResponseReturnValue:
    return _ops_change(principal, qualification_id, reinstate=True)


@endpoint(
    "/ops/qualifications/<int:qualification_id>/revoke",
    "POST",
    summary="Revoke a qualification",
    tags=("ops",),
    error_statuses=(401, 403, 404, 409),
)
def ops_revoke(principal: Actor, qualification_id: int) -> ResponseReturnValue:
    return _ops_change(principal, qualification_id, reinstate=False)


@endpoint(
    "/ops/qualifications/grant",
    "POST",
    summary="Qualify an annotator by hand (skipping the exam)",
    tags=("ops",),
    request_schema={
        "type": "object",
        "additionalProperties": False,
        "required": ["email", "project", "language"],
        "properties": {
            "email": {"type": "string"},
            "project": {"type": "string"},
            "language": {"type": "string"},
        },
    },
    error_statuses=(400, 401, 403, 404),
)
def ops_grant(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    from marketplace.accounts import service as accounts

    ops_id = require_ops(principal)
    user = accounts.find_user_by_email(body["email"])
    project = projects.visible_project(principal, body["project"])
    if user is None:
        raise InvalidInput([FieldError("email", "not_found", _("No account has this email."))], status=422)
    if body["language"] not in project.language_codes:
        raise InvalidInput(
            [FieldError("language", "language_not_in_project", _("This is not a language of the project."))],
            status=422,
        )
    return jsonify(
        qualification_json(service.grant_qualification(user.id, project.id, body["language"], ops_id))
    )
