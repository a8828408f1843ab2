"""Review use-cases: who may review which language, claiming review tasks, and decisions.

Claims follow the rules of work (routing): a task is leased for the project's lease time, an
expired lease is free to claim again at once, a reviewer holds at most a few at a time, and on
PostgreSQL claims take rows with ``FOR UPDATE SKIP LOCKED`` so concurrent reviewers never get the
same task. A reviewer never reviews an item they judged, nor two passes of the same item.

Decisions (the last pass decides; earlier passes of accept/fix hand the item to the next pass):
- accept: the consensus stands as the item's label; its judgments are accepted and paid;
- fix: the reviewer's answer becomes the label; the judgments are accepted and paid, and each
  annotator whose answer differed sees the correction;
- reject: the named judgments (all, by default) are rejected with a reason and redone by someone
  else; the item's other judgments are accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from marketplace import jobs
from marketplace.accounts.models import Role, User, UserRole
from marketplace.db import get_session, is_postgresql, utcnow
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.projects import item_lifecycle
from marketplace.projects.models import Item, Project
from marketplace.projects.settings.review import ReviewSettings
from marketplace.qualification.gold_seen import record_gold_seen
from marketplace.qualification.models import Qualification, QualificationState
from marketplace.review.acceptance import accept_judgment
from marketplace.review.intake import open_task
from marketplace.review.models import (
    JudgmentOutcome,
    RejectionReason,
    ReviewDecision,
    ReviewerLanguage,
    ReviewOutcome,
    ReviewTask,
    ReviewTaskState,
)
from marketplace.routing.assignment_lifecycle import mark_rejected
from marketplace.routing.models import Acceptance, Assignment, AssignmentState
from marketplace.tasktypes import validate_answer
from marketplace.validation import FieldError, InvalidInput

#: Review tasks one reviewer may hold at once (as for work).
MAX_REVIEW_LEASES = 5
#: Longest reviewer note kept.
MAX_NOTE = 2000


# --- reviewer languages -----------------------------------------------------------------------


def _language(raw: str, field: str = "language") -> str:
    try:
        return normalize_language(raw)
    except UnknownLanguage as exc:
        raise InvalidInput(
            [FieldError(field, "unknown_language", _("“%(code)s” is not a known language code.", code=raw))]
        ) from exc


def is_qualified_in(session: Session, user_id: int, language: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Qualification.user_id == user_id,
                    Qualification.language == language,
                    Qualification.state == QualificationState.QUALIFIED,
                )
            )
        )
    )


def grant_reviewer(user_id: int, raw_language: str, ops_user_id: int) -> ReviewerLanguage:
    """Ops make someone a reviewer of a language; only people qualified in it (422 otherwise)."""
    session = get_session()
    language = _language(raw_language)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    if not is_qualified_in(session, user_id, language):
        raise InvalidInput(
            [
                FieldError(
                    "language",
                    "not_qualified",
                    _("Only people qualified in %(language)s can review it.", language=language),
                )
            ],
            status=422,
        )
    now = utcnow()
    if not user.has_role(Role.REVIEWER):
        session.add(UserRole(user_id=user_id, role=Role.REVIEWER, granted_at=now, granted_by_id=ops_user_id))
    grant = session.get(ReviewerLanguage, (user_id, language))
    if grant is None:
        grant = ReviewerLanguage(user_id=user_id, language=language)
        session.add(grant)
    grant.granted_by_id = ops_user_id
    grant.granted_at = now
    grant.revoked_at = None
    grant.revoked_by_id = None
    session.commit()
    return grant


def revoke_reviewer(user_id: int, raw_language: str, ops_user_id: int) -> ReviewerLanguage:
    session = get_session()
    grant = session.get(ReviewerLanguage, (user_id, _language(raw_language)))
    if grant is None or grant.revoked_at is not None:
        raise NotFound(_("This person does not review this language."))
    now = utcnow()
    grant.revoked_at = now
    grant.revoked_by_id = ops_user_id
    # Reviews they hold in the language go back to the queue at once rather than at lease expiry.
    for task in live_review_leases(user_id, now):
        if task.language == grant.language:
            _reopen(task)
    session.commit()
    return grant


def reviewer_languages(user_id: int) -> list[str]:
    return list(
        get_session().scalars(
            select(ReviewerLanguage.language)
            .where(ReviewerLanguage.user_id == user_id, ReviewerLanguage.revoked_at.is_(None))
            .order_by(ReviewerLanguage.language)
        )
    )


def list_reviewers(language: str | None = None) -> list[tuple[ReviewerLanguage, User]]:
    query = (
        select(ReviewerLanguage, User)
        .join(User, User.id == ReviewerLanguage.user_id)
        .where(ReviewerLanguage.revoked_at.is_(None))
        .order_by(ReviewerLanguage.language, User.display_name)
    )
    if language:
        query = query.where(ReviewerLanguage.language == language)
    # User.roles loads joined: rows must be made unique before they can be iterated.
    return [(grant, user) for grant, user in get_session().execute(query).unique()]


def require_reviewer(user: User | None) -> list[str]:
    """The caller's review languages; 403 unless they review at least one."""
    if user is None or not user.has_role(Role.REVIEWER):
        raise Forbidden(_("Only reviewers can do this."))
    languages = reviewer_languages(user.id)
    if not languages:
        raise Forbidden(_("You have not been given a language to review yet."))
    return languages


