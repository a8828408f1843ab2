"""Item languages: deciding them from detection, applying them to a batch, and the ops triage queue.

The detector answers "which language is this text in, and how sure am I"; the marketplace must answer
"may this item be routed, and as which of the project's languages". The two differ on purpose:

* a text too short or too plain to judge keeps the client's declared language: the client knows the
  item, and sending every "OK, thanks" to a person would bury ops;
* a code-mixed text, or one that confidently contradicts the declaration, waits for a person even
  though it has a declaration: routing it either way sends work to people who may not read it;
* the language routed on is always one of the project's target languages, since annotators are
  matched (and qualified) per target language.

Items are decided in three places, all through :func:`decide_item_language` or
:func:`decide_without_text`: at upload for non-text items (audio, images: no text to read), in the
background job for text items (chunk by chunk, each chunk its own transaction, so progress shows and a
crash resumes where it stopped), and by ops in the triage queue.

Who resolved a triage item and when is not stored yet (there is no column for it): it is returned to
the caller and written to the application log.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketplace.db import get_session, new_session, utcnow
from marketplace.languages import DetectionResult, detect_language
from marketplace.languages.codes import UnknownLanguage, normalize_language, text_direction
from marketplace.languages.detection import (
    REASON_AMBIGUOUS,
    REASON_MISMATCH,
    REASON_MIXED,
    REASON_UNCERTAIN,
)
from marketplace.projects.models import Batch, Item, ItemState, Project, ProjectLanguage
from marketplace.projects.service import Page, after_id, cut_page
from marketplace.tasktypes import TaskType, get_task_type
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.errors import NotFound

log = logging.getLogger(__name__)

#: Items read, detected and written per transaction: large enough to be fast, small enough that a
#: poller sees the count move and a crashed job loses little.
DETECTION_CHUNK_SIZE: Final = 1000
#: Characters of an item's text shown in the triage queue: enough to recognise the language.
EXCERPT_CHARS: Final = 280
#: Most items one resolve request may name (a whole pair is resolved with ``group`` instead).
MAX_RESOLVE_ITEMS: Final = 1000
#: Ids per ``IN (...)`` when updating resolved items.
_UPDATE_CHUNK: Final = 500

#: ``language_method`` of an item whose text could not be judged and that kept its declared language.
METHOD_DECLARED: Final = "declared"
#: ``language_method`` of an item whose language ops set by hand.
METHOD_OPS: Final = "ops"

# Triage reasons added to the detector's (``too_short``, ``uncertain``, ``mixed``, ``mismatch``...).
REASON_NOT_IN_PROJECT: Final = "not_in_project"
"""Confidently detected, nothing declared, but not a target language of the project."""
REASON_NO_LANGUAGE: Final = "no_language"
"""A non-text item (audio, image) uploaded without a declared language: nothing to detect from."""
REASON_DETECTION_FAILED: Final = "detection_failed"
"""The detector raised on this text; the item must not block the rest of its batch."""

#: Detector verdicts that send an item to a person even when the client declared a language.
_ALWAYS_TRIAGE: Final = frozenset({REASON_MIXED, REASON_MISMATCH})

#: A waiting item as the detection job reads it: id, payload, declared language.
_WaitingRow = Row[int, dict[str, Any], str | None]
#: An item as a resolve locks it: id, public id, project id, state.
_LockedRow = Row[int, str, int, str]

#: Primary subtags that name one language for routing: most Bokmål is tagged with the macrolanguage.
_SAME_LANGUAGE: Final = {"nb": "no"}


# --- deciding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What becomes of one item: its state, and the language columns that go with it."""

    state: ItemState
    language: str | None = None
    #: How the language (or, in triage, the best guess) was reached: detector method, "declared", "ops".
    method: str | None = None
    triage_reason: str | None = None

    def columns(self) -> dict[str, Any]:
        """The item columns this decision sets (every key always present, for executemany)."""
        return {
            "state": self.state.value,
            "language": self.language,
            "language_method": self.method,
            "triage_reason": self.triage_reason,
        }


