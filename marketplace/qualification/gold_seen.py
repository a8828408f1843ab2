"""Which gold items a person has seen outside their own work, so hidden gold stays hidden.

Review records the sighting when a reviewer takes a task on a gold item (a failed-gold judgment
shows the item and what was expected); routing leaves such items out of that person's hidden gold.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from marketplace.db import insert_ignoring_conflicts
from marketplace.qualification.models import GoldAnswer, GoldSeen


def record_gold_seen(session: Session, user_id: int, item_id: int) -> bool:
    """Note that ``user_id`` saw ``item_id``, if it is gold (in the caller's transaction)."""
    if session.get(GoldAnswer, item_id) is None:
        return False
    session.execute(insert_ignoring_conflicts(session, GoldSeen, {"user_id": user_id, "item_id": item_id}))
    return True


def gold_seen_by(user_id: int) -> Select[int]:
    """Ids of the gold items ``user_id`` has seen outside their own work (for ``NOT IN``)."""
    return select(GoldSeen.item_id).where(GoldSeen.user_id == user_id)
