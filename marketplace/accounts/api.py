"""API v1 endpoints about the caller."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from marketplace.projects import membership
from marketplace.projects.access import Actor
from marketplace.web.api import endpoint

ME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["kind", "organisations"],
    "properties": {
        "kind": {"type": "string", "enum": ["token", "user"]},
        "organisations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            },
        },
        "user": {
            "type": ["object", "null"],
            "properties": {
                "email": {"type": "string"},
                "display_name": {"type": "string"},
                "roles": {"type": "array", "items": {"type": "string"}},
                "ui_locale": {"type": ["string", "null"]},
            },
        },
        "token": {
            "type": ["object", "null"],
            "properties": {"name": {"type": "string"}, "prefix": {"type": "string"}},
        },
    },
}


@endpoint(
    "/me",
    summary="Who the caller is and which organisations it acts for",
    tags=("account",),
    response_schema=ME_SCHEMA,
    error_statuses=(401,),
)
def me(principal: Actor) -> ResponseReturnValue:
    organisations = [
        {"id": org.public_id, "name": org.name}
        for org in membership.organisations_by_ids(sorted(principal.organisation_ids))
    ]
    user = principal.user
    return jsonify(
        {
            "kind": "token" if principal.token else "user",
            "organisations": organisations,
            "user": None
            if user is None
            else {
                "email": user.email,
                "display_name": user.display_name,
                "roles": user.role_names,
                "ui_locale": user.ui_locale,
            },
            "token": None
            if principal.token is None
            else {
                "name": principal.token.name,
                "prefix": principal.token.prefix,
            },
        }
    )
