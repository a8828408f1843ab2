"""Account pages: sign-up, log-in, log-out, the language profile and the interface language."""

from __future__ import annotations

import pickle
import unicodedata
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError, localedata
from babel.core import get_global
from babel.localedata import locale_identifiers
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
from marketplace.i18n import current_locale_tag, requested_locale, supported_locales
from marketplace.languages.codes import (
    UnknownLanguage,
    from_babel_identifier,
    language_name,
    normalize_language,
    to_babel_identifier,
)
from marketplace.languages.tags import Tag, likely_script, maximized, parse_tag, primary_subtag
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


#: Codes CLDR names that are no language a person reads.
_NOT_CHOICES: Final = frozenset({"und", "mul", "zxx", "mis"})
#: Scripts CLDR has locale data for that nobody reads the language in natively: the English
#: spelling-reform alphabets (Deseret, Shavian) and Hanyu Pinyin, a romanisation for learners.
#: Offered, they would split "English" into "English (Latin)" and two alphabets of a few hobbyists.
_SCRIPTS_NOT_OFFERED: Final = frozenset({("en", "Dsrt"), ("en", "Shaw"), ("zh", "Latn")})
#: Parts of a regional locale's own data that are words (not formats): CLDR keeps them for a region
#: only where people there write differently (``de-AT`` "Jänner", ``pt-PT``, ``es-419``, ``fr-CA``).
_VOCABULARY: Final = ("languages", "territories", "scripts", "months", "days")
#: The macro-region "world" (``en-001``, ``ar-001``) says nothing about where a person reads.
_WORLD: Final = "001"


@cache
def scripts_of_languages() -> dict[str, tuple[str, ...]]:
    """Every language written in more than one script, with its scripts (CLDR's likely one first).

    From Babel's data: the scripts of its locales (``sr_Latn``, ``pa_Arab``, ``ff_Adlm``), and the
    scripts CLDR's likely subtags give the language in a region (``pa_PK`` → Arabic, ``mn_CN`` →
    Mongolian, ``ms_CC`` → Arabic, ``zh_TW`` → Traditional).
    """
    found: dict[str, set[str]] = defaultdict(set)
    for identifier in locale_identifiers():
        tag = parse_tag(from_babel_identifier(identifier))
        if tag.script:
            found[tag.language].add(tag.script)
    for key, value in get_global("likely_subtags").items():
        subject, full = parse_tag(from_babel_identifier(key)), parse_tag(from_babel_identifier(value))
        # Only "language_REGION" keys: a country that writes the language in that script.
        if subject.region and not subject.script and full.script and full.language == subject.language:
            found[subject.language].add(full.script)
    languages: dict[str, tuple[str, ...]] = {}
    for language, scripts in found.items():
        likely = likely_script(language)
        offered = {script for script in scripts | {likely or ""} if script} - {
            script for code, script in _SCRIPTS_NOT_OFFERED if code == language
        }
        if len(offered) > 1 and likely in offered:
            languages[language] = (likely, *sorted(offered - {likely}))
    return languages


def _offered(tag: Tag) -> bool:
    """Whether the service takes ``tag`` (it stores the canonical form: ``pa-Guru`` as ``pa``)."""
    try:
        normalize_language(str(tag))
    except UnknownLanguage:
        return False
    return True


def _own_words(identifier: str) -> bool:
    """Whether a regional locale's own CLDR data (what it does not inherit) has words.

    Read from Babel's file directly: ``localedata.load(..., merge_inherited=False)`` would cache
    the unmerged data as the locale's, and parsing every locale merged takes seconds.
    """
    with Path(localedata.resolve_locale_filename(identifier)).open("rb") as file:
        own = pickle.load(file)  # noqa: S301 - Babel's own data files, shipped with the package
    return any(own.get(part) for part in _VOCABULARY)


@cache
def _regional_variants() -> dict[Tag, tuple[Tag, ...]]:
    """The regions worth naming, by the tag of what is read there (``pt``, ``sr-Latn``): those where
    Babel's locale has words of its own (:data:`_VOCABULARY`), and then also the language's usual
    region, so that ``pt-BR`` is offered beside ``pt-PT`` and ``en-US`` beside ``en-GB``."""
    digraphic = scripts_of_languages()
    regions: dict[Tag, set[Tag]] = defaultdict(set)
    for identifier in locale_identifiers():
        tag = parse_tag(from_babel_identifier(identifier))
        if tag.region is None or tag.region == _WORLD or not _own_words(identifier):
            continue
        script = (tag.script or maximized(str(tag)).script) if tag.language in digraphic else None
        regions[Tag(tag.language, script)].add(Tag(tag.language, script, tag.region))
    variants: dict[Tag, tuple[Tag, ...]] = {}
    for group, tags in regions.items():
        usual = Tag(group.language, group.script, maximized(str(group)).region)
        if localedata.exists(to_babel_identifier(str(usual))):
            tags.add(usual)
        offered = sorted((tag for tag in tags if _offered(tag)), key=str)
        if offered:
            variants[group] = tuple(offered)
    return variants


