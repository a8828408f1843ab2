"""The client's gold-set page: coverage per language and class, the newest gold items with their
answers, and a file upload that adds every item or none, saying why in the caller's language.
Only the project's client (and ops) may see it: annotators must never read gold answers."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.projects import organisations
from marketplace.qualification.models import GoldAnswer
from tests.routing.test_api import login_as

GOOD = [
    {"language": "es", "payload": {"text": "Me encanta, llegó rapidísimo."}, "answer": {"label": "positive"},
     "explanation": "Elogio claro."},
    {"language": "es", "payload": {"text": "Nunca llegó el pedido."}, "answer": {"label": "negative"}},
]  # fmt: skip


@pytest.fixture
def client_user(app: Flask, organisation: int) -> Callable[[], int]:
    """A person of the projects' client organisation (make_project creates projects there)."""

    def make(email: str = "buyer@client.example", organisation_id: int | None = None) -> int:
        with app.app_context():
            user = accounts.create_user(email, "correct horse battery", "Buyer", [Role.CLIENT])
            if organisation_id is None:
                organisations.add_member(organisation, user.id)
            else:
                organisations.add_member(organisation_id, user.id)
            return user.id

    return make


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found
    return found.group(1)


def _gold_count(app: Flask) -> int:
    with app.app_context():
        return get_session().query(GoldAnswer).count()


def _upload(client: FlaskClient, path: str, body: str, name: str = "gold.jsonl") -> Any:
    token = _token(client.get(path).get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(body.encode()), name)}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_a_client_adds_gold_from_a_file_and_sees_coverage_per_language(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], client_user: Callable[..., int]
) -> None:
    project = make_project([("es", "Hola")], languages=["es", "fr"], exam_required=True,
                           qualification={"min_gold_per_language": 2, "exam_size": 2})  # fmt: skip
    login_as(client, client_user(), app)
    path = f"/projects/{project['public_id']}/gold"
    html = client.get(path).get_data(as_text=True)
    assert "needs 2 more" in html and "No gold items yet." in html

    response = _upload(client, path, "\n".join(json.dumps(r, ensure_ascii=False) for r in GOOD))
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 gold items added." in html
    assert "✓ open" in html and "needs 2 more" in html  # Spanish is open, French is not
    assert "<bdi>positive</bdi>: 1" in html and "<bdi>negative</bdi>: 1" in html
    assert "Nunca llegó el pedido." in html and "Elogio claro." in html


def test_a_bad_gold_file_adds_nothing_and_says_why_in_the_callers_language(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], client_user: Callable[..., int]
) -> None:
    project = make_project([("es", "Hola")])
    login_as(client, client_user(), app)
    path = f"/projects/{project['public_id']}/gold"

    broken = json.dumps(GOOD[0]) + "\n{not json\n"
    response = _upload(client, path + "?lang=es", broken)
    assert response.status_code == 400
    assert "La línea 2 no es JSON válido." in response.get_data(as_text=True)

    response = _upload(client, path, json.dumps(GOOD), name="gold.csv")
    assert response.status_code == 415 and "Suba un archivo .json o .jsonl." in response.get_data(
        as_text=True
    )

    wrong_label = [GOOD[0], {**GOOD[1], "answer": {"label": "furious"}}]
    response = _upload(client, path, json.dumps({"items": wrong_label}), name="gold.json")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "items[1].answer" in page
    assert _gold_count(app) == 0


def test_gold_pages_are_for_the_projects_client_only(
    app: Flask,
    make_project: Callable[..., Any],
    client_user: Callable[..., int],
    annotator: Callable[..., int],
) -> None:
    project = make_project([("es", "Hola")])
    with app.app_context():
        elsewhere = organisations.create_organisation("Other Co").id
    path = f"/projects/{project['public_id']}/gold"
    worker, stranger = app.test_client(), app.test_client()
    login_as(worker, annotator("es"), app)
    login_as(stranger, client_user("stranger@other.example", elsewhere), app)
    assert worker.get(path).status_code == 403
    assert stranger.get(path).status_code == 404
