"""After an answer is stored: every later stage, in order, in one place.

1. routing stores the answer (``routing.submission.record_submission``), rows locked;
2. hidden gold: qualification scores it (the score stays internal); review schedules its
   acceptance like unsampled real work, or opens a failed-gold task; done;
3. otherwise, once the item has its judgments, agreement settles it (consensus; or one more
   judgment: dynamic overlap; or an edge case) and the settled item gets its consensus label;
4. commit; then review intake (sample or schedule for acceptance) in a short transaction of its
   own: its sampling counters are shared by every item of an annotator, and holding them for the
   whole submit serialised concurrent submitters. A crash in between is caught by the sweeper
   (``review.intake.intake_stragglers``);
5. the item's agreement statistics are refreshed by a job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketplace import jobs
from marketplace.agreement import service as agreement
from marketplace.db import get_session, utcnow
from marketplace.projects.models import ItemState
from marketplace.qualification import service as qualification
from marketplace.review import intake as review
from marketplace.routing.models import Assignment
from marketplace.routing.submission import record_submission, required_judgments, submitted_count

#: The job that refreshes an item's contribution to its batch's agreement statistics.
STATISTICS_JOB = "marketplace.agreement.service.update_item_statistics"


@dataclass(frozen=True)
class SubmitOutcome:
    """What the annotator is told: the same shape for gold and real items."""

    assignment: Assignment
    late: bool
    item_complete: bool
    repeated: bool = False


def submit_assignment(
    annotator_id: int,
    public_id: str,
    answer: Any,
    *,
    seconds_spent: int | None = None,
    edge_case: bool = False,
    comment: str = "",
) -> SubmitOutcome:
    """Record an answer and run every stage that follows it (see the module's docstring)."""
    stored = record_submission(
        annotator_id, public_id, answer, seconds_spent=seconds_spent, edge_case=edge_case, comment=comment
    )
    session = get_session()  # the session record_submission stored the answer in
    assignment, item, project = stored.assignment, stored.item, stored.project
    if stored.repeated:
        session.commit()
        return SubmitOutcome(
            assignment, late=False, item_complete=item.state == ItemState.COMPLETE, repeated=True
        )
    now = utcnow()
    if stored.gold:
        # Hidden gold never completes: it is scored, and the outcome looks like any other item's.
        score = qualification.record_hidden_gold(session, assignment.id, annotator_id, item, answer, now)
        review.on_gold_judgment(session, item, assignment, score.correct, now)
        session.commit()
        return SubmitOutcome(assignment, late=stored.late, item_complete=False)
    settled = submitted_count(session, item.id) >= required_judgments(item, project) and (
        agreement.settle_item(session, item, project, now) != "more"
    )
    if settled:
        review.label_item(item)
    session.commit()
    if settled:
        review.intake_completed_item(item.id)
    jobs.enqueue(STATISTICS_JOB, item.id, queue=jobs.QUEUE_STATISTICS)
    return SubmitOutcome(assignment, late=stored.late, item_complete=item.state == ItemState.COMPLETE)
