"""Which language an item's text is in, and whether that is sure enough to route it without a person.

An item must reach native speakers of its language, so the costly error is a *confident wrong answer*:
it sends the item to people who cannot read it. An unsure answer costs far less: the item waits in the
ops triage queue. Every step below is therefore built to say "I don't know" rather than guess.
(Items that are not text, audio or images, take the declared language: that is the caller's rule.)

The pipeline, cheapest and surest first:

1. **Clean** the text: URLs, e-mail addresses, mentions, markup, placeholders (``%s``, ``{name}``),
   numbers, symbols and emoji say nothing about the language and mislead statistical models.
2. **Scripts.** Count letters per writing system. Two substantial scripts of different languages
   (English with Hindi in Devanagari) make the item *mixed*; Latin names and brands inside another
   script ("GNOME", "Firefox") do not. A script that names its language decides outright, even for
   two letters: Greek, Georgian, Armenian, Hebrew (Yiddish told apart), Thai, Hangul, kana, the Indic
   scripts that serve one language. Han-only text is Chinese or Japanese by *which* character forms
   it uses (see :mod:`marketplace.languages.hanzi`). Scripts whose languages no model here tells
   apart (Ethiopic: Amharic, Tigrinya...) need the client's declaration.
3. **Model.** Shared scripts (Latin, Cyrillic, Arabic, Devanagari, Bengali...) go to py3langid, a
   naive Bayes model shipped inside its package (nothing is downloaded), whose length-aware softmax
   is well calibrated. Dialect labels fold into their language (Egyptian Arabic is Arabic); languages
   official nowhere get a smaller prior. The answer is accepted above a probability that depends on
   the length, and a higher one when the runner-up is a close relative (hr/bs, id/ms, hi/ne, cs/sk,
   da/nb...): those go to triage as *ambiguous* rather than to a guess. Long texts are also scored
   sentence by sentence: sentences surely in unrelated languages make the text *mixed*.
4. **Second opinion.** Just below the bar, langdetect (seeded, so repeatable) is asked, and the
   answer stands only if both agree. A langdetect call costs as much as ~40 detections, so the band
   is narrow and it is asked for one text in ~80.
5. **Hint.** The client's declared language confirms, refines (``pt`` → ``pt-BR``) or contradicts the
   detection: a confident contradiction goes to triage as a *mismatch*; an undecided text whose
   candidates include the declared language with a fair probability takes it (``method="hint"``).

Measured (``benchmarks/language_detection.py``, gettext translations in 54 languages, evaluation
half): misroutes 0.29% of short texts (5-60 characters) while routing 66%, 0.16% of long ones while
routing 95%, at 14 times plain langdetect's speed; plain langdetect gated at p ≥ 0.9 misroutes 11.3%
and 2.1%. Thresholds were tuned on the other, seeded half.

Choices worth knowing:

* A text too short to judge goes to triage even with a declaration (``reason="too_short"``,
  ``language=None``). Three letters cannot confirm a declaration, and routing on an unchecked one is
  the error this module exists to avoid; the triage screen still shows the declared language.
* Repeatability: no randomness (langdetect runs on a private factory with a fixed seed), candidates
  are sorted by probability then by code, models load once per process behind a lock.
* Importing this module loads no model and not numpy: the first detection does (about a second),
  or :func:`warm_up` at a worker's start.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from babel.core import get_global

from marketplace.languages import hanzi
from marketplace.languages.codes import UnknownLanguage, normalize_language, primary_subtag
from marketplace.languages.scripts import (
    BOPOMOFO,
    GEORGIAN,
    GREEK,
    HAN,
    HANGUL,
    HEBREW,
    HIRAGANA,
    KATAKANA,
    LATIN,
    THAI,
    script_of,
    script_profile,
)

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

    from marketplace.languages.langid_model import LangidModel, Scores

# Methods: how the answer was reached.
METHOD_SCRIPT: Final = "script"
METHOD_MODEL: Final = "model"
METHOD_MODEL_LANGDETECT: Final = "model+langdetect"
METHOD_HINT: Final = "hint"
METHOD_NONE: Final = "none"

# Reasons an item goes to triage (machine codes, shown translated in the triage UI).
REASON_EMPTY: Final = "empty"
"""Nothing language-like is left once URLs, numbers, markup and symbols are removed."""
REASON_TOO_SHORT: Final = "too_short"
"""Some letters, too few to tell the language."""
REASON_UNCERTAIN: Final = "uncertain"
"""The best candidate is not probable enough."""
REASON_AMBIGUOUS: Final = "ambiguous"
"""Close relatives (hr/bs, id/ms, zh-Hans/zh-Hant/ja on shared characters) cannot be told apart."""
REASON_MIXED: Final = "mixed"
"""Two languages each hold a substantial part of the text."""
REASON_MISMATCH: Final = "mismatch"
"""The text is confidently in another language than the client declared."""
REASON_UNSUPPORTED: Final = "unsupported"
"""The script's languages cannot be told apart here (Ethiopic: Amharic or Tigrinya...)."""


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """The detected language of one text and whether a person must look at it first.

    ``language`` is a normalised BCP 47 tag (Chinese always with its script: ``zh-Hans``/``zh-Hant``)
    or None. When ``needs_triage`` is true the item must not be routed on ``language``: it is then
    only the best guess (the detected language for a mismatch), and ``candidates`` lists the top
    few languages with their probabilities for the triage screen.
    """

    language: str | None
    confidence: float
    method: str
    needs_triage: bool
    reason: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()

    @property
    def routable(self) -> bool:
        return self.language is not None and not self.needs_triage


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The numbers that trade automatic routing against misrouting, tuned on the benchmark corpus.

    Probabilities are the model's after folding dialect labels into their language and weighing
    minor languages down. Texts with fewer than ``long_letters`` letters use the ``short_*`` values.
    Measured on the tuning half: with no close relative as runner-up the model is right ~95% of the
    time from p = 0.5 on; with one (hr/bs, hi/mr/ne, es/gl...) it needs p ≈ 0.75-0.9 for the same.
    """

    min_letters: int = 4
    """Fewer letters (in a shared script) than this is too short for a statistical model."""
    long_letters: int = 60
    short_accept: float = 0.60
    long_accept: float = 0.50
    close_min: float = 0.15
    """A runner-up from the best candidate's close group with this probability makes the call close."""
    short_close_accept: float = 0.75
    """What a close call needs."""
    long_close_accept: float = 0.75
    short_second_opinion_gap: float = 0.05
    """Up to this much below the bar, langdetect is asked, and its agreement lets the answer stand.
    Kept narrow: a call costs as much as ~40 detections, and the band below holds few right answers."""
    long_second_opinion_gap: float = 0.05
    langdetect_agree: float = 0.90
    """langdetect's own probability must reach this for its agreement to count."""
    minor_prior: float = 0.2
    """Prior weight of languages that are official nowhere, against 1 for the others."""
    han_model_accept: float = 0.99
    """Shared Han characters: the model's probability that decides Chinese against Japanese."""
    hint_min: float = 0.40
    """An undecided text takes the declared language when its probability reaches this. Measured on
    the tuning half: a right declaration then routes 78% of short texts instead of 68%, with no
    misroute; a wrong one naming a whole batch's language misroutes 0.01%; the worst case, a wrong
    declaration that is each text's likeliest confusion (hr for Bosnian), misroutes 6% (11% at 0.3,
    18% at 0.2)."""
    mixed_segment: float = 0.90
    """Two sentences detected this surely in different language families make a text mixed."""
    mixed_share: float = 0.20
    """A second script or language with this share of the letters makes a text mixed."""
    foreign_letters: int = 4
    """Letters of a non-Latin script inside Latin text that count as a second language."""
    latin_in_other: float = 0.40
    """Share of running (lowercase) Latin words in a non-Latin text that makes it mixed."""


