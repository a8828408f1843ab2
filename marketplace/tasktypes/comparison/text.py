"""Edit distance, word and character error rates, and per-language transcript normalisation.

Error rate (NIST sclite; Jurafsky & Martin, *Speech and Language Processing*, 3rd ed., §16.5)::

    ER = (S + D + I) / N        N = H + S + D, the length of the reference (the gold transcript)

over words (WER) or characters (CER), with S, D, I the substitutions, deletions and insertions of a
minimum-cost Levenshtein alignment (Levenshtein 1966; Wagner & Fischer 1974) and H its hits. ER can
exceed 1 when the hypothesis is much longer than the reference.

Both texts are normalised first, so that what counts is what was said, not how it was typed. The
steps are in :func:`normalize_transcript`. Languages written without spaces between words (Chinese,
Japanese, Thai, Lao, Khmer, Burmese, Tibetan) have no words to count: they are scored by CER over
their characters with all whitespace removed, as the usual Mandarin and Japanese benchmarks do
(AISHELL, CSJ). CER forced on a language written with spaces counts the spaces between words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np

from marketplace.languages.codes import primary_subtag
from marketplace.languages.scripts import script_profile

Unit = Literal["word", "character"]

#: Primary subtags of languages written without spaces between words: scored by CER.
#: Chinese under its macrolanguage and individual codes (Mandarin, Cantonese, Wu, Hakka, Min Nan,
#: Gan, Xiang, Literary Chinese), Japanese, Thai, Lao, Khmer, Burmese, Tibetan and Dzongkha.
CHARACTER_RATE_LANGUAGES: Final = frozenset(
    {"zh", "cmn", "yue", "wuu", "hak", "nan", "gan", "hsn", "lzh", "ja", "th", "lo", "km", "my", "bo", "dz"}
)
#: ISO 15924 scripts written without spaces; decide the unit when the language is not known.
_UNSPACED_SCRIPTS: Final = frozenset({"Hani", "Hira", "Kana", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})

#: Languages whose dotted and dotless i need Turkish casing (I ↔ ı, İ ↔ i) before casefolding.
_TURKIC_CASING: Final = frozenset({"tr", "az", "crh", "gag", "tt", "kk"})
#: Arabic (macrolanguage and the dialect codes annotators meet): alef forms and alef maksura unified.
_ARABIC: Final = frozenset(
    {"ar", "arb", "arz", "apc", "ajp", "acm", "afb", "ary", "aeb", "arq", "ayl", "apd"}
)
#: Persian, Urdu, Pashto...: Arabic yeh and kaf written for the Persian letters are the same letters.
_PERSO_ARABIC: Final = frozenset({"fa", "prs", "pes", "ur", "ps", "sd", "ckb", "ku", "bal"})

_ALEF_FORMS: Final = str.maketrans(dict.fromkeys("أإآٱ", "ا"))
_ARABIC_LETTERS: Final = str.maketrans({"ى": "ي"})  # alef maksura written for final yeh
_PERSIAN_LETTERS: Final = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_TURKIC_UPPER_I: Final = str.maketrans({"I": "ı", "İ": "i"})
_TATWEEL: Final = "\u0640"
#: Apostrophes that join the parts of a word (don't, l'homme, Ng'ang'a) when written between letters.
_APOSTROPHES: Final = frozenset("'\u2019")


def _is_optional_mark(char: str) -> bool:
    """Arabic tashkeel (harakat, tanwin, shadda, sukun, dagger alef, Quranic marks) and Hebrew niqqud
    and cantillation: written in teaching and religious texts, left out in everyday writing."""
    code = ord(char)
    if unicodedata.category(char) != "Mn":
        return False
    return (
        0x0591 <= code <= 0x05C7
        or 0x0610 <= code <= 0x061A
        or 0x064B <= code <= 0x065F
        or (code == 0x0670 or 0x06D6 <= code <= 0x06ED)
    )


def normalize_transcript(text: str, language: str | None = None) -> str:
    """``text`` reduced to what an error rate should compare, for the BCP 47 ``language``.

    Steps, in order:

    1. Unicode NFKC (full-width Latin and digits, half-width katakana, ligatures, compatibility forms).
    2. Turkish-family languages: ``I`` → ``ı`` and ``İ`` → ``i`` (so casefolding keeps the distinction).
    3. Casefold (``ß`` → ``ss``, final sigma ``ς`` → ``σ``).
    4. Remove format characters (Unicode ``Cf``: zero-width (non-)joiners, bidi marks, soft hyphens),
       Arabic tatweel, Arabic tashkeel and Hebrew niqqud (optional marks; other scripts' combining marks,
       such as Indic vowel signs or Latin accents, are spelling and stay).
    5. Arabic: alef with hamza or madda and alef wasla → bare alef, alef maksura → yeh. Persian, Urdu and
       other Perso-Arabic orthographies: Arabic yeh and kaf → Persian yeh and keheh.
    6. Every decimal digit (``Nd``: Arabic-Indic, Devanagari...) → its ASCII digit.
    7. Punctuation (Unicode ``P*``) → space, except an apostrophe between two letters, kept as ``'``.
    8. Whitespace runs → one space, trimmed.
    """
    lang = primary_subtag(language) if language else ""
    text = unicodedata.normalize("NFKC", text)
    if lang in _TURKIC_CASING:
        text = text.translate(_TURKIC_UPPER_I)
    text = text.casefold()
    text = "".join(
        char
        for char in text
        if char != _TATWEEL and unicodedata.category(char) != "Cf" and not _is_optional_mark(char)
    )
    if lang in _ARABIC:
        text = text.translate(_ALEF_FORMS).translate(_ARABIC_LETTERS)
    elif lang in _PERSO_ARABIC:
        text = text.translate(_PERSIAN_LETTERS)
    kept: list[str] = []
    for i, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Nd":
            kept.append(str(unicodedata.decimal(char)))
        elif category.startswith("P"):
            between_letters = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
            kept.append("'" if char in _APOSTROPHES and between_letters else " ")
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def transcript_unit(language: str | None, reference: str = "") -> Unit:
    """``"character"`` for languages written without spaces, else ``"word"``.

    Decided by the primary subtag of ``language``; when there is no language (or ``und``), by the
    main script of the ``reference`` text.
    """
    lang = primary_subtag(language) if language else ""
    if lang and lang != "und":
        return "character" if lang in CHARACTER_RATE_LANGUAGES else "word"
    return "character" if script_profile(reference).main in _UNSPACED_SCRIPTS else "word"


def tokenize(normalized: str, unit: Unit, *, keep_spaces: bool = False) -> list[str]:
    """Words (split on spaces), or characters: with the spaces between words kept as characters
    (CER of a spaced language, as jiwer computes it) or dropped (languages without spaces, where a
    space is the annotator's choice, not the language's)."""
    if unit == "word":
        return normalized.split()
    return [char for char in normalized if keep_spaces or not char.isspace()]


@dataclass(frozen=True, slots=True)
class EditCounts:
    """The outcome of aligning a hypothesis against a reference, one count per kind of step."""

    hits: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        """S + D + I: the Levenshtein distance."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def reference_length(self) -> int:
        """N = H + S + D."""
        return self.hits + self.substitutions + self.deletions

    @property
    def hypothesis_length(self) -> int:
        return self.hits + self.substitutions + self.insertions

    @property
    def error_rate(self) -> float:
        """(S + D + I) / N; for an empty reference 0 when the hypothesis is empty too, else 1."""
        if self.reference_length == 0:
            return 0.0 if self.hypothesis_length == 0 else 1.0
        return self.errors / self.reference_length


