"""Read-only questions other stages ask about review, as SQL they can compose into their own
queries (deliveries stream a whole project, so a per-item call would not do)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select

from marketplace.review.models import ReviewTask, ReviewTaskState

#: A task in these states still stands between its item and a settled label.
UNDECIDED_STATES = (ReviewTaskState.OPEN, ReviewTaskState.LEASED)


def items_in_review(project_id: int, item_ids: Sequence[int] | None = None) -> Select[int]:
    """Ids of the project's items (of ``item_ids`` if given) with a review task not decided yet:
    their label may still change."""
    query = select(ReviewTask.item_id).where(
        ReviewTask.project_id == project_id, ReviewTask.state.in_(UNDECIDED_STATES)
    )
    if item_ids is not None:
        query = query.where(ReviewTask.item_id.in_(item_ids))
    return query.distinct()