DEFAULT_THRESHOLDS: Final = Thresholds()

# --------------------------------------------------------------------------------------------
# Text cleaning

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
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------
# Script rules

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
_CJK: Final = frozenset({HAN, HIRAGANA, KATAKANA, HANGUL, BOPOMOFO})
_SCRIPT_CONFIDENCE: Final = 0.99

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


def _hebrew_or_yiddish(text: str) -> tuple[str, float]:
    decomposed = unicodedata.normalize("NFD", text)
    if any(ch in _YIDDISH_MARKS for ch in text) or "א\u05b7" in decomposed or "א\u05b8" in decomposed:
        return "yi", 0.95
    words = re.findall(r"[\u0590-\u05ff\ufb1d-\ufb4f]+", text)
    yiddish = sum(word in _YIDDISH_WORDS for word in words)
    hebrew = sum(word in _HEBREW_WORDS for word in words)
    if yiddish > hebrew:
        return "yi", 0.9 if yiddish >= 2 else 0.6
    return "he", _SCRIPT_CONFIDENCE if hebrew or not yiddish else 0.6


@dataclass(frozen=True, slots=True)
class _Decision:
    """An intermediate answer before the hint is applied."""

    language: str | None
    confidence: float
    method: str
    routed: bool
    reason: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    #: Languages the evidence allows when it cannot choose (zh-Hans/zh-Hant/ja; am/ti...).
    allowed: tuple[str, ...] = ()


