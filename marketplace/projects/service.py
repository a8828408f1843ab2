"""Project use-cases: organisations, projects, ontology versions, guidelines, batches, items, progress.

Services take primitives, check every rule, own their transaction (one commit per use-case) and
raise ``InvalidInput`` (400/422, field-addressed, translated), ``NotFound``, ``Forbidden`` or
``Conflict``. Item uploads live in ``ingest.py``; reads that the API pages need are here.

Visibility: a project is visible to a caller who can act for its organisation (a token of it, a
member, or ops). To anyone else it does not exist: 404, never 403, so ids can't be probed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role
from marketplace.db import get_session, utcnow
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.projects import schemas
from marketplace.projects.models import (
    PROJECT_TRANSITIONS,
    Batch,
    Guideline,
    ImportState,
    Item,
    ItemImport,
    ItemState,
    OntologyVersion,
    Organisation,
    OrganisationMember,
    Project,
    ProjectLanguage,
    ProjectState,
)
from marketplace.projects.states import state_name
from marketplace.qualification.settings import check_settings
from marketplace.tasktypes import get_task_type, validate_config
from marketplace.validation import FieldError, InvalidInput, join_path, schema_errors
from marketplace.web.errors import Conflict, Forbidden, NotFound
from marketplace.web.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    from marketplace.web.auth import Principal

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Default and ceiling of ``max_overlap`` when the client does not set it.
DEFAULT_MAX_OVERLAP = 5
MAX_MAX_OVERLAP = 50

#: Project states in which items may still be uploaded.
UPLOADABLE_STATES = frozenset({ProjectState.DRAFT, ProjectState.ACTIVE, ProjectState.PAUSED})

#: ``Batch.kind`` of the client's own items (the other kind, "gold", holds exam material).
WORK_BATCH = "work"

#: Import states that mean "still running" (counted by the progress endpoint).
RUNNING_IMPORT_STATES = (ImportState.QUEUED, ImportState.VALIDATING, ImportState.STORING)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paginated list; ``next_cursor`` is None on the last page."""

    items: list[T]
    next_cursor: str | None


