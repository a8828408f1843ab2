"""Client API v1: projects, ontology versions, guidelines, items, imports and progress.

Each view parses the request, makes one service call and renders the result; who may call is
decided by the service (``visible_project``: 403 for non-clients, 404 for other organisations').
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.i18n import current_locale_tag
from marketplace.pagination import parse_limit
from marketplace.projects import (
    batches,
    imports,
    ingest,
    items,
    progress,
    schemas,
    service,
    upload_parsing,
)
from marketplace.projects.access import Actor
from marketplace.projects.models import Item, Project
from marketplace.projects.organisations import organisation_public_ids, resolve_organisation
from marketplace.projects.presenters import (
    batch_json,
    guideline_json,
    import_json,
    item_json,
    ontology_version_json,
    project_json,
)
from marketplace.reports import records
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.api import QueryParam, endpoint
from marketplace.web.errors import ApiError

TAG_PROJECTS = ("projects",)
TAG_ITEMS = ("items",)

_PAGE_PARAMS = (
    QueryParam("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Page size."),
)
_WRITE_ERRORS = (400, 401, 403, 404, 409, 422)
_INCLUDE = QueryParam(
    "include",
    {"type": "string", "enum": ["judgments"]},
    "`judgments`: add each judgment of a labelled item, under a pseudonymous annotator id.",
)


def _project_body(project: Project) -> dict[str, Any]:
    organisation = organisation_public_ids([project.organisation_id])[project.organisation_id]
    return project_json(project, organisation)


def _user_id(principal: Actor) -> int | None:
    return principal.user.id if principal.user is not None else None


# --- projects --------------------------------------------------------------------------------------


@endpoint(
    "/projects",
    "POST",
    summary="Create a project (in draft)",
    tags=TAG_PROJECTS,
    request_schema=schemas.PROJECT_CREATE,
    response_schema=schemas.PROJECT,
    success_status=201,
    error_statuses=(400, 401, 403, 404, 422),
)
def create_project(principal: Actor, body: dict[str, Any]) -> ResponseReturnValue:
    organisation_id = resolve_organisation(principal, body.get("organisation"))
    data = {key: value for key, value in body.items() if key != "organisation"}
    project = service.create_project(organisation_id, data, created_by=_user_id(principal))
    location = url_for("api_v1.get_project_get", project_id=project.public_id)
    return jsonify(_project_body(project)), 201, {"Location": location}


@endpoint(
    "/projects",
    summary="List the projects the caller may see",
    tags=TAG_PROJECTS,
    response_schema=schemas.PROJECT_LIST,
    query=_PAGE_PARAMS,
    error_statuses=(400, 401, 403),
)
def list_projects(principal: Actor) -> ResponseReturnValue:
    page = service.list_projects(
        principal, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    organisations = organisation_public_ids(p.organisation_id for p in page.items)
    return jsonify(
        {
            "projects": [project_json(p, organisations[p.organisation_id]) for p in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@endpoint(
    "/projects/<project_id>", summary="Read a project", tags=TAG_PROJECTS, response_schema=schemas.PROJECT
)
def get_project(principal: Actor, project_id: str) -> ResponseReturnValue:
    return jsonify(_project_body(service.visible_project(principal, project_id)))


@endpoint(
    "/projects/<project_id>/state",
    "POST",
    summary="Change a project's state (e.g. activate it)",
    tags=TAG_PROJECTS,
    request_schema=schemas.PROJECT_STATE_CHANGE,
    response_schema=schemas.PROJECT,
    error_statuses=_WRITE_ERRORS,
)
def change_project_state(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    project = service.set_project_state(project.id, body["state"], _user_id(principal))
    return jsonify(_project_body(project))


# --- ontology and guidelines -----------------------------------------------------------------------


@endpoint(
    "/projects/<project_id>/ontology",
    "POST",
    summary="Make a new ontology version",
    tags=TAG_PROJECTS,
    request_schema=schemas.ONTOLOGY_VERSION_CREATE,
    response_schema=schemas.ONTOLOGY_VERSION,
    success_status=201,
    error_statuses=_WRITE_ERRORS,
)
def create_ontology_version(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    version = service.new_ontology_version(
        project.id, body["labels"], body.get("note", ""), _user_id(principal), body.get("guidelines")
    )
    return jsonify(ontology_version_json(version)), 201


@endpoint(
    "/projects/<project_id>/ontology",
    summary="List a project's ontology versions",
    tags=TAG_PROJECTS,
    response_schema=schemas.ONTOLOGY_VERSION_LIST,
)
def list_ontology_versions(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    return jsonify({"versions": [ontology_version_json(v) for v in project.ontology_versions]})


@endpoint(
    "/projects/<project_id>/guidelines/<language>",
    "PUT",
    summary="Write the current version's guideline in one language",
    tags=TAG_PROJECTS,
    request_schema=schemas.GUIDELINE_PUT,
    response_schema=schemas.GUIDELINE,
    error_statuses=_WRITE_ERRORS,
)
def put_guideline(
    principal: Actor, project_id: str, language: str, body: dict[str, Any]
) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    guideline = service.put_guideline(project.id, language, body["text"])
    return jsonify(guideline_json(guideline, guideline.ontology_version.version))


@endpoint(
    "/projects/<project_id>/guidelines",
    summary="Read the current version's guidelines",
    tags=TAG_PROJECTS,
    response_schema=schemas.GUIDELINE_LIST,
)
def list_guidelines(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    current = project.current_ontology
    version = current.version if current is not None else 0
    guidelines = current.guidelines if current is not None else []
    return jsonify({"version": version, "guidelines": [guideline_json(g, version) for g in guidelines]})


# --- items and uploads -----------------------------------------------------------------------------


def _unsupported() -> ApiError:
    return ApiError(
        415,
        "unsupported_media_type",
        _("Send items as JSON, JSON Lines, CSV, or a multipart form with a .json, .jsonl or .csv file."),
    )


def upload_from_request() -> upload_parsing.Upload:
    """The upload in this request: the body itself, or the ``file`` part of a multipart form."""
    batch_name = request.args.get("batch") or None
    if request.mimetype == "multipart/form-data":
        part = request.files.get("file")
        if part is None:
            raise InvalidInput(
                [FieldError("file", "required", _("Attach the items as a file named “file”."))]
            )
        fmt = upload_parsing.format_for(part.mimetype, part.filename)
        if fmt is None:
            raise _unsupported()
        return upload_parsing.Upload(fmt, part.read(), part.filename, request.form.get("batch") or batch_name)
    fmt = upload_parsing.format_for(request.mimetype)
    if fmt is None:
        raise _unsupported()
    return upload_parsing.Upload(fmt, request.get_data(), None, batch_name)


@endpoint(
    "/projects/<project_id>/items",
    "POST",
    summary="Upload items (JSON, JSON Lines or CSV)",
    tags=TAG_ITEMS,
    request_schema=schemas.ITEM_UPLOAD_JSON,
    response_schema=schemas.UPLOAD_RESULT,
    success_status=201,
    other_bodies={
        "application/x-ndjson": schemas.ITEM_UPLOAD_JSONL,
        "application/jsonl": schemas.ITEM_UPLOAD_JSONL,
        "text/csv": schemas.ITEM_UPLOAD_CSV,
        "multipart/form-data": schemas.ITEM_UPLOAD_MULTIPART,
    },
    query=(
        QueryParam(
            "batch", {"type": "string", "maxLength": 200}, "Batch name for JSON Lines and CSV uploads."
        ),
    ),
    error_statuses=(400, 401, 403, 404, 409, 413, 415, 422),
)
def upload_items(
    principal: Actor, project_id: str, body: dict[str, Any] | None = None
) -> ResponseReturnValue:
    """201 with the batch when the upload was stored at once; 202 with a ``Location`` to poll when
    it is large enough to go to a background import. Either way the upload is all or nothing."""
    project = service.visible_project(principal, project_id)
    outcome = ingest.upload_items(
        project.id,
        upload_from_request(),
        user_id=_user_id(principal),
        token_id=principal.token.id if principal.token is not None else None,
        locale=current_locale_tag(),
    )
    batch_id = outcome.batch.public_id if outcome.batch is not None else None
    result: dict[str, Any] = {"import": import_json(imports.import_status(outcome.item_import, batch_id))}
    if not outcome.queued and outcome.batch is not None:
        total = outcome.item_import.accepted
        result["batch"] = batch_json(outcome.batch, total=total, complete=0)
        return jsonify(result), 201
    location = url_for(
        "api_v1.get_import_get", project_id=project.public_id, import_id=outcome.item_import.public_id
    )
    return jsonify(result), 202, {"Location": location}


@endpoint(
    "/projects/<project_id>/items",
    summary="List a project's items",
    tags=TAG_ITEMS,
    response_schema=schemas.ITEM_LIST,
    query=(
        *_PAGE_PARAMS,
        QueryParam(
            "state",
            {"type": "string", "enum": ["awaiting_language", "triage", "ready", "complete"]},
            "Only items in this state.",
        ),
        QueryParam("language", {"type": "string"}, "Only items in this language (BCP 47)."),
        QueryParam("batch", {"type": "string"}, "Only items of this batch (its id)."),
        _INCLUDE,
    ),
)
def list_items(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    filters = items.check_item_filters(
        request.args.get("state"), request.args.get("language"), request.args.get("batch")
    )
    page = items.list_items(
        project.id, request.args.get("cursor"), parse_limit(request.args.get("limit")), filters
    )
    return jsonify({"items": _items_with_labels(project.id, page.items), "next_cursor": page.next_cursor})


def _include_judgments() -> bool:
    include = {part.strip() for part in (request.args.get("include") or "").split(",") if part.strip()}
    unknown = include - {"judgments"}
    if unknown:
        raise InvalidInput([FieldError("include", "enum", _("Only “judgments” can be included."))])
    return "judgments" in include


def _items_with_labels(project_id: int, rows: Sequence[tuple[Item, str]]) -> list[dict[str, Any]]:
    """Items with their label's review state, and their judgments when ``include=judgments``."""
    with_judgments = _include_judgments()
    states, judgments = records.label_details(project_id, [item for item, _batch in rows], with_judgments)
    return [
        item_json(
            item,
            batch,
            states.get(item.id),
            (judgments or {}).get(item.id, []) if judgments is not None else None,
        )
        for item, batch in rows
    ]