def _triage(
    reason: str,
    candidates: tuple[tuple[str, float], ...] = (),
    *,
    method: str = METHOD_NONE,
    allowed: tuple[str, ...] = (),
) -> _Decision:
    """An undecided answer: no language to route on, the candidates for the triage screen."""
    return _Decision(
        language=None,
        confidence=candidates[0][1] if candidates else 0.0,
        method=method,
        routed=False,
        reason=reason,
        candidates=candidates,
        allowed=allowed,
    )


def _han_decision(text: str, kana: int, hangul: int, thresholds: Thresholds) -> _Decision:
    """Chinese, Japanese or Korean from the CJK letters alone."""
    han_chars = [ch for ch in text if script_of(ch) == HAN]
    han = len(han_chars)
    if hangul and kana and min(hangul, kana) * 4 > max(hangul, kana):
        return _triage(REASON_MIXED, (("ko", 0.5), ("ja", 0.5)))
    if hangul * 2 >= han + kana and hangul >= 2:
        return _Decision("ko", _SCRIPT_CONFIDENCE, METHOD_SCRIPT, routed=True, candidates=(("ko", 0.99),))
    if kana >= 2 and kana * 10 >= kana + han:
        return _Decision("ja", _SCRIPT_CONFIDENCE, METHOD_SCRIPT, routed=True, candidates=(("ja", 0.99),))
    if han < 2:
        return _triage(REASON_TOO_SHORT)
    simplified = sum(ch in hanzi.SIMPLIFIED_ONLY for ch in han_chars)
    traditional = sum(ch in hanzi.TRADITIONAL_ONLY for ch in han_chars)
    japanese_only = sum(ch in hanzi.JAPANESE_ONLY for ch in han_chars)
    not_japanese = sum(ch not in hanzi.JAPANESE_KANJI for ch in han_chars)
    allowed: list[str] = []
    if japanese_only == 0:
        if simplified >= 1 and simplified >= 4 * traditional:
            allowed.append("zh-Hans")
        elif traditional >= 1 and traditional >= 4 * simplified:
            allowed.append("zh-Hant")
        elif simplified == traditional == 0:
            allowed += ["zh-Hans", "zh-Hant"]
    if not_japanese == 0 and kana == 0 and han < 15:
        # All characters are ones Japanese writes too; a short kanji-only label may be Japanese.
        allowed.append("ja")
    elif japanese_only and not_japanese <= japanese_only:
        allowed.append("ja")
    if "ja" in allowed and len(allowed) > 1:
        # Shared characters: ask the model whether the words read as Chinese or as Japanese.
        model = _MODELS.identifier()
        scores = model.as_dict(model.probabilities(text))
        chinese = scores.get("zh", 0.0) + scores.get("yue", 0.0) + scores.get("wuu", 0.0)
        if chinese >= thresholds.han_model_accept:
            allowed.remove("ja")
        elif scores.get("ja", 0.0) >= thresholds.han_model_accept:
            allowed = ["ja"]
    if len(allowed) == 1:
        evidence = {"zh-Hans": simplified, "zh-Hant": traditional, "ja": japanese_only + kana}[allowed[0]]
        confidence = 1.0 - 0.5 ** (evidence + 2)
        return _Decision(
            allowed[0], confidence, METHOD_SCRIPT, routed=True, candidates=((allowed[0], confidence),)
        )
    if not allowed:
        return _triage(REASON_MIXED, (("zh-Hans", 0.34), ("zh-Hant", 0.33), ("ja", 0.33)))
    share = round(1.0 / len(allowed), 4)
    return _triage(
        REASON_AMBIGUOUS,
        tuple((code, share) for code in allowed),
        method=METHOD_SCRIPT,
        allowed=tuple(allowed),
    )