class _Problems:
    """Collects field errors and decides the status: 400 if any is malformed input, else 422."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.malformed = False

    def bad(self, errors: Iterable[FieldError]) -> None:
        """Schema-level problems (wrong type, missing field): 400."""
        before = len(self.errors)
        self.errors.extend(errors)
        self.malformed = self.malformed or len(self.errors) > before

    def rule(self, field: str, code: str, message: str) -> None:
        """Well-formed input that breaks a rule: 422."""
        self.errors.append(FieldError(field, code, message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors, status=400 if self.malformed else 422)


# --- organisations ---------------------------------------------------------------------------------


def create_organisation(name: str, owner_user_id: int | None = None) -> Organisation:
    """Create a client organisation; its owner (if given) becomes a member with ``is_owner``."""
    name = name.strip()
    if not name:
        raise InvalidInput([FieldError("name", "required", _("This field is required."))])
    session = get_session()
    organisation = Organisation(name=name[: schemas.MAX_NAME_CHARS])
    if owner_user_id is not None:
        organisation.members.append(OrganisationMember(user_id=owner_user_id, is_owner=True))
    session.add(organisation)
    session.commit()
    return organisation


def add_member(organisation_id: int, user_id: int, is_owner: bool = False) -> OrganisationMember:
    """Make ``user_id`` a member (idempotent; an existing membership takes the new ``is_owner``)."""
    session = get_session()
    member = session.get(OrganisationMember, (organisation_id, user_id))
    if member is None:
        if session.get(Organisation, organisation_id) is None:
            raise NotFound()
        member = OrganisationMember(organisation_id=organisation_id, user_id=user_id, is_owner=is_owner)
        session.add(member)
    else:
        member.is_owner = is_owner
    session.commit()
    return member


def organisation_public_ids(organisation_ids: Iterable[int]) -> dict[int, str]:
    """Public ids of organisations, for serialising projects without one query per project."""
    wanted = set(organisation_ids)
    if not wanted:
        return {}
    rows = get_session().execute(
        select(Organisation.id, Organisation.public_id).where(Organisation.id.in_(wanted))
    )
    return {row.id: row.public_id for row in rows}


# --- who may call ----------------------------------------------------------------------------------


def require_client_access(principal: Principal) -> None:
    """403 for callers who are not clients at all (annotators, reviewers without membership).

    Why before the 404 of a hidden project: an annotator has no business with any client endpoint,
    and telling them so plainly is more useful than pretending every project is missing.
    """
    if principal.token is not None or principal.is_ops or principal.organisation_ids:
        return
    if principal.has_role(Role.CLIENT):
        return
    raise Forbidden()


def resolve_organisation(principal: Principal, organisation_public_id: str | None) -> int:
    """The organisation a new project belongs to.

    A token acts for its own organisation. A person names one with ``organisation`` or, with
    exactly one membership, gets that one. Ops must always name it. An organisation the caller
    can't act for is reported as missing (404), like any hidden resource.
    """
    require_client_access(principal)
    if organisation_public_id is not None:
        organisation_id = get_session().scalar(
            select(Organisation.id).where(Organisation.public_id == organisation_public_id)
        )
        if organisation_id is None or not principal.can_act_for(organisation_id):
            raise NotFound(_("There is no such organisation."))
        return organisation_id
    if principal.token is not None:
        return principal.token.organisation_id
    if len(principal.organisation_ids) == 1:
        return next(iter(principal.organisation_ids))
    if not principal.organisation_ids and not principal.is_ops:
        raise Forbidden(_("You are not a member of any client organisation."))
    raise InvalidInput(
        [FieldError("organisation", "required", _("Say which organisation the project is for."))], status=422
    )


# --- projects: reads -------------------------------------------------------------------------------


def _project_query() -> Select[Project]:
    """Projects with what their JSON needs, loaded in a fixed number of queries."""
    return select(Project).options(
        selectinload(Project.languages),
        selectinload(Project.ontology_versions).selectinload(OntologyVersion.guidelines),
    )


def get_project(project_id: int) -> Project:
    project = get_session().scalar(_project_query().where(Project.id == project_id))
    if project is None:
        raise NotFound()
    return project


def visible_project(principal: Principal, public_id: str) -> Project:
    """The project ``public_id`` if the caller may act for its organisation; 404 otherwise."""
    require_client_access(principal)
    project = get_session().scalar(_project_query().where(Project.public_id == public_id))
    if project is None or not principal.can_act_for(project.organisation_id):
        raise NotFound(_("There is no such project."))
    return project


def after_id(model: Any, cursor: str | None, **scope: Any) -> int | None:
    """The integer key behind a cursor. Cursors carry public ids, so they reveal no row counts."""
    values = decode_cursor(cursor)
    if values is None:
        return None
    after = values.get("after")
    row_id = None
    if isinstance(after, str):
        query = select(model.id).where(model.public_id == after)
        for column, value in scope.items():
            query = query.where(getattr(model, column) == value)
        row_id = get_session().scalar(query)
    if row_id is None:
        raise InvalidInput([FieldError("cursor", "invalid", _("This cursor is not valid."))])
    return int(row_id)


def cut_page(rows: Sequence[T], limit: int, public_id_of: Any) -> Page[T]:
    """Cut the ``limit + 1`` rows a query fetched into a page and the cursor of the next one."""
    if len(rows) > limit:
        kept = list(rows[:limit])
        return Page(kept, encode_cursor({"after": public_id_of(kept[-1])}))
    return Page(list(rows), None)


def list_projects(principal: Principal, cursor: str | None, limit: int) -> Page[Project]:
    """The caller's projects by creation order: its organisations' for clients, all for ops."""
    require_client_access(principal)
    query = _project_query().order_by(Project.id).limit(limit + 1)
    if not principal.is_ops:
        query = query.where(Project.organisation_id.in_(principal.organisation_ids))
    after = after_id(Project, cursor)
    if after is not None:
        query = query.where(Project.id > after)
    rows = get_session().scalars(query).all()
    return cut_page(rows, limit, lambda project: project.public_id)


# --- projects: creation and changes ----------------------------------------------------------------


def _normalise_language(code: str, field: str, problems: _Problems) -> str | None:
    try:
        return normalize_language(code)
    except UnknownLanguage:
        problems.rule(field, "unknown_language", _("“%(code)s” is not a known language code.", code=code))
        return None


def _target_languages(codes: Sequence[str], problems: _Problems) -> list[str]:
    """Normalised, de-duplicated target languages in the order given."""
    found: list[str] = []
    for index, code in enumerate(codes):
        language = _normalise_language(code, join_path("languages", index), problems)
        if language is not None and language not in found:
            found.append(language)
    return found


def _clean_labels(
    labels: Sequence[Mapping[str, Any]], field: str, needs_labels: bool, problems: _Problems
) -> list[dict[str, Any]]:
    """Labels with every optional field filled in; names must be unique (case-blind: they are shown)."""
    if needs_labels and not labels:
        problems.rule(field, "required", _("This task type needs at least one label."))
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, label in enumerate(labels):
        name = str(label["name"])
        if name.lower() in seen:
            problems.rule(
                join_path(field, index, "name"),
                "duplicate",
                _("The label “%(name)s” is listed twice.", name=name),
            )
            continue
        seen.add(name.lower())
        cleaned.append(
            {
                "name": name,
                "definition": str(label.get("definition", "")),
                "edge_cases": [str(case_) for case_ in label.get("edge_cases", [])],
                "examples": [str(example) for example in label.get("examples", [])],
            }
        )
    return cleaned


def _clean_guidelines(
    guidelines: Mapping[str, str], field: str, targets: Sequence[str], problems: _Problems
) -> dict[str, str]:
    """Guideline texts keyed by normalised language; each must be a target language."""
    cleaned: dict[str, str] = {}
    for code, text in guidelines.items():
        path = join_path(field, code)
        language = _normalise_language(code, path, problems)
        if language is None:
            continue
        if language not in targets:
            problems.rule(
                path,
                "language_not_in_project",
                _("“%(code)s” is not a target language of the project.", code=language),
            )
        elif language in cleaned:
            problems.rule(path, "duplicate", _("This language is listed twice."))
        else:
            cleaned[language] = text
    return cleaned


def _overlaps(data: Mapping[str, Any], problems: _Problems) -> tuple[int, int]:
    overlap = int(data.get("overlap", 3))
    default_max = min(max(overlap, DEFAULT_MAX_OVERLAP), MAX_MAX_OVERLAP)
    max_overlap = int(data.get("max_overlap", default_max))
    if max_overlap < overlap:
        problems.rule(
            "max_overlap", "minimum", _("Must be at least the overlap (%(overlap)s).", overlap=overlap)
        )
    return overlap, max_overlap


def create_project(organisation_id: int, data: Mapping[str, Any], created_by: int | None = None) -> Project:
    """Create a draft project with ontology version 1 and its guidelines.

    ``data`` is shaped like the ``POST /projects`` body (``schemas.PROJECT_CREATE``); it is checked
    again here so callers other than the API (the demo, the CLI) get the same guarantees.
    """
    schema_problems = schema_errors(schemas.PROJECT_CREATE, data)
    if schema_problems:
        raise InvalidInput(schema_problems)
    problems = _Problems()
    task_type = get_task_type(data["task_type"])
    config, config_errors = validate_config(task_type.name, data.get("task_config"))
    problems.bad(config_errors)
    targets = _target_languages(data["languages"], problems)
    source = _normalise_language(data["source_language"], "source_language", problems)
    if source is not None and targets and source not in targets:
        problems.rule(
            "source_language",
            "language_not_in_project",
            _("The source language must be one of the project's languages."),
        )
    overlap, max_overlap = _overlaps(data, problems)
    ontology = data.get("ontology") or {}
    labels = _clean_labels(
        ontology.get("labels", []),
        "ontology.labels" if ontology else "ontology",
        task_type.needs_labels,
        problems,
    )
    guidelines = _clean_guidelines(data.get("guidelines", {}), "guidelines", targets, problems)
    if source is not None and source in targets and source not in guidelines:
        problems.rule(
            join_path("guidelines", source),
            "required",
            _("Write the guidelines in the source language (%(code)s).", code=source),
        )
    problems.raise_if_any()
    # Cross-field rules of the qualification settings (the schema checked each field alone).
    check_settings((data.get("settings") or {}).get("qualification") or {})

    project = Project(
        organisation_id=organisation_id,
        name=data["name"].strip(),
        description=data.get("description", ""),
        task_type=task_type.name,
        task_config=config,
        source_language=source,
        overlap=overlap,
        max_overlap=max_overlap,
        lease_minutes=data.get("lease_minutes", 30),
        priority=data.get("priority", 0),
        state=ProjectState.DRAFT,
        settings=dict(data.get("settings", {})),
        created_by_id=created_by,
    )
    project.languages = [ProjectLanguage(language=code) for code in targets]
    version = OntologyVersion(version=1, labels=labels, note="", created_by_id=created_by)
    version.guidelines = [Guideline(language=code, text=text) for code, text in guidelines.items()]
    project.ontology_versions = [version]
    session = get_session()
    session.add(project)
    session.commit()
    return project


def set_project_state(project_id: int, new_state: str, actor: int | None) -> Project:
    """Move a project along ``PROJECT_TRANSITIONS`` (409 otherwise). Asking for the current state
    is a no-op, so a retried request does not fail."""
    try:
        wanted = ProjectState(new_state)
    except ValueError as exc:
        raise InvalidInput([FieldError("state", "enum", _("This state does not exist."))]) from exc
    project = get_project(project_id)
    current = ProjectState(project.state)
    if wanted == current:
        return project
    if wanted not in PROJECT_TRANSITIONS[current]:
        raise Conflict(
            _(
                "A %(current)s project cannot become %(wanted)s.",
                current=state_name(current),
                wanted=state_name(wanted),
            ),
            field="state",
        )
    project.state = wanted
    get_session().commit()
    log.info("project %s: %s -> %s by user %s", project.public_id, current, wanted, actor)
    return project


def _refuse_if_archived(project: Project) -> None:
    if project.state == ProjectState.ARCHIVED:
        raise Conflict(_("The project is archived and can no longer change."))


def new_ontology_version(
    project_id: int,
    labels: Sequence[Mapping[str, Any]],
    note: str = "",
    created_by: int | None = None,
    guidelines: Mapping[str, str] | None = None,
) -> OntologyVersion:
    """Make version n+1 with new labels. Guidelines carry over from version n; languages given in
    ``guidelines`` get the new text. Old versions stay as they were: answers refer to them."""
    project = get_project(project_id)
    _refuse_if_archived(project)
    body = {"labels": list(labels), "note": note, **({"guidelines": dict(guidelines)} if guidelines else {})}
    schema_problems = schema_errors(schemas.ONTOLOGY_VERSION_CREATE, body)
    if schema_problems:
        raise InvalidInput(schema_problems)
    problems = _Problems()
    cleaned = _clean_labels(labels, "labels", get_task_type(project.task_type).needs_labels, problems)
    texts = _clean_guidelines(guidelines or {}, "guidelines", project.language_codes, problems)
    problems.raise_if_any()
    previous = project.current_ontology
    carried = {g.language: g.text for g in previous.guidelines} if previous is not None else {}
    version = OntologyVersion(
        version=(previous.version + 1) if previous is not None else 1,
        labels=cleaned,
        note=note,
        created_by_id=created_by,
    )
    version.guidelines = [
        Guideline(language=code, text=text) for code, text in sorted({**carried, **texts}.items())
    ]
    project.ontology_versions.append(version)
    project.updated_at = utcnow()
    get_session().commit()
    return version


def put_guideline(project_id: int, language: str, text: str) -> Guideline:
    """Set the current ontology version's guideline in one target language (create or replace)."""
    project = get_project(project_id)
    _refuse_if_archived(project)
    problems = _Problems()
    if not isinstance(text, str) or not text.strip():
        problems.bad([FieldError("text", "required", _("This field is required."))])
    code = _normalise_language(language, "language", problems)
    if code is not None and code not in project.language_codes:
        problems.rule(
            "language",
            "language_not_in_project",
            _("“%(code)s” is not a target language of the project.", code=code),
        )
    problems.raise_if_any()
    version = project.current_ontology
    if version is None:  # every project gets version 1 at creation; guard against hand-made rows
        raise Conflict(_("The project has no ontology yet."))
    guideline = next((g for g in version.guidelines if g.language == code), None)
    if guideline is None:
        guideline = Guideline(language=code, text=text)
        version.guidelines.append(guideline)
    else:
        guideline.text = text
        guideline.updated_at = utcnow()
    get_session().commit()
    return guideline


