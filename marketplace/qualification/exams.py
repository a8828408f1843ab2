"""Exams: an annotator proves they can label a project in a language before getting its work.

Why a module: an exam has its own life (open or resume, save answers, submit or run out of time)
and its own rules. An annotator may take the exam of project P in language L when L is a target
language of P and one of their native languages serves L; the gold set of (P, L) must be large
enough. Answers are checked only at the end (``exam_scoring.py``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts import service as accounts
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.projects.models import Item, Project, ProjectState
from marketplace.projects.readers import reads_target
from marketplace.projects.settings.qualification import QualificationSettings
from marketplace.qualification.exam_scoring import score_attempt
from marketplace.qualification.gold import class_key, label_names, project_or_404
from marketplace.qualification.models import (
    ExamAttempt,
    ExamState,
    GoldAnswer,
    Qualification,
    QualificationState,
)
from marketplace.qualification.qualifications import get_qualification
from marketplace.tasktypes import validate_answer
from marketplace.validation import InvalidInput

_rng = random.SystemRandom()


@dataclass(frozen=True)
class ExamQuestion:
    """One question of an exam: its position and the gold item asked (without its answer)."""

    index: int
    item: Item


def _speaks(user_id: int, project: Project, language: str) -> bool:
    return reads_target(accounts.native_languages(user_id), project, language)


def _check_can_start(
    user_id: int, project: Project, language: str, settings: QualificationSettings, now: datetime
) -> Qualification | None:
    if project.state != ProjectState.ACTIVE or language not in project.language_codes:
        raise NotFound(_("This project has no exam in this language."))
    if not _speaks(user_id, project, language):
        raise Forbidden(_("Exams are for native speakers of the language; add it to your languages first."))
    qualification = get_qualification(user_id, project.id, language)
    if qualification is None:
        return None
    if qualification.state == QualificationState.QUALIFIED:
        raise Conflict(_("You are already qualified for this project in this language."))
    if qualification.state in {QualificationState.SUSPENDED, QualificationState.REVOKED}:
        raise Forbidden(_("Your qualification is on hold; the operations team will contact you."))
    if qualification.attempts >= settings.max_attempts:
        raise Conflict(_("You have used all your attempts for this exam."))
    if qualification.retry_at is not None and qualification.retry_at > now:
        raise Conflict(_("You can retry this exam after %(when)s.", when=qualification.retry_at.isoformat()))
    return qualification


def _gold_pool(project_id: int, language: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (item_id, answer)
        for item_id, answer in get_session().execute(
            select(GoldAnswer.item_id, GoldAnswer.answer)
            .where(GoldAnswer.project_id == project_id, GoldAnswer.language == language)
            .order_by(GoldAnswer.item_id)
        )
    ]


def stratified_sample(
    pool: Sequence[tuple[int, Sequence[str]]], size: int, rng: random.Random | random.SystemRandom
) -> list[int]:
    """Draw ``size`` ids so every class is represented as evenly as the pool allows: take one item
    of each class in turn (classes in random order, items shuffled within each class)."""
    by_class: dict[str, list[int]] = defaultdict(list)
    for item_id, classes in pool:
        by_class[classes[0] if classes else "(none)"].append(item_id)
    queues = [rng.sample(ids, len(ids)) for _key, ids in sorted(by_class.items())]
    rng.shuffle(queues)
    chosen: list[int] = []
    while len(chosen) < size and any(queues):
        for queue in queues:
            if queue and len(chosen) < size:
                chosen.append(queue.pop())
    rng.shuffle(chosen)
    return chosen


def _exam_project(project_public_id: str, language: str) -> tuple[Project, str]:
    """The project and the normalised language of an exam; 404 for either unknown."""
    project = get_session().scalar(select(Project).where(Project.public_id == project_public_id))
    if project is None:
        raise NotFound(_("This project has no exam in this language."))
    try:
        return project, normalize_language(language)
    except UnknownLanguage as exc:
        raise NotFound(_("This project has no exam in this language.")) from exc


def _open_attempt(
    session: Session, user_id: int, project_id: int, language: str, now: datetime
) -> ExamAttempt | None:
    """The attempt still running, if any; one whose time ran out is scored (as expired) first."""
    attempt = session.scalar(
        select(ExamAttempt).where(
            ExamAttempt.user_id == user_id,
            ExamAttempt.project_id == project_id,
            ExamAttempt.language == language,
            ExamAttempt.state == ExamState.IN_PROGRESS,
        )
    )
    if attempt is None or attempt.deadline_at > now:
        return attempt
    score_attempt(session, attempt, ExamState.EXPIRED, now)
    session.commit()
    return None


def _draw_questions(project: Project, language: str, settings: QualificationSettings) -> list[int]:
    """The gold items of a new attempt, stratified by class (409 while the gold set is too small)."""
    pool = _gold_pool(project.id, language)
    if len(pool) < max(settings.min_gold_per_language, settings.exam_size):
        raise Conflict(_("The exam for this language is not open yet. Please check again later."))
    return stratified_sample(
        [(item_id, class_key(project.task_type, answer)) for item_id, answer in pool],
        settings.exam_size,
        _rng,
    )


def start_exam(user_id: int, project_public_id: str, language: str) -> ExamAttempt:
    """Open (or resume) the exam of a project in a language for an annotator."""
    session = get_session()
    project, language = _exam_project(project_public_id, language)
    now = utcnow()
    running = _open_attempt(session, user_id, project.id, language, now)
    if running is not None:
        return running
    settings = QualificationSettings.of(project.settings)
    _check_can_start(user_id, project, language, settings, now)
    attempt = ExamAttempt(
        user_id=user_id,
        project_id=project.id,
        language=language,
        item_ids=_draw_questions(project, language, settings),
        started_at=now,
        deadline_at=now + timedelta(minutes=settings.exam_minutes),
    )
    session.add(attempt)
    session.commit()
    return attempt


def own_exam(user_id: int, exam_public_id: str) -> ExamAttempt:
    """The caller's own exam (404 for anyone else's); one whose time ran out is scored first."""
    attempt = get_session().scalar(
        select(ExamAttempt).where(ExamAttempt.public_id == exam_public_id, ExamAttempt.user_id == user_id)
    )
    if attempt is None:
        raise NotFound()
    if attempt.state == ExamState.IN_PROGRESS and attempt.deadline_at <= utcnow():
        score_attempt(get_session(), attempt, ExamState.EXPIRED, utcnow())
        get_session().commit()
    return attempt


def exam_questions(attempt: ExamAttempt) -> list[ExamQuestion]:
    """The attempt's questions in the order they are asked."""
    items = {
        item.id: item
        for item in get_session().scalars(select(Item).where(Item.id.in_(list(attempt.item_ids))))
    }
    return [ExamQuestion(index, items[item_id]) for index, item_id in enumerate(attempt.item_ids)]


