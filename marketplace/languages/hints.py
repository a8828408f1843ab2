"""Weighing the client's declared language against what the text says.

The declaration confirms, refines (``pt`` → ``pt-BR``) or contradicts the detection: a confident
contradiction goes to triage as a *mismatch*; an undecided text whose candidates include the declared
language with a fair probability takes it (``method="hint"``). A text too short to judge stays in
triage even with a declaration: three letters cannot confirm one, and routing on an unchecked
declaration is the error detection exists to avoid (the triage screen still shows it).

"The declared language names the detected one" is the tag rule of :mod:`marketplace.languages.tags`,
with the detected tag's script spelt out: the text's script is known, so ``zh`` declared fits
Traditional text and ``zh-Hans`` does not.

A declaration of a *close relative* written in the text's script is a close pair, not a
contradiction (:func:`_close_pair`): Shahmukhi Punjabi declared ``pa-Arab`` and read as Urdu,
Serbian declared ``sr-Latn`` and read as Croatian or Bosnian. The script is exact and the model has
no label for these written forms, so the declared tag is routed (``method="hint"``) even where the
model gives it no probability at all: no model here has seen Shahmukhi. The script must be the one
the declared tag commits to (spelt, or implied by its region: ``pa-PK`` is Arabic), or, for a bare
tag, the language's usual one: bare ``pa`` is Gurmukhi, so Arabic-script text declared ``pa`` is a
mismatch, and so is Latin text declared ``sr-Cyrl``, however unsure the model is of the language:
readers are matched on the script.
"""

from __future__ import annotations

