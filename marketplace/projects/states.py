"""Human names of project states, in the reader's language (messages and pages share them)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

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


#: Why an item waits in language triage, in the reader's language (codes from the detector, the
#: detection job and routing): the ops triage pages and the clients' QA reports share them.
TRIAGE_REASON_NAMES: dict[str, LazyString] = {
    "empty": _l("no words"),
    "too_short": _l("too short"),
    "uncertain": _l("uncertain"),
    "ambiguous": _l("close languages"),
    "mixed": _l("mixed languages"),
    "mismatch": _l("not the declared language"),
    "unsupported": _l("language not told apart"),
    "not_in_project": _l("not a project language"),
    "no_language": _l("no language declared"),
    "detection_failed": _l("detection failed"),
    "reported": _l("reported by an annotator"),
}


def triage_reason_name(code: str | None) -> str:
    return str(TRIAGE_REASON_NAMES.get(code or "", code or ""))
