"""Which language an item's text is in, and whether that is sure enough to route it without a person.

An item must reach native speakers of its language, so the costly error is a *confident wrong answer*:
it sends the item to people who cannot read it. An unsure answer costs far less: the item waits in the
ops triage queue. Every step below is therefore built to say "I don't know" rather than guess.
(Items that are not text, audio or images, take the declared language: that is the caller's rule.)

This module is the pipeline; each step is a module of its own. Cheapest and surest first:

1. **Clean** the text (:mod:`~marketplace.languages.cleaning`): URLs, e-mail addresses, mentions,
   markup, placeholders, numbers, symbols and emoji say nothing about the language.
2. **Scripts.** Count letters per writing system. Two substantial scripts of different languages
   make the item *mixed* (:mod:`~marketplace.languages.mixing`). A script that names its language
   decides outright, even for two letters (:mod:`~marketplace.languages.script_rules`); Han, kana and
   Hangul are :mod:`~marketplace.languages.cjk`'s. Scripts whose languages no model here tells apart
   (Ethiopic: Amharic, Tigrinya...) need the client's declaration.
3. **Model** (:mod:`~marketplace.languages.model_decision`). Shared scripts (Latin, Cyrillic, Arabic,
   Devanagari, Bengali...) go to py3langid; its labels become routable tags
   (:mod:`~marketplace.languages.labels`: dialects fold into their language, languages official
   nowhere get a smaller prior). The answer is accepted above a probability that depends on the
   length, and a higher one when the runner-up is a close relative
   (:mod:`~marketplace.languages.close_languages`). Long texts are also scored sentence by sentence:
   sentences surely in unrelated languages make the text *mixed*.
4. **Second opinion.** Just below the bar, langdetect is asked, and the answer stands only if both
   agree (:mod:`~marketplace.languages.statistical_models`).
5. **Hint** (:mod:`~marketplace.languages.hints`). The client's declared language confirms, refines
   (``pt`` → ``pt-BR``) or contradicts the detection; a close relative in a written form the model
   has no label for (Shahmukhi Punjabi read as Urdu) is a close pair and is routed as declared.

Detected tags name the text's script wherever the language has more than one (``sr-Latn``,
``zh-Hant``, ``uz-Arab``: :mod:`~marketplace.languages.script_tags`), since readers are matched on it.

Measured (``benchmarks/language_detection.py``, gettext translations in 54 languages, evaluation
half): misroutes 0.29% of short texts (5-60 characters) while routing 66%, 0.16% of long ones while
routing 95%, at 14 times plain langdetect's speed; plain langdetect gated at p ≥ 0.9 misroutes 11.3%
and 2.1%. Thresholds (:mod:`~marketplace.languages.thresholds`) were tuned on the other, seeded half.

Choices worth knowing:

* A text too short to judge goes to triage even with a declaration (``reason="too_short"``,
  ``language=None``). Three letters cannot confirm a declaration, and routing on an unchecked one is
  the error this module exists to avoid; the triage screen still shows the declared language.
* Repeatability: no randomness (langdetect runs on a private factory with a fixed seed), candidates
  are sorted by probability then by code, models load once per process behind a lock.
* Importing this module loads no model and not numpy: the first detection does (about a second),
  or :func:`~marketplace.languages.statistical_models.warm_up` at a worker's start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from marketplace.languages.cjk import cjk_language
from marketplace.languages.cleaning import clean_text
from marketplace.languages.hints import apply_hint, declared_tag
from marketplace.languages.mixing import ScriptMix, mixed_scripts, only, script_mix
from marketplace.languages.model_decision import model_language
from marketplace.languages.result import REASON_EMPTY, REASON_MIXED, DetectionResult
from marketplace.languages.script_rules import named_language, names_its_language, undecidable
from marketplace.languages.scripts import CJK, LATIN
from marketplace.languages.thresholds import DEFAULT_THRESHOLDS, Thresholds
from marketplace.languages.verdict import Verdict, undecided


def _decide_script(family: str, text: str, letters: int, thresholds: Thresholds) -> Verdict:
    """The language of ``text``, written (almost) only in the script family ``family``."""
    if family == CJK:
        return cjk_language(text, thresholds)
    if names_its_language(family):
        return named_language(family, text, letters, thresholds)
    return undecidable(family) or model_language(text, family, letters, thresholds)


def _mixed(cleaned: str, mix: ScriptMix, families: tuple[str, str], thresholds: Thresholds) -> Verdict:
    """The *mixed* verdict, each family's likeliest language with its share of the text."""
    candidates = []
    for family in families:
        guess = _decide_script(family, only(cleaned, family), mix.letters[family], thresholds)
        label = guess.candidates[0][0] if guess.candidates else family
        candidates.append((label, mix.share(family)))
    return undecided(REASON_MIXED, tuple(candidates))


def _decide(text: str, thresholds: Thresholds) -> Verdict:
    cleaned = clean_text(text)
    mix = script_mix(cleaned)
    if not mix.letters:
        return undecided(REASON_EMPTY)
    if len(mix.letters) == 1:
        (main,) = mix.letters
        return _decide_script(main, cleaned, mix.letters[main], thresholds)
    mixed = mixed_scripts(mix, thresholds)
    if mixed:
        return _mixed(cleaned, mix, mixed, thresholds)
    main = mix.main
    # Latin words in a Cyrillic or Arabic text are mostly names and brands: leave them out there.
    body = cleaned if main == LATIN else only(cleaned, main)
    return _decide_script(main, body, mix.letters[main], thresholds)


class LanguageDetector:
    """Detection with a given set of thresholds (the benchmark tunes them; the app uses the default)."""

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds

    def detect(self, text: str, hint: str | None = None) -> DetectionResult:
        return apply_hint(_decide(text or "", self.thresholds), declared_tag(hint), self.thresholds)

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
