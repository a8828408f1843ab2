"""Error responses: JSON under ``/api/``, HTML pages elsewhere, the message in the caller's language.

Services raise the domain errors of ``marketplace.errors``; this module is where each becomes an
HTTP status. ``ApiError`` is for the web layer's own refusals (an unsupported media type...).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ProviderRefused,
    RuleBroken,
    TooLarge,
    Unavailable,
)
from marketplace.validation import FieldError, InvalidInput


class ApiError(DomainError):
    """A refusal of the web layer itself, with its HTTP status (services raise domain errors)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field, code=code)
        self.status = status


#: The HTTP status of each domain error; a subclass takes its nearest ancestor's.
STATUS_OF_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    TooLarge: 413,
    RuleBroken: 422,
    ProviderRefused: 502,
    Unavailable: 503,
}


def status_of(exc: DomainError) -> int:
    """The status a domain error answers with (500 for one no one mapped: a bug to see in logs)."""
    if isinstance(exc, ApiError):
        return exc.status
    for cls in type(exc).__mro__:
        status = STATUS_OF_ERROR.get(cls)
        if status is not None:
            return status
    return 500


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json" and not request.accept_mimetypes.accept_html
    )


def error_body(
    code: str, message: str, field: str | None = None, errors: list[FieldError] | None = None
) -> Any:
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if errors:
        body["errors"] = [e.as_dict() for e in errors]
    return {"error": body}


def _http_messages() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("unauthorized", _("Sign in or send a valid API token.")),
        403: ("forbidden", _("You are not allowed to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        409: ("conflict", _("This conflicts with the current state.")),
        413: ("too_large", _("The upload is too large.")),
        415: ("unsupported_media_type", _("This content type is not supported.")),
        422: ("unprocessable", _("The request breaks a rule.")),
        429: ("too_many_requests", _("Too many requests; try again later.")),
        500: ("server_error", _("Something went wrong on our side. Nothing was saved.")),
    }


def _render(
    status: int, code: str, message: str, field: str | None = None, errors: list[FieldError] | None = None
) -> ResponseReturnValue:
    if wants_json():
        return jsonify(error_body(code, message, field, errors)), status
    return render_template("errors/error.html", status=status, message=message, errors=errors or []), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> ResponseReturnValue:
        status = status_of(exc)
        if status == 500:
            app.logger.error("unmapped domain error %s on %s", type(exc).__name__, request.path)
        return _render(status, exc.code, exc.message, exc.field)

    @app.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput) -> ResponseReturnValue:
        first = exc.errors[0] if exc.errors else None
        message = first.message if first else _("The request could not be understood.")
        return _render(exc.status, "invalid_input", message, first.field if first else None, exc.errors)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> ResponseReturnValue:
        return _render(
            400, "csrf_failed", _("The form expired or was not sent from this site. Please try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        code, message = _http_messages().get(status, ("error", exc.name))
        if status == 401 and wants_json():
            return jsonify(error_body(code, message)), 401, {"WWW-Authenticate": 'Bearer realm="api"'}
        return _render(status, code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        code, message = _http_messages()[500]
        return _render(500, code, message)
