"""Ops reads of qualification: exam pass rates and the qualifications waiting for a decision.

Why a module: these are summaries across annotators for the operations dashboard, not use-cases
of one annotator; keeping them apart keeps the exam and trust modules about their own rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import case, func, select

from marketplace.db import get_session
from marketplace.qualification.models import ExamAttempt, ExamState, Qualification, QualificationState


def exam_pass_rates(project_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per (project, language): attempts, passes and pass rate."""
    query = select(
        ExamAttempt.project_id,
        ExamAttempt.language,
        func.count(),
        func.sum(case((ExamAttempt.passed.is_(True), 1), else_=0)),
    ).where(ExamAttempt.state != ExamState.IN_PROGRESS)
    if project_ids is not None:
        query = query.where(ExamAttempt.project_id.in_(list(project_ids)))
    rows = get_session().execute(query.group_by(ExamAttempt.project_id, ExamAttempt.language)).all()
    return [
        {
            "project_id": project_id,
            "language": language,
            "attempts": attempts,
            "passed": int(passed or 0),
            "pass_rate": (int(passed or 0) / attempts) if attempts else None,
        }
        for project_id, language, attempts, passed in rows
    ]


def suspended_qualifications(language: str | None = None) -> list[Qualification]:
    """Suspended qualifications (in one language or all), oldest suspension first per language."""
    query = select(Qualification).where(Qualification.state == QualificationState.SUSPENDED)
    if language:
        query = query.where(Qualification.language == language)
    return list(get_session().scalars(query.order_by(Qualification.language, Qualification.changed_at)))
