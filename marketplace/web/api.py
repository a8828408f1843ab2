"""The JSON API's blueprint, and the registry that both validates requests and writes OpenAPI.

Each endpoint is declared once with ``@endpoint(...)``: its request schema validates the body and
the same schema is published in ``/api/v1/openapi.json``, so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.validation import FieldError, InvalidInput, schema_errors
from marketplace.web.auth import require_principal
from marketplace.web.retry import run_retrying

F = TypeVar("F", bound=Callable[..., Any])

api_bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "Human message in the caller's language."},
                "field": {"type": ["string", "null"], "description": "Path of the offending field."},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One documented endpoint."""

    rule: str
    method: str
    summary: str
    tags: tuple[str, ...]
    request_schema: dict[str, Any] | None
    response_schema: dict[str, Any] | None
    success_status: int
    query: tuple[QueryParam, ...] = ()
    #: Other request bodies accepted besides JSON (media type → schema), e.g. CSV uploads.
    other_bodies: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    public: bool = False
    error_statuses: tuple[int, ...] = (400, 401, 403, 404)
    #: False: an empty body is allowed and means ``{}``.
    body_required: bool = True


OPERATIONS: list[Operation] = []


def json_body(schema: Mapping[str, Any]) -> Any:
    """The request's JSON body, validated; 400 with field paths when it is malformed or wrong."""
    data = request.get_json(silent=True)
    if data is None:
        raise InvalidInput([FieldError("", "invalid_json", _("The request body must be valid JSON."))])
    errors = schema_errors(schema, data)
    if errors:
        raise InvalidInput(errors)
    return data


def endpoint(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tags: tuple[str, ...],
    request_schema: dict[str, Any] | None = None,
    response_schema: dict[str, Any] | None = None,
    success_status: int = 200,
    query: tuple[QueryParam, ...] = (),
    other_bodies: Mapping[str, dict[str, Any]] | None = None,
    public: bool = False,
    error_statuses: tuple[int, ...] = (400, 401, 403, 404),
    body_required: bool = True,
) -> Callable[[F], F]:
    """Register a JSON endpoint. The view receives ``principal`` (and ``body`` when a JSON schema
    is declared and the request is JSON)."""

    operation = Operation(
        rule,
        method.upper(),
        summary,
        tags,
        request_schema,
        response_schema,
        success_status,
        query,
        dict(other_bodies or {}),
        public,
        error_statuses,
        body_required,
    )
    OPERATIONS.append(operation)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if not public:
                kwargs["principal"] = require_principal()
            if request_schema is not None and (not other_bodies or request.is_json):
                empty = not request.get_data(cache=True)
                kwargs["body"] = {} if empty and not body_required else json_body(request_schema)
            return cast(ResponseReturnValue, run_retrying(lambda: view(*args, **kwargs)))

        api_bp.add_url_rule(
            rule, endpoint=f"{view.__name__}_{method.lower()}", view_func=wrapped, methods=[method.upper()]
        )
        return cast(F, wrapped)

    return decorator


def _operation_id(op: Operation) -> str:
    """A stable id such as ``post_projects_project_id_items``."""
    words = re.sub(r"[^a-z0-9]+", "_", _CONVERTER.sub(r"\1", op.rule).lower()).strip("_")
    return f"{op.method.lower()}_{words}"


_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


def openapi_document(server_url: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document of every registered endpoint."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path = "/api/v1" + _CONVERTER.sub(r"{\1}", op.rule)
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _CONVERTER.findall(op.rule)
        ]
        parameters += [
            {
                "name": q.name,
                "in": "query",
                "required": q.required,
                "schema": q.schema,
                "description": q.description,
            }
            for q in op.query
        ]
        responses: dict[str, Any] = {
            str(op.success_status): {
                "description": "Success",
                **(
                    {"content": {"application/json": {"schema": op.response_schema}}}
                    if op.response_schema
                    else {}
                ),
            }
        }
        for status in op.error_statuses:
            responses[str(status)] = {
                "description": _ERROR_DESCRIPTIONS.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        operation: dict[str, Any] = {
            "operationId": _operation_id(op),
            "summary": op.summary,
            "tags": list(op.tags),
            "parameters": parameters,
            "responses": responses,
        }
        if not op.public:
            operation["security"] = [{"bearerAuth": []}, {"cookieAuth": []}]
        content: dict[str, Any] = {}
        if op.request_schema is not None:
            content["application/json"] = {"schema": op.request_schema}
        for media_type, schema in op.other_bodies.items():
            content[media_type] = {"schema": schema}
        if content:
            operation["requestBody"] = {"required": op.body_required, "content": content}
        paths.setdefault(path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Annotation marketplace API",
            "version": "1.0.0",
            "description": (
                "Client API: projects, ontologies, guidelines, items and progress. Authenticate with "
                "`Authorization: Bearer <token>`. Errors carry a message in the language of the "
                "`Accept-Language` header. Money is integer minor units; languages are BCP 47 tags."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


_ERROR_DESCRIPTIONS = {
    400: "Malformed request or a field that breaks its schema",
    401: "Missing or invalid credentials",
    403: "Not allowed for this caller",
    404: "Not found (or not visible to this caller)",
    409: "Conflicts with the current state",
    413: "Upload too large",
    422: "Valid JSON that breaks a rule",
}


@api_bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(openapi_document(request.host_url.rstrip("/") + "/api/v1"))
