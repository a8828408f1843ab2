"""The ops triage queue: items whose language a person must decide, read and resolved.

Items land in triage when detection cannot route them (too short without a declaration, mixed,
contradicting the declaration, not a target language...: see
:mod:`marketplace.projects.language_decision`). Ops see them grouped by (declared, detected) language
pair, page through a pair's items, and resolve items, or a whole pair at once, to one of the
project's target languages; resolved items are routable as soon as the request returns.

Who resolved an item and when is kept on the item (``language_set_by_id``, ``language_set_at``) and
written to the application log, a line per chunk of items.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketplace.db import get_session, utcnow
from marketplace.errors import NotFound
from marketplace.languages.codes import text_direction
from marketplace.languages.result import REASON_UNCERTAIN
from marketplace.languages.tags import UnknownLanguage, normalize_language
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects.models import Item, ItemState, Project, ProjectLanguage
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput

log = logging.getLogger(__name__)

#: Characters of an item's text shown in the triage queue: enough to recognise the language.
EXCERPT_CHARS: Final = 280
#: Most items one resolve request may name (a whole pair is resolved with ``group`` instead).
MAX_RESOLVE_ITEMS: Final = 1000
#: Ids per ``IN (...)`` when updating resolved items.
_UPDATE_CHUNK: Final = 500

#: ``language_method`` of an item whose language ops set by hand.
METHOD_OPS: Final = "ops"

#: An item as a resolve locks it: id, public id, project id, state.
_LockedRow = Row[int, str, int, str]


def _known_language(raw: str, field_name: str, status: int = 400) -> str:
    """``raw`` normalised; ``status`` naming ``field_name`` when it is not a language."""
    try:
        return normalize_language(raw)
    except UnknownLanguage as exc:
        raise InvalidInput(
            [
                FieldError(
                    field_name, "unknown_language", _("“%(code)s” is not a known language code.", code=raw)
                )
            ],
            status=status,
        ) from exc


# --- reading the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageMatch:
    """A filter on a language column: any value (the default), no value, or one tag."""

    any: bool = True
    tag: str | None = None

    @classmethod
    def exactly(cls, tag: str | None) -> LanguageMatch:
        return cls(False, tag)

    def clause(self, column: InstrumentedAttribute[str | None]) -> ColumnElement[bool] | None:
        if self.any:
            return None
        return column.is_(None) if self.tag is None else column == self.tag


#: Stands for "no language" in query strings and page addresses (BCP 47's "undetermined").
NO_LANGUAGE: Final = "und"


def language_match(raw: str | None, field_name: str) -> LanguageMatch:
    """A language filter from a query string: absent or empty is any, ``und`` is none, else one
    tag, normalised (400 naming ``field_name`` when it is not a language)."""
    if not raw:
        return LanguageMatch()
    if raw == NO_LANGUAGE:
        return LanguageMatch.exactly(None)
    return LanguageMatch.exactly(_known_language(raw, field_name))


@dataclass(frozen=True)
class TriageScope:
    """Which triage items: of one project (public id) or all, of one language pair or any."""

    project: str | None = None
    declared: LanguageMatch = field(default_factory=LanguageMatch)
    detected: LanguageMatch = field(default_factory=LanguageMatch)

    @classmethod
    def pair(cls, declared: str | None, detected: str | None, project: str | None = None) -> TriageScope:
        return cls(project, LanguageMatch.exactly(declared), LanguageMatch.exactly(detected))


def _project_id(public_id: str) -> int:
    project_id = get_session().scalar(select(Project.id).where(Project.public_id == public_id))
    if project_id is None:
        raise NotFound(_("There is no such project."))
    return int(project_id)


def _where(scope: TriageScope) -> list[ColumnElement[bool]]:
    """The conditions selecting the scope's items (404 for a project that does not exist)."""
    conditions: list[ColumnElement[bool]] = [Item.state == ItemState.TRIAGE.value]
    if scope.project is not None:
        conditions.append(Item.project_id == _project_id(scope.project))
    for match, column in ((scope.declared, Item.declared_language), (scope.detected, Item.detected_language)):
        clause = match.clause(column)
        if clause is not None:
            conditions.append(clause)
    return conditions


@dataclass(frozen=True)
class TriageGroup:
    """Items waiting for ops with one (declared, detected) language pair."""

    declared: str | None
    detected: str | None
    count: int
    #: How many items wait for each reason, e.g. ``{"mismatch": 40, "reported": 2}``.
    reasons: dict[str, int]
    projects: int


