"""Qualification use-cases: gold sets, exams, hidden gold, suspension and trust.

The rules, in one place:

- an annotator may take the exam of project P in language L when L is a target language of P and
  one of their native languages serves L; the gold set of (P, L) must be large enough;
- answers are checked only when the exam is submitted (or its time runs out); passing qualifies;
  failing allows a retry after the delay while attempts remain;
- hidden gold answers keep a rolling accuracy over the latest ``gold_window`` answers since the
  qualification last changed; under ``suspend_below`` (after ``min_gold_for_suspension`` answers)
  the qualification is suspended until ops reinstate or revoke it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from marketplace.accounts import service as accounts
from marketplace.db import get_session, utcnow
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.projects.models import Batch, Item, ItemState, Project, ProjectState
from marketplace.qualification.models import (
    ExamAttempt,
    ExamState,
    GoldAnswer,
    GoldScore,
    Qualification,
    QualificationState,
)
from marketplace.qualification.settings import QualificationSettings
from marketplace.routing.eligibility import served_languages
from marketplace.tasktypes import validate_answer, validate_payload
from marketplace.validation import FieldError, InvalidInput, join_path
from marketplace.web.errors import Conflict, Forbidden, NotFound

GOLD_BATCH_NAME = "gold"
#: Prior of the trust score: a Beta(2, 2) belief, i.e. a newcomer starts at 0.5 and a few answers
#: move it only a little.
TRUST_PRIOR = (2.0, 2.0)

_rng = random.SystemRandom()


# --- gold sets --------------------------------------------------------------------------------


def _project(project_id: int) -> Project:
    project = get_session().get(Project, project_id)
    if project is None:
        raise NotFound()
    return project


def _labels(project: Project) -> list[str]:
    ontology = project.current_ontology
    return ontology.label_names if ontology else []


def _gold_batch(session: Session, project_id: int) -> Batch:
    batch = session.scalar(select(Batch).where(Batch.project_id == project_id, Batch.kind == "gold"))
    if batch is None:
        batch = Batch(project_id=project_id, name=GOLD_BATCH_NAME, kind="gold")
        session.add(batch)
        session.flush()
    return batch


def add_gold_items(
    project_id: int, records: Sequence[Mapping[str, Any]], created_by: int | None = None
) -> int:
    """Add gold items with their answers and explanations; all or nothing.

    Each record: ``{"language", "payload", "answer", "explanation"?, "external_id"?}``.
    """
    session = get_session()
    project = _project(project_id)
    labels = _labels(project)
    targets = set(project.language_codes)
    errors: list[FieldError] = []
    rows: list[tuple[str, Mapping[str, Any], Mapping[str, Any], str, str | None]] = []
    for index, record in enumerate(records):
        path = f"items[{index}]"
        try:
            language = normalize_language(str(record.get("language", "")))
        except UnknownLanguage:
            errors.append(
                FieldError(join_path(path, "language"), "unknown_language", _("Give a known language code."))
            )
            continue
        if language not in targets:
            errors.append(
                FieldError(
                    join_path(path, "language"),
                    "language_not_in_project",
                    _("“%(code)s” is not a language of this project.", code=language),
                )
            )
            continue
        payload, answer = record.get("payload"), record.get("answer")
        problems = validate_payload(project.task_type, payload, prefix=join_path(path, "payload"))
        if not problems and isinstance(payload, Mapping):
            problems = validate_answer(
                project.task_type,
                answer,
                payload,
                labels,
                project.task_config,
                prefix=join_path(path, "answer"),
            )
        errors.extend(problems)
        if not problems:
            assert isinstance(payload, Mapping) and isinstance(answer, Mapping)
            rows.append(
                (language, payload, answer, str(record.get("explanation") or ""), record.get("external_id"))
            )
    if errors:
        raise InvalidInput(errors[:100], status=422 if all(e.code != "required" for e in errors) else 400)
    batch = _gold_batch(session, project.id)
    for language, payload, answer, explanation, external_id in rows:
        item = Item(
            project_id=project.id,
            batch_id=batch.id,
            external_id=external_id,
            payload=dict(payload),
            declared_language=language,
            language=language,
            language_method="gold",
            state=ItemState.READY,
        )
        session.add(item)
        session.flush()
        session.add(
            GoldAnswer(
                item_id=item.id,
                project_id=project.id,
                language=language,
                answer=dict(answer),
                explanation=explanation,
                created_by_id=created_by,
            )
        )
    session.commit()
    return len(rows)


@dataclass(frozen=True)
class GoldRow:
    """One gold item as its project's client reviews it: what is asked, the answer and why."""

    external_id: str | None
    language: str
    payload: dict[str, Any]
    answer: dict[str, Any]
    explanation: str
    created_at: datetime