# --------------------------------------------------------------------------------------------
# The statistical models

#: Model labels folded into the language a router knows: Arabic dialects are Arabic, py3langid's
#: ``no`` is Bokmål (``nn`` is its own label), Southern Uzbek is Uzbek in Arabic script.
_FOLD: Final = {
    "no": "nb",
    "ary": "ar",
    "arz": "ar",
    "hbo": "he",
    "uzs": "uz-Arab",
    "gug": "gn",
    "fuv": "ff",
    "gom": "kok",
    "kik": "ki",
}
#: Model labels that are no language a person can be a native speaker of, or no BCP 47 tag.
_DROP: Final = frozenset({"zxx", "bcl", "gcf", "gcr", "guw", "la", "vo", "grc", "sa"})

#: Languages close enough that the model confuses their short texts: standard varieties of one
#: language (Serbo-Croatian, Malay) and near neighbours. A runner-up from the best candidate's group
#: raises the bar (``close_min``, ``*_close_accept``); two sentences in one group do not make a text
#: mixed. Pairs the model keeps apart on the tuning half (Bulgarian/Russian, Galician/Portuguese,
#: German/Luxembourgish, Croatian/Slovenian) are deliberately not grouped: grouping costs routing.
_CLOSE_GROUPS: Final = (
    frozenset({"hr", "bs", "sr", "cnr"}),
    frozenset({"bg", "mk", "sr"}),
    frozenset({"ru", "uk", "be", "rue"}),
    frozenset({"id", "ms", "jv", "su"}),
    frozenset({"cs", "sk"}),
    frozenset({"da", "nb", "nn", "no"}),
    frozenset({"es", "gl", "ast", "an", "ext"}),
    frozenset({"ca", "oc"}),
    frozenset({"fr", "wa", "frp"}),
    frozenset({"it", "vec", "lij", "sc", "co", "fur", "nap", "scn"}),
    frozenset({"hi", "mr", "ne", "sa", "kok", "mai", "bho", "new"}),
    frozenset({"bn", "as"}),
    frozenset({"fa", "ur", "ps", "uz", "ku", "ckb", "sdh", "ar", "sd"}),
    frozenset({"nl", "af", "fy", "li"}),
    frozenset({"tl", "fil", "ceb", "ilo", "bik"}),
    frozenset({"et", "fi"}),
    frozenset({"xh", "zu", "ss", "nr"}),
    frozenset({"nso", "st", "tn"}),
    frozenset({"kk", "ky", "tt", "ba"}),
    frozenset({"tr", "az", "tk", "crh"}),
    frozenset({"lv", "ltg"}),
    frozenset({"ga", "gd", "gv"}),
)


@cache
def _groups_of(language: str) -> frozenset[int]:
    primary = primary_subtag(language)
    return frozenset(i for i, group in enumerate(_CLOSE_GROUPS) if primary in group)


def _close(first: str, second: str) -> bool:
    return primary_subtag(first) == primary_subtag(second) or bool(_groups_of(first) & _groups_of(second))


@cache
def _likely_script(language: str) -> str | None:
    likely = get_global("likely_subtags").get(language.replace("-", "_"))
    return likely.split("_")[1] if likely else None


@cache
def _locale_identifiers() -> frozenset[str]:
    from babel.localedata import locale_identifiers

    return frozenset(locale_identifiers())


@cache
def _language_of(label: str) -> str | None:
    """A model label as a routable BCP 47 language (dialects folded), None if it names none."""
    if label in _DROP:
        return None
    try:
        return normalize_language(_FOLD.get(label, label))
    except UnknownLanguage:
        return None


@cache
def _output_tag(label: str, script: str) -> str | None:
    """A model label as the BCP 47 tag a router needs for a text in ``script``: with the script when
    it is not the language's usual one (Serbian in Latin letters is ``sr-Latn``); None for labels
    that name no routable language, or no language CLDR knows in that script (Korean is not written
    in Latin letters: the model saying so is a confusion, not a romanisation)."""
    tag = _language_of(label)
    if tag is None or "-" in tag or _likely_script(tag) in (None, script):
        return tag
    return f"{tag}-{script}" if f"{tag}_{script}" in _locale_identifiers() else None


