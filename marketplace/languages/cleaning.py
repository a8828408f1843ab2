"""Removing what carries no language from a text, before anything looks at it.

URLs, e-mail addresses, mentions, markup, placeholders (``%s``, ``{name}``), numbers, symbols and
emoji say nothing about the language and mislead statistical models. Punctuation stays: ``¿``,
``«`` and ``。`` are evidence too.

Cleaning also learns, once per distinct character, the facts later steps need per character (its
script family, whether it is erased): a dict lookup per character is what keeps cleaning and script
counting cheap next to the model.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from marketplace.languages.scripts import script_family, script_of

#: Things that carry no language, each with the character that must be present for it to occur:
#: the cheap ``in`` test skips most patterns for most texts.
_NOISE: Final = (
    ("/", re.compile(r"(?:https?|ftp)://\S+")),  # URLs
    ("www.", re.compile(r"\bwww\.\S+")),
    ("@", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)@\w+")),  # e-mail addresses, mentions
    ("<", re.compile(r"<[^<>]{1,200}>")),  # markup
    ("&", re.compile(r"&[a-zA-Z]+;|&#\d+;")),  # entities
    ("%", re.compile(r"%(?:\d+\$)?(?:\([\w.-]+\))?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z@]")),  # printf
    ("{", re.compile(r"\$?\{[^{}\s]{0,40}\}")),  # {name} ${var}
)
_NUMBERS: Final = re.compile(r"\d+")
_SPACES: Final = re.compile(r"\s+")

#: Per-character facts, learnt by :func:`clean_text` for every character of a cleaned text. Plain
#: dicts: a racing thread can only store the same value twice.
FAMILY_OF: dict[str, str] = {}
"""Character → script family (:func:`~marketplace.languages.scripts.script_family`), "" for anything
that is not a letter or mark. Read-only outside this module."""
_ERASE: dict[int, str | None] = {ord("#"): None}
"""``str.translate`` table: symbols, emoji and control characters → space; ``#`` (hashtags) dropped."""


def _learn(text: str) -> None:
    for char in set(text).difference(FAMILY_OF):
        if unicodedata.category(char)[0] in "SC" and char not in "\t\n\r":
            _ERASE[ord(char)] = " "
        script = script_of(char)
        FAMILY_OF[char] = script_family(script) if script else ""


def collapse_spaces(text: str) -> str:
    """Runs of whitespace as one space, none at the ends."""
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str) -> str:
    """``text`` without the parts that carry no language: URLs, e-mails, mentions, markup,
    placeholders, numbers, symbols and emoji; whitespace collapsed. Punctuation stays: ``¿``, ``«``
    and ``。`` are evidence too."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    for marker, pattern in _NOISE:
        if marker in text:
            text = pattern.sub(" ", text)
    text = _NUMBERS.sub(" ", text)
    _learn(text)
    return collapse_spaces(text.translate(_ERASE))
