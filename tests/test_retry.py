"""A request's use-case runs again when the database rolled it back for a conflict, and the caller
gets a 503 (never a 500) if the conflict persists."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from marketplace.db import is_retryable_conflict
from marketplace.errors import Unavailable
from marketplace.web import retry


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _conflict(sqlstate: str) -> OperationalError:
    return OperationalError("UPDATE ...", {}, _PgError(sqlstate))


def test_only_deadlocks_and_serialization_failures_are_retryable() -> None:
    assert is_retryable_conflict(_conflict("40P01"))
    assert is_retryable_conflict(_conflict("40001"))
    assert not is_retryable_conflict(_conflict("23505"))  # a unique violation is a real answer
    assert not is_retryable_conflict(ValueError("40P01"))


def test_a_conflict_is_retried_until_it_passes(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "BACKOFF_SECONDS", 0)
    calls: list[int] = []

    def use_case() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _conflict("40P01")
        return "done"

    with app.app_context():
        assert retry.run_retrying(use_case) == "done"
    assert len(calls) == 3


def test_a_persistent_conflict_is_a_503_and_other_errors_pass_through(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "BACKOFF_SECONDS", 0)
    calls: list[int] = []

    def always() -> Any:
        calls.append(1)
        raise _conflict("40001")

    with app.app_context():
        with pytest.raises(Unavailable):
            retry.run_retrying(always)
        assert len(calls) == retry.MAX_ATTEMPTS
        with pytest.raises(KeyError):
            retry.run_retrying(lambda: {}["missing"])