def save_exam_answer(user_id: int, exam_public_id: str, index: int, answer: Any) -> ExamAttempt:
    """Keep one answer of an in-progress exam; its shape is checked now, its correctness at the end."""
    session = get_session()
    attempt = own_exam(user_id, exam_public_id)
    if attempt.state != ExamState.IN_PROGRESS:
        raise Conflict(_("This exam is over."))
    if not 0 <= index < len(attempt.item_ids):
        raise NotFound()
    project = project_or_404(attempt.project_id)
    item = session.get(Item, attempt.item_ids[index])
    assert item is not None
    problems = validate_answer(
        project.task_type, answer, item.payload, label_names(project), project.task_config
    )
    if problems:
        raise InvalidInput(problems)
    attempt.answers = {**attempt.answers, str(index): answer}
    session.commit()
    return attempt


def submit_exam(user_id: int, exam_public_id: str) -> ExamAttempt:
    """End the exam now and score it (a second submit changes nothing)."""
    session = get_session()
    attempt = own_exam(user_id, exam_public_id)
    if attempt.state == ExamState.IN_PROGRESS:
        score_attempt(session, attempt, ExamState.SUBMITTED, utcnow())
        session.commit()
    return attempt


def exam_item_ids(user_id: int, project_id: int) -> set[int]:
    """Gold items this annotator has seen in exams: never reused as their hidden gold."""
    seen: set[int] = set()
    for ids in get_session().scalars(
        select(ExamAttempt.item_ids).where(
            ExamAttempt.user_id == user_id, ExamAttempt.project_id == project_id
        )
    ):
        seen.update(ids)
    return seen


def expire_exams(now: datetime | None = None) -> int:
    """Score exams whose time ran out (periodic; idempotent)."""
    session = get_session()
    now = now or utcnow()
    stale = list(
        session.scalars(
            select(ExamAttempt)
            .where(ExamAttempt.state == ExamState.IN_PROGRESS, ExamAttempt.deadline_at <= now)
            .with_for_update(skip_locked=True)
        )
    )
    for attempt in stale:
        score_attempt(session, attempt, ExamState.EXPIRED, now)
    session.commit()
    return len(stale)