def list_gold_items(project_id: int, language: str | None = None, limit: int = 50) -> list[GoldRow]:
    """The project's newest gold items, in one language or all; for the client's and ops' pages
    (never an annotator's: these carry the answers)."""
    query = (
        select(Item.external_id, GoldAnswer.language, Item.payload, GoldAnswer.answer,
               GoldAnswer.explanation, GoldAnswer.created_at)
        .join(Item, Item.id == GoldAnswer.item_id)
        .where(GoldAnswer.project_id == project_id)
        .order_by(GoldAnswer.created_at.desc(), GoldAnswer.item_id.desc())
        .limit(limit)
    )  # fmt: skip
    if language:
        query = query.where(GoldAnswer.language == language)
    return [GoldRow(*row) for row in get_session().execute(query)]


def class_key(task_type: str, answer: Mapping[str, Any]) -> list[str]:
    """The classes a gold answer exemplifies, for coverage and stratified exams."""
    if task_type == "classification":
        return [str(answer["label"])]
    if task_type == "multi_label_classification":
        return [str(label) for label in answer.get("labels", [])] or ["(none)"]
    if task_type == "pairwise_preference":
        return [str(answer["preference"])]
    for key in ("spans", "boxes", "polygons", "keypoints", "masks"):
        if key in answer:
            return sorted({str(part["label"]) for part in answer[key]}) or ["(none)"]
    return ["(all)"]


def gold_coverage(project_id: int) -> dict[str, Any]:
    """Gold items per language and class, and whether each language's exam can open."""
    project = _project(project_id)
    settings = QualificationSettings.of(project.settings)
    per_language: dict[str, dict[str, Any]] = {
        code: {"total": 0, "by_class": defaultdict(int)} for code in project.language_codes
    }
    for language, answer in get_session().execute(
        select(GoldAnswer.language, GoldAnswer.answer).where(GoldAnswer.project_id == project_id)
    ):
        entry = per_language.setdefault(language, {"total": 0, "by_class": defaultdict(int)})
        entry["total"] += 1
        for key in class_key(project.task_type, answer):
            entry["by_class"][key] += 1
    return {
        "minimum": settings.min_gold_per_language,
        "exam_size": settings.exam_size,
        "languages": [
            {
                "language": code,
                "total": entry["total"],
                "by_class": dict(sorted(entry["by_class"].items())),
                "exam_open": entry["total"] >= settings.min_gold_per_language,
            }
            for code, entry in sorted(per_language.items())
        ],
    }


# --- qualifications ---------------------------------------------------------------------------


def get_qualification(user_id: int, project_id: int, language: str) -> Qualification | None:
    return get_session().scalar(
        select(Qualification).where(
            Qualification.user_id == user_id,
            Qualification.project_id == project_id,
            Qualification.language == language,
        )
    )


def list_qualifications(user_id: int) -> list[Qualification]:
    return list(
        get_session().scalars(
            select(Qualification).where(Qualification.user_id == user_id).order_by(Qualification.id)
        )
    )