def tag_display_name(tag: Tag, display: Locale) -> str | None:
    """Babel's display name of a tag (``Locale.get_display_name``: "Serbian (Latin)", "serbio
    (latino)", "Chinese (Traditional, Hong Kong SAR China)"), also for a tag Babel has no locale
    for (``ms-Latn``), in the same form; None when ``display`` has no name for the language."""
    identifier = to_babel_identifier(str(tag))
    if localedata.exists(identifier):
        name = Locale(tag.language, territory=tag.region, script=tag.script).get_display_name(display)
        named = (tag.script is None or tag.script in display.scripts) and (
            tag.region is None or tag.region in display.territories
        )
        if name and named:
            return name
    language = display.languages.get(tag.language)
    if not language:
        return None
    details = [display.scripts.get(tag.script) or tag.script] if tag.script else []
    if tag.region:
        details.append(display.territories.get(tag.region) or tag.region)
    return f"{language} ({', '.join(details)})" if details else str(language)


def language_label(code: str, display_locale: str) -> str:
    """A stored tag's name for people, its script visible when the language has several: ``sr``
    is "Serbian (Cyrillic)", ``zh-TW`` "Chinese (Traditional, Taiwan)", ``pt-BR`` "Portuguese
    (Brazil)". Bare digraphic tags are read in CLDR's likely script, as routing reads them."""
    try:
        tag = parse_tag(normalize_language(code))
    except UnknownLanguage:
        return language_name(code, display_locale)
    if tag.script is None and tag.language in scripts_of_languages():
        tag = Tag(tag.language, maximized(str(tag)).script, tag.region)
    try:
        display = Locale.parse(to_babel_identifier(display_locale))
    except (UnknownLocaleError, ValueError):
        display = Locale("en")
    return tag_display_name(tag, display) or language_name(code, display_locale)


def _collation_key(text: str) -> tuple[str, str]:
    """Sort key of a name: accents and case count only between names otherwise equal."""
    folded = text.casefold()
    base = "".join(char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char))
    return base, folded


@cache
def _choices_for(display_identifier: str) -> tuple[tuple[str, str], ...]:
    """The choices of :func:`language_choices` in one display locale, sorted by language name,
    then each language's scripts, then its regions."""
    display = Locale.parse(display_identifier)
    digraphic = scripts_of_languages()
    variants = _regional_variants()
    names = {
        code: name
        for code, name in display.languages.items()
        if "_" not in code and len(code) <= 3 and code not in _NOT_CHOICES
    }
    entries: list[tuple[tuple[Any, ...], str, str]] = []
    for code, language in names.items():
        for group in (Tag(code, script) for script in digraphic.get(code, (None,))):
            if not _offered(group):
                continue
            for tag in (group, *variants.get(group, ())):
                name = tag_display_name(tag, display)
                if name is None:
                    continue
                script_name = tag_display_name(Tag(code, tag.script), display) if tag.script else ""
                key = (
                    _collation_key(language),
                    code,
                    _collation_key(script_name or ""),
                    tag.region is not None,
                    _collation_key(name),
                )
                entries.append((key, str(tag), name))
    entries.sort(key=lambda entry: entry[0])
    return tuple((tag, name) for _key, tag, name in entries)


def language_choices() -> list[tuple[str, str]]:
    """Every language CLDR knows, named and sorted in the reader's interface language.

    A language written in several scripts is offered once per script (``sr-Cyrl`` "Serbian
    (Cyrillic)", ``sr-Latn`` "Serbian (Latin)"), never bare: a bare ``sr`` reads Cyrillic only,
    which few people choosing "Serbian" would know. Regions follow their language where they
    matter (``pt-BR``, ``pt-PT``; ``es-419``; ``zh-Hant-HK``): see :func:`_regional_variants`.
    """
    locale = get_locale() or Locale("en")
    return [("", _("— choose a language —")), *_choices_for(str(locale))]


def locale_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code, code)) for code in supported_locales()]


def _offered_value(code: str, offered: dict[str, str]) -> str:
    """The choice that shows a stored tag: itself, or the offered tag read the same way (a bare
    ``sr`` is shown as ``sr-Cyrl``, ``zh-TW`` as ``zh-Hant-TW``); the tag itself when none is."""
    if code in offered:
        return code
    try:
        canonical = normalize_language(code)
    except UnknownLanguage:
        return code
    if canonical in offered:
        return canonical
    full = maximized(canonical)
    same = [value for value in offered if value and maximized(value) == full]
    if not same:
        return code
    region, language = parse_tag(canonical).region, primary_subtag(canonical)
    return min(
        same, key=lambda value: (parse_tag(value).region != region, primary_subtag(value) != language, value)
    )


def _prepare_rows(form: LanguageProfileForm | SignupForm) -> None:
    """The choices of every row; a row holding a tag no choice shows (a stored ``sr-Latn-ME``, or
    a code just refused) gets it as an extra choice, so that saving the page never drops it."""
    languages = language_choices()
    offered = dict(languages)
    levels = level_choices()
    locale = current_locale_tag()
    for row in form.languages:
        code = row.form.language.data or ""
        row.form.language.choices = (
            languages if code in offered else [*languages, (code, language_label(code, locale))]
        )
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
    locale = current_locale_tag()
    return render_template(
        "accounts/profile.html",
        user=user,
        ui_form=ui_form,
        level_names=dict(level_choices()),
        language_labels={
            skill.language: language_label(skill.language, locale) for skill in user.language_skills
        },
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
        offered = dict(language_choices())
        for row, skill in zip(form.languages, skills, strict=False):
            row.form.language.data = _offered_value(skill.language, offered)
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