def triage_groups(scope: TriageScope) -> list[TriageGroup]:
    """The triage queue per language pair, biggest first (one grouped query, no item loaded)."""
    rows = get_session().execute(
        select(
            Item.declared_language, Item.detected_language, Item.triage_reason, Item.project_id, func.count()
        )
        .where(*_where(scope))
        .group_by(Item.declared_language, Item.detected_language, Item.triage_reason, Item.project_id)
    )
    reasons: dict[tuple[str | None, str | None], dict[str, int]] = {}
    projects: dict[tuple[str | None, str | None], set[int]] = {}
    for declared, detected, reason, project_id, count in rows:
        key = (declared, detected)
        per_reason = reasons.setdefault(key, {})
        per_reason[reason or REASON_UNCERTAIN] = per_reason.get(reason or REASON_UNCERTAIN, 0) + int(count)
        projects.setdefault(key, set()).add(project_id)
    groups = [
        TriageGroup(
            key[0], key[1], sum(per_reason.values()), dict(sorted(per_reason.items())), len(projects[key])
        )
        for key, per_reason in reasons.items()
    ]
    return sorted(groups, key=lambda g: (-g.count, g.declared or "", g.detected or ""))


@dataclass(frozen=True)
class TriageProject:
    public_id: str
    name: str
    count: int


def triage_projects() -> list[TriageProject]:
    """Projects with items in triage, for the queue's project filter."""
    rows = get_session().execute(
        select(Project.public_id, Project.name, func.count(Item.id))
        .join(Item, Item.project_id == Project.id)
        .where(Item.state == ItemState.TRIAGE.value)
        .group_by(Project.id, Project.public_id, Project.name)
        .order_by(Project.name, Project.id)
    )
    return [TriageProject(public_id, name, int(count)) for public_id, name, count in rows]


@dataclass(frozen=True)
class TriageItem:
    """One item as ops see it in the queue: enough of its text to judge, and what we know."""

    public_id: str
    project: str
    project_name: str
    #: The project's target languages: the ones ops may choose from.
    project_languages: tuple[str, ...]
    excerpt: str | None
    declared: str | None
    detected: str | None
    confidence: float | None
    reason: str | None
    method: str | None
    created_at: datetime
    #: The detector's top candidates, most likely first.
    candidates: tuple[tuple[str, float], ...] = ()

    @property
    def text_language(self) -> str | None:
        """The best guess at the text's language, for its ``lang`` attribute."""
        return self.detected or self.declared

    @property
    def direction(self) -> str | None:
        """``rtl``/``ltr`` when the language is guessed; None lets the browser decide (``dir=auto``)."""
        return text_direction(self.text_language) if self.text_language else None


def _excerpt(task_type: str, payload: Mapping[str, Any]) -> str | None:
    text = get_task_type(task_type).language_text(payload)
    if text is None or len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


