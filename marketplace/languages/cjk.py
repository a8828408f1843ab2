"""Chinese, Japanese or Korean, from the CJK letters of a text.

Hangul is Korean and kana is Japanese, however short the text. Han-only text is Chinese or Japanese
by *which* character forms it uses (see :mod:`marketplace.languages.hanzi`): Simplified-only forms,
Traditional-only forms, Japanese-only forms (shinjitai, kokuji). Characters all three write alike
(設定) are not guessed: the model is asked whether the words read as Chinese or as Japanese, and only
a near-certain answer counts; otherwise the text is *ambiguous* and a declaration may choose.
"""

from __future__ import annotations

from typing import Final

from marketplace.languages import hanzi
from marketplace.languages.result import METHOD_SCRIPT, REASON_AMBIGUOUS, REASON_MIXED, REASON_TOO_SHORT
from marketplace.languages.script_rules import SCRIPT_CONFIDENCE
from marketplace.languages.scripts import HAN, HANGUL, HIRAGANA, KATAKANA, script_of, script_profile
from marketplace.languages.statistical_models import MODELS
from marketplace.languages.thresholds import Thresholds
from marketplace.languages.verdict import Verdict, by_script, undecided

_CHINESE_LABELS: Final = ("zh", "yue", "wuu")


def _han_forms(han_chars: list[str], kana: int) -> list[str]:
    """Languages the Han characters' forms allow: zh-Hans, zh-Hant and/or ja."""
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
    if not_japanese == 0 and kana == 0 and len(han_chars) < 15:
        # All characters are ones Japanese writes too; a short kanji-only label may be Japanese.
        allowed.append("ja")
    elif japanese_only and not_japanese <= japanese_only:
        allowed.append("ja")
    return allowed


def _ask_model(text: str, allowed: list[str], thresholds: Thresholds) -> list[str]:
    """Shared characters: the model decides Chinese against Japanese only when near-certain."""
    if "ja" not in allowed or len(allowed) == 1:
        return allowed
    model = MODELS.identifier()
    scores = model.as_dict(model.probabilities(text))
    if sum(scores.get(label, 0.0) for label in _CHINESE_LABELS) >= thresholds.han_model_accept:
        return [code for code in allowed if code != "ja"]
    if scores.get("ja", 0.0) >= thresholds.han_model_accept:
        return ["ja"]
    return allowed


def _evidence(language: str, han_chars: list[str], kana: int) -> int:
    """How many characters only ``language`` writes this way."""
    if language == "zh-Hans":
        return sum(ch in hanzi.SIMPLIFIED_ONLY for ch in han_chars)
    if language == "zh-Hant":
        return sum(ch in hanzi.TRADITIONAL_ONLY for ch in han_chars)
    return sum(ch in hanzi.JAPANESE_ONLY for ch in han_chars) + kana


def _han_verdict(text: str, han_chars: list[str], kana: int, thresholds: Thresholds) -> Verdict:
    allowed = _ask_model(text, _han_forms(han_chars, kana), thresholds)
    if len(allowed) == 1:
        return by_script(allowed[0], 1.0 - 0.5 ** (_evidence(allowed[0], han_chars, kana) + 2))
    if not allowed:
        return undecided(REASON_MIXED, (("zh-Hans", 0.34), ("zh-Hant", 0.33), ("ja", 0.33)))
    share = round(1.0 / len(allowed), 4)
    return undecided(
        REASON_AMBIGUOUS,
        tuple((code, share) for code in allowed),
        method=METHOD_SCRIPT,
        allowed=tuple(allowed),
    )


def cjk_language(text: str, thresholds: Thresholds) -> Verdict:
    """The language of ``text``, written (almost) only in Han, kana and Hangul."""
    profile = script_profile(text)
    kana = profile.count(HIRAGANA) + profile.count(KATAKANA)
    hangul = profile.count(HANGUL)
    han_chars = [ch for ch in text if script_of(ch) == HAN]
    han = len(han_chars)
    if hangul and kana and min(hangul, kana) * 4 > max(hangul, kana):
        return undecided(REASON_MIXED, (("ko", 0.5), ("ja", 0.5)))
    if hangul * 2 >= han + kana and hangul >= 2:
        return by_script("ko", SCRIPT_CONFIDENCE)
    if kana >= 2 and kana * 10 >= kana + han:
        return by_script("ja", SCRIPT_CONFIDENCE)
    if han < 2:
        return undecided(REASON_TOO_SHORT)
    return _han_verdict(text, han_chars, kana, thresholds)
