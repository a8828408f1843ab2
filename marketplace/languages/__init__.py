"""Language codes and (later) item language detection."""

from marketplace.languages.codes import (
    UnknownLanguage,
    is_language,
    language_name,
    normalize_language,
    primary_subtag,
    text_direction,
)

__all__ = [
    "UnknownLanguage",
    "is_language",
    "language_name",
    "normalize_language",
    "primary_subtag",
    "text_direction",
]