def qualified_pairs(user_id: int) -> dict[int, list[str]]:
    """Project id → languages the annotator is currently qualified in (routing reads this)."""
    pairs: dict[int, list[str]] = defaultdict(list)
    for project_id, language in get_session().execute(
        select(Qualification.project_id, Qualification.language).where(
            Qualification.user_id == user_id, Qualification.state == QualificationState.QUALIFIED
        )
    ):
        pairs[project_id].append(language)
    return dict(pairs)


def _set_state(
    qualification: Qualification,
    state: QualificationState,
    reason: str,
    now: datetime,
    by: int | None = None,
    accuracy: float | None = None,
) -> None:
    qualification.state = state
    qualification.reason = reason
    qualification.changed_at = now
    qualification.changed_by_id = by
    qualification.accuracy_at_change = accuracy
    if state == QualificationState.QUALIFIED:
        qualification.qualified_at = now


def grant_qualification(user_id: int, project_id: int, language: str, granted_by: int) -> Qualification:
    """Ops qualify someone by hand (e.g. a trusted reviewer), skipping the exam."""
    session = get_session()
    qualification = get_qualification(user_id, project_id, language)
    now = utcnow()
    if qualification is None:
        qualification = Qualification(
            user_id=user_id, project_id=project_id, language=language, state=QualificationState.QUALIFIED
        )
        session.add(qualification)
    _set_state(qualification, QualificationState.QUALIFIED, "ops", now, by=granted_by)
    session.commit()
    return qualification


def _ops_change(qualification_id: int, state: QualificationState, ops_user_id: int) -> Qualification:
    session = get_session()
    qualification = session.get(Qualification, qualification_id, with_for_update=True)
    if qualification is None:
        raise NotFound()
    allowed = {
        QualificationState.QUALIFIED: {QualificationState.SUSPENDED, QualificationState.REVOKED},
        QualificationState.REVOKED: {QualificationState.SUSPENDED, QualificationState.QUALIFIED},
    }[state]
    if qualification.state not in allowed:
        raise Conflict(_("This qualification cannot be changed that way now."))
    _set_state(
        qualification, state, "ops", utcnow(), by=ops_user_id, accuracy=qualification.accuracy_at_change
    )
    session.commit()
    return qualification


def reinstate(qualification_id: int, ops_user_id: int) -> Qualification:
    """Ops restore a suspended (or revoked) qualification; the rolling window starts afresh."""
    return _ops_change(qualification_id, QualificationState.QUALIFIED, ops_user_id)


def revoke(qualification_id: int, ops_user_id: int) -> Qualification:
    return _ops_change(qualification_id, QualificationState.REVOKED, ops_user_id)


# --- exams ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamQuestion:
    index: int
    item: Item


def _speaks(user_id: int, language: str) -> bool:
    return language in served_languages(accounts.native_languages(user_id))


def _check_can_start(
    user_id: int, project: Project, language: str, settings: QualificationSettings, now: datetime
) -> Qualification | None:
    if project.state != ProjectState.ACTIVE or language not in project.language_codes:
        raise NotFound(_("This project has no exam in this language."))
    if not _speaks(user_id, language):
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


def start_exam(user_id: int, project_public_id: str, language: str) -> ExamAttempt:
    """Open (or resume) the exam of a project in a language for an annotator."""
    session = get_session()
    project = session.scalar(select(Project).where(Project.public_id == project_public_id))
    if project is None:
        raise NotFound(_("This project has no exam in this language."))
    try:
        language = normalize_language(language)
    except UnknownLanguage as exc:
        raise NotFound(_("This project has no exam in this language.")) from exc
    now = utcnow()
    open_attempt = session.scalar(
        select(ExamAttempt).where(
            ExamAttempt.user_id == user_id,
            ExamAttempt.project_id == project.id,
            ExamAttempt.language == language,
            ExamAttempt.state == ExamState.IN_PROGRESS,
        )
    )
    if open_attempt is not None:
        if open_attempt.deadline_at > now:
            return open_attempt
        _score_attempt(session, open_attempt, ExamState.EXPIRED, now)
        session.commit()
    settings = QualificationSettings.of(project.settings)
    _check_can_start(user_id, project, language, settings, now)
    pool = _gold_pool(project.id, language)
    if len(pool) < max(settings.min_gold_per_language, settings.exam_size):
        raise Conflict(_("The exam for this language is not open yet. Please check again later."))
    chosen = stratified_sample(
        [(item_id, class_key(project.task_type, answer)) for item_id, answer in pool],
        settings.exam_size,
        _rng,
    )
    attempt = ExamAttempt(
        user_id=user_id,
        project_id=project.id,
        language=language,
        item_ids=chosen,
        started_at=now,
        deadline_at=now + timedelta(minutes=settings.exam_minutes),
    )
    session.add(attempt)
    session.commit()
    return attempt


