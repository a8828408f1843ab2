"""Qualifications and exams as people see them, with reasons told in the reader's language.

Exam questions carry the item as an annotator sees any item (``item_for_annotator``): no gold
flag, no answer. The review (answers and explanations) appears only once the exam is over.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_datetime, format_percent
from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts import service as accounts
from marketplace.db import get_session
from marketplace.projects.briefing import item_for_annotator, project_brief
from marketplace.projects.models import Project, ProjectLanguage, ProjectState
from marketplace.projects.presenters import timestamp
from marketplace.projects.readers import reads_target, targets_in_languages
from marketplace.projects.settings.qualification import QualificationSettings
from marketplace.qualification import service
from marketplace.qualification.models import ExamAttempt, ExamState, Qualification, QualificationState


def _project(project_id: int) -> Project:
    project = get_session().get(Project, project_id)
    assert project is not None
    return project


def state_label(state: str) -> str:
    labels = {
        QualificationState.QUALIFIED: _("qualified"),
        QualificationState.FAILED: _("not passed"),
        QualificationState.SUSPENDED: _("suspended"),
        QualificationState.REVOKED: _("revoked"),
    }
    return str(labels.get(QualificationState(state), state))


def reason_text(qualification: Qualification, settings: QualificationSettings) -> str:
    """Why the qualification is in its state, in the reader's language."""
    reason = qualification.reason
    score = format_percent(qualification.last_score or 0)
    if reason == "exam_passed":
        text = _("You passed the exam with %(score)s.", score=score)
    elif reason == "exam_failed" and qualification.retry_at is None:
        text = _("You scored %(score)s, below the pass mark, and have no attempts left.", score=score)
    elif reason == "exam_failed":
        text = _(
            "You scored %(score)s, below the pass mark of %(mark)s. You can try again after %(when)s.",
            score=score,
            mark=format_percent(settings.pass_mark),
            when=format_datetime(qualification.retry_at, "short"),
        )
    elif reason == "gold_accuracy":
        text = _(
            "Your accuracy on check questions fell to %(accuracy)s, below the %(threshold)s "
            "this project needs. Your work on it is paused until the operations team has reviewed it.",
            accuracy=format_percent(qualification.accuracy_at_change or 0),
            threshold=format_percent(settings.suspend_below),
        )
    elif qualification.state == QualificationState.REVOKED:
        text = _("The operations team has withdrawn this qualification.")
    else:
        text = _("The operations team has qualified you for this project.")
    return str(text)


def qualification_json(qualification: Qualification) -> dict[str, Any]:
    project = _project(qualification.project_id)
    settings = QualificationSettings.of(project.settings)
    accuracy, answered = service.rolling_accuracy(
        qualification.user_id, project.id, qualification.language, since=qualification.changed_at
    )
    return {
        "id": qualification.id,
        "project": {"id": project.public_id, "name": project.name},
        "language": qualification.language,
        "state": qualification.state,
        "state_label": state_label(qualification.state),
        "reason": reason_text(qualification, settings),
        "attempts": qualification.attempts,
        "max_attempts": settings.max_attempts,
        "last_score": qualification.last_score,
        "retry_at": timestamp(qualification.retry_at),
        "qualified_at": timestamp(qualification.qualified_at),
        "changed_at": timestamp(qualification.changed_at),
        "check_accuracy": accuracy,
        "check_answered": answered,
    }


def suspended_json(qualification: Qualification) -> dict[str, Any]:
    user = accounts.get_user(qualification.user_id)
    return {
        **qualification_json(qualification),
        "annotator": {"email": user.email if user else None, "name": user.display_name if user else None},
    }


def available_exams(user_id: int) -> list[dict[str, Any]]:
    """Active projects with an exam in one of the annotator's native languages, and where they stand."""
    session = get_session()
    native = accounts.native_languages(user_id)
    if not native:
        return []
    rows = [
        (project, language)
        for project, language in session.execute(
            select(Project, ProjectLanguage.language)
            .join(ProjectLanguage, ProjectLanguage.project_id == Project.id)
            .where(Project.state == ProjectState.ACTIVE, targets_in_languages(native))
            .order_by(Project.priority.desc(), Project.id, ProjectLanguage.language)
        ).all()
        if reads_target(native, project, language)
    ]
    mine = {(q.project_id, q.language): q for q in service.list_qualifications(user_id)}
    exams = []
    for project, language in rows:
        settings = QualificationSettings.of(project.settings)
        if not settings.required:
            continue
        coverage = {c["language"]: c for c in service.gold_coverage(project.id)["languages"]}
        qualification = mine.get((project.id, language))
        exams.append(
            {
                "project": {"id": project.public_id, "name": project.name, "task_type": project.task_type},
                "language": language,
                "open": bool(coverage.get(language, {}).get("exam_open")),
                "questions": settings.exam_size,
                "minutes": settings.exam_minutes,
                "pass_mark": settings.pass_mark,
                "state": qualification.state if qualification else None,
                "attempts": qualification.attempts if qualification else 0,
                "max_attempts": settings.max_attempts,
                "retry_at": timestamp(qualification.retry_at) if qualification else None,
            }
        )
    return exams


def exam_json(attempt: ExamAttempt, ui_locale: str | None) -> dict[str, Any]:
    project = _project(attempt.project_id)
    over = attempt.state != ExamState.IN_PROGRESS
    # Exam questions go without their item ids: a list of ids known to be gold, shared between
    # annotators, would unmask those items when they come back as hidden gold.
    questions = [
        {"index": q.index, "item": {k: v for k, v in item_for_annotator(q.item).items() if k != "id"}}
        for q in service.exam_questions(attempt)
    ]
    result = None
    if over:
        settings = QualificationSettings.of(project.settings)
        result = {
            "score": attempt.score,
            "passed": attempt.passed,
            "pass_mark": settings.pass_mark,
            "review": service.exam_review(attempt),
        }
    return {
        "id": attempt.public_id,
        "project": project_brief(project, attempt.language, ui_locale),
        "language": attempt.language,
        "state": attempt.state,
        "started_at": timestamp(attempt.started_at),
        "deadline_at": timestamp(attempt.deadline_at),
        "finished_at": timestamp(attempt.finished_at),
        "questions": questions,
        "answers": attempt.answers,
        "result": result,
    }
