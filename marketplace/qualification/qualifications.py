"""Qualifications: whether an annotator may work on a project in a language, and who changed it.

Why a module: a qualification is the record the exam writes, hidden gold can suspend and ops can
grant, reinstate or revoke; routing reads it to decide who gets work. Every change of state goes
through :func:`set_state`, so when and why it last changed is always on the row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.qualification.models import Qualification, QualificationState


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


def set_state(
    qualification: Qualification,
    state: QualificationState,
    reason: str,
    now: datetime,
    by: int | None = None,
    accuracy: float | None = None,
) -> None:
    """Move a qualification to ``state`` and note why, when, by whom and at what accuracy."""
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
    set_state(qualification, QualificationState.QUALIFIED, "ops", now, by=granted_by)
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
    set_state(
        qualification, state, "ops", utcnow(), by=ops_user_id, accuracy=qualification.accuracy_at_change
    )
    session.commit()
    return qualification


def reinstate(qualification_id: int, ops_user_id: int) -> Qualification:
    """Ops restore a suspended (or revoked) qualification; the rolling window starts afresh."""
    return _ops_change(qualification_id, QualificationState.QUALIFIED, ops_user_id)


def revoke(qualification_id: int, ops_user_id: int) -> Qualification:
    """Ops withdraw a qualification for good (until they reinstate it)."""
    return _ops_change(qualification_id, QualificationState.REVOKED, ops_user_id)
