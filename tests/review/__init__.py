"""Review tests, and the helpers that build their scenarios through the real services: a project,
annotators who claim and submit work, ops who qualify and appoint reviewers."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import post_form

PASSWORD = "correct horse battery"

SPANISH_TEXT = "El pedido llegó roto y nadie contesta."
ARABIC_TEXT = "شكرا جزيلا على المساعدة السريعة"


def login_as(client: FlaskClient, email: str) -> dict[str, str]:
    """Sign in through the form; returns the CSRF header the API wants for cookie writes."""
    response = post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match
    return {"X-CSRFToken": match.group(1)}


def logout(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match
    assert client.post("/logout", data={"csrf_token": match.group(1)}).status_code in (302, 303)


def judge(
    app: Flask, annotator_id: int, label: str = "positive", *, edge_case: bool = False, comment: str = ""
) -> str:
    """The annotator claims their next item and answers it; returns the assignment's public id."""
    from marketplace.pipeline import submit as pipeline
    from marketplace.routing import service as routing

    with app.app_context():
        claimed = routing.claim_next_assignments(annotator_id, 1)
        assert claimed, "no work for the annotator"
        public_id = claimed[0].public_id
        pipeline.submit_assignment(
            annotator_id, public_id, {"label": label}, seconds_spent=20, edge_case=edge_case, comment=comment
        )
        return public_id


def judge_all(
    app: Flask, annotator_id: int, label: str = "positive", *, edge_case: bool = False
) -> list[str]:
    """The annotator answers every item routed to them, one at a time; returns the assignment ids."""
    from marketplace.routing import service as routing

    done = []
    while True:
        with app.app_context():
            if not routing.claim_next_assignments(annotator_id, 1):
                return done
        done.append(judge(app, annotator_id, label, edge_case=edge_case))


def appoint_reviewer(
    app: Flask, user_id: int, project_id: int, languages: Sequence[str], ops_id: int
) -> None:
    """Qualify someone in the project's languages and make them a reviewer of them."""
    from marketplace.qualification.service import grant_qualification
    from marketplace.review import service

    with app.app_context():
        for language in languages:
            grant_qualification(user_id, project_id, language, granted_by=ops_id)
            service.grant_reviewer(user_id, language, ops_id)


def set_review_settings(app: Flask, project_id: int, review: dict[str, Any]) -> None:
    from marketplace.db import get_session
    from marketplace.projects.models import Project

    with app.app_context():
        session = get_session()
        project = session.get(Project, project_id)
        assert project is not None
        project.settings = {**project.settings, "review": review}
        session.commit()


@dataclass
class Scenario:
    """An active classification project (es and ar items, overlap 2) with people around it."""

    project_id: int
    project_public_id: str
    ops_id: int
    ops_email: str
    #: Spanish annotators by email (display names are the email's local part).
    es_annotators: dict[str, int]
    ar_annotators: dict[str, int]
    reviewer_es: int
    reviewer_es_email: str
    reviewer_ar: int
    reviewer_ar_email: str
    #: Assignment public ids of the Spanish judgments, in order.
    es_judgments: list[str] = field(default_factory=list)
    ar_judgments: list[str] = field(default_factory=list)


def build_scenario(
    app: Flask,
    make_project: Callable[..., dict[str, Any]],
    make_user: Callable[..., int],
    *,
    review: dict[str, Any] | None = None,
    es_labels: Sequence[str] = ("positive", "positive"),
    ar_labels: Sequence[str] = (),
    edge_case: bool = False,
    items: Sequence[tuple[str, str]] | None = None,
) -> Scenario:
    """Build the project, let two Spanish annotators judge the Spanish item (and Arabic ones the
    Arabic item when ``ar_labels``), and appoint one reviewer per language."""
    from marketplace.accounts.models import Role

    project = make_project(
        list(items or [("es", SPANISH_TEXT), ("ar", ARABIC_TEXT)]),
        languages=["ar", "es"],
        overlap=2,
        review=review if review is not None else {"sample_rate": 1.0},
    )
    ops_email = "ops@example.org"
    ops_id = make_user(ops_email, roles=(Role.OPS,), native=())
    es_annotators = {
        email: make_user(email, native=("es",))
        for email in ("carla.ruiz@example.org", "diego.mora@example.org")
    }
    ar_annotators = {
        email: make_user(email, native=("ar",))
        for email in ("layla.haddad@example.org", "omar.saleh@example.org")
    }
    reviewer_es_email, reviewer_ar_email = "rosa.reviewer@example.org", "karim.reviewer@example.org"
    reviewer_es = make_user(reviewer_es_email, native=("es",))
    reviewer_ar = make_user(reviewer_ar_email, native=("ar",))
    appoint_reviewer(app, reviewer_es, project["id"], ["es"], ops_id)
    appoint_reviewer(app, reviewer_ar, project["id"], ["ar"], ops_id)
    scenario = Scenario(
        project_id=project["id"],
        project_public_id=project["public_id"],
        ops_id=ops_id,
        ops_email=ops_email,
        es_annotators=es_annotators,
        ar_annotators=ar_annotators,
        reviewer_es=reviewer_es,
        reviewer_es_email=reviewer_es_email,
        reviewer_ar=reviewer_ar,
        reviewer_ar_email=reviewer_ar_email,
    )
    for user_id, label in zip(es_annotators.values(), es_labels, strict=False):
        scenario.es_judgments += judge_all(app, user_id, label, edge_case=edge_case)
    for user_id, label in zip(ar_annotators.values(), ar_labels, strict=False):
        scenario.ar_judgments += judge_all(app, user_id, label)
    return scenario
