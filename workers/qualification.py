"""Qualification housekeeping jobs."""

from __future__ import annotations

from marketplace.qualification import service


def expire_exams() -> int:
    """Score exams whose time limit passed (idempotent: a second run finds none)."""
    return service.expire_exams()
