"""Account use-cases: sign-up, log-in, roles, language profiles and API tokens.

Services take primitives, own their transaction (commit on success) and raise ``InvalidInput``
with field-addressed, translated messages on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.accounts.models import ApiToken, CefrLevel, LanguageSkill, Role, User, UserRole
from marketplace.accounts.passwords import hash_password, needs_rehash, verify_password
from marketplace.accounts.tokens import display_prefix, hash_token, new_token
from marketplace.db import get_session, utcnow
from marketplace.i18n import current_locale_tag
from marketplace.languages.codes import UnknownLanguage, language_name, normalize_language
from marketplace.languages.tags import Tag, maximized
from marketplace.validation import FieldError, InvalidInput

MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: How stale ``last_used_at`` may get before a request writes it again (avoids a write per call).
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class LanguageEntry:
    """One line of a language profile as submitted: a code and a CEFR level, or native."""

    language: str
    native: bool
    level: str | None = None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_email(email: str, field: str = "email") -> list[FieldError]:
    if not _EMAIL.match(email) or len(email) > 254:
        return [FieldError(field, "invalid", _("Enter a valid email address."))]
    if get_session().scalar(select(User.id).where(User.email == email)) is not None:
        return [FieldError(field, "taken", _("An account with this email already exists."))]
    return []


def _check_password(password: str, field: str = "password") -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldError(
                field,
                "too_short",
                _("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH),
            )
        ]
    return []


def check_language_profile(entries: Sequence[LanguageEntry], field: str = "languages") -> list[LanguageEntry]:
    """Validate and normalise a language profile; at least one native language is required.

    Tags are stored canonical (:func:`normalize_language`: ``sr-Latn``, ``pa-Guru`` as ``pa``). A
    language is one reading: two tags that maximize to the same one (``sr`` and ``sr-Cyrl``, ``pt``
    and ``pt-BR``) are one language listed twice, refused with both names.
    """
    errors: list[FieldError] = []
    seen: dict[str, LanguageEntry] = {}
    by_maximized: dict[Tag, str] = {}
    for index, entry in enumerate(entries):
        path = f"{field}[{index}]"
        try:
            code = normalize_language(entry.language)
        except UnknownLanguage:
            errors.append(
                FieldError(
                    f"{path}.language",
                    "unknown_language",
                    _("“%(code)s” is not a known language code.", code=entry.language),
                )
            )
            continue
        if code in seen:
            errors.append(FieldError(f"{path}.language", "duplicate", _("This language is listed twice.")))
            continue
        same = by_maximized.setdefault(maximized(code), code)
        if same != code:
            locale = current_locale_tag()
            errors.append(
                FieldError(
                    f"{path}.language",
                    "duplicate",
                    _(
                        "“%(name)s” (%(code)s) is the same as “%(other)s” (%(other_code)s), listed"
                        " above: keep one of them.",
                        name=language_name(code, locale),
                        code=code,
                        other=language_name(same, locale),
                        other_code=same,
                    ),
                )
            )
            continue
        level = None
        if not entry.native:
            if entry.level not in {lvl.value for lvl in CefrLevel}:
                errors.append(
                    FieldError(
                        f"{path}.level",
                        "invalid",
                        _("Choose a level from A1 to C2, or mark the language as native."),
                    )
                )
                continue
            level = entry.level
        seen[code] = LanguageEntry(code, entry.native, level)
    if not errors and not any(e.native for e in seen.values()):
        errors.append(FieldError(field, "native_required", _("Add at least one native language.")))
    if errors:
        raise InvalidInput(errors)
    return list(seen.values())


def _check_ui_locale(ui_locale: str | None, supported: Iterable[str]) -> str | None:
    if ui_locale in (None, ""):
        return None
    if ui_locale not in set(supported):
        raise InvalidInput(
            [FieldError("ui_locale", "invalid", _("This interface language is not available."))]
        )
    return ui_locale


def register_annotator(
    email: str,
    password: str,
    display_name: str,
    languages: Sequence[LanguageEntry],
    ui_locale: str | None,
    supported_locales: Iterable[str],
) -> User:
    """Sign up an annotator with their language profile."""
    email = normalize_email(email)
    errors = _check_email(email) + _check_password(password)
    if not display_name.strip():
        errors.append(FieldError("display_name", "required", _("This field is required.")))
    try:
        entries = check_language_profile(languages)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        entries = []
    try:
        locale = _check_ui_locale(ui_locale, supported_locales)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        locale = None
    if errors:
        raise InvalidInput(errors)
    user = _new_user(email, password, display_name.strip(), [Role.ANNOTATOR], locale)
    user.language_skills = [
        LanguageSkill(language=e.language, is_native=e.native, cefr_level=e.level) for e in entries
    ]
    session = get_session()
    session.add(user)
    session.commit()
    return user


def create_user(
    email: str,
    password: str,
    display_name: str,
    roles: Sequence[Role],
    ui_locale: str | None = None,
    granted_by: int | None = None,
) -> User:
    """Create a person with the given roles (ops and clients are made this way, not by sign-up)."""
    email = normalize_email(email)
    errors = _check_email(email) + _check_password(password)
    if errors:
        raise InvalidInput(errors)
    user = _new_user(email, password, display_name.strip() or email, roles, ui_locale, granted_by)
    session = get_session()
    session.add(user)
    session.commit()
    return user


def _new_user(
    email: str,
    password: str,
    display_name: str,
    roles: Sequence[Role],
    ui_locale: str | None,
    granted_by: int | None = None,
) -> User:
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name,
        ui_locale=ui_locale,
        is_active=True,
    )
    user.roles = [UserRole(role=str(role), granted_by_id=granted_by) for role in dict.fromkeys(roles)]
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Upgrades old hashes on the way."""
    session = get_session()
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.commit()
    return user


