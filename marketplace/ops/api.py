"""API v1 for ops: the language triage queue.

Items whose language detection could not settle (undecided, code-mixed, contradicting the client's
declaration) wait here, grouped per (declared, detected) language pair across projects. Ops set the
language of one item, a selection, or a whole pair; the items are routable as soon as the call
returns. Only ops may call these (403 for everyone else, including client tokens).

In query strings ``und`` stands for "no language" (``declared=und``: items uploaded without one).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue

from marketplace.pagination import parse_limit
from marketplace.projects import triage
from marketplace.projects.access import Actor
from marketplace.projects.presenters import timestamp
from marketplace.projects.schemas import LANGUAGE
from marketplace.web.api import QueryParam, endpoint
from marketplace.web.auth import require_ops

TAG_OPS = ("ops",)

_NULLABLE_LANGUAGE: dict[str, Any] = {
    "type": ["string", "null"],
    "maxLength": 35,
    "description": "A BCP 47 tag, or null for none.",
}

TRIAGE_GROUPS: dict[str, Any] = {
    "type": "object",
    "required": ["groups", "total"],
    "properties": {
        "total": {"type": "integer", "description": "Items waiting in triage (in the chosen project)."},
        "groups": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["declared", "detected", "count", "reasons", "projects", "items_url"],
                "properties": {
                    "declared": _NULLABLE_LANGUAGE,
                    "detected": _NULLABLE_LANGUAGE,
                    "count": {"type": "integer"},
                    "reasons": {
                        "type": "object",
                        "additionalProperties": {"type": "integer"},
                        "description": "Items per triage reason (`mismatch`, `mixed`, `too_short`...).",
                    },
                    "projects": {"type": "integer", "description": "Projects the items belong to."},
                    "items_url": {"type": "string", "description": "Where to list the group's items."},
                },
            },
        },
    },
}

TRIAGE_ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["id", "project", "excerpt", "declared_language", "detected_language", "reason"],
    "properties": {
        "id": {"type": "string"},
        "project": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "languages": {"type": "array", "items": {"type": "string"}},
            },
        },
        "excerpt": {"type": ["string", "null"], "description": "The start of the item's text."},
        "direction": {"type": ["string", "null"], "enum": ["ltr", "rtl", None]},
        "declared_language": _NULLABLE_LANGUAGE,
        "detected_language": _NULLABLE_LANGUAGE,
        "language_confidence": {"type": ["number", "null"]},
        "language_candidates": {
            "type": "array",
            "description": "The detector's top candidates, most likely first",
            "items": {
                "type": "object",
                "properties": {"language": {"type": "string"}, "probability": {"type": "number"}},
            },
        },
        "reason": {"type": ["string", "null"]},
        "method": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

TRIAGE_ITEM_LIST: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": TRIAGE_ITEM},
        "next_cursor": {"type": ["string", "null"]},
    },
}

RESOLVE_REQUEST: dict[str, Any] = {
    "type": "object",
    "description": "Name the items, or a whole group (a language pair, optionally in one project).",
    "properties": {
        "items": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 32},
            "minItems": 1,
            "maxItems": triage.MAX_RESOLVE_ITEMS,
        },
        "group": {
            "type": "object",
            "properties": {
                "declared": _NULLABLE_LANGUAGE,
                "detected": _NULLABLE_LANGUAGE,
                "project": {"type": "string", "minLength": 1, "maxLength": 32},
            },
            "required": ["declared", "detected"],
            "additionalProperties": False,
        },
        "language": {**LANGUAGE, "description": "The language to route the items in."},
    },
    "required": ["language"],
    "oneOf": [{"required": ["items"]}, {"required": ["group"]}],
    "additionalProperties": False,
}

RESOLUTION: dict[str, Any] = {
    "type": "object",
    "required": ["language", "resolved", "resolved_count", "skipped", "resolved_by", "resolved_at"],
    "properties": {
        "language": {"type": "string"},
        "resolved": {"type": "array", "items": {"type": "string"}, "description": "Items now ready."},
        "resolved_count": {"type": "integer"},
        "skipped": {
            "type": "array",
            "description": "Items left alone: `not_in_triage` (decided meanwhile) or `not_found`.",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "resolved_by": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "resolved_at": {"type": "string", "format": "date-time"},
    },
}

_PROJECT_PARAM = QueryParam("project", {"type": "string"}, "Only items of this project (its id).")


def _items_url(group: triage.TriageGroup, project: str | None) -> str:
    query = {
        "declared": group.declared or triage.NO_LANGUAGE,
        "detected": group.detected or triage.NO_LANGUAGE,
        **({"project": project} if project else {}),
    }
    return url_for("api_v1.list_triage_items_get") + "?" + urlencode(query)


def _group_json(group: triage.TriageGroup, project: str | None) -> dict[str, Any]:
    return {
        "declared": group.declared,
        "detected": group.detected,
        "count": group.count,
        "reasons": group.reasons,
        "projects": group.projects,
        "items_url": _items_url(group, project),
    }


def _item_json(item: triage.TriageItem) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "project": {"id": item.project, "name": item.project_name, "languages": list(item.project_languages)},
        "excerpt": item.excerpt,
        "direction": item.direction,
        "declared_language": item.declared,
        "detected_language": item.detected,
        "language_confidence": item.confidence,
        "language_candidates": [{"language": code, "probability": p} for code, p in item.candidates],
        "reason": item.reason,
        "method": item.method,
        "created_at": timestamp(item.created_at),
    }


@endpoint(
    "/ops/triage",
    summary="The language triage queue, per (declared, detected) language pair",
    tags=TAG_OPS,
    response_schema=TRIAGE_GROUPS,
    query=(_PROJECT_PARAM,),
)
def list_triage_groups(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    project = request.args.get("project") or None
    groups = triage.triage_groups(triage.TriageScope(project=project))
    return jsonify(
        {"groups": [_group_json(g, project) for g in groups], "total": sum(g.count for g in groups)}
    )


@endpoint(
    "/ops/triage/items",
    summary="Items waiting in triage, oldest first",
    tags=TAG_OPS,
    response_schema=TRIAGE_ITEM_LIST,
    query=(
        QueryParam("declared", {"type": "string"}, "Declared language; `und` for none; absent for any."),
        QueryParam("detected", {"type": "string"}, "Detected language; `und` for none; absent for any."),
        _PROJECT_PARAM,
        QueryParam("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
        QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Page size."),
    ),
)
def list_triage_items(principal: Actor) -> ResponseReturnValue:
    require_ops(principal)
    scope = triage.TriageScope(
        project=request.args.get("project") or None,
        declared=triage.language_match(request.args.get("declared"), "declared"),
        detected=triage.language_match(request.args.get("detected"), "detected"),
    )
    page = triage.triage_items(scope, request.args.get("cursor"), parse_limit(request.args.get("limit")))
    return jsonify({"items": [_item_json(item) for item in page.items], "next_cursor": page.next_cursor})


def _exactly(value: str | None, field_name: str) -> triage.LanguageMatch:
    """A group is one exact pair: null (or ``und``) there means "no language", never "any"."""
    return triage.LanguageMatch.exactly(triage.language_match(value, field_name).tag)


def _group_scope(group: dict[str, Any]) -> triage.TriageScope:
    return triage.TriageScope(
        project=group.get("project"),
        declared=_exactly(group["declared"], "group.declared"),
        detected=_exactly(group["detected"], "group.detected"),
    )


@endpoint(
    "/ops/triage/resolve",
    "POST",
    summary="Set the language of triage items (some, or a whole group); they are routed at once",
    tags=TAG_OPS,
    request_schema=RESOLVE_REQUEST,
    response_schema=RESOLUTION,
    error_statuses=(400, 401, 403, 404, 422),
)
def resolve_triage(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    """Items no longer in triage are skipped and listed, not refused: see ``resolve_items``."""
    user_id = require_ops(principal)
    if "items" in body:
        resolution = triage.resolve_items(body["items"], body["language"], user_id)
    else:
        resolution = triage.resolve_group(_group_scope(body["group"]), body["language"], user_id)
    user = principal.user
    return jsonify(
        {
            "language": resolution.language,
            "resolved": resolution.resolved,
            "resolved_count": len(resolution.resolved),
            "skipped": [{"id": item_id, "reason": reason} for item_id, reason in resolution.skipped],
            "resolved_by": {"id": user_id, "name": user.display_name if user is not None else ""},
            "resolved_at": timestamp(resolution.resolved_at),
        }
    )
