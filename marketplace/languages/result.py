"""What detection tells its caller: the result of one text, and the words for how and why.

Kept apart from the pipeline so that callers (the item decision, the triage screen, the detection
job) can name methods and triage reasons, and build a result of their own, without the detector.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

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
"""The text is confidently in another language than the client declared, or in another script than
the declared tag's readers read (``sr-Cyrl`` declared, Latin text), however unsure of the language."""
REASON_UNSUPPORTED: Final = "unsupported"
"""The script's languages cannot be told apart here (Ethiopic: Amharic or Tigrinya...)."""


@dataclass(frozen=True, slots=True)
class DetectionResult:
    """The detected language of one text and whether a person must look at it first.

    ``language`` is a canonical BCP 47 tag that names the text's script wherever the language is
    written in more than one (``zh-Hans``/``zh-Hant``, ``sr-Cyrl``/``sr-Latn``, ``uz-Arab``; ``pa``
    for Gurmukhi, where the registry implies it, ``pa-Arab`` for Shahmukhi), or None. When
    ``needs_triage`` is true the item must not be routed on ``language``: it is then only the best
    guess (the detected language for a mismatch), and ``candidates`` lists the top few languages
    with their probabilities for the triage screen.
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