class _Models:
    """py3langid and langdetect, loaded once per process on first use (the import stays cheap)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._identifier: LangidModel | None = None
        self._langdetect: DetectorFactory | None = None

    def identifier(self) -> LangidModel:
        if self._identifier is None:
            with self._lock:
                if self._identifier is None:
                    from marketplace.languages.langid_model import LangidModel

                    self._identifier = LangidModel()
        return self._identifier

    def langdetect_factory(self) -> DetectorFactory:
        if self._langdetect is None:
            with self._lock:
                if self._langdetect is None:
                    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

                    factory = DetectorFactory()
                    factory.load_profile(PROFILES_DIRECTORY)
                    # A private factory with a fixed seed: every Detector it creates seeds its own
                    # random generator with it, so the answer is the same in every process and
                    # threads never share a generator.
                    factory.set_seed(0)
                    self._langdetect = factory
        return self._langdetect


_MODELS: Final = _Models()
_LANGDETECT_CODES: Final = {"zh-cn": "zh-Hans", "zh-tw": "zh-Hant", "no": "nb"}
_LANGDETECT_TRIALS: Final = 3


#: Official somewhere, yet rare in items and a magnet for its neighbours' texts: the model's Southern
#: Uzbek (Arabic script) label takes short Persian and Urdu texts.
_MINOR_DESPITE_STATUS: Final = frozenset({"uz-Arab"})


@cache
def _is_major(tag: str) -> bool:
    """Official somewhere (nationally or regionally), by CLDR's territory data.

    The model gives every one of its languages the same prior, but an item is far likelier to be in
    Spanish than in Extremaduran or Aragonese; languages official nowhere get a smaller prior
    (``Thresholds.minor_prior``), so their look-alikes do not drain the probability of the language
    the text is almost surely in. A text really in such a language is then sent to triage, or, when
    the client declared it, flagged as a mismatch: a cost in routing, never a silent misroute of a
    declared item.
    """
    if tag in _MINOR_DESPITE_STATUS:
        return False
    primary = {"tl": "fil"}.get(primary_subtag(tag), primary_subtag(tag))
    for languages in get_global("territory_languages").values():
        info = languages.get(primary)
        if info and info.get("official_status") in ("official", "de_facto_official", "official_regional"):
            return True
    return False


_TOP: Final = 8
"""Candidates looked at per text: folding and output only concern the best few."""


@cache
def _label_weights(labels: tuple[str, ...], minor_prior: float) -> tuple[float, ...]:
    """Per model label: 0 if it is no routable language, ``minor_prior`` if official nowhere, else 1."""
    weights = []
    for label in labels:
        tag = _language_of(label)
        weights.append(0.0 if tag is None else 1.0 if _is_major(tag) else minor_prior)
    return tuple(weights)


def _rank(probabilities: Scores | None, script: str, thresholds: Thresholds) -> tuple[tuple[str, float], ...]:
    """The model's candidates as (tag, probability), best first, dialects folded, priors applied."""
    if probabilities is None:
        return ()
    model = _MODELS.identifier()
    merged: dict[str, float] = {}
    for label, probability in model.best(
        probabilities, _label_weights(model.labels, thresholds.minor_prior), _TOP
    ):
        tag = _output_tag(label, script)
        if tag is not None:
            merged[tag] = merged.get(tag, 0.0) + probability
    return tuple(sorted(merged.items(), key=lambda item: (-item[1], item[0])))


