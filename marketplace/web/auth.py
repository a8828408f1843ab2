"""Who is calling: Flask-Login sessions for people, bearer tokens for client programs.

Every view states who may call it with one of the decorators here; there is no default-open view
except the public pages (home, log-in, sign-up) and the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role, User
from marketplace.projects.access import Actor

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.session_protection = "basic"


def _load_user(user_id: str) -> User | None:
    user = accounts.get_user(int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


login_manager.user_loader(_load_user)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Page decorator: signed in and holding one of ``roles`` (ops may open every page)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not any(current_user.has_role(r) for r in (*roles, Role.OPS)):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return cast(F, wrapped)


def require_annotator(principal: Actor, message: str) -> int:
    """The caller's user id when they are an annotator; 403 with ``message`` otherwise (organisation
    tokens included: work and exams belong to a person)."""
    from marketplace.errors import Forbidden

    if principal.user is None or not principal.user.has_role(Role.ANNOTATOR):
        raise Forbidden(message)
    return principal.user.id


def require_ops(principal: Actor) -> int:
    """The caller's user id when they are ops; 403 otherwise (organisation tokens included: they
    act for a client, never for ops)."""
    from marketplace.errors import Forbidden

    if principal.user is None or not principal.is_ops:
        raise Forbidden()
    return principal.user.id


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_principal() -> Actor | None:
    """The caller, or None. A bad token is None even if a session cookie is present: no fallback."""
    if "principal" in g:
        principal: Actor | None = g.principal
        return principal
    principal = None
    raw = _bearer_token()
    if raw is not None or request.headers.get("Authorization"):
        token = accounts.authenticate_token(raw) if raw else None
        if token is not None:
            principal = Actor(user=None, token=token)
    elif current_user.is_authenticated:
        user = cast(User, current_user._get_current_object())
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            # Cookie-authenticated writes must prove they come from our pages.
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except ValidationError as exc:
                raise CSRFError(str(exc)) from exc
        principal = Actor(user=user, token=None)
    g.principal = principal
    return principal


def page_principal() -> Actor:
    """The signed-in person, for HTML views. Why not :func:`require_principal`: on a POST that one
    demands the API's ``X-CSRFToken`` header, which a plain form does not send; a form's own
    ``csrf_token`` field has already been checked by CSRFProtect before the view runs."""
    if not current_user.is_authenticated:
        abort(401)
    return Actor(user=cast(User, current_user._get_current_object()), token=None)


def require_principal() -> Actor:
    principal = resolve_principal()
    if principal is None:
        abort(401)
    return principal