from marketplace.languages.close_languages import close, close_in_script
from marketplace.languages.labels import model_knows
from marketplace.languages.result import (
    METHOD_HINT,
    REASON_AMBIGUOUS,
    REASON_MISMATCH,
    REASON_UNCERTAIN,
    REASON_UNSUPPORTED,
    DetectionResult,
)
from marketplace.languages.script_tags import scripts_of, tag_in_script
from marketplace.languages.tags import (
    UnknownLanguage,
    compatible,
    implied_script,
    likely_script,
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


def _hinted(verdict: Verdict, declared: str) -> tuple[str, float]:
    """The declared tag refined by the best candidate naming it (``sr`` + ``sr-Latn`` → ``sr-Latn``:
    the text's script), and that candidate's probability; the declared tag and 0 without one."""
    return next(
        ((more_specific(code, declared), p) for code, p in verdict.candidates if _names(declared, code)),
        (declared, 0.0),
    )


def _committed_script(declared: str) -> str | None:
    """The script readers of ``declared`` read: the one it spells or its region implies
    (``pa-PK`` → Arab), else the language's usual one (bare ``pa`` → Guru, bare ``sr`` → Cyrl)."""
    return implied_script(parse_tag(declared)) or likely_script(declared)


def _unseen_form(declared: str, script: str) -> bool:
    """Whether the model has no label for the declared language written in ``script``: a script
    CLDR lists besides the language's usual one (``pa-Arab``, ``sr-Latn``, ``bs-Cyrl``; not
    ``uz-Arab``, which py3langid has as Southern Uzbek), or a language it has no label for
    (Saraiki, Asturian)."""
    return not model_knows(declared, script)


def _close_pair(declared: str, detected: str) -> str | None:
    """The tag to route on when ``declared`` and the text's ``detected`` language are a close pair,
    else None: languages the model confuses in the text's script
    (:func:`~marketplace.languages.close_languages.close_in_script`), that script being the one the
    declaration commits to, and the declared language in a form the model has barely seen
    (:func:`_unseen_form`).

    Why only such forms: no model here has seen Shahmukhi, and py3langid gives Latin Serbian a few
    percent against Croatian, so the model's probability for them says nothing and only the
    declaration can tell. A relative in its usual script (``hr`` declared, read as Bosnian) is one
    the model can weigh, so it still needs ``hint_min``: waiving that too let a wrong close relative
    (each text's likeliest confusion) route 37% of short and 44% of long benchmark texts, against
    6% and 2%.

    The text's script is the detected tag's: detection spells it wherever the language has more than
    one (:mod:`marketplace.languages.script_tags`). The tag routed on is the declared one with that
    script, spelt where the registry wants it (``sr-ME`` → ``sr-Latn-ME``, ``pa-PK`` →
    ``pa-Arab-PK``).
    """
    script = written_tag(detected).script
    if script is None or _committed_script(declared) != script:
        return None
    if not close_in_script(detected, declared, script) or not _unseen_form(declared, script):
        return None
    language = parse_tag(declared).language
    written = tag_in_script(language, script)
    return more_specific(declared, written) if written else declared


def _routed(verdict: Verdict, detected: str, declared: str, thresholds: Thresholds) -> DetectionResult:
    """A routed verdict: confirmed, refined, overridden by a close relative, or a mismatch."""
    if _names(declared, detected):
        return _result(verdict, language=more_specific(detected, declared))
    pair = _close_pair(declared, detected)
    if pair is not None:
        # The model is sure of the written form, not of which relative: its confidence stands.
        return _result(verdict, language=pair, method=METHOD_HINT)
    language, probability = _hinted(verdict, declared)
    if close(detected, declared) and probability >= thresholds.hint_min:
        return _result(verdict, language=language, method=METHOD_HINT, confidence=probability)
    return _result(verdict, needs_triage=True, reason=REASON_MISMATCH)


def _settled(verdict: Verdict, declared: str, thresholds: Thresholds) -> DetectionResult | None:
    """An undecided verdict the declaration settles, or None.

    A language the evidence allows; a declared language the text supports fairly; or, when the
    model could only not choose between close relatives (*ambiguous*, no list of allowed
    languages), a close pair with its best candidate: a less sure "Croatian" must not keep a
    ``sr-Latn`` declaration in triage that a sure one would route.
    """
    for code in verdict.allowed:
        if _names(declared, code):
            language = more_specific(code, declared)
            return _result(verdict, language=language, method=METHOD_HINT, needs_triage=False)
    language, probability = _hinted(verdict, declared)
    if probability >= thresholds.hint_min:
        return _result(
            verdict, language=language, method=METHOD_HINT, needs_triage=False, confidence=probability
        )
    if verdict.reason == REASON_AMBIGUOUS and not verdict.allowed and verdict.candidates:
        pair = _close_pair(declared, verdict.candidates[0][0])
        if pair is not None:
            return _result(verdict, language=pair, method=METHOD_HINT, needs_triage=False)
    return None


def _script_contradicts(verdict: Verdict, declared: str) -> bool:
    """Whether an undecided model verdict's text is in another script than the declared tag's
    readers read. The model could not name the language, but the script is counted letter by
    letter: the declared tag's readers cannot read the text whatever its language, so it is a
    mismatch, not a declaration to fall back on.

    The script a tag spells or its region implies (``sr-Cyrl``, ``ro-MD``) is contradicted by any
    other. A bare tag is contradicted only by another of the language's CLDR written forms, which
    has a tag of its own (bare ``pa`` is Gurmukhi: Shahmukhi is ``pa-Arab``; bare ``sr`` is
    Cyrillic). A script CLDR does not list for the language (Crimean Tatar and Tatar in Latin
    letters: CLDR knows only Cyrillic) says more about CLDR than about the text, so the declaration
    stands as before.

    Only the model's candidates count, which all share the text's script; a verdict with a list of
    allowed languages (Han characters, Ethiopic) says itself which declarations fit.
    """
    if verdict.allowed or not verdict.candidates:
        return False
    script = written_tag(verdict.candidates[0][0]).script
    if script is None:
        return False
    parsed = parse_tag(declared)
    committed = implied_script(parsed)
    if committed is not None:
        return committed != script
    return script != likely_script(parsed.language) and script in scripts_of(parsed.language)


def apply_hint(verdict: Verdict, declared: str | None, thresholds: Thresholds) -> DetectionResult:
    """The caller's result: ``verdict`` weighed against the normalised declaration ``declared``.

    * The text agrees: route, on the more precise tag (``pt`` detected, ``pt-BR`` declared).
    * The text confidently says another language: triage as a *mismatch*, keeping the detected
      language, unless the declared one is a close pair (a relative the model confuses, in the
      script the declaration commits to: :func:`_close_pair`), or a close relative the text also
      supports (``bs`` detected at 0.75, ``hr`` declared at 0.2): there the model's close call is
      the weak part.
    * The text could not decide (uncertain, ambiguous, a script shared by languages the model
      cannot tell apart): a declaration the evidence allows is taken (``method="hint"``), and so is
      a close pair with the model's best guess between relatives; a declaration committed to
      another script than the text's is a *mismatch*.
    * Mixed, empty and too-short texts stay in triage: the text cannot confirm the declaration.
    """
    if declared is None:
        return _result(verdict)
    if verdict.routed and verdict.language is not None:
        return _routed(verdict, verdict.language, declared, thresholds)
    if verdict.reason in _SETTLED_BY_HINT:
        settled = _settled(verdict, declared, thresholds)
        if settled is not None:
            return settled
        if _script_contradicts(verdict, declared):
            return _result(verdict, needs_triage=True, reason=REASON_MISMATCH)
        return _result(verdict)
    return _result(verdict)
