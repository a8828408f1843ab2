"""Weighing the client's declared language against what the text says.

The declaration confirms, refines (``pt`` → ``pt-BR``) or contradicts the detection: a confident
contradiction goes to triage as a *mismatch*; an undecided text whose candidates include the declared
language with a fair probability takes it (``method="hint"``). A text too short to judge stays in
triage even with a declaration: three letters cannot confirm one, and routing on an unchecked
declaration is the error detection exists to avoid (the triage screen still shows it).

"The declared language names the detected one" is the tag rule of :mod:`marketplace.languages.tags`,
with the detected tag's script spelt out: the text's script is known, so ``zh`` declared fits
Traditional text and ``zh-Hans`` does not.
"""

from __future__ import annotations

from marketplace.languages.close_languages import close
from marketplace.languages.result import (
    METHOD_HINT,
    REASON_AMBIGUOUS,
    REASON_MISMATCH,
    REASON_UNCERTAIN,
    REASON_UNSUPPORTED,
    DetectionResult,
)
from marketplace.languages.tags import (
    UnknownLanguage,
    compatible,
    more_specific,
    normalize_language,
    parse_tag,
    written_tag,
)
from marketplace.languages.thresholds import Thresholds
from marketplace.languages.verdict import Verdict

#: Undecided verdicts a declaration may settle.
_SETTLED_BY_HINT = (REASON_AMBIGUOUS, REASON_UNSUPPORTED, REASON_UNCERTAIN)


def declared_tag(hint: str | None) -> str | None:
    """The normalised declaration, None when there is none or it is no language.

    An unknown hint is ignored rather than raised: the declaration was validated when the item was
    created, and a job must not fail on it.
    """
    if not hint:
        return None
    try:
        return normalize_language(hint)
    except UnknownLanguage:
        return None


def _names(declared: str, detected: str) -> bool:
    """Whether ``declared`` names the detected language, perhaps more or less precisely."""
    return compatible(written_tag(detected), parse_tag(declared))


def _result(
    verdict: Verdict,
    *,
    language: str | None = None,
    method: str | None = None,
    needs_triage: bool | None = None,
    reason: str | None = None,
    confidence: float | None = None,
) -> DetectionResult:
    routed = verdict.routed if needs_triage is None else not needs_triage
    return DetectionResult(
        language=verdict.language if language is None else language,
        confidence=round(verdict.confidence if confidence is None else confidence, 4),
        method=method or verdict.method,
        needs_triage=not routed,
        reason=None if routed else (reason or verdict.reason),
        candidates=tuple((code, round(probability, 4)) for code, probability in verdict.candidates),
    )


def _hint_probability(verdict: Verdict, declared: str) -> float:
    return max((p for code, p in verdict.candidates if _names(declared, code)), default=0.0)


def _routed(verdict: Verdict, detected: str, declared: str, thresholds: Thresholds) -> DetectionResult:
    """A routed verdict: confirmed, refined, overridden by a close relative, or a mismatch."""
    if _names(declared, detected):
        return _result(verdict, language=more_specific(detected, declared))
    probability = _hint_probability(verdict, declared)
    if close(detected, declared) and probability >= thresholds.hint_min:
        return _result(verdict, language=declared, method=METHOD_HINT, confidence=probability)
    return _result(verdict, needs_triage=True, reason=REASON_MISMATCH)


def _settled(verdict: Verdict, declared: str, thresholds: Thresholds) -> DetectionResult | None:
    """An undecided verdict the declaration settles, or None."""
    for code in verdict.allowed:
        if _names(declared, code):
            language = more_specific(code, declared)
            return _result(verdict, language=language, method=METHOD_HINT, needs_triage=False)
    probability = _hint_probability(verdict, declared)
    if probability < thresholds.hint_min:
        return None
    code = next(code for code, p in verdict.candidates if _names(declared, code))
    return _result(
        verdict,
        language=more_specific(code, declared),
        method=METHOD_HINT,
        needs_triage=False,
        confidence=probability,
    )


def apply_hint(verdict: Verdict, declared: str | None, thresholds: Thresholds) -> DetectionResult:
    """The caller's result: ``verdict`` weighed against the normalised declaration ``declared``.

    * The text agrees: route, on the more precise tag (``pt`` detected, ``pt-BR`` declared).
    * The text confidently says another language: triage as a *mismatch*, keeping the detected
      language, unless the declared one is a close relative the text also supports (``bs``
      detected at 0.75, ``hr`` declared at 0.2): there the model's close call is the weak part.
    * The text could not decide (uncertain, ambiguous, a script shared by languages the model
      cannot tell apart): a declaration the evidence allows is taken (``method="hint"``).
    * Mixed, empty and too-short texts stay in triage: the text cannot confirm the declaration.
    """
    if declared is None:
        return _result(verdict)
    if verdict.routed and verdict.language is not None:
        return _routed(verdict, verdict.language, declared, thresholds)
    if verdict.reason in _SETTLED_BY_HINT:
        return _settled(verdict, declared, thresholds) or _result(verdict)
    return _result(verdict)
