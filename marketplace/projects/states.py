"""Human names of project states, in the reader's language (messages and pages share them)."""

from __future__ import annotations

from flask_babel import gettext as _

from marketplace.projects.models import ProjectState


def state_name(state: str) -> str:
    names = {
        ProjectState.DRAFT: _("draft"),
        ProjectState.ACTIVE: _("active"),
        ProjectState.PAUSED: _("paused"),
        ProjectState.COMPLETED: _("completed"),
        ProjectState.ARCHIVED: _("archived"),
    }
    try:
        return str(names[ProjectState(state)])
    except ValueError:
        return state
