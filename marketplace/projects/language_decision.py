"""An item's language: whether it may be routed, and as which of the project's target languages.

The detector answers "which language is this text in, and how sure am I"; the marketplace must answer
"may this item be routed, and as which of the project's languages". The two differ on purpose:

* a text too short or too plain to judge keeps the client's declared language: the client knows the
  item, and sending every "OK, thanks" to a person would bury ops;
* a code-mixed text, or one that confidently contradicts the declaration, waits for a person even
  though it has a declaration: routing it either way sends work to people who may not read it;
* the language routed on is always one of the project's target languages, since annotators are
  matched (and qualified) per target language.

Items are decided in three places, all through :func:`decide_item_language` or
:func:`decide_without_text`: at upload for non-text items (audio, images: no text to read), in the
background job for text items (:mod:`marketplace.projects.language_detection_job`), and by ops in
the triage queue (:mod:`marketplace.projects.triage`). Pure: every branch is a rule of the
marketplace, unit-tested on hand-made results. Which tags name one language is
:mod:`marketplace.languages.tags`'s rule, the detector's too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from marketplace.languages import DetectionResult
from marketplace.languages.result import REASON_AMBIGUOUS, REASON_MISMATCH, REASON_MIXED, REASON_UNCERTAIN
from marketplace.languages.tags import Ambiguous, compatible_tags, more_specific, target_for, written_tag
from marketplace.projects.models import ItemState
from marketplace.tasktypes import TaskType

#: ``language_method`` of an item whose text could not be judged and that kept its declared language.
METHOD_DECLARED: Final = "declared"

# Triage reasons added to the detector's (``too_short``, ``uncertain``, ``mixed``, ``mismatch``...).
REASON_NOT_IN_PROJECT: Final = "not_in_project"
"""Confidently detected, nothing declared, but not a target language of the project."""
REASON_NO_LANGUAGE: Final = "no_language"
"""A non-text item (audio, image) uploaded without a declared language: nothing to detect from."""

#: Detector verdicts that send an item to a person even when the client declared a language.
_ALWAYS_TRIAGE: Final = frozenset({REASON_MIXED, REASON_MISMATCH})


@dataclass(frozen=True)
class Decision:
    """What becomes of one item: its state, and the language columns that go with it."""

    state: ItemState
    language: str | None = None
    #: How the language (or, in triage, the best guess) was reached: detector method, "declared", "ops".
    method: str | None = None
    triage_reason: str | None = None

    def columns(self) -> dict[str, Any]:
        """The item columns this decision sets (every key always present, for executemany)."""
        return {
            "state": self.state.value,
            "language": self.language,
            "language_method": self.method,
            "triage_reason": self.triage_reason,
        }


def _ready(language: str, method: str | None) -> Decision:
    return Decision(ItemState.READY, language, method)


def _triage(reason: str, method: str | None = None) -> Decision:
    return Decision(ItemState.TRIAGE, None, method, reason)


def decide_item_language(
    result: DetectionResult, declared: str | None, project_languages: Collection[str]
) -> Decision:
    """The fate of a text item from its detection ``result`` (made with ``declared`` as the hint)."""
    if result.reason is not None and result.reason in _ALWAYS_TRIAGE:
        return _triage(result.reason, result.method)
    if result.routable and result.language is not None:
        return _confident(result.language, result.method, declared, frozenset(project_languages))
    if declared is not None:
        return _as_target(declared, METHOD_DECLARED, frozenset(project_languages))
    return _triage(result.reason or REASON_UNCERTAIN, result.method)


def _as_target(tag: str, method: str, targets: frozenset[str]) -> Decision:
    """Route as the project language :func:`~marketplace.languages.tags.target_for` picks."""
    try:
        chosen = target_for(tag, targets)
    except Ambiguous:
        # pt detected in a project with pt-BR and pt-PT: a person must choose.
        return _triage(REASON_AMBIGUOUS, method)
    return _ready(chosen, method) if chosen is not None else _triage(REASON_NOT_IN_PROJECT, method)


def _confident(detected: str, method: str, declared: str | None, targets: frozenset[str]) -> Decision:
    # A detected tag describes text actually written: its script is the language's usual one
    # where it is not spelt (a detected ``pa`` is Gurmukhi, never a project's ``pa-Arab``).
    detected = str(written_tag(detected))
    if declared is not None:
        return _confident_declared(detected, method, declared, targets)
    return _as_target(detected, method, targets)


def _confident_declared(detected: str, method: str, declared: str, targets: frozenset[str]) -> Decision:
    """The client's tag, refined by the detected one (the client's spelling where both say). A
    text in another script than the declared tag commits to (``zh-TW`` declared, Simplified
    text) is a mismatch too: its readers are not the declared tag's."""
    if not compatible_tags(detected, declared):
        return _triage(REASON_MISMATCH, method)
    return _as_target(more_specific(declared, detected), method, targets)


def decide_without_text(declared: str | None) -> Decision:
    """An item with nothing to read (audio, image) takes the client's language (already the
    project language it routes as, :mod:`marketplace.projects.item_checks`), or waits for ops."""
    if declared is None:
        return _triage(REASON_NO_LANGUAGE)
    return _ready(declared, METHOD_DECLARED)


def initial_language_columns(
    task_type: TaskType, payload: Mapping[str, Any], declared: str | None
) -> dict[str, Any]:
    """The language columns of a newly uploaded item: text waits for the detection job, other
    media are decided at once since there is nothing to detect."""
    if task_type.language_text(payload) is not None:
        return Decision(ItemState.AWAITING_LANGUAGE).columns()
    return decide_without_text(declared).columns()
