"""Locale selection and text direction for every request.

Order: an explicit ``?lang=`` (remembered in a cookie and on the profile), then the signed-in
person's profile, then the cookie, then the browser's Accept-Language, then the default.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_request_context, request
from flask.wrappers import Response
from flask_babel import Babel, get_locale
from flask_login import current_user

from marketplace.languages.codes import (
    from_babel_identifier,
    language_name,
    text_direction,
    to_babel_identifier,
)
from marketplace.languages.tags import UnknownLanguage, maximized, normalize_language, reading

LOCALE_COOKIE = "marketplace_lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "i18n"

babel = Babel()


def supported_locales() -> tuple[str, ...]:
    """BCP 47 tags of the locales with catalogs, in the configured order."""
    locales: tuple[str, ...] = current_app.config["SUPPORTED_LOCALES"]
    return locales


def match_locale(tag: str | None) -> str | None:
    """The supported locale for ``tag``, by likely subtags: exact (case- and separator-blind), else
    one of the same language *and script* (maximized), of the same region first: ``pt-PT`` →
    ``pt-BR``, ``zh-CN`` and ``zh-SG`` → ``zh-Hans``; ``zh-TW`` or ``zh-Hant`` → None, never a
    Simplified catalog, so the next language the browser accepts, or the default, is used."""
    if not tag or len(tag) > 64:
        return None
    wanted = from_babel_identifier(tag.strip())
    supported = supported_locales()
    exact = next((code for code in supported if code.lower() == wanted.lower()), None)
    if exact:
        return exact
    try:
        canonical = normalize_language(wanted)
        wanted_reading, wanted_region = reading(canonical), maximized(canonical).region
    except UnknownLanguage:
        return None
    same = [code for code in supported if reading(code) == wanted_reading]
    regional = [code for code in same if maximized(code).region == wanted_region]
    matches = regional or same
    return matches[0] if matches else None


def requested_locale() -> str | None:
    """A valid ``?lang=`` on this request, if any."""
    return match_locale(request.args.get("lang")) if request else None


def select_locale() -> str:
    """Flask-Babel's locale selector; returns a Babel identifier such as ``zh_Hans``."""
    return to_babel_identifier(current_locale_tag())


def current_locale_tag() -> str:
    """The BCP 47 tag of the locale this request speaks."""
    if not has_request_context():
        # Jobs and CLI commands choose their locale with flask_babel.force_locale.
        return str(current_app.config["DEFAULT_LOCALE"])
    if "locale_tag" in g:
        tag: str = g.locale_tag
        return tag
    choice = requested_locale()
    if choice is None and current_user and current_user.is_authenticated:
        choice = match_locale(current_user.ui_locale)
    if choice is None:
        choice = match_locale(request.cookies.get(LOCALE_COOKIE))
    if choice is None:
        for value, _quality in request.accept_languages:
            choice = match_locale(value)
            if choice:
                break
    g.locale_tag = choice or current_app.config["DEFAULT_LOCALE"]
    return str(g.locale_tag)


def current_direction() -> str:
    return text_direction(current_locale_tag())


def _remember_requested_locale(response: Response) -> Response:
    """Keep an explicit ``?lang=`` choice in a cookie (the profile is updated by the accounts service)."""
    choice = requested_locale()
    if choice:
        response.set_cookie(
            LOCALE_COOKIE,
            choice,
            max_age=365 * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_requested_locale)

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        return {
            "locale_tag": current_locale_tag(),
            "text_dir": current_direction(),
            "supported_locales": supported_locales(),
            "babel_locale": get_locale(),
            "url_with_lang": url_with_lang,
            "language_name": language_name,
            "language_dir": text_direction,
        }


def url_with_lang(code: str) -> str:
    """The current page's URL with ``?lang=code``, keeping its other query parameters."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)
