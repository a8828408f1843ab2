"""Assignments as their annotator sees them: the JSON the routing API returns and pages embed.

Why apart from ``service.py``: routing decides who gets which item; how an assignment is shown
(the item without its gold answer, the project's brief in the reader's language) is presentation.
"""

from __future__ import annotations

from typing import Any

from marketplace.db import get_session
from marketplace.projects.briefing import item_for_annotator, project_brief
from marketplace.projects.models import Item, Project
from marketplace.projects.presenters import timestamp
from marketplace.routing.models import Assignment


def assignment_json(assignment: Assignment, ui_locale: str | None) -> dict[str, Any]:
    session = get_session()
    item = session.get(Item, assignment.item_id)
    project = session.get(Project, assignment.project_id)
    assert item is not None and project is not None
    return {
        "id": assignment.public_id,
        "state": assignment.state,
        "claimed_at": timestamp(assignment.claimed_at),
        "lease_expires_at": timestamp(assignment.lease_expires_at),
        "finished_at": timestamp(assignment.finished_at),
        "answer": assignment.answer,
        "seconds_spent": assignment.seconds_spent,
        "edge_case": assignment.flagged_edge_case,
        "item": item_for_annotator(item),
        "project": project_brief(project, item.language or project.source_language, ui_locale),
    }