def edit_counts(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> EditCounts:
    """Align ``hypothesis`` to ``reference`` with unit-cost Levenshtein steps and count each kind.

    Among the alignments of minimum cost, one with the most hits is chosen (so the S/D/I split is
    deterministic; the total is the Levenshtein distance whatever the tie-break). Both criteria are
    folded into one integer cost, ``errors * B - hits`` with ``B`` greater than any hit count, and
    the Wagner–Fischer table is filled one row at a time with numpy: a row's substitutions and
    deletions come from the row above, and its insertions (a run along the row) are a running
    minimum, ``D[j] = j·B + min_{k≤j}(A[k] − k·B)``. Memory is two rows; time O(N·M) in C.
    """
    n, m = len(reference), len(hypothesis)
    if n == 0 or m == 0:
        return EditCounts(hits=0, substitutions=0, deletions=n, insertions=m)
    ids: dict[Hashable, int] = {}
    ref = np.array([ids.setdefault(token, len(ids)) for token in reference], dtype=np.int64)
    hyp = np.array([ids.setdefault(token, len(ids)) for token in hypothesis], dtype=np.int64)
    big = n + m + 1
    steps = np.arange(m + 1, dtype=np.int64) * big
    row = steps.copy()  # aligning nothing of the reference: j insertions
    best = np.empty(m + 1, dtype=np.int64)
    for i in range(n):
        step_cost = np.where(hyp == ref[i], -1, big)
        best[0] = (i + 1) * big
        np.minimum(row[:-1] + step_cost, row[1:] + big, out=best[1:])
        row = np.minimum.accumulate(best - steps) + steps
    final = int(row[m])
    errors = -(-final // big)
    hits = errors * big - final
    substitutions = n + m - 2 * hits - errors
    return EditCounts(
        hits=hits,
        substitutions=substitutions,
        deletions=n - hits - substitutions,
        insertions=m - hits - substitutions,
    )


def error_counts(
    reference: str, hypothesis: str, language: str | None = None, unit: Unit | None = None
) -> tuple[Unit, EditCounts]:
    """Normalise both texts for ``language`` and align them by ``unit`` (chosen from the language
    when None): the unit used and the counts, whose ``error_rate`` is the WER or CER.

    Spaces count as characters only when CER is forced on a language written with spaces.
    """
    ref_text = normalize_transcript(reference, language)
    hyp_text = normalize_transcript(hypothesis, language)
    natural = transcript_unit(language, ref_text)
    chosen: Unit = unit or natural
    keep_spaces = natural == "word"
    return chosen, edit_counts(
        tokenize(ref_text, chosen, keep_spaces=keep_spaces),
        tokenize(hyp_text, chosen, keep_spaces=keep_spaces),
    )
