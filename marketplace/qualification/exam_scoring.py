"""Scoring a finished exam against gold, and what its outcome does to the qualification.

Why apart from ``exams.py``: an exam is scored from several places (submitted, found expired on
the next visit, expired by the periodic job) and always the same way; the per-question results
it writes are what the annotator's review of the exam shows afterwards.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.errors import Conflict
from marketplace.projects.models import Item, Project
from marketplace.projects.settings.qualification import QualificationSettings
from marketplace.qualification.gold import project_or_404
from marketplace.qualification.models import (
    ExamAttempt,
    ExamState,
    GoldAnswer,
    Qualification,
    QualificationState,
)
from marketplace.qualification.qualifications import get_qualification, set_state


def _gold_answers(session: Session, attempt: ExamAttempt) -> dict[int, GoldAnswer]:
    return {
        row.item_id: row
        for row in session.scalars(select(GoldAnswer).where(GoldAnswer.item_id.in_(list(attempt.item_ids))))
    }


def _question_results(session: Session, project: Project, attempt: ExamAttempt) -> list[dict[str, Any]]:
    """Each question scored against its gold answer; an unanswered one counts as wrong."""
    from marketplace.qualification.scoring import score_answer  # numpy/scipy: loaded when needed

    gold = _gold_answers(session, attempt)
    items = {
        item.id: item for item in session.scalars(select(Item).where(Item.id.in_(list(attempt.item_ids))))
    }
    results = []
    for index, item_id in enumerate(attempt.item_ids):
        given = attempt.answers.get(str(index))
        if given is None:
            results.append({"index": index, "answered": False, "correct": False, "score": 0.0})
            continue
        score = score_answer(
            project.task_type,
            given,
            gold[item_id].answer,
            items[item_id].payload,
            project.task_config,
            attempt.language,
        )
        results.append({"index": index, "answered": True, "correct": score.correct, "score": score.value})
    return results


def _exam_qualification(session: Session, attempt: ExamAttempt) -> Qualification:
    """The qualification the exam decides; a first attempt creates it (as failed, no attempts yet)."""
    qualification = get_qualification(attempt.user_id, attempt.project_id, attempt.language)
    if qualification is None:
        qualification = Qualification(
            user_id=attempt.user_id,
            project_id=attempt.project_id,
            language=attempt.language,
            state=QualificationState.FAILED,
            attempts=0,
        )
        session.add(qualification)
    return qualification


def _record_outcome(
    qualification: Qualification,
    passed: bool,
    accuracy: float,
    settings: QualificationSettings,
    now: datetime,
) -> None:
    """Passing qualifies; failing allows a retry after the delay while attempts remain."""
    qualification.attempts = (qualification.attempts or 0) + 1
    qualification.last_score = accuracy
    if passed:
        qualification.retry_at = None
        set_state(qualification, QualificationState.QUALIFIED, "exam_passed", now)
    else:
        more = qualification.attempts < settings.max_attempts
        qualification.retry_at = now + timedelta(hours=settings.retry_delay_hours) if more else None
        set_state(qualification, QualificationState.FAILED, "exam_failed", now)


def score_attempt(session: Session, attempt: ExamAttempt, final_state: ExamState, now: datetime) -> None:
    """Score every question against gold and update the qualification (in the caller's transaction)."""
    project = project_or_404(attempt.project_id)
    settings = QualificationSettings.of(project.settings)
    results = _question_results(session, project, attempt)
    accuracy = sum(1 for r in results if r["correct"]) / len(results) if results else 0.0
    attempt.results = results
    attempt.score = accuracy
    attempt.passed = accuracy >= settings.pass_mark
    attempt.state = final_state
    attempt.finished_at = now
    qualification = _exam_qualification(session, attempt)
    _record_outcome(qualification, attempt.passed, accuracy, settings, now)


def exam_review(attempt: ExamAttempt) -> list[dict[str, Any]]:
    """After the exam: each question with the annotator's answer, the right one and why."""
    if attempt.state == ExamState.IN_PROGRESS or attempt.results is None:
        raise Conflict(_("The answers are shown once the exam is over."))
    gold = _gold_answers(get_session(), attempt)
    review = []
    for result, item_id in zip(attempt.results, attempt.item_ids, strict=True):
        index = result["index"]
        review.append(
            {
                **result,
                "answer": attempt.answers.get(str(index)),
                "expected": gold[item_id].answer,
                "explanation": gold[item_id].explanation,
            }
        )
    return review
