"""Review housekeeping jobs."""

from __future__ import annotations

from marketplace.review import acceptance, intake, service


def auto_accept_due() -> int:
    """Accept unsampled work whose review period has ended (idempotent: accepted work is no longer
    pending, and its ledger booking has a unique key)."""
    return acceptance.auto_accept_due()


def expire_review_leases() -> int:
    """Put review tasks whose lease ran out back in the queue (claims already treat them as free)."""
    return service.expire_review_leases()


def intake_stragglers() -> int:
    """Take into review (or schedule for acceptance) completed items whose intake was cut short
    by a crash between the submit and the intake (idempotent: intake looks only at judgments
    that have not been through it)."""
    return intake.intake_stragglers()
