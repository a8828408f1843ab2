"""Ops: dashboards and queues over the other domains (triage, later review and pay)."""
