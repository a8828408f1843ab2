"""A step's answer before the client's declared language is weighed against it.

Each step of detection (script rules, Chinese/Japanese/Korean, the model, mixed-text checks) ends in
a :class:`Verdict`; only :mod:`marketplace.languages.hints` turns one into the caller's
:class:`~marketplace.languages.result.DetectionResult`. It carries what a result does not: the
languages the evidence still allows when it cannot choose, which a declaration may then pick from.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.languages.result import METHOD_NONE, METHOD_SCRIPT


@dataclass(frozen=True, slots=True)
class Verdict:
    """An intermediate answer before the hint is applied."""

    language: str | None
    confidence: float
    method: str
    routed: bool
    reason: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()
    #: Languages the evidence allows when it cannot choose (zh-Hans/zh-Hant/ja; am/ti...).
    allowed: tuple[str, ...] = ()


def undecided(
    reason: str,
    candidates: tuple[tuple[str, float], ...] = (),
    *,
    method: str = METHOD_NONE,
    allowed: tuple[str, ...] = (),
) -> Verdict:
    """An undecided answer: no language to route on, the candidates for the triage screen."""
    return Verdict(
        language=None,
        confidence=candidates[0][1] if candidates else 0.0,
        method=method,
        routed=False,
        reason=reason,
        candidates=candidates,
        allowed=allowed,
    )


def by_script(language: str, confidence: float) -> Verdict:
    """A language the writing system names outright, routed."""
    return Verdict(language, confidence, METHOD_SCRIPT, routed=True, candidates=((language, confidence),))
