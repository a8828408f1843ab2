"""Jobs of the ``default`` queue about item languages."""

from __future__ import annotations


def detect_item_languages(batch_id: int) -> int:
    """Detect and decide the language of the batch's items still ``awaiting_language``.

    Takes a batch id (a ``Batch`` key), not objects, and is idempotent: decided items leave the
    waiting state, so a second run finds nothing and a run after a crash resumes at the first
    undecided item. Works in chunks, one transaction each, so the progress endpoint sees the
    count of waiting items fall. Returns how many items it decided.
    """
    from marketplace.projects.language_assignment import detect_batch_languages

    return detect_batch_languages(batch_id)