# --- claiming ---------------------------------------------------------------------------------


def _claimable(now: datetime) -> Any:
    return or_(
        ReviewTask.state == ReviewTaskState.OPEN,
        and_(ReviewTask.state == ReviewTaskState.LEASED, ReviewTask.lease_expires_at <= now),
    )


def live_review_leases(reviewer_id: int, now: datetime) -> list[ReviewTask]:
    return list(
        get_session().scalars(
            select(ReviewTask)
            .where(
                ReviewTask.reviewer_id == reviewer_id,
                ReviewTask.state == ReviewTaskState.LEASED,
                ReviewTask.lease_expires_at > now,
            )
            .order_by(ReviewTask.claimed_at, ReviewTask.id)
        )
    )


def claim_review_tasks(reviewer_id: int, languages: Sequence[str], count: int = 1) -> list[ReviewTask]:
    """Up to ``count`` review tasks in the reviewer's languages, live leases first, oldest first."""
    if not 1 <= count <= MAX_REVIEW_LEASES:
        raise InvalidInput(
            [
                FieldError(
                    "count", "invalid", _("Ask for 1 to %(max)s items at a time.", max=MAX_REVIEW_LEASES)
                )
            ]
        )
    session = get_session()
    now = utcnow()
    leases = live_review_leases(reviewer_id, now)
    result = [task for task in leases if task.language in languages][:count]
    room = min(count - len(result), MAX_REVIEW_LEASES - len(leases))
    if room <= 0 or not languages:
        session.commit()
        return result
    judged = exists().where(Assignment.item_id == ReviewTask.item_id, Assignment.annotator_id == reviewer_id)
    earlier = aliased(ReviewTask)
    reviewed_before = exists().where(
        earlier.item_id == ReviewTask.item_id,
        earlier.round == ReviewTask.round,
        earlier.assignment_id.is_not_distinct_from(ReviewTask.assignment_id),
        earlier.id != ReviewTask.id,
        earlier.reviewer_id == reviewer_id,
    )
    query = (
        select(ReviewTask)
        .where(ReviewTask.language.in_(languages), _claimable(now), ~judged, ~reviewed_before)
        .order_by(ReviewTask.id)
        .limit(room)
        .with_for_update(skip_locked=True, of=ReviewTask)
    )
    tasks = list(session.scalars(query))
    for task in tasks:
        project = session.get(Project, task.project_id)
        assert project is not None
        task.state = ReviewTaskState.LEASED
        task.reviewer_id = reviewer_id
        task.claimed_at = now
        task.lease_expires_at = now + timedelta(minutes=project.lease_minutes)
        # A reviewer of a gold item sees it with its expected answer: never their hidden gold.
        record_gold_seen(session, reviewer_id, task.item_id)
    session.commit()
    return result + tasks