def get_user(user_id: int) -> User | None:
    return get_session().get(User, user_id)


def find_user_by_email(email: str) -> User | None:
    return get_session().scalar(select(User).where(User.email == normalize_email(email)))


def grant_role(user_id: int, role: Role, granted_by: int | None = None) -> None:
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    if not user.has_role(role):
        user.roles.append(UserRole(role=str(role), granted_by_id=granted_by))
        session.commit()


def update_language_profile(user_id: int, languages: Sequence[LanguageEntry]) -> User:
    """Replace a person's language profile as a whole (the form edits it as a whole)."""
    entries = check_language_profile(languages)
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        raise LookupError(user_id)
    by_code = {skill.language: skill for skill in user.language_skills}
    keep = []
    for entry in entries:
        skill = by_code.get(entry.language) or LanguageSkill(language=entry.language)
        skill.is_native = entry.native
        skill.cefr_level = entry.level
        keep.append(skill)
    user.language_skills = keep
    session.commit()
    return user


def set_ui_locale(user_id: int, ui_locale: str | None, supported_locales: Iterable[str]) -> None:
    locale = _check_ui_locale(ui_locale, supported_locales)
    session = get_session()
    user = session.get(User, user_id)
    if user is not None and user.ui_locale != locale:
        user.ui_locale = locale
        session.commit()


def native_languages(user_id: int) -> list[str]:
    return list(
        get_session().scalars(
            select(LanguageSkill.language).where(LanguageSkill.user_id == user_id, LanguageSkill.is_native)
        )
    )


# --- API tokens -------------------------------------------------------------------------------


def issue_api_token(organisation_id: int, name: str, created_by: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    if not name.strip():
        raise InvalidInput([FieldError("name", "required", _("This field is required."))])
    raw = new_token()
    token = ApiToken(
        organisation_id=organisation_id,
        name=name.strip()[:120],
        prefix=display_prefix(raw),
        token_hash=hash_token(raw),
        created_by_id=created_by,
    )
    session = get_session()
    session.add(token)
    session.commit()
    return token, raw


def authenticate_token(raw: str) -> ApiToken | None:
    """The active token with this value, or None; records when it was last used."""
    session = get_session()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        token.last_used_at = now
        session.commit()
    return token


def list_api_tokens(organisation_id: int) -> list[ApiToken]:
    return list(
        get_session().scalars(
            select(ApiToken).where(ApiToken.organisation_id == organisation_id).order_by(ApiToken.created_at)
        )
    )


def revoke_api_token(organisation_id: int, token_id: int) -> bool:
    session = get_session()
    token = session.get(ApiToken, token_id)
    if token is None or token.organisation_id != organisation_id:
        return False
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.commit()
    return True


def count_users_with_role(role: Role) -> int:
    return (
        get_session().scalar(select(func.count()).select_from(UserRole).where(UserRole.role == str(role)))
        or 0
    )
