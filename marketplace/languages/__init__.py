"""Language tags and item language detection: the floor every other package stands on.

Callers import from here; the modules say how: :mod:`~marketplace.languages.tags` (the tag rules),
:mod:`~marketplace.languages.codes` (names, direction, Babel identifiers) and
:mod:`~marketplace.languages.detector` (the detection pipeline, one module per step).
"""

from marketplace.languages.codes import language_name, text_direction
from marketplace.languages.detector import detect_language, detect_languages
from marketplace.languages.result import DetectionResult
from marketplace.languages.tags import UnknownLanguage, is_language, normalize_language, primary_subtag

__all__ = [
    "DetectionResult",
    "UnknownLanguage",
    "detect_language",
    "detect_languages",
    "is_language",
    "language_name",
    "normalize_language",
    "primary_subtag",
    "text_direction",
]
