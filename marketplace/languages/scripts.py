"""Which writing system each letter of a text belongs to.

Some scripts name their language outright (Hangul is Korean, Georgian is Georgian), others are shared
by many (Latin, Cyrillic, Arabic, Devanagari). Detection looks at the script mix first: it is exact,
it needs no model, and it works on texts far too short for any statistical model.

Scripts are named by their ISO 15924 codes, the same codes BCP 47 uses as script subtags, so a
detected script can be appended to a language tag as it is (``sr`` + ``Latn`` → ``sr-Latn``).

The table lists Unicode blocks rather than the exact ``Scripts.txt`` property: blocks are stable, a
few hundred bytes instead of a generated file, and the handful of characters a block shares with
another script (Coptic letters in the Greek block) do not change which language a text is in.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Final

LATIN: Final = "Latn"
GREEK: Final = "Grek"
CYRILLIC: Final = "Cyrl"
ARMENIAN: Final = "Armn"
HEBREW: Final = "Hebr"
ARABIC: Final = "Arab"
DEVANAGARI: Final = "Deva"
BENGALI: Final = "Beng"
THAI: Final = "Thai"
GEORGIAN: Final = "Geor"
HANGUL: Final = "Hang"
HIRAGANA: Final = "Hira"
KATAKANA: Final = "Kana"
HAN: Final = "Hani"
BOPOMOFO: Final = "Bopo"

#: Han, kana, Hangul and Bopomofo counted as one: Japanese mixes kanji and kana, Korean may use hanja.
CJK: Final = "CJK"
_CJK_SCRIPTS: Final = frozenset({HAN, HIRAGANA, KATAKANA, HANGUL, BOPOMOFO})

#: (first code point, last code point, ISO 15924 code), sorted and non-overlapping.
_BLOCKS: Final[tuple[tuple[int, int, str], ...]] = (
    (0x0041, 0x005A, LATIN),
    (0x0061, 0x007A, LATIN),
    (0x00AA, 0x00AA, LATIN),
    (0x00BA, 0x00BA, LATIN),
    (0x00C0, 0x02AF, LATIN),
    (0x0370, 0x03FF, GREEK),
    (0x0400, 0x052F, CYRILLIC),
    (0x0530, 0x058F, ARMENIAN),
    (0x0590, 0x05FF, HEBREW),
    (0x0600, 0x06FF, ARABIC),
    (0x0700, 0x074F, "Syrc"),
    (0x0750, 0x077F, ARABIC),
    (0x0780, 0x07BF, "Thaa"),
    (0x07C0, 0x07FF, "Nkoo"),
    (0x08A0, 0x08FF, ARABIC),
    (0x0900, 0x097F, DEVANAGARI),
    (0x0980, 0x09FF, BENGALI),
    (0x0A00, 0x0A7F, "Guru"),
    (0x0A80, 0x0AFF, "Gujr"),
    (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"),
    (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"),
    (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, THAI),
    (0x0E80, 0x0EFF, "Laoo"),
    (0x0F00, 0x0FFF, "Tibt"),
    (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, GEORGIAN),
    (0x1100, 0x11FF, HANGUL),
    (0x1200, 0x139F, "Ethi"),
    (0x13A0, 0x13FF, "Cher"),
    (0x1400, 0x167F, "Cans"),
    (0x1780, 0x17FF, "Khmr"),
    (0x1800, 0x18AF, "Mong"),
    (0x18B0, 0x18FF, "Cans"),
    (0x19E0, 0x19FF, "Khmr"),
    (0x1C80, 0x1C8F, CYRILLIC),
    (0x1C90, 0x1CBF, GEORGIAN),
    (0x1D00, 0x1DBF, LATIN),
    (0x1E00, 0x1EFF, LATIN),
    (0x1F00, 0x1FFF, GREEK),
    (0x2C60, 0x2C7F, LATIN),
    (0x2D00, 0x2D2F, GEORGIAN),
    (0x2D30, 0x2D7F, "Tfng"),
    (0x2D80, 0x2DDF, "Ethi"),
    (0x2DE0, 0x2DFF, CYRILLIC),
    (0x3005, 0x3007, HAN),
    (0x3021, 0x3029, HAN),
    (0x3038, 0x303B, HAN),
    (0x3041, 0x309F, HIRAGANA),
    (0x30A0, 0x30FF, KATAKANA),
    (0x3105, 0x312F, BOPOMOFO),
    (0x3131, 0x318F, HANGUL),
    (0x31A0, 0x31BF, BOPOMOFO),
    (0x31F0, 0x31FF, KATAKANA),
    (0x3400, 0x4DBF, HAN),
    (0x4E00, 0x9FFF, HAN),
    (0xA640, 0xA69F, CYRILLIC),
    (0xA720, 0xA7FF, LATIN),
    (0xA960, 0xA97F, HANGUL),
    (0xAB30, 0xAB6F, LATIN),
    (0xAB70, 0xABBF, "Cher"),
    (0xAC00, 0xD7FF, HANGUL),
    (0xF900, 0xFAFF, HAN),
    (0xFB00, 0xFB06, LATIN),
    (0xFB13, 0xFB17, ARMENIAN),
    (0xFB1D, 0xFB4F, HEBREW),
    (0xFB50, 0xFDFF, ARABIC),
    (0xFE70, 0xFEFF, ARABIC),
    (0xFF21, 0xFF3A, LATIN),
    (0xFF41, 0xFF5A, LATIN),
    (0xFF66, 0xFF9F, KATAKANA),
    (0xFFA0, 0xFFDC, HANGUL),
    (0x20000, 0x3134F, HAN),
)
_STARTS: Final = tuple(first for first, _, _ in _BLOCKS)


@cache
def script_of(char: str) -> str | None:
    """The ISO 15924 code of a letter (or combining mark) ``char``, None for anything else.

    Digits, punctuation, symbols and spaces carry no script: they are shared by every language.
    Combining marks count because Indic vowel signs are marks, and Indic words are full of them.
    """
    if not (char.isalpha() or unicodedata.category(char)[0] == "M"):
        return None
    code = ord(char)
    index = bisect_right(_STARTS, code) - 1
    if index >= 0:
        first, last, script = _BLOCKS[index]
        if first <= code <= last:
            return script
    return None


@dataclass(frozen=True, slots=True)
class ScriptProfile:
    """How many letters of each script a text has, most frequent first (ties by code, so stable)."""

    counts: tuple[tuple[str, int], ...]
    letters: int

    @property
    def main(self) -> str | None:
        """The script with the most letters, None for a text without letters."""
        return self.counts[0][0] if self.counts else None

    def count(self, script: str) -> int:
        return dict(self.counts).get(script, 0)

    def share(self, script: str) -> float:
        return self.count(script) / self.letters if self.letters else 0.0


def script_profile(text: str) -> ScriptProfile:
    """Count the letters of ``text`` per script."""
    tally = Counter(script for script in map(script_of, text) if script is not None)
    counts = tuple(sorted(tally.items(), key=lambda item: (-item[1], item[0])))
    return ScriptProfile(counts=counts, letters=sum(tally.values()))


def script_family(script: str) -> str:
    """The script, or :data:`CJK` for the scripts of Chinese, Japanese and Korean: to tell whether a
    text mixes languages, kanji with kana is one writing system, not two."""
    return CJK if script in _CJK_SCRIPTS else script