def _ready(language: str, method: str | None) -> Decision:
    return Decision(ItemState.READY, language, method)


def _triage(reason: str, method: str | None = None) -> Decision:
    return Decision(ItemState.TRIAGE, None, method, reason)


@dataclass(frozen=True)
class _Tag:
    language: str
    script: str | None
    region: str | None


def _parse_tag(tag: str) -> _Tag:
    parts = tag.split("-")
    primary = parts[0].lower()
    script = next((p.title() for p in parts[1:] if len(p) == 4), None)
    region = next((p.upper() for p in parts[1:] if len(p) in (2, 3)), None)
    return _Tag(_SAME_LANGUAGE.get(primary, primary), script, region)


def compatible_tags(first: str, second: str) -> bool:
    """Whether two tags can name the same items: one language, and no subtag that both spell out
    differs. ``pt`` and ``pt-BR`` are compatible; ``pt-BR`` and ``pt-PT``, or ``zh-Hans`` and
    ``zh-Hant``, are not (their readers are not interchangeable)."""
    a, b = _parse_tag(first), _parse_tag(second)
    return (
        a.language == b.language
        and (a.script is None or b.script is None or a.script == b.script)
        and (a.region is None or b.region is None or a.region == b.region)
    )


def _more_specific(detected: str, declared: str) -> str:
    """Of two compatible tags, the one with more subtags; the client's on a tie."""
    return detected if detected.count("-") > declared.count("-") else declared


def decide_item_language(
    result: DetectionResult, declared: str | None, project_languages: Collection[str]
) -> Decision:
    """The fate of a text item from its detection ``result`` (made with ``declared`` as the hint).

    Pure: every branch is a rule of the marketplace, unit-tested on hand-made results.
    """
    if result.reason is not None and result.reason in _ALWAYS_TRIAGE:
        return _triage(result.reason, result.method)
    if result.routable and result.language is not None:
        return _confident(result.language, result.method, declared, frozenset(project_languages))
    if declared is not None:
        return _ready(declared, METHOD_DECLARED)
    return _triage(result.reason or REASON_UNCERTAIN, result.method)


def _confident(detected: str, method: str, declared: str | None, targets: frozenset[str]) -> Decision:
    if declared is not None:
        if not compatible_tags(detected, declared):
            return _triage(REASON_MISMATCH, method)
        chosen = next((tag for tag in (_more_specific(detected, declared), declared) if tag in targets), None)
        return _ready(chosen, method) if chosen is not None else _triage(REASON_NOT_IN_PROJECT, method)
    if detected in targets:
        return _ready(detected, method)
    matches = sorted(tag for tag in targets if compatible_tags(detected, tag))
    if len(matches) == 1:
        return _ready(matches[0], method)
    # pt detected in a project with pt-BR and pt-PT: a person must choose.
    return _triage(REASON_AMBIGUOUS if matches else REASON_NOT_IN_PROJECT, method)


def decide_without_text(declared: str | None) -> Decision:
    """An item with nothing to read (audio, image) takes the client's language, or waits for ops."""
    if declared is None:
        return _triage(REASON_NO_LANGUAGE)
    return _ready(declared, METHOD_DECLARED)


def initial_language_columns(
    task_type: TaskType, payload: Mapping[str, Any], declared: str | None
) -> dict[str, Any]:
    """The language columns of a newly uploaded item: text waits for the detection job, other
    media are decided at once since there is nothing to detect."""
    if task_type.language_text(payload) is not None:
        return Decision(ItemState.AWAITING_LANGUAGE).columns()
    return decide_without_text(declared).columns()


# --- the detection job -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _BatchFacts:
    """What deciding a batch's items needs, read once per job as plain values."""

    batch_id: int
    task_type: TaskType
    languages: frozenset[str]


def _batch_facts(batch_id: int) -> _BatchFacts | None:
    with new_session() as session:
        project = session.scalar(
            select(Project).join(Batch, Batch.project_id == Project.id).where(Batch.id == batch_id)
        )
        if project is None:
            return None
        return _BatchFacts(batch_id, get_task_type(project.task_type), frozenset(project.language_codes))


