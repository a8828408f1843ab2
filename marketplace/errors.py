"""Domain errors: what a use-case refuses and why, without knowing how the caller is reached.

Services raise these; the web layer (``marketplace.web.errors``) maps each class to an HTTP status
and renders the message as JSON or a page. Why a family of its own at the floor: a service must not
depend on the web layer to say "not found", and the same refusal reads the same to an API client,
a page and a job's log. Messages are in the caller's language (Flask-Babel's current locale).
"""

from __future__ import annotations

from flask_babel import gettext as _


class DomainError(Exception):
    """A refusal with a stable machine code, a translated message and, where one is to blame, a field."""

    #: The stable code clients switch on; a subclass or an instance may narrow it.
    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """No such thing, or one the caller may not know exists (never reveal which)."""

    code = "not_found"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Not found."))


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("You are not allowed to do this."))


class Conflict(DomainError):
    """The request is valid but the current state refuses it (already done, wrong state)."""

    code = "conflict"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


class TooLarge(DomainError):
    """The input is bigger than a limit the service sets (items per upload...)."""

    code = "too_large"


class RuleBroken(DomainError):
    """Well-formed input that a business rule refuses (a payment the provider declined...)."""

    code = "unprocessable"


class ProviderRefused(DomainError):
    """An outside provider (Stripe) answered and refused: the fault is upstream, not the caller's."""

    code = "provider_refused"


class Unavailable(DomainError):
    """Something the use-case needs cannot be reached now; trying again later may work."""

    code = "unavailable"
