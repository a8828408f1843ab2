"""What a language tag means to people: its name in another language, its writing direction, and
the identifier Babel's catalogs use for it.

The tag rules themselves (reading, normalising, which tags name one language) live in
:mod:`marketplace.languages.tags`. The ones callers have always imported from here are re-exported,
so ``from marketplace.languages.codes import normalize_language`` keeps working.
"""

from __future__ import annotations

from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers

from marketplace.languages.tags import (
    TAG_CACHE_SIZE,
    UnknownLanguage,
    is_language,
    maximized,
    normalize_language,
    primary_subtag,
)

__all__ = [
    "UnknownLanguage",
    "from_babel_identifier",
    "is_language",
    "language_name",
    "normalize_language",
    "primary_subtag",
    "right_to_left_scripts",
    "text_direction",
    "to_babel_identifier",
]


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


#: Living right-to-left scripts no CLDR locale is written in yet (Mandaic, Samaritan, Mende Kikakui,
#: Yezidi): Unicode gives their letters Bidi_Class R.
_RTL_SCRIPTS_WITHOUT_LOCALE = frozenset({"Mand", "Samr", "Mend", "Yezi"})


@cache
def right_to_left_scripts() -> frozenset[str]:
    """Scripts written right to left, read off CLDR: the likely script of every locale whose
    character order is right-to-left (Arab, Hebr, Syrc, Thaa, Nkoo, Adlm, Rohg), and a few more."""
    scripts = set(_RTL_SCRIPTS_WITHOUT_LOCALE)
    for identifier in locale_identifiers():
        locale = Locale.parse(identifier)
        if locale.character_order == "right-to-left":
            script = maximized(from_babel_identifier(identifier)).script
            if script:
                scripts.add(script)
    return frozenset(scripts)


@lru_cache(maxsize=TAG_CACHE_SIZE)
def text_direction(code: str) -> str:
    """``"rtl"`` for a tag whose script (spelt, or likely by CLDR) is written right to left, else
    ``"ltr"``: ``uz-Arab``, ``pa-PK`` and ``ks`` are right to left, ``uz`` and ``pa`` are not."""
    try:
        script = maximized(code).script
    except (ValueError, KeyError):
        return "ltr"
    return "rtl" if script in right_to_left_scripts() else "ltr"