def _detect(text: str, declared: str | None) -> DetectionResult:
    try:
        return detect_language(text, hint=declared)
    except Exception:  # one odd text must not stop a 100,000-item batch
        log.exception("language detection failed on one item")
        return DetectionResult(None, 0.0, "none", needs_triage=True, reason=REASON_DETECTION_FAILED)


def _item_columns(facts: _BatchFacts, row: _WaitingRow) -> dict[str, Any]:
    text = facts.task_type.language_text(row.payload)
    if text is None:
        result = None
        decision = decide_without_text(row.declared_language)
    else:
        result = _detect(text, row.declared_language)
        decision = decide_item_language(result, row.declared_language, facts.languages)
    return {
        "id": row.id,
        "detected_language": result.language if result is not None else None,
        "language_confidence": result.confidence if result is not None else None,
        "language_candidates": [[code, round(p, 4)] for code, p in result.candidates]
        if result is not None
        else None,
        **decision.columns(),
    }


def _decide_chunk(facts: _BatchFacts, size: int) -> int:
    """Decide up to ``size`` of the batch's waiting items in one transaction; how many were decided.

    Rows are locked with ``SKIP LOCKED`` on PostgreSQL, so two workers on one batch share it instead
    of deciding the same items twice; SQLite serialises writers anyway.
    """
    with new_session() as session:
        rows = session.execute(
            select(Item.id, Item.payload, Item.declared_language)
            .where(Item.batch_id == facts.batch_id, Item.state == ItemState.AWAITING_LANGUAGE.value)
            .order_by(Item.id)
            .limit(size)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            return 0
        session.execute(update(Item), [_item_columns(facts, row) for row in rows])
        session.commit()
        return len(rows)


def detect_next_chunk(batch_id: int, size: int = DETECTION_CHUNK_SIZE) -> int:
    """Decide the next ``size`` waiting items of a batch; 0 when none is left (or no such batch)."""
    facts = _batch_facts(batch_id)
    return _decide_chunk(facts, size) if facts is not None else 0


def detect_batch_languages(batch_id: int, size: int = DETECTION_CHUNK_SIZE) -> int:
    """Decide every item of the batch still ``awaiting_language``; returns how many were decided.

    Idempotent: only waiting items are read, and each leaves that state when decided, so a second
    run finds nothing, and a run after a crash starts at the first undecided item.
    """
    facts = _batch_facts(batch_id)
    if facts is None:
        return 0
    decided = 0
    while count := _decide_chunk(facts, size):
        decided += count
    log.info("language detection: batch %s, %d items decided", batch_id, decided)
    return decided


# --- the triage queue ------------------------------------------------------------------------------


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
    try:
        return LanguageMatch.exactly(normalize_language(raw))
    except UnknownLanguage as exc:
        raise InvalidInput(
            [
                FieldError(
                    field_name, "unknown_language", _("“%(code)s” is not a known language code.", code=raw)
                )
            ]
        ) from exc


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


def _language(code: str) -> str:
    try:
        return normalize_language(code)
    except UnknownLanguage as exc:
        raise InvalidInput(
            [
                FieldError(
                    "language", "unknown_language", _("“%(code)s” is not a known language code.", code=code)
                )
            ],
            status=422,
        ) from exc


def _locked(session: Session, conditions: Sequence[ColumnElement[bool]]) -> list[_LockedRow]:
    """The items to resolve, locked until the commit so nobody decides them meanwhile."""
    return list(
        session.execute(
            select(Item.id, Item.public_id, Item.project_id, Item.state)
            .where(*conditions)
            .order_by(Item.id)
            .with_for_update()
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
    code = _language(language)
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
    code = _language(language)
    session = get_session()
    rows = _locked(session, _where(scope))
    _refuse_foreign_language(session, rows, code)
    return _apply(session, rows, code, actor_id)
