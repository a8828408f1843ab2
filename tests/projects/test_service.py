"""Project use-cases, called directly (no HTTP): organisations, states, ontology versions, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.errors import Conflict, Forbidden, NotFound
from marketplace.projects import batches, ingest, organisations, service, upload_parsing
from marketplace.projects.models import Item, OrganisationMember, Project, ProjectState
from marketplace.projects.progress import project_progress
from marketplace.validation import InvalidInput
from tests.api.conftest import classification_body


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    # A request context: the locale selector (marketplace.i18n) reads the request for translated errors.
    with app.test_request_context():
        yield app


@pytest.fixture
def project(ctx: Flask) -> Project:
    organisation = organisations.create_organisation("Acme")
    return service.create_project(organisation.id, classification_body())


def test_create_organisation_adds_the_owner(ctx: Flask, make_user: Callable[..., int]) -> None:
    owner = make_user("boss@client.example", roles=(Role.CLIENT,))
    organisation = organisations.create_organisation("  Acme  ", owner_user_id=owner)
    assert organisation.name == "Acme"
    assert organisation.public_id.startswith("org_")
    member = get_session().get(OrganisationMember, (organisation.id, owner))
    assert member is not None and member.is_owner
    with pytest.raises(InvalidInput):
        organisations.create_organisation("   ")


def test_add_member_is_idempotent(ctx: Flask, make_user: Callable[..., int]) -> None:
    organisation = organisations.create_organisation("Acme")
    user = make_user("member@client.example", roles=(Role.CLIENT,))
    organisations.add_member(organisation.id, user)
    organisations.add_member(organisation.id, user, is_owner=True)
    members = (
        get_session().scalars(select(OrganisationMember).where(OrganisationMember.user_id == user)).all()
    )
    assert [(m.organisation_id, m.is_owner) for m in members] == [(organisation.id, True)]
    with pytest.raises(NotFound):
        organisations.add_member(organisation.id + 999, user)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["active", "paused", "active", "completed", "archived"], True),
        (["archived"], True),
        (["paused"], False),
        (["active", "draft"], False),
        (["archived", "active"], False),
    ],
)
def test_state_transitions_follow_the_table(project: Project, path: list[str], allowed: bool) -> None:
    try:
        for state in path:
            service.set_project_state(project.id, state, actor=None)
    except Conflict:
        assert not allowed
    else:
        assert allowed
        assert service.get_project(project.id).state == ProjectState(path[-1])


def test_new_ontology_version_carries_guidelines(project: Project) -> None:
    version = service.new_ontology_version(
        project.id,
        [{"name": "good"}, {"name": "bad"}],
        "Renamed",
        created_by=None,
        guidelines={"es": "Nueva guía"},
    )
    assert version.version == 2
    texts = {g.language: g.text for g in version.guidelines}
    assert texts["es"] == "Nueva guía"
    assert texts["en"].startswith("# Sentiment")
    first = service.get_project(project.id).ontology_versions[0]
    assert first.label_names == ["positive", "negative"]
    assert {g.language: g.text for g in first.guidelines}["es"] == "# Sentimiento"


def test_put_guideline_on_the_current_version(project: Project) -> None:
    guideline = service.put_guideline(project.id, "de", "# Stimmung")
    assert guideline.language == "de"
    assert guideline.ontology_version.version == 1
    again = service.put_guideline(project.id, "DE", "# Stimmung 2")
    assert again.id == guideline.id and again.text == "# Stimmung 2"
    with pytest.raises(InvalidInput) as refused:
        service.put_guideline(project.id, "fr", "x")
    assert refused.value.status == 422


def test_rating_projects_need_no_labels(ctx: Flask) -> None:
    organisation = organisations.create_organisation("Acme")
    body = classification_body(task_type="rating")
    body.pop("ontology")
    project = service.create_project(organisation.id, body)
    assert project.current_ontology is not None and project.current_ontology.labels == []
    assert project.task_config == {"min": 1, "max": 5, "step": 1}


def test_visibility(ctx: Flask, project: Project, make_user: Callable[..., int]) -> None:
    from marketplace.accounts.service import get_user
    from marketplace.projects.access import Actor

    # Make every user before reading any: on SQLite a read here holds the write lock make_user needs.
    ids = [
        make_user("ann@example.org"),
        make_user("ops@example.org", roles=(Role.OPS,)),
        make_user("cli@example.org", roles=(Role.CLIENT,)),
    ]
    annotator, ops, client = (get_user(user_id) for user_id in ids)
    assert annotator and ops and client
    with pytest.raises(Forbidden):
        service.visible_project(Actor(annotator, None, frozenset()), project.public_id)
    with pytest.raises(NotFound):
        service.visible_project(Actor(client, None, frozenset()), project.public_id)
    member = Actor(client, None, frozenset({project.organisation_id}))
    assert service.visible_project(member, project.public_id).id == project.id
    assert service.visible_project(Actor(ops, None, frozenset()), project.public_id).id == project.id
    assert service.list_projects(Actor(client, None, frozenset()), None, 10).items == []


def test_progress_counts_by_state_language_and_batch(
    project: Project, app: Flask, run_jobs: Callable[[], int]
) -> None:
    upload = upload_parsing.Upload(
        "jsonl",
        b"\n".join(
            b'{"external_id": "%d", "language": "%s", "payload": {"text": "t"}}'
            % (n, b"es" if n % 2 else b"en")
            for n in range(10)
        )
        + b'\n{"payload": {"text": "unknown"}}',
        batch_name="first",
    )
    outcome = ingest.upload_items(project.id, upload)
    assert outcome.batch is not None and not outcome.queued
    run_jobs()  # language detection: "t" is too short to doubt its declaration, "unknown" goes to ops
    empty = batches.create_batch(project.id, "later", deadline=datetime(2031, 1, 1, tzinfo=UTC))
    session = get_session()
    session.execute(update(Item).where(Item.external_id.in_(["0", "1", "2"])).values(state="complete"))
    session.commit()

    progress = project_progress(project.id)
    assert progress["total"] == 11
    assert progress["by_state"] == {"awaiting_language": 0, "triage": 1, "ready": 7, "complete": 3}
    assert progress["language_detection"] == {"pending": 0, "done": 10, "triage": 1}
    assert progress["by_language"] == [
        {
            "language": "en",
            "total": 5,
            "by_state": {"awaiting_language": 0, "triage": 0, "ready": 3, "complete": 2},
        },
        {
            "language": "es",
            "total": 5,
            "by_state": {"awaiting_language": 0, "triage": 0, "ready": 4, "complete": 1},
        },
        {
            "language": None,
            "total": 1,
            "by_state": {"awaiting_language": 0, "triage": 1, "ready": 0, "complete": 0},
        },
    ]
    assert progress["batches"] == [
        {"id": outcome.batch.public_id, "name": "first", "total": 11, "complete": 3, "language_pending": 0},
        {"id": empty.public_id, "name": "later", "total": 0, "complete": 0, "language_pending": 0},
    ]
    page = batches.list_batches(project.id, None, 1)
    assert [(c.batch.name, c.total) for c in page.items] == [("first", 11)]
    rest = batches.list_batches(project.id, page.next_cursor, 1)
    assert [(c.batch.name, c.total) for c in rest.items] == [("later", 0)] and rest.next_cursor is None


def test_create_batch_needs_an_aware_deadline(project: Project) -> None:
    with pytest.raises(InvalidInput):
        batches.create_batch(project.id, "naive", deadline=datetime(2031, 1, 1))
    with pytest.raises(InvalidInput):
        batches.create_batch(project.id, " ")


def test_service_checks_its_input_itself(ctx: Flask) -> None:
    organisation = organisations.create_organisation("Acme")
    with pytest.raises(InvalidInput) as refused:
        service.create_project(organisation.id, {"name": "x"})
    assert {e.field for e in refused.value.errors} >= {"task_type", "languages", "source_language"}
    assert refused.value.status == 400


def test_payload_schema_errors_are_400_and_rule_errors_422(
    ctx: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketplace.tasktypes import get_task_type
    from marketplace.validation import FieldError

    organisation = organisations.create_organisation("Acme")
    project = service.create_project(organisation.id, classification_body())
    malformed = upload_parsing.Upload("json", b'{"items": [{"payload": {"text": 7}}]}')
    with pytest.raises(InvalidInput) as refused:
        ingest.upload_items(project.id, malformed)
    assert refused.value.status == 400
    assert refused.value.errors[0].field == "items[0].payload.text"

    def no_shouting(payload: Any, *, prefix: str = "payload") -> list[FieldError]:
        if str(payload.get("text", "")).isupper():
            return [FieldError(prefix + ".text", "shouting", "No shouting.")]
        return []

    monkeypatch.setattr(get_task_type("classification"), "check_payload", no_shouting)
    shouting = upload_parsing.Upload(
        "json", b'{"items": [{"payload": {"text": "ok"}}, {"payload": {"text": "LOUD"}}]}'
    )
    with pytest.raises(InvalidInput) as refused:
        ingest.upload_items(project.id, shouting)
    assert refused.value.status == 422
    assert [(e.field, e.code) for e in refused.value.errors] == [("items[1].payload.text", "shouting")]