def _langdetect(text: str) -> tuple[str, float] | None:
    """langdetect's best guess, or None when it has none."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _MODELS.langdetect_factory().create()
    # Three random walks instead of seven: it halves the cost of the slowest step, and on the tuning
    # half it agreed with the model as often, and as rightly, as with seven.
    detector.n_trial = _LANGDETECT_TRIALS
    detector.append(text)
    try:
        best = detector.get_probabilities()
    except LangDetectException:
        return None
    if not best:
        return None
    code = _LANGDETECT_CODES.get(best[0].lang, best[0].lang)
    return code, float(best[0].prob)


_SENTENCE_END = re.compile(r"(?<=[.!?;。！？؟।])\s+|\n+")
_MIN_SENTENCE = 20
"""Characters a sentence needs before its language is worth asking for a mixed-text check."""


def _mixed_sentences(
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
        ranked = _rank(probabilities, script, thresholds)
        if ranked and ranked[0][1] >= thresholds.mixed_segment:
            size_by_language[ranked[0][0]] = size_by_language.get(ranked[0][0], 0) + len(sentence)
    if len(size_by_language) < 2:
        return None
    ordered = sorted(size_by_language.items(), key=lambda item: (-item[1], item[0]))
    (first, first_size), (second, second_size) = ordered[0], ordered[1]
    if _close(first, second) or second_size < thresholds.mixed_share * total:
        return None
    return ((first, round(first_size / total, 4)), (second, round(second_size / total, 4)))


def _model_decision(text: str, script: str, letters: int, thresholds: Thresholds) -> _Decision:
    if letters < thresholds.min_letters:
        return _triage(REASON_TOO_SHORT)
    model = _MODELS.identifier()
    is_long = letters >= thresholds.long_letters
    sentences = _SENTENCE_END.split(text) if is_long else [text]
    if len(sentences) > 1 and sum(len(sentence) >= _MIN_SENTENCE for sentence in sentences) > 1:
        whole, scored = model.score_sentences(sentences, _MIN_SENTENCE)
        mixed = _mixed_sentences(scored, len(text), script, thresholds)
        if mixed:
            return _triage(REASON_MIXED, mixed)
        ranked = _rank(whole, script, thresholds)
    else:
        ranked = _rank(model.probabilities(text), script, thresholds)
    if not ranked:
        return _triage(REASON_UNCERTAIN)
    top = ranked[:4]
    (best, probability) = ranked[0]
    close = len(ranked) > 1 and _close(best, ranked[1][0]) and ranked[1][1] >= thresholds.close_min
    if close:
        accept = thresholds.long_close_accept if is_long else thresholds.short_close_accept
    else:
        accept = thresholds.long_accept if is_long else thresholds.short_accept
    if probability >= accept:
        return _Decision(best, probability, METHOD_MODEL, routed=True, candidates=top)
    gap = thresholds.long_second_opinion_gap if is_long else thresholds.short_second_opinion_gap
    if gap and probability >= accept - gap:
        other = _langdetect(text)
        if (
            other
            and other[1] >= thresholds.langdetect_agree
            and primary_subtag(other[0]) == primary_subtag(best)
        ):
            confidence = (probability + other[1]) / 2
            return _Decision(best, confidence, METHOD_MODEL_LANGDETECT, routed=True, candidates=top)
    return _triage(REASON_AMBIGUOUS if close else REASON_UNCERTAIN, top, method=METHOD_MODEL)


# --------------------------------------------------------------------------------------------
# Putting it together


def _family(script: str) -> str:
    """Han, kana and Hangul are one family here: Japanese mixes kanji and kana, Korean may use hanja."""
    return "CJK" if script in _CJK else script


#: Per-character facts, learnt once per distinct character: a dict lookup per character is what
#: keeps cleaning and script counting cheap next to the model. Plain dicts: a racing thread can
#: only store the same value twice.
_FAMILY_OF: dict[str, str] = {}
"""Character → script family ("" for anything that is not a letter or mark)."""
_ERASE: dict[int, str | None] = {ord("#"): None}
"""``str.translate`` table: symbols, emoji and control characters → space; ``#`` (hashtags) dropped."""
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]+")


def _learn(text: str) -> None:
    for char in set(text).difference(_FAMILY_OF):
        if unicodedata.category(char)[0] in "SC" and char not in "\t\n\r":
            _ERASE[ord(char)] = " "
        script = script_of(char)
        _FAMILY_OF[char] = _family(script) if script else ""


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
    return _SPACES.sub(" ", text.translate(_ERASE)).strip()


@dataclass(frozen=True, slots=True)
class _ScriptMix:
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


def _script_mix(cleaned: str) -> _ScriptMix:
    letters = Counter(map(_FAMILY_OF.__getitem__, cleaned))
    del letters[""]
    weight = {family: count * (2.0 if family == "CJK" else 1.0) for family, count in letters.items()}
    text_weight = dict(weight)
    if LATIN in letters and len(letters) > 1:
        text_weight[LATIN] = float(sum(len(word) for word in _LATIN_WORD.findall(cleaned) if word.islower()))
    return _ScriptMix(dict(letters), weight, text_weight)