def own_review_task(reviewer_id: int, public_id: str, *, lock: bool = False) -> ReviewTask:
    """The reviewer's task (one they hold or decided); 404 for anything else."""
    query = select(ReviewTask).where(ReviewTask.public_id == public_id, ReviewTask.reviewer_id == reviewer_id)
    if lock:
        query = query.with_for_update()
    task = get_session().scalar(query)
    if task is None:
        raise NotFound(_("No such review task."))
    return task


def release_review_task(reviewer_id: int, public_id: str) -> ReviewTask:
    session = get_session()
    task = own_review_task(reviewer_id, public_id, lock=True)
    if task.state != ReviewTaskState.LEASED:
        raise Conflict(_("Only a review you are working on can be given back."))
    _reopen(task)
    session.commit()
    return task


def _reopen(task: ReviewTask) -> None:
    task.state = ReviewTaskState.OPEN
    task.reviewer_id = None
    task.claimed_at = None
    task.lease_expires_at = None


def expire_review_leases(now: datetime | None = None) -> int:
    """Return expired review leases to the queue (claims already treat them as free)."""
    session = get_session()
    now = now or utcnow()
    query = select(ReviewTask).where(
        ReviewTask.state == ReviewTaskState.LEASED, ReviewTask.lease_expires_at <= now
    )
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    stale = list(session.scalars(query))
    for task in stale:
        _reopen(task)
    session.commit()
    return len(stale)


# --- what a reviewer sees -----------------------------------------------------------------------


def task_judgments(session: Session, task: ReviewTask) -> list[Assignment]:
    """The judgments a task decides: its one judgment, or the item's judgments still in review."""
    if task.assignment_id is not None:
        one = session.get(Assignment, task.assignment_id)
        return [one] if one is not None else []
    return list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.item_id == task.item_id,
                Assignment.state == AssignmentState.SUBMITTED,
                Assignment.acceptance == Acceptance.IN_REVIEW,
            )
            .order_by(Assignment.id)
        )
    )


# --- deciding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    decision: ReviewDecision
    answer: dict[str, Any] | None = None
    reason: RejectionReason | None = None
    note: str = ""
    #: Public ids of the judgments to reject (decision "reject"); None rejects all of them.
    reject: Sequence[str] | None = None


def _invalid(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field, code, message)], status=422)


def _check_fix(project: Project, item: Item, answer: Any) -> dict[str, Any]:
    ontology = project.current_ontology
    labels = ontology.label_names if ontology else []
    errors = validate_answer(project.task_type, answer, item.payload, labels, project.task_config)
    if errors:
        raise InvalidInput(errors, status=422)
    assert isinstance(answer, dict)
    return answer


def _rejected(judgments: Sequence[Assignment], decision: Decision) -> list[Assignment]:
    if decision.reject is None:
        return list(judgments)
    wanted = set(decision.reject)
    by_id = {a.public_id: a for a in judgments}
    unknown = sorted(wanted - set(by_id))
    if unknown:
        raise _invalid(
            "reject",
            "unknown_judgment",
            _("These are not judgments of this review: %(ids)s", ids=", ".join(unknown)),
        )
    if not wanted:
        raise _invalid("reject", "required", _("Name at least one judgment to reject."))
    return [a for a in judgments if a.public_id in wanted]


def _validate(
    task: ReviewTask, project: Project, item: Item, judgments: Sequence[Assignment], d: Decision
) -> None:
    if d.decision == ReviewDecision.FIX:
        if task.assignment_id is not None:
            raise _invalid("decision", "not_allowed", _("A single answer can only be accepted or rejected."))
        if d.answer is None:
            raise _invalid("answer", "required", _("Give the corrected answer."))
    if d.decision == ReviewDecision.ACCEPT and task.assignment_id is None and item.label is None:
        raise _invalid(
            "decision", "no_label", _("There is no agreed answer to accept; correct it or reject it instead.")
        )
    if d.decision == ReviewDecision.REJECT and d.reason is None:
        raise _invalid("reason", "required", _("Say why the work is rejected."))
    if not judgments:
        raise Conflict(_("The work in this review has changed; it no longer needs a decision."))


