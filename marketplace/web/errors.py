"""Error responses: JSON under ``/api/``, HTML pages elsewhere, the message in the caller's language."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from marketplace.validation import FieldError, InvalidInput


class ApiError(Exception):
    """An error with a status, a stable code and a translated message, raised by views and services."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class NotFound(ApiError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(404, "not_found", message or _("Not found."))


class Forbidden(ApiError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(403, "forbidden", message or _("You are not allowed to do this."))


class Conflict(ApiError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(409, "conflict", message, field)


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
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> ResponseReturnValue:
        return _render(exc.status, exc.code, exc.message, exc.field)

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