@endpoint(
    "/projects/<project_id>/items/<item_id>",
    summary="Read an item",
    tags=TAG_ITEMS,
    response_schema=schemas.ITEM,
    query=(_INCLUDE,),
)
def get_item(principal: Actor, project_id: str, item_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    item, batch = items.get_item(project.id, item_id)
    return jsonify(_items_with_labels(project.id, [(item, batch)])[0])


@endpoint(
    "/projects/<project_id>/imports",
    summary="List a project's uploads",
    tags=TAG_ITEMS,
    response_schema=schemas.IMPORT_LIST,
    query=_PAGE_PARAMS,
)
def list_imports(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    page = imports.list_imports(
        project.id, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    return jsonify(
        {"imports": [import_json(status) for status in page.items], "next_cursor": page.next_cursor}
    )


@endpoint(
    "/projects/<project_id>/imports/<import_id>",
    summary="Watch an upload's progress, then its language detection",
    tags=TAG_ITEMS,
    response_schema=schemas.IMPORT,
)
def get_import(principal: Actor, project_id: str, import_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    return jsonify(import_json(imports.get_import(project.id, import_id)))


@endpoint(
    "/projects/<project_id>/progress",
    summary="Item counts by state, language and batch, and language detection progress",
    tags=TAG_ITEMS,
    response_schema=schemas.PROGRESS,
)
def get_progress(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    return jsonify(progress.project_progress(project.id))


@endpoint(
    "/projects/<project_id>/batches",
    summary="List a project's batches with their counts",
    tags=TAG_ITEMS,
    response_schema=schemas.BATCH_LIST,
    query=_PAGE_PARAMS,
)
def list_batches(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    page = batches.list_batches(
        project.id, request.args.get("cursor"), parse_limit(request.args.get("limit"))
    )
    return jsonify(
        {
            "batches": [batch_json(c.batch, c.total, c.complete) for c in page.items],
            "next_cursor": page.next_cursor,
        }
    )