def _only(cleaned: str, family: str) -> str:
    """The text with the letters of other script families blanked out."""
    kept = "".join(char if _FAMILY_OF[char] in (family, "") else " " for char in cleaned)
    return _SPACES.sub(" ", kept).strip()


def _mixed_scripts(mix: _ScriptMix, thresholds: Thresholds) -> tuple[str, str] | None:
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


def _decide(text: str, thresholds: Thresholds) -> _Decision:
    cleaned = clean_text(text)
    mix = _script_mix(cleaned)
    if not mix.letters:
        return _triage(REASON_EMPTY)
    if len(mix.letters) == 1:
        (main,) = mix.letters
        return _decide_script(main, cleaned, mix.letters[main], thresholds)
    mixed = _mixed_scripts(mix, thresholds)
    if mixed:
        candidates = []
        for family in mixed:
            guess = _decide_script(family, _only(cleaned, family), mix.letters[family], thresholds)
            label = guess.candidates[0][0] if guess.candidates else family
            candidates.append((label, round(mix.weight[family] / mix.total, 4)))
        return _triage(REASON_MIXED, tuple(candidates))
    main = mix.main
    # Latin words in a Cyrillic or Arabic text are mostly names and brands: leave them out there.
    body = cleaned if main == LATIN else _only(cleaned, main)
    return _decide_script(main, body, mix.letters[main], thresholds)


def _decide_script(family: str, text: str, letters: int, thresholds: Thresholds) -> _Decision:
    """The language of ``text``, written (almost) only in ``family``."""
    if family == "CJK":
        profile = script_profile(text)
        return _han_decision(
            text, profile.count(HIRAGANA) + profile.count(KATAKANA), profile.count(HANGUL), thresholds
        )
    if family in _SCRIPT_LANGUAGE or family == HEBREW:
        if letters < 2:
            return _triage(REASON_TOO_SHORT)
        language, confidence = (
            _hebrew_or_yiddish(text) if family == HEBREW else (_SCRIPT_LANGUAGE[family], _SCRIPT_CONFIDENCE)
        )
        if confidence < thresholds.short_accept:
            return _triage(REASON_UNCERTAIN, ((language, confidence),), method=METHOD_SCRIPT)
        return _Decision(
            language, confidence, METHOD_SCRIPT, routed=True, candidates=((language, confidence),)
        )
    if family in _SCRIPT_LANGUAGES_UNDECIDABLE:
        return _triage(
            REASON_UNSUPPORTED, method=METHOD_SCRIPT, allowed=_SCRIPT_LANGUAGES_UNDECIDABLE[family]
        )
    return _model_decision(text, family, letters, thresholds)


#: Pairs of codes for one language as people declare it: Norwegian is written as Bokmål, and
#: Filipino is standardised Tagalog.
_SAME_PRIMARY: Final = frozenset({frozenset({"nb", "no"}), frozenset({"fil", "tl"})})


def _subtags(tag: str) -> tuple[str, str | None, str | None]:
    """(language, explicit script, region) of a normalised tag."""
    language, *rest = tag.split("-")
    script = next((part for part in rest if len(part) == 4), None)
    region = next((part for part in rest if len(part) in (2, 3)), None)
    return language, script, region


def _same_language(detected: str, declared: str) -> bool:
    """Whether ``declared`` names the detected language, perhaps more or less precisely.

    The detected tag's script is always known (it is the text's); the declared one only counts when
    spelt out: ``zh`` declared fits Traditional text, ``zh-Hans`` does not.
    """
    language, script, region = _subtags(detected)
    declared_language, declared_script, declared_region = _subtags(declared)
    if language != declared_language and frozenset({language, declared_language}) not in _SAME_PRIMARY:
        return False
    script = script or _likely_script(language)
    if declared_script and script and declared_script != script:
        return False
    return not (region and declared_region and region != declared_region)


def _more_specific(detected: str, declared: str) -> str:
    """One tag from both: ``pt`` + ``pt-BR`` → ``pt-BR``; ``zh-Hant`` + ``zh-HK`` → ``zh-Hant-HK``."""
    language, script, region = _subtags(detected)
    _, declared_script, declared_region = _subtags(declared)
    merged = "-".join(
        part for part in (language, script or declared_script, region or declared_region) if part
    )
    try:
        return normalize_language(merged)
    except UnknownLanguage:
        return detected


