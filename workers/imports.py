"""Jobs of the ``imports`` queue: checking and storing large item uploads."""

from __future__ import annotations


def process_item_import(import_id: int) -> None:
    """Check and store the queued upload ``import_id`` (an ``ItemImport`` key).

    Takes an id, not an object, and is idempotent: a finished import is left alone, and an
    interrupted one starts over, since its items are written in a single final transaction.
    Runs inside the app context the worker provides.
    """
    from marketplace.projects.ingest import run_import

    run_import(import_id)
