"""How work enters review: called by routing, in the submitting transaction, when an item
completes or a hidden-gold answer is scored.

An item goes to its language's queue when it is an edge case (flagged by an annotator, unresolved
after dynamic overlap, a wrong-language report, low agreement) — all of them — or when the
stratified sample takes it. Each reason is recorded on the task. Everything else waits for the
review period and is then accepted automatically. Hidden gold answered correctly is accepted at
once; a failed one is reviewed on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from marketplace.db import get_session, utcnow
from marketplace.projects import item_lifecycle
from marketplace.projects.models import Batch, Item, ItemState, Project
from marketplace.projects.settings.review import ReviewSettings
from marketplace.review.models import ReviewReason, ReviewTask
from marketplace.review.sampling import draw_sample
from marketplace.routing.assignment_lifecycle import hold_for_review, schedule_auto_accept
from marketplace.routing.models import Assignment, AssignmentState


def new_judgments(session: Session, item_id: int) -> list[Assignment]:
    """The item's counted judgments that have not been through intake (no acceptance state yet)."""
    return list(
        session.scalars(
            select(Assignment)
            .where(
                Assignment.item_id == item_id,
                Assignment.state == AssignmentState.SUBMITTED,
                Assignment.acceptance.is_(None),
            )
            .order_by(Assignment.id)
        )
    )


def edge_case_reasons(
    session: Session, item: Item, judgments: list[Assignment], settings: ReviewSettings
) -> list[dict[str, Any]]:
    """Why the item must be reviewed whatever the sample says; empty when it need not be."""
    reasons: list[dict[str, Any]] = []
    flagged = [a.public_id for a in judgments if a.flagged_edge_case]
    if flagged:
        reasons.append({"reason": ReviewReason.FLAGGED, "judgments": flagged})
    if item.edge_case_reason == "unresolved":
        reasons.append({"reason": ReviewReason.UNRESOLVED})
    reported = session.scalar(
        select(exists().where(Assignment.item_id == item.id, Assignment.reported_language.is_not(None)))
    )
    if reported:
        reasons.append({"reason": ReviewReason.LANGUAGE_REPORTED})
    consensus = item.consensus or {}
    confidence = consensus.get("confidence")
    # Agreement needs two judgments: one answer alone is not "low agreement", whatever its weight.
    if (
        consensus.get("resolved")
        and int(consensus.get("judgments") or 0) >= 2
        and isinstance(confidence, int | float)
        and confidence < settings.low_agreement_below
    ):
        reasons.append({"reason": ReviewReason.LOW_AGREEMENT, "confidence": confidence})
    return reasons


def open_task(
    session: Session,
    item: Item,
    *,
    round_number: int,
    pass_number: int,
    reasons: list[dict[str, Any]],
    assignment_id: int | None = None,
) -> ReviewTask:
    """Create a review task (idempotent per scope: an existing one is returned)."""
    scope = (
        f"assignment:{assignment_id}:{pass_number}"
        if assignment_id is not None
        else f"item:{item.id}:{round_number}:{pass_number}"
    )
    existing = session.scalar(select(ReviewTask).where(ReviewTask.scope_key == scope))
    if existing is not None:
        return existing
    assert item.language is not None
    task = ReviewTask(
        scope_key=scope,
        item_id=item.id,
        project_id=item.project_id,
        batch_id=item.batch_id,
        assignment_id=assignment_id,
        language=item.language,
        round=round_number,
        pass_number=pass_number,
        reasons=reasons,
    )
    session.add(task)
    session.flush()
    return task


def label_item(item: Item) -> None:
    """A settled item's label for delivery is its consensus until a reviewer says otherwise."""
    label = (item.consensus or {}).get("answer")
    item_lifecycle.set_label(item, label, "consensus" if label is not None else None)


def intake_completed_item(item_id: int) -> ReviewTask | None:
    """Queue a completed item for review or schedule its judgments' automatic acceptance, in a
    short transaction of its own. Idempotent: only judgments not through intake yet are looked
    at, under the item's row lock, so a second call (the sweeper, a retry) changes nothing."""
    session = get_session()
    item = session.get(Item, item_id, with_for_update={"key_share": True})
    if item is None or item.state != ItemState.COMPLETE:
        session.rollback()
        return None
    project = session.get(Project, item.project_id)
    assert project is not None
    task = on_item_complete(session, item, project, utcnow())
    session.commit()
    return task


def intake_stragglers(older_than: timedelta = timedelta(minutes=2)) -> int:
    """The sweeper: completed work items with judgments that never went through intake (the
    process died between the submit and the intake). Returns how many items it took in."""
    session = get_session()
    cutoff = utcnow() - older_than
    item_ids = list(
        session.scalars(
            select(Assignment.item_id)
            .join(Item, Item.id == Assignment.item_id)
            .join(Batch, Batch.id == Item.batch_id)
            .where(
                Item.state == ItemState.COMPLETE,
                Batch.kind == "work",
                Assignment.state == AssignmentState.SUBMITTED,
                Assignment.acceptance.is_(None),
                Assignment.finished_at <= cutoff,
            )
            .distinct()
        )
    )
    session.commit()
    for item_id in item_ids:
        intake_completed_item(item_id)
    return len(item_ids)


def on_item_complete(session: Session, item: Item, project: Project, now: datetime) -> ReviewTask | None:
    """Queue the completed item for review or schedule its judgments' automatic acceptance (in
    the caller's transaction, item row locked). Returns the review task, if any."""
    settings = ReviewSettings.of(project.settings)
    judgments = new_judgments(session, item.id)
    if not judgments or item.language is None:
        return None
    reasons = edge_case_reasons(session, item, judgments, settings)
    answers = {a.annotator_id: a.answer for a in judgments if a.answer is not None}
    # The sample counts every completed item in its strata, edge case or not, so the rate holds.
    sampled = draw_sample(
        session, project.id, item.language, project.task_type, answers, settings.sample_rate
    )
    if sampled:
        reasons.append({"reason": ReviewReason.SAMPLE})
    if not reasons:
        schedule_auto_accept(judgments, now, settings.auto_accept_hours)
        return None
    item.review_round += 1
    hold_for_review(judgments)
    return open_task(session, item, round_number=item.review_round, pass_number=1, reasons=reasons)


def on_gold_judgment(
    session: Session, item: Item, assignment: Assignment, correct: bool, now: datetime
) -> ReviewTask | None:
    """A scored hidden-gold answer. When right, its acceptance is scheduled exactly as real work's
    that review did not sample: accepted and paid when the project's review period ends, so
    nothing the annotator can watch (earnings, states, timing) tells gold from real items. When
    wrong, it is reviewed alone, so a reviewer can tell a careless answer from a gold key that is
    itself debatable."""
    if correct:
        project = session.get(Project, item.project_id)
        assert project is not None
        schedule_auto_accept([assignment], now, ReviewSettings.of(project.settings).auto_accept_hours)
        return None
    hold_for_review([assignment])
    return open_task(
        session,
        item,
        round_number=1,
        pass_number=1,
        reasons=[{"reason": ReviewReason.FAILED_GOLD}],
        assignment_id=assignment.id,
    )
