"""Process entry points: the RQ worker and the periodic-job scheduler (`python -m workers`).

Job functions live in the domains and are enqueued by dotted path (`marketplace.jobs`)."""
