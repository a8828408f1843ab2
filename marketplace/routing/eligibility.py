"""Which of a project's languages an annotator may work in, and in which order they are offered.

The rule is :mod:`marketplace.projects.readers` on the person's native languages: the same
maximized language and script (a ``zh-CN`` reader gets ``zh`` and ``zh-Hans`` items, a ``zh-TW``
reader ``zh-Hant`` ones, never the other script), the region only where the project requires it.
Where the project has an exam, the qualified languages are the only ones allowed (the exam itself
was only open to readers of its language). Among the allowed languages, those of the annotator's
own region come first: a region is a preference, a routing weight, unless it is required.
"""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.languages.tags import preferred_targets
from marketplace.projects.models import Project
from marketplace.projects.readers import readable_targets


def allowed_targets(
    native: Sequence[str], project: Project, *, qualified: Sequence[str] | None
) -> list[list[str]]:
    """The project's languages the annotator may label, in groups to offer in turn: those of
    their own region, then the rest. Empty when there are none.

    ``qualified`` is the annotator's qualified languages of a project with an exam (None when the
    project has none: native readers may start at once).
    """
    if qualified is not None:
        allowed = sorted(set(project.language_codes) & set(qualified))
    else:
        allowed = readable_targets(native, project)
    if not allowed:
        return []
    first = preferred_targets(native, allowed)
    rest = [target for target in allowed if target not in first]
    return [group for group in (first, rest) if group]
