"""Who reads a project's languages: the tag rule applied to a project's targets and its rules.

:func:`marketplace.languages.tags.can_read` decides whether a native reader of one tag may label
items of another; a project adds whether the region is required
(:class:`~marketplace.projects.settings.languages.LanguageRules`). Exams (who may sit one) and
routing (who gets work without one) both ask here, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_

from marketplace.languages.tags import can_read, served_targets, stored_spellings
from marketplace.projects.models import Project, ProjectLanguage
from marketplace.projects.settings.languages import LanguageRules


def readable_targets(native: Iterable[str], project: Project) -> list[str]:
    """The project's target languages a native reader of any of ``native`` may label, sorted."""
    rules = LanguageRules.of(project.settings)
    return served_targets(native, project.language_codes, region_required=rules.region_required)


def reads_target(native: Iterable[str], project: Project, target: str) -> bool:
    """Whether a native reader of any of ``native`` may label the project's ``target`` items."""
    rules = LanguageRules.of(project.settings)
    return any(can_read(tag, target, region_required=rules.region_required) for tag in native)


def targets_in_languages(native: Iterable[str]) -> Any:
    """SQL condition on :class:`ProjectLanguage`: a target of one of the person's languages, by its
    language subtag in any spelling (``tl`` rows for a ``fil`` reader). It only narrows the rows
    read; :func:`readable_targets` then applies the full rule."""
    codes = sorted({code for tag in native for code in stored_spellings(tag)})
    if not codes:
        return ProjectLanguage.language.is_(None)
    return or_(
        ProjectLanguage.language.in_(codes),
        *(ProjectLanguage.language.like(f"{code}-%") for code in codes),
    )