def _target_languages(session: Session, project_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    wanted = set(project_ids)
    targets: dict[int, list[str]] = {project_id: [] for project_id in wanted}
    if wanted:
        rows = session.execute(
            select(ProjectLanguage.project_id, ProjectLanguage.language)
            .where(ProjectLanguage.project_id.in_(wanted))
            .order_by(ProjectLanguage.language)
        )
        for project_id, language in rows:
            targets[project_id].append(language)
    return {project_id: tuple(languages) for project_id, languages in targets.items()}


def triage_items(scope: TriageScope, cursor: str | None, limit: int) -> Page[TriageItem]:
    """The scope's triage items, oldest first, a page at a time."""
    session = get_session()
    query = (
        select(Item, Project.public_id, Project.name, Project.task_type)
        .join(Project, Project.id == Item.project_id)
        .where(*_where(scope))
        .order_by(Item.id)
        .limit(limit + 1)
    )
    after = after_id(Item, cursor)
    if after is not None:
        query = query.where(Item.id > after)
    rows = session.execute(query).all()
    targets = _target_languages(session, (row[0].project_id for row in rows))
    items = [
        TriageItem(
            public_id=item.public_id,
            project=project,
            project_name=name,
            project_languages=targets[item.project_id],
            excerpt=_excerpt(task_type, item.payload),
            declared=item.declared_language,
            detected=item.detected_language,
            confidence=item.language_confidence,
            reason=item.triage_reason,
            method=item.language_method,
            created_at=item.created_at,
            candidates=tuple((str(code), float(p)) for code, p in (item.language_candidates or [])),
        )
        for item, project, name, task_type in rows
    ]
    return cut_page(items, limit, lambda entry: entry.public_id)


def scope_languages(scope: TriageScope) -> list[str]:
    """Target languages of the projects with items in the scope: what ops may choose from."""
    session = get_session()
    project_ids = session.scalars(select(Item.project_id).where(*_where(scope)).distinct()).all()
    return sorted({code for codes in _target_languages(session, project_ids).values() for code in codes})


# --- resolving -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """What a resolve did: the items now routable in ``language``, the ones left alone and why."""

    language: str
    resolved: list[str]
    #: ``(item public id, reason)``: ``not_found``, or ``not_in_triage`` (decided meanwhile).
    skipped: list[tuple[str, str]]
    resolved_by: int
    resolved_at: datetime


def _locked(session: Session, conditions: Sequence[ColumnElement[bool]]) -> list[_LockedRow]:
    """The items to resolve, locked until the commit so nobody decides them meanwhile."""
    return list(
        session.execute(
            select(Item.id, Item.public_id, Item.project_id, Item.state)
            .where(*conditions)
            .order_by(Item.id)
            .with_for_update(key_share=True)
        )
    )


def _refuse_foreign_language(session: Session, rows: Sequence[_LockedRow], language: str) -> None:
    """422, one error per project, when some items' project does not target ``language``; nothing
    is changed then, since such an item would go to annotators no guideline was written for."""
    targets = _target_languages(session, (row.project_id for row in rows))
    refused: dict[int, int] = {}
    for row in rows:
        if language not in targets[row.project_id]:
            refused[row.project_id] = refused.get(row.project_id, 0) + 1
    if not refused:
        return
    names = session.execute(select(Project.id, Project.name).where(Project.id.in_(refused))).all()
    session.rollback()  # release the row locks now, not at the end of the request
    raise InvalidInput(
        [
            FieldError(
                "language",
                "language_not_in_project",
                _(
                    "“%(code)s” is not a target language of the project “%(project)s” (%(count)s items).",
                    code=language,
                    project=name,
                    count=refused[project_id],
                ),
            )
            for project_id, name in sorted(names, key=lambda row: row.name)
        ],
        status=422,
    )


def _apply(session: Session, rows: Sequence[_LockedRow], language: str, actor_id: int) -> Resolution:
    """Make the locked triage items ready in ``language`` and commit, keeping who did it and when on
    each item (and a log line per chunk, so a 100,000-item pair stays readable in the log)."""
    now = utcnow()
    chunks = [rows[start : start + _UPDATE_CHUNK] for start in range(0, len(rows), _UPDATE_CHUNK)]
    for chunk in chunks:
        session.execute(
            update(Item)
            .where(Item.id.in_([row.id for row in chunk]), Item.state == ItemState.TRIAGE.value)
            .values(
                state=ItemState.READY.value,
                language=language,
                language_method=METHOD_OPS,
                triage_reason=None,
                language_set_by_id=actor_id,
                language_set_at=now,
            )
        )
    session.commit()
    for chunk in chunks:
        log.info(
            "triage resolved by user %s at %s: language %s for items %s",
            actor_id,
            now.isoformat(),
            language,
            " ".join(row.public_id for row in chunk),
        )
    return Resolution(language, [row.public_id for row in rows], [], actor_id, now)


def resolve_items(item_ids: Sequence[str], language: str, actor_id: int) -> Resolution:
    """Set the language of the named triage items; they are routable as soon as this returns.

    Items not in triage (someone resolved them meanwhile) and unknown ids are skipped and reported
    rather than refused: two ops working one pair, or a retried request, must not fail a whole
    selection over items that are already decided. A language one of the items' projects does not
    target is refused whole (422).
    """
    code = _known_language(language, "language", status=422)
    wanted = list(dict.fromkeys(item_ids))
    if len(wanted) > MAX_RESOLVE_ITEMS:
        raise InvalidInput(
            [
                FieldError(
                    "items", "too_many", _("Resolve at most %(max)s items at once.", max=MAX_RESOLVE_ITEMS)
                )
            ]
        )
    session = get_session()
    rows = _locked(session, [Item.public_id.in_(wanted)]) if wanted else []
    found = {row.public_id: row for row in rows}
    in_triage = [row for row in rows if row.state == ItemState.TRIAGE.value]
    _refuse_foreign_language(session, in_triage, code)
    resolution = _apply(session, in_triage, code, actor_id)
    skipped = [
        (pid, "not_found" if pid not in found else "not_in_triage")
        for pid in wanted
        if pid not in found or found[pid].state != ItemState.TRIAGE.value
    ]
    return replace(resolution, skipped=skipped)


def resolve_group(scope: TriageScope, language: str, actor_id: int) -> Resolution:
    """Set the language of every triage item in ``scope`` (a language pair, perhaps one project)."""
    code = _known_language(language, "language", status=422)
    session = get_session()
    rows = _locked(session, _where(scope))
    _refuse_foreign_language(session, rows, code)
    return _apply(session, rows, code, actor_id)
