"""Language codes: BCP 47 tags checked against CLDR's registry through Babel.

Why not ``Locale.parse``: it only knows languages that have full locale data, and it silently
turns ``und`` into ``en_US``. Checking each subtag against CLDR's names accepts every real
language (Quechua, Tigrinya...) and refuses made-up ones.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale, UnknownLocaleError

_TAG = re.compile(
    r"^(?P<lang>[A-Za-z]{2,3})(?:[-_](?P<script>[A-Za-z]{4}))?(?:[-_](?P<region>[A-Za-z]{2}|\d{3}))?$"
)

#: Codes CLDR lists that are not languages a person can speak natively.
_NOT_LANGUAGES = frozenset({"und", "mul", "zxx", "mis"})


class UnknownLanguage(ValueError):
    """The text is not a BCP 47 tag of a real language."""


@cache
def _registry() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    english = Locale("en")
    languages = frozenset(str(code) for code in english.languages if "_" not in str(code)) - _NOT_LANGUAGES
    return languages, frozenset(english.scripts), frozenset(english.territories)


def normalize_language(code: str) -> str:
    """Return the canonical BCP 47 spelling (``zh_hans`` → ``zh-Hans``, ``PT-br`` → ``pt-BR``).

    Raises :class:`UnknownLanguage` for anything that is not a real language tag.
    """
    match = _TAG.match(code.strip()) if isinstance(code, str) else None
    if not match:
        raise UnknownLanguage(code)
    languages, scripts, regions = _registry()
    lang = match["lang"].lower()
    script = match["script"].title() if match["script"] else None
    region = match["region"].upper() if match["region"] else None
    if lang not in languages or (script and script not in scripts) or (region and region not in regions):
        raise UnknownLanguage(code)
    return "-".join(part for part in (lang, script, region) if part)


def is_language(code: str) -> bool:
    try:
        normalize_language(code)
    except UnknownLanguage:
        return False
    return True


def primary_subtag(code: str) -> str:
    """``pt-BR`` → ``pt``: the part two tags must share to be the same language."""
    return code.split("-", 1)[0].lower()


def to_babel_identifier(code: str) -> str:
    """BCP 47 (``zh-Hans``) → Babel's identifier (``zh_Hans``), used for catalog folders."""
    return code.replace("-", "_")


def from_babel_identifier(identifier: str) -> str:
    return identifier.replace("_", "-")


def language_name(code: str, display_locale: str = "en") -> str:
    """The language's name in ``display_locale``, e.g. ``ar`` shown to a Spanish speaker: "árabe"."""
    try:
        display = Locale.parse(to_babel_identifier(display_locale))
    except (UnknownLocaleError, ValueError):
        display = Locale("en")
    try:
        return Locale.parse(to_babel_identifier(code)).get_display_name(display) or code
    except (UnknownLocaleError, ValueError):
        lang = primary_subtag(code)
        return str(display.languages.get(lang, code))


def text_direction(code: str) -> str:
    """``"rtl"`` for languages written right to left, else ``"ltr"``."""
    from marketplace.config import RTL_LANGUAGES

    return "rtl" if primary_subtag(code) in RTL_LANGUAGES else "ltr"