def own_exam(user_id: int, exam_public_id: str) -> ExamAttempt:
    attempt = get_session().scalar(
        select(ExamAttempt).where(ExamAttempt.public_id == exam_public_id, ExamAttempt.user_id == user_id)
    )
    if attempt is None:
        raise NotFound()
    if attempt.state == ExamState.IN_PROGRESS and attempt.deadline_at <= utcnow():
        _score_attempt(get_session(), attempt, ExamState.EXPIRED, utcnow())
        get_session().commit()
    return attempt


def exam_questions(attempt: ExamAttempt) -> list[ExamQuestion]:
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
    project = _project(attempt.project_id)
    item = session.get(Item, attempt.item_ids[index])
    assert item is not None
    problems = validate_answer(project.task_type, answer, item.payload, _labels(project), project.task_config)
    if problems:
        raise InvalidInput(problems)
    attempt.answers = {**attempt.answers, str(index): answer}
    session.commit()
    return attempt


def submit_exam(user_id: int, exam_public_id: str) -> ExamAttempt:
    session = get_session()
    attempt = own_exam(user_id, exam_public_id)
    if attempt.state == ExamState.IN_PROGRESS:
        _score_attempt(session, attempt, ExamState.SUBMITTED, utcnow())
        session.commit()
    return attempt


def _score_attempt(session: Session, attempt: ExamAttempt, final_state: ExamState, now: datetime) -> None:
    """Score every question against gold and update the qualification."""
    from marketplace.qualification.scoring import score_answer  # numpy/scipy: loaded when needed

    project = _project(attempt.project_id)
    settings = QualificationSettings.of(project.settings)
    gold = {
        row.item_id: row
        for row in session.scalars(select(GoldAnswer).where(GoldAnswer.item_id.in_(list(attempt.item_ids))))
    }
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
    accuracy = sum(1 for r in results if r["correct"]) / len(results) if results else 0.0
    attempt.results = results
    attempt.score = accuracy
    attempt.passed = accuracy >= settings.pass_mark
    attempt.state = final_state
    attempt.finished_at = now
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
    qualification.attempts = (qualification.attempts or 0) + 1
    qualification.last_score = accuracy
    if attempt.passed:
        qualification.retry_at = None
        _set_state(qualification, QualificationState.QUALIFIED, "exam_passed", now)
    else:
        more = qualification.attempts < settings.max_attempts
        qualification.retry_at = now + timedelta(hours=settings.retry_delay_hours) if more else None
        _set_state(qualification, QualificationState.FAILED, "exam_failed", now)


def exam_review(attempt: ExamAttempt) -> list[dict[str, Any]]:
    """After the exam: each question with the annotator's answer, the right one and why."""
    if attempt.state == ExamState.IN_PROGRESS or attempt.results is None:
        raise Conflict(_("The answers are shown once the exam is over."))
    gold = {
        row.item_id: row
        for row in get_session().scalars(
            select(GoldAnswer).where(GoldAnswer.item_id.in_(list(attempt.item_ids)))
        )
    }
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
        _score_attempt(session, attempt, ExamState.EXPIRED, now)
    session.commit()
    return len(stale)


