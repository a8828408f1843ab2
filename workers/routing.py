"""Routing housekeeping jobs."""

from __future__ import annotations

from marketplace.routing import service


def expire_leases() -> int:
    """Mark leases past their expiry as expired. Idempotent: a second run finds nothing to do.

    Slots are already free the moment a lease expires (claims count only unexpired leases); this
    job records the expiry and its event so the audit trail and the annotator's list are right.
    """
    return service.expire_leases()
