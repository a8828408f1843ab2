"""Language codes and item language detection."""

from marketplace.languages.codes import (
    UnknownLanguage,
    is_language,
    language_name,
    normalize_language,
    primary_subtag,
    text_direction,
)
from marketplace.languages.detection import DetectionResult, detect_language, detect_languages

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
