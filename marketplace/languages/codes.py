"""What a language tag means to people: its name in another language, its writing direction, and
the identifier Babel's catalogs use for it.

The tag rules themselves (reading, normalising, which tags name one language) live in
:mod:`marketplace.languages.tags`. The ones callers have always imported from here are re-exported,
so ``from marketplace.languages.codes import normalize_language`` keeps working.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from marketplace.languages.tags import UnknownLanguage, is_language, normalize_language, primary_subtag

__all__ = [
    "UnknownLanguage",
    "from_babel_identifier",
    "is_language",
    "language_name",
    "normalize_language",
    "primary_subtag",
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


def text_direction(code: str) -> str:
    """``"rtl"`` for languages written right to left, else ``"ltr"``."""
    from marketplace.config import RTL_LANGUAGES

    return "rtl" if primary_subtag(code) in RTL_LANGUAGES else "ltr"
