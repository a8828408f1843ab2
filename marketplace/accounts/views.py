"""Account pages: sign-up, log-in, log-out, the language profile and the interface language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from marketplace.accounts import service
from marketplace.accounts.forms import (
    NATIVE,
    InterfaceLanguageForm,
    LanguageProfileForm,
    LoginForm,
    LogoutForm,
    SignupForm,
    level_choices,
)
from marketplace.accounts.models import Role, User
from marketplace.i18n import requested_locale, supported_locales
from marketplace.languages.codes import language_name
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.auth import login_required

bp = Blueprint("accounts", __name__)


@bp.before_app_request
def _remember_locale_on_profile() -> None:
    """An explicit ``?lang=`` also becomes the signed-in person's preferred interface language."""
    choice = requested_locale()
    if choice and current_user.is_authenticated and current_user.ui_locale != choice:
        service.set_ui_locale(current_user.id, choice, supported_locales())


@bp.app_context_processor
def _account_context() -> dict[str, Any]:
    return {"logout_form": LogoutForm() if current_user.is_authenticated else None, "Role": Role}


def language_choices() -> list[tuple[str, str]]:
    """Every language CLDR knows, named and sorted in the reader's interface language."""
    locale = get_locale() or Locale("en")
    names = {code: name for code, name in locale.languages.items() if "_" not in code and len(code) <= 3}
    for code in ("und", "mul", "zxx", "mis"):
        names.pop(code, None)
    choices = sorted(names.items(), key=lambda pair: pair[1].casefold())
    return [("", _("— choose a language —")), *choices]


def locale_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code, code)) for code in supported_locales()]


def _prepare_rows(form: LanguageProfileForm | SignupForm) -> None:
    languages = language_choices()
    levels = level_choices()
    for row in form.languages:
        row.form.language.choices = languages
        row.form.level.choices = levels


def _entries(form: LanguageProfileForm | SignupForm) -> list[service.LanguageEntry]:
    entries = []
    for row in form.languages:
        code = (row.form.language.data or "").strip()
        if not code:
            continue
        level = row.form.level.data
        entries.append(service.LanguageEntry(code, level == NATIVE, None if level == NATIVE else level))
    return entries


def _field_messages(errors: list[FieldError]) -> dict[str, list[str]]:
    """Group service errors by field so the template can show each next to its control."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(error.message)
    return by_field


def _safe_next(target: str | None) -> str:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("pages.home")


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = SignupForm()
    _prepare_rows(form)
    form.ui_locale.choices = locale_choices()
    if request.method == "GET":
        form.ui_locale.data = str(get_locale()).replace("_", "-")
        form.languages[0].form.level.data = NATIVE
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            user = service.register_annotator(
                email=form.email.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                languages=_entries(form),
                ui_locale=form.ui_locale.data,
                supported_locales=supported_locales(),
            )
        except InvalidInput as exc:
            errors = _field_messages(exc.errors)
        else:
            login_user(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(
                url_for("accounts.profile", lang=user.ui_locale)
                if user.ui_locale
                else url_for("accounts.profile")
            )
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/signup.html", form=form, errors=errors), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = service.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        failed = True
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form, failed=failed), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("pages.home"))


@bp.get("/account")
@login_required
def profile() -> ResponseReturnValue:
    user: User = current_user
    ui_form = InterfaceLanguageForm()
    ui_form.ui_locale.choices = locale_choices()
    ui_form.ui_locale.data = user.ui_locale
    return render_template(
        "accounts/profile.html", user=user, ui_form=ui_form, level_names=dict(level_choices())
    )


@bp.route("/account/languages", methods=["GET", "POST"])
@login_required
def languages() -> ResponseReturnValue:
    user: User = current_user
    form = LanguageProfileForm()
    if request.method == "GET":
        skills = list(user.language_skills)
        while len(form.languages) < len(skills) + 2:
            form.languages.append_entry()
        for row, skill in zip(form.languages, skills, strict=False):
            row.form.language.data = skill.language
            row.form.level.data = NATIVE if skill.is_native else skill.cefr_level
    _prepare_rows(form)
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            service.update_language_profile(user.id, _entries(form))
        except InvalidInput as exc:
            errors = _field_messages(exc.errors)
        else:
            flash(_("Your languages are saved."), "success")
            return redirect(url_for("accounts.profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/languages.html", form=form, errors=errors), status


@bp.post("/account/interface-language")
@login_required
def interface_language() -> ResponseReturnValue:
    form = InterfaceLanguageForm()
    form.ui_locale.choices = locale_choices()
    if form.validate_on_submit():
        try:
            service.set_ui_locale(current_user.id, form.ui_locale.data, supported_locales())
        except InvalidInput as exc:
            for error in exc.errors:
                flash(error.message, "error")
        else:
            return redirect(url_for("accounts.profile", lang=form.ui_locale.data))
    return redirect(url_for("accounts.profile"))
