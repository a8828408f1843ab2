"""Numbers about review: queue sizes per language and reason, decisions, and how often reviewers
agree with each other (pass 2 against pass 1 of the same item)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import User
from marketplace.db import get_session, utcnow
from marketplace.review.models import ReviewTask, ReviewTaskState


@dataclass
class LanguageQueue:
    language: str
    open: int = 0
    leased: int = 0
    decided: int = 0
    #: Open or leased tasks per reason (a task with two reasons counts under both).
    reasons: Counter[str] = field(default_factory=Counter)
    decisions: Counter[str] = field(default_factory=Counter)

    @property
    def acceptance_rate(self) -> float | None:
        total = sum(self.decisions.values())
        if not total:
            return None
        return (self.decisions.get("accept", 0) + self.decisions.get("fix", 0)) / total


def queue_summary(
    languages: Sequence[str] | None = None, project_id: int | None = None
) -> list[LanguageQueue]:
    """Per language: waiting, in hand and decided tasks, reasons waiting, and decisions taken."""
    query = select(
        ReviewTask.language,
        ReviewTask.state,
        ReviewTask.reasons,
        ReviewTask.decision,
        ReviewTask.lease_expires_at,
    )
    if languages is not None:
        query = query.where(ReviewTask.language.in_(list(languages)))
    if project_id is not None:
        query = query.where(ReviewTask.project_id == project_id)
    now = utcnow()
    queues: dict[str, LanguageQueue] = {}
    for language, state, reasons, decision, expires in get_session().execute(query):
        queue = queues.setdefault(language, LanguageQueue(language))
        if state == ReviewTaskState.DECIDED:
            queue.decided += 1
            if decision:
                queue.decisions[decision] += 1
            continue
        if state == ReviewTaskState.CANCELLED:
            continue
        if state == ReviewTaskState.LEASED and expires is not None and expires > now:
            queue.leased += 1
        else:
            queue.open += 1
        for reason in reasons or []:
            queue.reasons[str(reason.get("reason"))] += 1
    return [queues[key] for key in sorted(queues)]


@dataclass
class ReviewerAgreement:
    language: str
    #: Later-pass decisions compared with the pass before them.
    compared: int = 0
    agreed: int = 0
    #: Cohen's kappa between the two passes' decisions (accept/fix/reject), None when undefined.
    kappa: float | None = None
    per_reviewer: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.agreed / self.compared if self.compared else None


def reviewer_agreement(languages: Sequence[str] | None = None) -> list[ReviewerAgreement]:
    """Agreement between review passes per language, overall and per reviewer of the later pass."""
    from marketplace.agreement.metrics import cohen_kappa

    later = aliased(ReviewTask)
    earlier = aliased(ReviewTask)
    query = (
        select(
            later.language, later.decision, earlier.decision, later.agrees_with_previous, User.display_name
        )
        .join(
            earlier,
            (earlier.item_id == later.item_id)
            & (earlier.round == later.round)
            & (earlier.pass_number == later.pass_number - 1)
            # Failed-gold reviews of one gold item are separate chains, one per judgment.
            & earlier.assignment_id.is_not_distinct_from(later.assignment_id),
        )
        .join(User, User.id == later.reviewer_id)
        .where(later.state == ReviewTaskState.DECIDED, later.pass_number > 1, earlier.decision.is_not(None))
    )
    if languages is not None:
        query = query.where(later.language.in_(list(languages)))
    pairs: dict[str, list[tuple[str | None, str | None]]] = defaultdict(list)
    result: dict[str, ReviewerAgreement] = {}
    for language, decision, previous, agrees, reviewer in get_session().execute(query):
        row = result.setdefault(language, ReviewerAgreement(language))
        row.compared += 1
        row.agreed += 1 if agrees else 0
        mine = row.per_reviewer.setdefault(reviewer, {"compared": 0, "agreed": 0})
        mine["compared"] += 1
        mine["agreed"] += 1 if agrees else 0
        pairs[language].append((previous, decision))
    for language, row in result.items():
        first = [a for a, _b in pairs[language]]
        second = [b for _a, b in pairs[language]]
        row.kappa = cohen_kappa(first, second)
    return [result[key] for key in sorted(result)]