# --- hidden gold ------------------------------------------------------------------------------


def is_gold_item(item_id: int) -> bool:
    return get_session().get(GoldAnswer, item_id) is not None


def record_hidden_gold(
    session: Session, assignment_id: int, user_id: int, item: Item, answer: Mapping[str, Any], now: datetime
) -> GoldScore:
    """Score a submitted hidden-gold answer in the caller's transaction, and suspend the annotator's
    qualification when their rolling accuracy falls below the project's threshold."""
    from marketplace.qualification.scoring import score_answer  # numpy/scipy: loaded when needed

    project = _project(item.project_id)
    gold = session.get(GoldAnswer, item.id)
    assert gold is not None
    language = item.language or gold.language
    score = score_answer(
        project.task_type, dict(answer), gold.answer, item.payload, project.task_config, language
    )
    row = GoldScore(
        assignment_id=assignment_id,
        user_id=user_id,
        project_id=project.id,
        language=language,
        score=score.value,
        correct=score.correct,
        scored_at=now,
    )
    session.add(row)
    session.flush()
    qualification = get_qualification(user_id, project.id, language)
    settings = QualificationSettings.of(project.settings)
    if qualification is not None and qualification.state == QualificationState.QUALIFIED:
        accuracy, count = rolling_accuracy(user_id, project.id, language, since=qualification.changed_at)
        if (
            count >= settings.min_gold_for_suspension
            and accuracy is not None
            and accuracy < settings.suspend_below
        ):
            _set_state(qualification, QualificationState.SUSPENDED, "gold_accuracy", now, accuracy=accuracy)
    return row


def rolling_accuracy(
    user_id: int, project_id: int, language: str, since: datetime | None = None, window: int | None = None
) -> tuple[float | None, int]:
    """Share of correct answers among the latest hidden-gold answers (and how many there were)."""
    project = _project(project_id)
    window = window or QualificationSettings.of(project.settings).gold_window
    query = select(GoldScore.correct).where(
        GoldScore.user_id == user_id, GoldScore.project_id == project_id, GoldScore.language == language
    )
    if since is not None:
        query = query.where(GoldScore.scored_at >= since)
    latest = list(get_session().scalars(query.order_by(GoldScore.scored_at.desc()).limit(window)))
    if not latest:
        return None, 0
    return sum(1 for correct in latest if correct) / len(latest), len(latest)


def trust_scores(user_ids: Iterable[int], language: str) -> dict[int, float]:
    """:func:`trust_score` of several annotators in one query (consensus weighs every answer)."""
    a, b = TRUST_PRIOR
    ids = list(user_ids)
    found = {
        user_id: (float(correct), int(total))
        for user_id, correct, total in get_session().execute(
            select(GoldScore.user_id, func.coalesce(func.sum(GoldScore.score), 0.0), func.count())
            .where(GoldScore.user_id.in_(ids), GoldScore.language == language)
            .group_by(GoldScore.user_id)
        )
    }
    return {
        user_id: (found.get(user_id, (0.0, 0))[0] + a) / (found.get(user_id, (0.0, 0))[1] + a + b)
        for user_id in ids
    }


def trust_score(user_id: int, language: str) -> float:
    """Posterior mean accuracy on hidden gold in a language, across projects, under a Beta prior:
    (correct + a) / (answers + a + b). Consensus weighs votes with it."""
    a, b = TRUST_PRIOR
    correct, total = (
        get_session()
        .execute(
            select(func.coalesce(func.sum(GoldScore.score), 0.0), func.count()).where(
                GoldScore.user_id == user_id, GoldScore.language == language
            )
        )
        .one()
    )
    return float((correct + a) / (total + a + b))


# --- ops views --------------------------------------------------------------------------------


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
    query = select(Qualification).where(Qualification.state == QualificationState.SUSPENDED)
    if language:
        query = query.where(Qualification.language == language)
    return list(get_session().scalars(query.order_by(Qualification.language, Qualification.changed_at)))
