"""Scripts that decide the language by themselves, or that no model here can decide.

A script that names its language decides outright, even for two letters: Greek, Georgian,
Armenian, Hebrew (Yiddish told apart by its spelling), Thai, Hangul, the Indic scripts that serve one
language. It is exact, needs no model, and works on texts far too short for any statistical model.
Scripts whose languages no model here tells apart (Ethiopic: Amharic, Tigrinya...) need the
client's declaration. (Han and kana are :mod:`marketplace.languages.cjk`'s.)
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from marketplace.languages.result import (
    METHOD_SCRIPT,
    REASON_TOO_SHORT,
    REASON_UNCERTAIN,
    REASON_UNSUPPORTED,
)
from marketplace.languages.scripts import GEORGIAN, GREEK, HANGUL, HEBREW, THAI
from marketplace.languages.thresholds import Thresholds
from marketplace.languages.verdict import Verdict, by_script, undecided

SCRIPT_CONFIDENCE: Final = 0.99

#: Scripts written, in practice, for exactly one language.
_SCRIPT_LANGUAGE: Final = {
    GREEK: "el",
    GEORGIAN: "ka",
    "Armn": "hy",
    THAI: "th",
    HANGUL: "ko",
    "Taml": "ta",
    "Telu": "te",
    "Knda": "kn",
    "Mlym": "ml",
    "Gujr": "gu",
    "Guru": "pa",
    "Orya": "or",
    "Sinh": "si",
    "Khmr": "km",
    "Laoo": "lo",
    "Thaa": "dv",
    "Cher": "chr",
    "Mong": "mn-Mong",
    "Nkoo": "nqo",
}
#: Scripts of several languages that the model cannot tell apart: only a declaration can decide.
_SCRIPT_LANGUAGES_UNDECIDABLE: Final = {
    "Ethi": ("am", "ti", "tig", "byn", "gez"),
    "Tibt": ("bo", "dz"),
    "Cans": ("iu", "cr", "oj"),
    "Syrc": ("syr", "aii"),
    "Tfng": ("zgh", "tzm", "kab"),
}

# Yiddish is written in Hebrew letters. Its spelling marks vowels that Hebrew leaves out: the
# ligatures װ ױ ײ, alef with patah/qamats (אַ אָ), pe with rafe (פֿ); and its function words are
# Germanic. Hebrew function words are listed to weigh against them.
_YIDDISH_MARKS: Final = frozenset("\u05f0\u05f1\u05f2\ufb1f\ufb2e\ufb2f\ufb4e\u05bf")
_YIDDISH_TEXT: Final = (
    "און איז ניט נישט דער דאָס דאס פֿון פון מיט אויף זיך ער מיר װאָס וואס אויך האָט האט געווען זײַן זיין"
)
_HEBREW_TEXT: Final = "של את הוא היא לא על עם זה כי אם או גם אני יש אין כל מה רק עוד הם אבל"
_YIDDISH_WORDS: Final = frozenset(_YIDDISH_TEXT.split())
_HEBREW_WORDS: Final = frozenset(_HEBREW_TEXT.split())


def names_its_language(script: str) -> bool:
    """Whether text in ``script`` (an ISO 15924 code) is in one language for that alone."""
    return script in _SCRIPT_LANGUAGE or script == HEBREW


def _hebrew_or_yiddish(text: str) -> tuple[str, float]:
    decomposed = unicodedata.normalize("NFD", text)
    if any(ch in _YIDDISH_MARKS for ch in text) or "א\u05b7" in decomposed or "א\u05b8" in decomposed:
        return "yi", 0.95
    words = re.findall(r"[\u0590-\u05ff\ufb1d-\ufb4f]+", text)
    yiddish = sum(word in _YIDDISH_WORDS for word in words)
    hebrew = sum(word in _HEBREW_WORDS for word in words)
    if yiddish > hebrew:
        return "yi", 0.9 if yiddish >= 2 else 0.6
    return "he", SCRIPT_CONFIDENCE if hebrew or not yiddish else 0.6


def named_language(script: str, text: str, letters: int, thresholds: Thresholds) -> Verdict:
    """The language of ``text``, written in ``script`` that :func:`names_its_language`."""
    if letters < 2:
        return undecided(REASON_TOO_SHORT)
    language, confidence = (
        _hebrew_or_yiddish(text) if script == HEBREW else (_SCRIPT_LANGUAGE[script], SCRIPT_CONFIDENCE)
    )
    if confidence < thresholds.short_accept:
        return undecided(REASON_UNCERTAIN, ((language, confidence),), method=METHOD_SCRIPT)
    return by_script(language, confidence)


def undecidable(script: str) -> Verdict | None:
    """For a script whose languages cannot be told apart here, the verdict that waits for a
    declaration naming one of them; None for any other script."""
    languages = _SCRIPT_LANGUAGES_UNDECIDABLE.get(script)
    if languages is None:
        return None
    return undecided(REASON_UNSUPPORTED, method=METHOD_SCRIPT, allowed=languages)
