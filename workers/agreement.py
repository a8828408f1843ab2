"""Agreement statistics jobs."""

from __future__ import annotations

from marketplace.agreement import service


def update_item_agreement(item_id: int) -> bool:
    """Refresh one item's contribution to its batch's coincidence matrix and its agreement figures.

    Takes an id and is idempotent: when nothing changed since the last run, it writes nothing.
    """
    return service.update_item_statistics(item_id)
