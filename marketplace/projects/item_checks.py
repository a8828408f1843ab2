"""Checking the records of an upload: shapes, payloads, external ids and languages.

Why a module: every item is checked before the first row is written (all or none), and checking
must go on past the first problem to report many at once while keeping only the first
``MAX_REPORTED_ERRORS``; it also builds the rows that ``ingest.py`` then inserts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import utcnow
from marketplace.ids import new_public_id
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.languages.tags import UNDETERMINED, Ambiguous, target_for
from marketplace.projects import schemas
from marketplace.projects.language_decision import initial_language_columns
from marketplace.projects.models import Item, Project
from marketplace.projects.upload_parsing import ParsedUpload, Record
from marketplace.tasktypes import get_task_type, validate_payload
from marketplace.validation import FieldError, join_path, schema_errors

#: Problems kept and reported per upload; counting goes on past it (``error_count``).
MAX_REPORTED_ERRORS = 100
#: A background import writes its progress every this many items.
PROGRESS_EVERY = 1000
#: External ids per ``IN (...)`` when looking for ones already in the project.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class ProjectFacts:
    """What checking items needs from the project, as plain values.

    Why not the ORM object: a background import must end its read transaction before writing
    progress (SQLite allows one writer), and an expired object would silently start a new one.
    """

    id: int
    task_type: str
    languages: frozenset[str]

    @classmethod
    def of(cls, project: Project) -> ProjectFacts:
        return cls(project.id, project.task_type, frozenset(project.language_codes))


@dataclass
class CheckResult:
    """Rows ready to insert (only meaningful when there is no error) and the problems found."""

    rows: list[dict[str, Any]]
    errors: list[FieldError]
    error_count: int
    malformed: bool
    #: Declared tags stored as another code, with how many items: ``{"declared", "language", "items"}``.
    language_notes: list[dict[str, Any]]

    @property
    def status(self) -> int:
        """400 when some input is malformed (bad JSON, wrong types), 422 when it only breaks rules."""
        return 400 if self.malformed else 422


#: Called with how many items are done so far (checked, or stored).
Progress = Callable[[int], None]


def no_progress(_count: int) -> None:
    """The progress callback of uploads handled in the request: nobody polls them."""
    return None


def external_ids(records: Iterable[Record]) -> list[str]:
    """The external ids the records give (where they give one as text), in upload order."""
    return [
        record.value["external_id"]
        for record in records
        if isinstance(record.value, dict) and isinstance(record.value.get("external_id"), str)
    ]


def existing_external_ids(session: Session, project_id: int, candidates: Sequence[str]) -> set[str]:
    """Which of ``candidates`` the project already has (in chunks, to keep each query small)."""
    unique = sorted(set(candidates))
    found: set[str] = set()
    for start in range(0, len(unique), _LOOKUP_CHUNK):
        chunk = unique[start : start + _LOOKUP_CHUNK]
        found.update(
            session.scalars(
                select(Item.external_id).where(Item.project_id == project_id, Item.external_id.in_(chunk))
            ).all()  # type: ignore[arg-type]
        )
    return found


@dataclass(frozen=True)
class _Language:
    """A declared language: the client's tag, canonical, and the project language it routes as."""

    declared: str
    target: str


