"""Hidden gold and trust: how well annotators keep answering gold items served among their work.

Why a module: after the exam, quality is watched continuously. Hidden gold answers keep a rolling
accuracy over the latest ``gold_window`` answers since the qualification last changed; under
``suspend_below`` (after ``min_gold_for_suspension`` answers) the qualification is suspended
until ops reinstate or revoke it. Across projects, the same answers give each annotator a trust
score per language, which consensus weighs votes with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.db import get_session
from marketplace.projects.models import Item, Project
from marketplace.projects.settings.qualification import QualificationSettings
from marketplace.qualification.gold import project_or_404
from marketplace.qualification.models import GoldAnswer, GoldScore, QualificationState
from marketplace.qualification.qualifications import get_qualification, set_state

#: Prior of the trust score: a Beta(2, 2) belief, i.e. a newcomer starts at 0.5 and a few answers
#: move it only a little.
TRUST_PRIOR = (2.0, 2.0)


def _suspend_if_below(user_id: int, project: Project, language: str, now: datetime) -> None:
    """Suspend a qualified annotator whose rolling accuracy fell under the project's threshold."""
    qualification = get_qualification(user_id, project.id, language)
    settings = QualificationSettings.of(project.settings)
    if qualification is None or qualification.state != QualificationState.QUALIFIED:
        return
    accuracy, count = rolling_accuracy(user_id, project.id, language, since=qualification.changed_at)
    if (
        count >= settings.min_gold_for_suspension
        and accuracy is not None
        and accuracy < settings.suspend_below
    ):
        set_state(qualification, QualificationState.SUSPENDED, "gold_accuracy", now, accuracy=accuracy)


def record_hidden_gold(
    session: Session, assignment_id: int, user_id: int, item: Item, answer: Mapping[str, Any], now: datetime
) -> GoldScore:
    """Score a submitted hidden-gold answer in the caller's transaction, and suspend the annotator's
    qualification when their rolling accuracy falls below the project's threshold."""
    from marketplace.qualification.scoring import score_answer  # numpy/scipy: loaded when needed

    project = project_or_404(item.project_id)
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
    _suspend_if_below(user_id, project, language, now)
    return row


def rolling_accuracy(
    user_id: int, project_id: int, language: str, since: datetime | None = None, window: int | None = None
) -> tuple[float | None, int]:
    """Share of correct answers among the latest hidden-gold answers (and how many there were)."""
    project = project_or_404(project_id)
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
