"""Client API v1: deliveries (ask, list, read, download), QA reports, delivery settings.

Files are streamed from storage by the API, or fetched through presigned URLs when the storage is
S3; either way the bytes are those whose SHA-256 the manifest lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, jsonify, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from marketplace.errors import NotFound
from marketplace.i18n import current_locale_tag
from marketplace.projects import batches, service
from marketplace.projects.access import Actor
from marketplace.projects.models import Project
from marketplace.reports import deliveries, schemas
from marketplace.reports.models import Delivery
from marketplace.reports.presenters import delivery_json
from marketplace.reports.qa_render import render_qa_html, render_qa_pdf
from marketplace.reports.qa_report import build_qa_report
from marketplace.storage import content_disposition
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.api import QueryParam, endpoint

TAG_DELIVERIES = ("deliveries",)
_CHUNK = 256 * 1024
_REPORT_FORMATS = ("json", "html", "pdf")
_FORMAT = QueryParam(
    "format", {"type": "string", "enum": list(_REPORT_FORMATS), "default": "json"}, "json, html or pdf."
)


def _user_id(principal: Actor) -> int | None:
    return principal.user.id if principal.user is not None else None


def _body(project: Project, delivery: Delivery) -> dict[str, Any]:
    presign_seconds = int(current_app.config.get("S3_PRESIGN_SECONDS", 900))

    def url_of(name: str) -> str:
        if delivery.state == "ready":
            presigned = deliveries.download_url(delivery, name, presign_seconds)
            if presigned:
                return presigned
        return url_for(
            "api_v1.download_delivery_file_get",
            project_id=project.public_id,
            delivery_id=delivery.public_id,
            name=name,
            _external=True,
        )

    return delivery_json(delivery, project.public_id, batches.batch_public_ids(delivery.batch_ids), url_of)


@endpoint(
    "/projects/<project_id>/deliveries",
    "POST",
    summary="Ask for a delivery of the complete items (all, or of some batches)",
    tags=TAG_DELIVERIES,
    request_schema=schemas.DELIVERY_CREATE,
    response_schema=schemas.DELIVERY,
    success_status=202,
    error_statuses=(400, 401, 403, 404, 409, 422),
    body_required=False,
)
def create_delivery(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    batch_ids = batches.resolve_batches(project.id, body.get("batches") or [])
    delivery = deliveries.request_delivery(
        project.id, batch_ids=batch_ids, created_by_id=_user_id(principal), locale=current_locale_tag()
    )
    response = jsonify(_body(project, delivery))
    response.status_code = 202
    response.headers["Location"] = url_for(
        "api_v1.get_delivery_get",
        project_id=project.public_id,
        delivery_id=delivery.public_id,
        _external=True,
    )
    return response


@endpoint(
    "/projects/<project_id>/deliveries",
    summary="List a project's deliveries, newest first",
    tags=TAG_DELIVERIES,
    response_schema=schemas.DELIVERY_LIST,
)
def list_deliveries(principal: Actor, project_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    return jsonify(
        {"deliveries": [_body(project, delivery) for delivery in deliveries.project_deliveries(project.id)]}
    )


@endpoint(
    "/projects/<project_id>/deliveries/<delivery_id>",
    summary="Read a delivery: state, files with checksums, diff against the previous version",
    tags=TAG_DELIVERIES,
    response_schema=schemas.DELIVERY,
)
def get_delivery(principal: Actor, project_id: str, delivery_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    return jsonify(_body(project, deliveries.get_delivery(project.id, delivery_id)))


@endpoint(
    "/projects/<project_id>/deliveries/<delivery_id>/files/<name>",
    summary="Download one file of a ready delivery (its bytes match the manifest's SHA-256)",
    tags=TAG_DELIVERIES,
    error_statuses=(401, 403, 404, 409),
)
def download_delivery_file(
    principal: Actor, project_id: str, delivery_id: str, name: str
) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    delivery = deliveries.get_delivery(project.id, delivery_id)
    entry = deliveries.file_entry(delivery, name)
    source = deliveries.open_file(delivery, name)

    def chunks() -> Iterator[bytes]:
        try:
            while chunk := source.read(_CHUNK):
                yield chunk
        finally:
            source.close()

    response = Response(stream_with_context(chunks()), mimetype=entry["media_type"])
    response.headers["Content-Disposition"] = content_disposition(f"v{delivery.version}-{name}")
    if "bytes" in entry:
        response.headers["Content-Length"] = str(entry["bytes"])
    if "sha256" in entry:
        response.headers["ETag"] = f'"{entry["sha256"]}"'
    return response


def _report_format() -> str:
    wanted = request.args.get("format") or "json"
    if wanted not in _REPORT_FORMATS:
        raise InvalidInput([FieldError("format", "enum", _("Choose json, html or pdf."))])
    return wanted


def _render_report(report: dict[str, Any], name: str) -> ResponseReturnValue:
    wanted = _report_format()
    locale = current_locale_tag()
    if wanted == "html":
        return Response(render_qa_html(report, locale), mimetype="text/html")
    if wanted == "pdf":
        response = Response(render_qa_pdf(report, locale), mimetype="application/pdf")
        response.headers["Content-Disposition"] = content_disposition(f"{name}.pdf")
        return response
    return jsonify(report)


@endpoint(
    "/projects/<project_id>/deliveries/<delivery_id>/qa-report",
    summary="The QA report shipped with a delivery (JSON, or HTML / PDF in the caller's language)",
    tags=TAG_DELIVERIES,
    response_schema=schemas.QA_REPORT,
    query=(_FORMAT,),
    error_statuses=(400, 401, 403, 404, 409),
)
def delivery_qa_report(principal: Actor, project_id: str, delivery_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    delivery = deliveries.get_delivery(project.id, delivery_id)
    deliveries.file_entry(delivery, deliveries.QA_JSON_FILE)  # 409 until it is ready
    return _render_report(delivery.qa_report, f"qa-report-v{delivery.version}")


@endpoint(
    "/projects/<project_id>/batches/<batch_id>/qa-report",
    summary="A QA report of one batch as it stands now (JSON, HTML or PDF)",
    tags=TAG_DELIVERIES,
    response_schema=schemas.QA_REPORT,
    query=(_FORMAT,),
    error_statuses=(400, 401, 403, 404),
)
def batch_qa_report(principal: Actor, project_id: str, batch_id: str) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    _report_format()  # refuse a bad format before the work
    try:
        (internal_id,) = batches.resolve_batches(project.id, [batch_id], field="batch_id")
    except InvalidInput as exc:
        raise NotFound(_("There is no such batch in this project.")) from exc
    return _render_report(build_qa_report(project.id, batch_ids=[internal_id]), f"qa-report-{batch_id}")


@endpoint(
    "/projects/<project_id>/delivery-settings",
    "PUT",
    summary="Set when deliveries are made unasked: on batch completion, and a weekly cadence",
    tags=TAG_DELIVERIES,
    request_schema=schemas.DELIVERY_SETTINGS,
    response_schema=schemas.DELIVERY_SETTINGS,
    error_statuses=(400, 401, 403, 404, 409, 422),
)
def put_delivery_settings(principal: Actor, project_id: str, body: dict[str, Any]) -> ResponseReturnValue:
    project = service.visible_project(principal, project_id)
    project = service.set_delivery_settings(project.id, body)
    return jsonify(project.settings.get("delivery", {}))