class _Checker:
    """Checks records one by one, keeps the first problems and builds the rows to insert."""

    def __init__(self, project: ProjectFacts, taken: set[str]) -> None:
        self.project = project
        self.task_type = get_task_type(project.task_type)
        self.taken = taken
        self.first_use: dict[str, str] = {}
        self.errors: list[FieldError] = []
        self.error_count = 0
        self.malformed = False
        self.rows: list[dict[str, Any]] = []
        self.now = utcnow()
        self.read_as: Counter[tuple[str, str]] = Counter()

    def add(self, errors: Iterable[FieldError], *, malformed: bool) -> None:
        for error in errors:
            self.error_count += 1
            self.malformed = self.malformed or malformed
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append(error)

    def check(self, record: Record) -> None:
        if record.unreadable is not None:
            self.add([record.unreadable], malformed=True)
            return
        value = record.value
        shape = schema_errors(schemas.ITEM_RECORD, value, record.path)
        if shape:
            self.add(shape, malformed=True)
            return
        problems = self._payload(value["payload"], record.payload_path)
        problems += self._external_id(value.get("external_id"), record.path)
        language, language_problems = self._language(value.get("language"), record.path)
        problems += language_problems
        if problems or self.error_count:
            return
        self.rows.append(self._row(value, language))

    def _payload(self, payload: Any, path: str) -> list[FieldError]:
        errors = validate_payload(self.task_type.name, payload, prefix=path)
        if errors:
            # validate_payload returns schema errors if any, else rule errors: tell them apart for the status.
            schema_broken = bool(schema_errors(self.task_type.payload_schema, payload, path, limit=1))
            self.add(errors, malformed=schema_broken)
        return errors

    def _external_id(self, external_id: str | None, path: str) -> list[FieldError]:
        if external_id is None:
            return []
        field_path = join_path(path, "external_id")
        if external_id in self.first_use:
            error = FieldError(
                field_path,
                "duplicate",
                _(
                    "The external_id “%(id)s” is used twice in this upload (first at %(first)s).",
                    id=external_id,
                    first=self.first_use[external_id],
                ),
            )
        elif external_id in self.taken:
            error = FieldError(
                field_path,
                "duplicate",
                _("The project already has an item with the external_id “%(id)s”.", id=external_id),
            )
        else:
            self.first_use[external_id] = path
            return []
        self.add([error], malformed=False)
        return [error]

    def _language(self, declared: str | None, path: str) -> tuple[_Language | None, list[FieldError]]:
        """The declared tag, canonical, and the project language it is routed as. ``und`` (or no
        tag) leaves the language to detection; deprecated codes are read as their canonical ones
        (``iw`` → ``he``) and a more precise tag as the project's (``zh-CN`` → ``zh-Hans``)."""
        if declared is None or declared.strip().lower() == UNDETERMINED:
            return None, []
        field_path = join_path(path, "language")
        try:
            language = normalize_language(declared)
            target = target_for(language, self.project.languages)
        except UnknownLanguage:
            error = FieldError(
                field_path, "unknown_language", _("“%(code)s” is not a known language code.", code=declared)
            )
        except Ambiguous:
            error = FieldError(
                field_path,
                "ambiguous_language",
                _(
                    "“%(code)s” fits several target languages of the project (%(targets)s); "
                    "declare one of them.",
                    code=declared,
                    targets=", ".join(sorted(self.project.languages)),
                ),
            )
        else:
            if target is not None:
                if target.lower() != declared.strip().replace("_", "-").lower():
                    self.read_as[(declared.strip(), target)] += 1
                return _Language(language, target), []
            error = FieldError(
                field_path,
                "language_not_in_project",
                _("“%(code)s” is not a target language of the project.", code=language),
            )
        self.add([error], malformed=False)
        return None, [error]

    def notes(self) -> list[dict[str, Any]]:
        return [
            {"declared": declared, "language": target, "items": count}
            for (declared, target), count in sorted(self.read_as.items())
        ]

    def _row(self, value: Mapping[str, Any], language: _Language | None) -> dict[str, Any]:
        return {
            "public_id": new_public_id("itm"),
            "project_id": self.project.id,
            "external_id": value.get("external_id"),
            "payload": value["payload"],
            "client_metadata": value.get("metadata", {}),
            "declared_language": language.declared if language else None,
            **initial_language_columns(
                self.task_type, value["payload"], language.target if language else None
            ),
            "created_at": self.now,
        }


def check_upload(
    project: ProjectFacts, parsed: ParsedUpload, taken: set[str], on_progress: Progress = no_progress
) -> CheckResult:
    """Check every record (``taken``: external ids the project already has). Rows are built only
    while no problem has been found; after the first one, checking goes on to report more."""
    checker = _Checker(project, taken)
    checker.add(parsed.errors, malformed=True)
    for count, record in enumerate(parsed.records, start=1):
        checker.check(record)
        if count % PROGRESS_EVERY == 0:
            on_progress(count)
    on_progress(len(parsed.records))
    return CheckResult(checker.rows, checker.errors, checker.error_count, checker.malformed, checker.notes())