def _declared(hint: str | None) -> str | None:
    if not hint:
        return None
    try:
        return normalize_language(hint)
    except UnknownLanguage:
        return None


def _result(
    decision: _Decision,
    *,
    language: str | None = None,
    method: str | None = None,
    needs_triage: bool | None = None,
    reason: str | None = None,
    confidence: float | None = None,
) -> DetectionResult:
    routed = decision.routed if needs_triage is None else not needs_triage
    return DetectionResult(
        language=decision.language if language is None else language,
        confidence=round(decision.confidence if confidence is None else confidence, 4),
        method=method or decision.method,
        needs_triage=not routed,
        reason=None if routed else (reason or decision.reason),
        candidates=tuple((code, round(probability, 4)) for code, probability in decision.candidates),
    )


def _hint_probability(decision: _Decision, declared: str) -> float:
    return max((p for code, p in decision.candidates if _same_language(code, declared)), default=0.0)


def _apply_hint(decision: _Decision, declared: str | None, thresholds: Thresholds) -> DetectionResult:
    """Weigh the client's declared language against what the text says.

    * The text agrees: route, on the more precise tag (``pt`` detected, ``pt-BR`` declared).
    * The text confidently says another language: triage as a *mismatch*, keeping the detected
      language, unless the declared one is a close relative the text also supports (``bs``
      detected at 0.75, ``hr`` declared at 0.2): there the model's close call is the weak part.
    * The text could not decide (uncertain, ambiguous, a script shared by languages the model
      cannot tell apart): a declaration the evidence allows is taken (``method="hint"``).
    * Mixed, empty and too-short texts stay in triage: the text cannot confirm the declaration.
    """
    if declared is None:
        return _result(decision)
    if decision.routed and decision.language is not None:
        if _same_language(decision.language, declared):
            return _result(decision, language=_more_specific(decision.language, declared))
        probability = _hint_probability(decision, declared)
        if _close(decision.language, declared) and probability >= thresholds.hint_min:
            return _result(decision, language=declared, method=METHOD_HINT, confidence=probability)
        return _result(decision, needs_triage=True, reason=REASON_MISMATCH)
    if decision.reason in (REASON_AMBIGUOUS, REASON_UNSUPPORTED, REASON_UNCERTAIN):
        for code in decision.allowed:
            if _same_language(code, declared):
                language = _more_specific(code, declared)
                return _result(decision, language=language, method=METHOD_HINT, needs_triage=False)
        probability = _hint_probability(decision, declared)
        if probability >= thresholds.hint_min:
            code = next(code for code, p in decision.candidates if _same_language(code, declared))
            return _result(
                decision,
                language=_more_specific(code, declared),
                method=METHOD_HINT,
                needs_triage=False,
                confidence=probability,
            )
    return _result(decision)


class LanguageDetector:
    """Detection with a given set of thresholds (the benchmark tunes them; the app uses the default)."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds

    def detect(self, text: str, hint: str | None = None) -> DetectionResult:
        return _apply_hint(_decide(text or "", self.thresholds), _declared(hint), self.thresholds)

    def detect_many(
        self, texts: Iterable[str], hints: Sequence[str | None] | None = None
    ) -> list[DetectionResult]:
        texts = list(texts)
        hints = list(hints) if hints is not None else [None] * len(texts)
        if len(hints) != len(texts):
            raise ValueError("one hint (or None) per text")
        return [self.detect(text, hint) for text, hint in zip(texts, hints, strict=True)]


_DEFAULT_DETECTOR: Final = LanguageDetector()


def detect_language(text: str, hint: str | None = None) -> DetectionResult:
    """The language of ``text``; ``hint`` is the client's declared language (BCP 47), if any.

    An unknown hint is ignored rather than raised: the declaration was validated when the item was
    created, and a job must not fail on it.
    """
    return _DEFAULT_DETECTOR.detect(text, hint)


def detect_languages(
    texts: Iterable[str], hints: Sequence[str | None] | None = None
) -> list[DetectionResult]:
    """:func:`detect_language` for many texts (one hint or None per text)."""
    return _DEFAULT_DETECTOR.detect_many(texts, hints)


def warm_up() -> None:
    """Load the models now (a worker calls this at start so the first item is not slow)."""
    _MODELS.identifier()
    _MODELS.langdetect_factory()