def decide(reviewer_id: int, public_id: str, decision: Decision) -> ReviewTask:
    """Record a reviewer's decision on a task they hold (409 when they no longer hold it)."""
    session = get_session()
    task = own_review_task(reviewer_id, public_id, lock=True)
    if task.state == ReviewTaskState.DECIDED:
        if task.decision == decision.decision:  # a retried request
            session.commit()
            return task
        raise Conflict(_("This review has already been decided."))
    if task.state != ReviewTaskState.LEASED:
        raise Conflict(_("This review is no longer yours to decide."))
    item = session.get(Item, task.item_id, with_for_update={"key_share": True})
    project = session.get(Project, task.project_id)
    assert item is not None and project is not None
    judgments = task_judgments(session, task)
    _validate(task, project, item, judgments, decision)
    correction = (
        _check_fix(project, item, decision.answer) if decision.decision == ReviewDecision.FIX else None
    )
    rejected = _rejected(judgments, decision) if decision.decision == ReviewDecision.REJECT else []
    now = utcnow()
    task.state = ReviewTaskState.DECIDED
    task.decision = decision.decision
    task.correction = correction
    task.rejection_reason = decision.reason
    task.note = decision.note[:MAX_NOTE]
    task.rejected_assignments = [a.public_id for a in rejected]
    task.decided_at = now
    task.agrees_with_previous = _agrees_with_previous(session, task)
    settings = ReviewSettings.of(project.settings)
    if decision.decision != ReviewDecision.REJECT and task.pass_number < settings.passes:
        open_task(
            session,
            item,
            round_number=task.round,
            pass_number=task.pass_number + 1,
            reasons=task.reasons,
            assignment_id=task.assignment_id,
        )
    else:
        _finalise(session, task, item, judgments, rejected, correction, now, reviewer_id)
    session.commit()
    if rejected and task.assignment_id is None:
        jobs.enqueue(
            "marketplace.agreement.service.update_item_statistics", item.id, queue=jobs.QUEUE_STATISTICS
        )
    return task


def _finalise(
    session: Session,
    task: ReviewTask,
    item: Item,
    judgments: Sequence[Assignment],
    rejected: Sequence[Assignment],
    correction: dict[str, Any] | None,
    now: datetime,
    reviewer_id: int,
) -> None:
    """The last pass decided: settle every judgment, write the feedback, set the label."""
    rejected_ids = {a.id for a in rejected}
    for assignment in judgments:
        if assignment.id in rejected_ids:
            mark_rejected(session, assignment, now, by=reviewer_id)
            outcome = JudgmentOutcome.REJECTED
        else:
            accept_judgment(session, assignment, now, by=reviewer_id)
            corrected = correction is not None and assignment.answer != correction
            outcome = JudgmentOutcome.CORRECTED if corrected else JudgmentOutcome.ACCEPTED
        session.add(
            ReviewOutcome(
                review_task_id=task.id,
                assignment_id=assignment.id,
                annotator_id=assignment.annotator_id,
                outcome=outcome,
                rejection_reason=task.rejection_reason if outcome == JudgmentOutcome.REJECTED else None,
                note=task.note if outcome != JudgmentOutcome.ACCEPTED else "",
                correction=correction if outcome == JudgmentOutcome.CORRECTED else None,
                created_at=now,
            )
        )
    if task.assignment_id is not None:
        return  # one hidden-gold judgment: the gold item itself has no label to change
    if rejected:
        item_lifecycle.reopen_item(item)
    elif correction is not None:
        item_lifecycle.set_label(item, correction, "correction")
    else:
        item_lifecycle.set_label(item, item.label, "review")


def _agrees_with_previous(session: Session, task: ReviewTask) -> bool | None:
    """Reviewer agreement: the same decision, the same resulting label, the same rejections."""
    if task.pass_number <= 1:
        return None
    previous = session.scalar(
        select(ReviewTask).where(
            ReviewTask.item_id == task.item_id,
            ReviewTask.round == task.round,
            ReviewTask.pass_number == task.pass_number - 1,
            ReviewTask.assignment_id == task.assignment_id
            if task.assignment_id is not None
            else ReviewTask.assignment_id.is_(None),
        )
    )
    if previous is None or previous.decision is None:
        return None
    return (
        previous.decision == task.decision
        and previous.correction == task.correction
        and sorted(previous.rejected_assignments) == sorted(task.rejected_assignments)
    )
