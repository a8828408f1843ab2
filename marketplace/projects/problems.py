"""Collecting the field errors of one request before refusing it, with the right status.

Why a module of its own: project creation, ontology changes and item filters all check several
fields, report every problem at once, and must tell malformed input (400) from input that only
breaks a rule (422); this is that bookkeeping, shared instead of repeated.
"""

from __future__ import annotations

from collections.abc import Iterable

from marketplace.validation import FieldError, InvalidInput


class Problems:
    """Collects field errors and decides the status: 400 if any is malformed input, else 422."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.malformed = False

    def bad(self, errors: Iterable[FieldError]) -> None:
        """Schema-level problems (wrong type, missing field): 400."""
        before = len(self.errors)
        self.errors.extend(errors)
        self.malformed = self.malformed or len(self.errors) > before

    def rule(self, field: str, code: str, message: str) -> None:
        """Well-formed input that breaks a rule: 422."""
        self.errors.append(FieldError(field, code, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors, status=400 if self.malformed else 422)