# --- batches ---------------------------------------------------------------------------------------


def create_batch(project_id: int, name: str, deadline: datetime | None = None) -> Batch:
    """An empty batch (uploads normally create theirs together with the items)."""
    name = name.strip()
    if not name:
        raise InvalidInput([FieldError("name", "required", _("This field is required."))])
    if deadline is not None and deadline.tzinfo is None:
        raise InvalidInput([FieldError("deadline", "format", _("Give the time zone of the deadline."))])
    batch = Batch(project_id=project_id, name=name[: schemas.MAX_NAME_CHARS], deadline=deadline)
    session = get_session()
    session.add(batch)
    session.commit()
    return batch


@dataclass(frozen=True)
class BatchCounts:
    batch: Batch
    total: int
    complete: int


def _complete_count() -> Any:
    return func.coalesce(func.sum(case((Item.state == ItemState.COMPLETE.value, 1), else_=0)), 0)


def list_batches(project_id: int, cursor: str | None, limit: int) -> Page[BatchCounts]:
    """A project's batches by upload order, each with its item counts (one grouped query)."""
    query = (
        select(Batch, func.count(Item.id), _complete_count())
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id == project_id, Batch.kind == "work")
        .group_by(Batch.id)
        .order_by(Batch.id)
        .limit(limit + 1)
    )
    after = after_id(Batch, cursor, project_id=project_id)
    if after is not None:
        query = query.where(Batch.id > after)
    rows = [
        BatchCounts(batch, int(total), int(complete))
        for batch, total, complete in get_session().execute(query)
    ]
    return cut_page(rows, limit, lambda counts: counts.batch.public_id)


