"""API v1: a project's agreement per language, class and annotator (its client and ops)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from marketplace.agreement import service
from marketplace.db import get_session
from marketplace.projects import service as projects
from marketplace.projects.access import Actor
from marketplace.projects.models import Batch
from marketplace.web.api import QueryParam, endpoint

AGREEMENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "languages": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "language": {"type": "string"},
                    "units": {"type": "integer", "description": "Items with two or more answers"},
                    "answers": {"type": "integer"},
                    "alpha": {"type": ["number", "null"], "description": "Krippendorff's α, nominal"},
                    "per_class": {"type": "object", "description": "Class → one-vs-rest α"},
                    "confused_pairs": {"type": "array", "items": {"type": "object"}},
                    "coincidence": {
                        "type": "object",
                        "description": "Pooled coincidence matrix: values × values, o_ck",
                    },
                    "annotators": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "annotator": {"type": "string", "description": "A pseudonym for clients"},
                                "items": {"type": "integer"},
                                "agreement_with_consensus": {"type": ["number", "null"]},
                                "gold_answers": {"type": "integer"},
                                "gold_accuracy": {"type": ["number", "null"]},
                                "estimated_accuracy": {
                                    "type": ["number", "null"],
                                    "description": "Dawid–Skene estimate, for nominal answers",
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


@endpoint(
    "/projects/<project_id>/agreement",
    summary="Inter-annotator agreement per language, class and annotator; the most confused classes",
    tags=("agreement",),
    response_schema=AGREEMENT_SCHEMA,
    query=(QueryParam("batch", {"type": "string"}, "Only these batches (repeat the parameter)."),),
)
def project_agreement(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(principal, project_id)
    batch_ids = None
    wanted = request.args.getlist("batch")
    if wanted:
        batch_ids = list(
            get_session().scalars(
                select(Batch.id).where(Batch.project_id == project.id, Batch.public_id.in_(wanted))
            )
        )
    report = service.project_agreement(project.id, batch_ids)
    for language in report["languages"]:
        for row in language["annotators"]:
            row["annotator"] = annotator_label(row.pop("annotator_id"), reveal=principal.is_ops)
    return jsonify(report)


def annotator_label(annotator_id: int, reveal: bool) -> str:
    """Ops see who it is; clients see a stable pseudonym (annotators are people, not data)."""
    if reveal:
        from marketplace.accounts import service as accounts

        user = accounts.get_user(annotator_id)
        return user.email if user else str(annotator_id)
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), str(annotator_id).encode(), hashlib.sha256)
    return "annotator-" + digest.hexdigest()[:8]
