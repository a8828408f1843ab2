"""Code-mixed text: whether two languages each hold a substantial part of one text.

An item half in English and half in Hindi must not be routed as either: half its readers could not
read it. It goes to triage as *mixed*. Two checks find it:

* by script: a second substantial script of another language (English with Hindi in Devanagari).
  Latin names and brands inside another script ("GNOME", "Firefox") do not count: there only
  running lowercase Latin words do, and only once they are a substantial share;
* by sentence, within one script: long texts are also scored sentence by sentence, and sentences
  surely in unrelated languages (Spanish, then English) make the text mixed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from marketplace.languages.cleaning import FAMILY_OF, collapse_spaces
from marketplace.languages.close_languages import close
from marketplace.languages.labels import rank
from marketplace.languages.scripts import CJK, LATIN
from marketplace.languages.thresholds import Thresholds

if TYPE_CHECKING:
    from marketplace.languages.langid_model import Scores

_LATIN_WORD: Final = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]+")
_SENTENCE_END: Final = re.compile(r"(?<=[.!?;。！？؟।])\s+|\n+")
MIN_SENTENCE: Final = 20
"""Characters a sentence needs before its language is worth asking for a mixed-text check."""


# --- by script -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScriptMix:
    """How much of a cleaned text each script family holds."""

    letters: dict[str, int]
    #: Evidence per family: a CJK character carries about a syllable, two or three Latin letters' worth.
    weight: dict[str, float]
    #: Weight of what reads as running text. For Latin only lowercase words count: the Latin inside
    #: other scripts is mostly names, brands and acronyms ("GNOME", "SQL", "Firefox").
    text_weight: dict[str, float]

    @property
    def main(self) -> str:
        return max(self.letters, key=lambda f: (self.text_weight[f], self.weight[f], f))

    @property
    def total(self) -> float:
        return sum(self.weight.values())

    def share(self, family: str) -> float:
        return round(self.weight[family] / self.total, 4)


def script_mix(cleaned: str) -> ScriptMix:
    """The script families of a text :func:`~marketplace.languages.cleaning.clean_text` returned."""
    letters = Counter(map(FAMILY_OF.__getitem__, cleaned))
    del letters[""]
    weight = {family: count * (2.0 if family == CJK else 1.0) for family, count in letters.items()}
    text_weight = dict(weight)
    if LATIN in letters and len(letters) > 1:
        text_weight[LATIN] = float(sum(len(word) for word in _LATIN_WORD.findall(cleaned) if word.islower()))
    return ScriptMix(dict(letters), weight, text_weight)


def only(cleaned: str, family: str) -> str:
    """The text with the letters of other script families blanked out."""
    return collapse_spaces("".join(char if FAMILY_OF[char] in (family, "") else " " for char in cleaned))


def mixed_scripts(mix: ScriptMix, thresholds: Thresholds) -> tuple[str, str] | None:
    """The two script families that make the text mixed, or None.

    A second script in Latin text is a second language as soon as it is a word or so long (English
    with a Hindi phrase); Latin inside another script is usually names and brands, so there only
    running lowercase words count, and only once they are a substantial share.
    """
    main, total = mix.main, mix.total
    for family in sorted(mix.letters, key=lambda f: (-mix.weight[f], f)):
        if family == main:
            continue
        letters, weight = mix.letters[family], mix.weight[family]
        if main == LATIN and weight >= thresholds.foreign_letters:
            return main, family
        if family == LATIN and mix.text_weight[family] >= thresholds.latin_in_other * total:
            return main, family
        if (
            family != LATIN
            and weight >= thresholds.mixed_share * total
            and letters >= thresholds.foreign_letters
        ):
            return main, family
    return None


# --- by sentence -----------------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    return _SENTENCE_END.split(text)


def mixed_sentences(
    sentences: list[tuple[str, Scores | None]],
    total: int,
    script: str,
    thresholds: Thresholds,
) -> tuple[tuple[str, float], ...] | None:
    """Sentences surely in unrelated languages (Spanish, then English) make the text mixed.

    ``sentences`` are the long enough ones with their probabilities, ``total`` the text's length.
    Returns the two main languages with their shares of the text, or None."""
    size_by_language: dict[str, int] = {}
    for sentence, probabilities in sentences:
        ranked = rank(probabilities, script, thresholds)
        if ranked and ranked[0][1] >= thresholds.mixed_segment:
            size_by_language[ranked[0][0]] = size_by_language.get(ranked[0][0], 0) + len(sentence)
    if len(size_by_language) < 2:
        return None
    ordered = sorted(size_by_language.items(), key=lambda item: (-item[1], item[0]))
    (first, first_size), (second, second_size) = ordered[0], ordered[1]
    if close(first, second) or second_size < thresholds.mixed_share * total:
        return None
    return ((first, round(first_size / total, 4)), (second, round(second_size / total, 4)))