# --- items -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFilters:
    """Filters of the item list; each None means "any"."""

    state: str | None = None
    language: str | None = None
    batch: str | None = None


def check_item_filters(state: str | None, language: str | None, batch: str | None) -> ItemFilters:
    """Validate query-string filters: 400 naming the parameter when one makes no sense."""
    problems = _Problems()
    if state and state not in {s.value for s in ItemState}:
        problems.bad([FieldError("state", "enum", _("This state does not exist."))])
    code = None
    if language:
        try:
            code = normalize_language(language)
        except UnknownLanguage:
            problems.bad(
                [
                    FieldError(
                        "language",
                        "unknown_language",
                        _("“%(code)s” is not a known language code.", code=language),
                    )
                ]
            )
    problems.raise_if_any()
    return ItemFilters(state or None, code, batch or None)


def list_items(
    project_id: int, cursor: str | None, limit: int, filters: ItemFilters | None = None
) -> Page[tuple[Item, str]]:
    """A project's items in upload order, with their batch's public id; stable under new uploads
    because the order is by key and new items only ever get larger keys."""
    filters = filters or ItemFilters()
    query = (
        select(Item, Batch.public_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(Item.project_id == project_id, Batch.kind == "work")  # gold has its own endpoints
        .order_by(Item.id)
        .limit(limit + 1)
    )
    if filters.state:
        query = query.where(Item.state == filters.state)
    if filters.language:
        query = query.where(Item.language == filters.language)
    if filters.batch:
        query = query.where(Batch.public_id == filters.batch)
    after = after_id(Item, cursor, project_id=project_id)
    if after is not None:
        query = query.where(Item.id > after)
    rows = [(item, batch_id) for item, batch_id in get_session().execute(query)]
    return cut_page(rows, limit, lambda row: row[0].public_id)


def get_item(project_id: int, public_id: str) -> tuple[Item, str]:
    row = (
        get_session()
        .execute(
            select(Item, Batch.public_id)
            .join(Batch, Batch.id == Item.batch_id)
            .where(Item.project_id == project_id, Item.public_id == public_id, Batch.kind == "work")
        )
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such item."))
    return row[0], row[1]


def after_items_stored(project_id: int, batch_id: int) -> None:
    """Called by ``ingest`` right after a batch of items was committed: queue the detection of
    the batch's ``awaiting_language`` items (non-text items were decided at upload).

    The job id makes a second enqueue of the same batch one job on Redis; the job itself only
    touches items still waiting, so running it again changes nothing either way.
    """
    from workers.languages import detect_item_languages
    from workers.queues import QUEUE_DEFAULT, enqueue

    log.debug("project %s: batch %s stored, queueing language detection", project_id, batch_id)
    enqueue(detect_item_languages, batch_id, queue=QUEUE_DEFAULT, job_id=f"languages-batch-{batch_id}")


# --- imports ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionCounts:
    """Language detection of one batch: items still waiting for it, out of all the batch's items."""

    pending: int
    total: int


@dataclass(frozen=True)
class ImportStatus:
    """An upload with the public id of the batch it created and, once stored, its detection."""

    item_import: ItemImport
    batch_public_id: str | None
    detection: DetectionCounts | None


def _running_states() -> list[str]:
    return [state.value for state in RUNNING_IMPORT_STATES]


def _pending_count() -> Any:
    return func.coalesce(func.sum(case((Item.state == ItemState.AWAITING_LANGUAGE.value, 1), else_=0)), 0)


def _detection_counts(batch_ids: Iterable[int | None]) -> dict[int, DetectionCounts]:
    """Detection counts of several batches in one grouped query."""
    wanted = {batch_id for batch_id in batch_ids if batch_id is not None}
    if not wanted:
        return {}
    rows = get_session().execute(
        select(Item.batch_id, _pending_count(), func.count())
        .where(Item.batch_id.in_(wanted))
        .group_by(Item.batch_id)
    )
    counts = {batch_id: DetectionCounts(0, 0) for batch_id in wanted}
    counts.update({batch_id: DetectionCounts(int(pending), int(total)) for batch_id, pending, total in rows})
    return counts


def _statuses(rows: Sequence[tuple[ItemImport, str | None]]) -> list[ImportStatus]:
    counts = _detection_counts(item_import.batch_id for item_import, _batch in rows)
    return [
        ImportStatus(
            item_import,
            batch,
            counts.get(item_import.batch_id) if item_import.batch_id is not None else None,
        )
        for item_import, batch in rows
    ]


def _import_query() -> Select[ItemImport, str]:
    return select(ItemImport, Batch.public_id).outerjoin(Batch, Batch.id == ItemImport.batch_id)


def list_imports(project_id: int, cursor: str | None, limit: int) -> Page[ImportStatus]:
    """A project's uploads, newest last, with the batch each created and its detection counts."""
    query = (
        _import_query().where(ItemImport.project_id == project_id).order_by(ItemImport.id).limit(limit + 1)
    )
    after = after_id(ItemImport, cursor, project_id=project_id)
    if after is not None:
        query = query.where(ItemImport.id > after)
    rows = [(item_import, batch_id) for item_import, batch_id in get_session().execute(query)]
    page = cut_page(rows, limit, lambda row: row[0].public_id)
    return Page(_statuses(page.items), page.next_cursor)


def get_import(project_id: int, public_id: str) -> ImportStatus:
    row = (
        get_session()
        .execute(
            _import_query().where(ItemImport.project_id == project_id, ItemImport.public_id == public_id)
        )
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such import."))
    return _statuses([(row[0], row[1])])[0]


def import_status(item_import: ItemImport, batch_public_id: str | None) -> ImportStatus:
    """The status of an upload just handled, with its batch's detection counts as they are now."""
    return _statuses([(item_import, batch_public_id)])[0]


def unfinished_imports(project_id: int) -> list[ImportStatus]:
    """Uploads still being stored, or stored with items still waiting for language detection:
    what the project page shows progress bars for."""
    session = get_session()
    waiting = (
        select(Item.batch_id)
        .where(Item.project_id == project_id, Item.state == ItemState.AWAITING_LANGUAGE.value)
        .distinct()
    )
    query = (
        _import_query()
        .where(
            ItemImport.project_id == project_id,
            or_(ItemImport.state.in_(_running_states()), ItemImport.batch_id.in_(waiting)),
        )
        .order_by(ItemImport.id)
    )
    return _statuses([(item_import, batch) for item_import, batch in session.execute(query)])


# --- progress --------------------------------------------------------------------------------------


def _state_counts(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    counts = {state.value: 0 for state in ItemState}
    for state, count in pairs:
        counts[state] = counts.get(state, 0) + count
    return counts


def _language_detection(by_state: Mapping[str, int]) -> dict[str, int]:
    """Where items are in getting a language; the three counts add up to the project's total."""
    return {
        "pending": by_state[ItemState.AWAITING_LANGUAGE.value],
        "done": by_state[ItemState.READY.value] + by_state[ItemState.COMPLETE.value],
        "triage": by_state[ItemState.TRIAGE.value],
    }


def project_progress(project_id: int) -> dict[str, Any]:
    """Item counts by state, by language and by batch, from GROUP BY queries (no item is loaded).

    ``by_language`` has an entry with ``language: null`` for items whose language is not known
    yet, so the per-language totals always add up to ``total``. ``language_detection`` and each
    batch's ``language_pending`` show the detection job advancing after an upload. Only the
    client's work batches count: gold items are exam material, never delivered.
    """
    session = get_session()
    rows = session.execute(
        select(Item.language, Item.state, func.count())
        .join(Batch, Batch.id == Item.batch_id)
        .where(Item.project_id == project_id, Batch.kind == WORK_BATCH)
        .group_by(Item.language, Item.state)
    ).all()
    by_language: dict[str | None, list[tuple[str, int]]] = {}
    for language, state, count in rows:
        by_language.setdefault(language, []).append((state, int(count)))
    languages = sorted(by_language, key=lambda code: (code is None, code or ""))
    batches = session.execute(
        select(Batch.public_id, Batch.name, func.count(Item.id), _complete_count(), _pending_count())
        .outerjoin(Item, Item.batch_id == Batch.id)
        .where(Batch.project_id == project_id, Batch.kind == WORK_BATCH)
        .group_by(Batch.id, Batch.public_id, Batch.name)
        .order_by(Batch.id)
    ).all()
    running = session.scalar(
        select(func.count())
        .select_from(ItemImport)
        .where(
            ItemImport.project_id == project_id,
            ItemImport.state.in_(_running_states()),
        )
    )
    by_state = _state_counts((state, int(count)) for _language, state, count in rows)
    return {
        "total": sum(int(count) for _language, _state, count in rows),
        "by_state": by_state,
        "by_language": [
            {
                "language": code,
                "total": sum(count for _state, count in by_language[code]),
                "by_state": _state_counts(by_language[code]),
            }
            for code in languages
        ],
        "batches": [
            {
                "id": public_id,
                "name": name,
                "total": int(total),
                "complete": int(complete),
                "language_pending": int(pending),
            }
            for public_id, name, total, complete, pending in batches
        ],
        "imports_in_progress": int(running or 0),
        "language_detection": _language_detection(by_state),
    }


def ensure_accepts_items(project: Project) -> None:
    """409 for uploads to a project that is completed or archived."""
    if project.state not in UPLOADABLE_STATES:
        raise Conflict(
            _("Items can no longer be added to a %(state)s project.", state=state_name(project.state))
        )
