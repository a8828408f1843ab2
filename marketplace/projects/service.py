"""Project use-cases: creating projects, their state, ontology versions and guidelines, and reads.

Services take primitives, check every rule, own their transaction (one commit per use-case) and
raise ``InvalidInput`` (400/422, field-addressed, translated), ``NotFound``, ``Forbidden`` or
``Conflict``. The rest of the package is split by concept: ``organisations.py`` (organisations
and who may call), ``batches.py``, ``items.py`` (item reads), ``ingest.py`` (uploads),
``imports.py`` (upload status) and ``progress.py``.

Visibility: a project is visible to a caller who can act for its organisation (a token of it, a
member, or ops). To anyone else it does not exist: 404, never 403, so ids can't be probed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.events import EventKind, record_event
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.pagination import Page, after_id, cut_page
from marketplace.projects import schemas
from marketplace.projects.models import (
    PROJECT_TRANSITIONS,
    Guideline,
    OntologyVersion,
    Project,
    ProjectLanguage,
    ProjectState,
)
from marketplace.projects.organisations import require_client_access
from marketplace.projects.problems import Problems
from marketplace.projects.settings.delivery import is_known_timezone
from marketplace.projects.settings.qualification import check_settings
from marketplace.projects.states import state_name
from marketplace.tasktypes import get_task_type, validate_config
from marketplace.validation import FieldError, InvalidInput, join_path, schema_errors

if TYPE_CHECKING:
    from marketplace.projects.access import Actor

log = logging.getLogger(__name__)

#: Default and ceiling of ``max_overlap`` when the client does not set it.
DEFAULT_MAX_OVERLAP = 5
MAX_MAX_OVERLAP = 50

#: Project states in which items may still be uploaded.
UPLOADABLE_STATES = frozenset({ProjectState.DRAFT, ProjectState.ACTIVE, ProjectState.PAUSED})


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


def visible_project(principal: Actor, public_id: str) -> Project:
    """The project ``public_id`` if the caller may act for its organisation; 404 otherwise."""
    require_client_access(principal)
    project = get_session().scalar(_project_query().where(Project.public_id == public_id))
    if project is None or not principal.can_act_for(project.organisation_id):
        raise NotFound(_("There is no such project."))
    return project


def list_projects(principal: Actor, cursor: str | None, limit: int) -> Page[Project]:
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


def _normalise_language(code: str, field: str, problems: Problems) -> str | None:
    try:
        return normalize_language(code)
    except UnknownLanguage:
        problems.rule(field, "unknown_language", _("“%(code)s” is not a known language code.", code=code))
        return None


def _target_languages(codes: Sequence[str], problems: Problems) -> list[str]:
    """Normalised, de-duplicated target languages in the order given."""
    found: list[str] = []
    for index, code in enumerate(codes):
        language = _normalise_language(code, join_path("languages", index), problems)
        if language is not None and language not in found:
            found.append(language)
    return found


def _clean_labels(
    labels: Sequence[Mapping[str, Any]], field: str, needs_labels: bool, problems: Problems
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
    guidelines: Mapping[str, str], field: str, targets: Sequence[str], problems: Problems
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


def _overlaps(data: Mapping[str, Any], problems: Problems) -> tuple[int, int]:
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
    problems = Problems()
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
    record_event(
        get_session(),
        project.organisation_id,
        EventKind.PROJECT_STATE_CHANGED,
        {"project": project.public_id, "from": current.value, "to": wanted.value},
        project_id=project.id,
    )
    get_session().commit()
    log.info("project %s: %s -> %s by user %s", project.public_id, current, wanted, actor)
    return project


def set_delivery_settings(project_id: int, settings: Mapping[str, Any]) -> Project:
    """Replace the project's delivery settings (already checked against their schema)."""
    project = get_project(project_id)
    _refuse_if_archived(project)
    cadence = settings.get("cadence")
    if cadence and not is_known_timezone(cadence["timezone"]):
        raise InvalidInput(
            [FieldError("cadence.timezone", "enum", _("This is not a known time zone (e.g. Europe/Berlin)."))]
        )
    project.settings = {**(project.settings or {}), "delivery": dict(settings)}
    get_session().commit()
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
    problems = Problems()
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
    problems = Problems()
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


def ensure_accepts_items(project: Project) -> None:
    """409 for uploads to a project that is completed or archived."""
    if project.state not in UPLOADABLE_STATES:
        raise Conflict(
            _("Items can no longer be added to a %(state)s project.", state=state_name(project.state))
        )
