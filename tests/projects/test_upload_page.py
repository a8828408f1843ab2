"""The upload form on the client project page, without JavaScript: who sees it, what a post stores,
and how a refused file is shown (with nothing stored)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.projects import organisations
from marketplace.projects import service as projects
from marketplace.projects.models import Item, ItemImport
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"


def _project(app: Flask, organisation_id: int) -> dict[str, Any]:
    with app.app_context():
        project = projects.create_project(
            organisation_id,
            {
                "name": "Reviews",
                "task_type": "classification",
                "source_language": "en",
                "languages": ["en", "es"],
                "overlap": 1,
                "max_overlap": 3,
                "ontology": {
                    "labels": [
                        {"name": "positive", "definition": "Happy.", "edge_cases": [], "examples": []},
                        {"name": "negative", "definition": "Unhappy.", "edge_cases": [], "examples": []},
                    ]
                },
                "guidelines": {"en": "Pick the customer's feeling."},
            },
        )
        return {"id": project.id, "public_id": project.public_id}


def _jsonl(count: int, language: str = "en") -> bytes:
    lines = [
        json.dumps(
            {"external_id": f"r-{n}", "language": language, "payload": {"text": f"Review number {n}."}}
        )
        for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def _counts(app: Flask, project_id: int) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        items = session.scalar(select(func.count()).select_from(Item).where(Item.project_id == project_id))
        imports = session.scalar(
            select(func.count()).select_from(ItemImport).where(ItemImport.project_id == project_id)
        )
        return int(items or 0), int(imports or 0)


def _post_file(client: FlaskClient, public_id: str, content: bytes, filename: str, batch: str = "") -> Any:
    page = f"/projects/{public_id}"
    return client.post(
        f"{page}/items/upload",
        data={
            "csrf_token": csrf_token(client, page),
            "batch": batch,
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def test_the_form_is_shown_to_the_client_and_not_to_an_annotator(
    app: Flask,
    client: FlaskClient,
    client_org: dict[str, Any],
    make_user: Callable[..., int],
    login: Callable[..., Any],
) -> None:
    project = _project(app, client_org["organisation_id"])
    login("owner@client.example")
    html = client.get(f"/projects/{project['public_id']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert f'action="/projects/{project["public_id"]}/items/upload"' in html
    assert '<label for="file">' in html and '<label for="batch">' in html
    assert 'name="file"' in html and "js/upload.js" in html

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    make_user("ann@example.org")
    login("ann@example.org")
    assert client.get(f"/projects/{project['public_id']}").status_code == 403
    response = client.post(
        f"/projects/{project['public_id']}/items/upload",
        data={"csrf_token": csrf_token(client, "/"), "file": (io.BytesIO(_jsonl(2)), "items.jsonl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert _counts(app, project["id"]) == (0, 0)


def test_posting_the_form_stores_the_items_and_returns_to_the_project(
    app: Flask, client: FlaskClient, client_org: dict[str, Any], login: Callable[..., Any]
) -> None:
    project = _project(app, client_org["organisation_id"])
    login("owner@client.example")
    response = _post_file(client, project["public_id"], _jsonl(5), "items.jsonl", batch="March")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/projects/{project['public_id']}")
    assert _counts(app, project["id"]) == (5, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5 items are saved." in page
    with app.app_context():
        item_import = get_session().scalars(select(ItemImport)).one()
        assert item_import.batch_name == "March"
        assert item_import.created_by_user_id == client_org["owner_id"]


def test_a_large_file_becomes_a_background_import(
    app: Flask,
    client: FlaskClient,
    client_org: dict[str, Any],
    login: Callable[..., Any],
    run_jobs: Callable[[], int],
) -> None:
    project = _project(app, client_org["organisation_id"])
    login("owner@client.example")
    response = _post_file(client, project["public_id"], _jsonl(150), "items.jsonl")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file is being checked and saved; its progress is shown below." in page
    run_jobs()
    assert _counts(app, project["id"]) == (150, 1)


def test_a_refused_file_shows_the_problems_and_stores_nothing(
    app: Flask, client: FlaskClient, client_org: dict[str, Any], login: Callable[..., Any]
) -> None:
    project = _project(app, client_org["organisation_id"])
    login("owner@client.example")
    content = (
        _jsonl(3) + b"this is not json\n" + json.dumps({"payload": {"text": "x"}, "language": "fr"}).encode()
    )
    response = _post_file(client, project["public_id"], content, "items.jsonl")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="upload-errors"' in html and 'aria-invalid="true"' in html
    assert '<code dir="ltr">lines[3]</code>: Line 4 is not valid JSON.' in html
    assert "lines[4].language" in html and "is not a target language of the project." in html
    assert _counts(app, project["id"]) == (0, 0)

    # The API's messages come in the reader's language.
    response = client.post(
        f"/projects/{project['public_id']}/items/upload?lang=es",
        data={
            "csrf_token": csrf_token(client, f"/projects/{project['public_id']}"),
            "file": (io.BytesIO(b"a,b\n"), "items.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 415
    assert 'lang="es"' in response.get_data(as_text=True)
    assert _counts(app, project["id"]) == (0, 0)

    # No file at all: the form says so, nothing reaches the service.
    response = client.post(
        f"/projects/{project['public_id']}/items/upload",
        data={"csrf_token": csrf_token(client, f"/projects/{project['public_id']}")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _counts(app, project["id"]) == (0, 0)


def test_another_organisation_gets_404(
    app: Flask, client: FlaskClient, client_org: dict[str, Any], login: Callable[..., Any]
) -> None:
    project = _project(app, client_org["organisation_id"])
    with app.app_context():
        other = accounts.create_user("boss@other.example", PASSWORD, "Boss", [Role.CLIENT])
        organisations.create_organisation("Other Inc", owner_user_id=other.id)
    login("boss@other.example")
    assert client.get(f"/projects/{project['public_id']}").status_code == 404
    response = client.post(
        f"/projects/{project['public_id']}/items/upload",
        data={"csrf_token": csrf_token(client, "/projects"), "file": (io.BytesIO(_jsonl(2)), "items.jsonl")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
    assert _counts(app, project["id"]) == (0, 0)


def test_ops_may_upload_for_a_client(
    app: Flask,
    client: FlaskClient,
    client_org: dict[str, Any],
    make_user: Callable[..., int],
    login: Callable[..., Any],
) -> None:
    project = _project(app, client_org["organisation_id"])
    make_user("ops@example.org", roles=(Role.OPS,), native=())
    login("ops@example.org")
    assert 'name="file"' in client.get(f"/projects/{project['public_id']}").get_data(as_text=True)
    response = _post_file(client, project["public_id"], _jsonl(2), "items.jsonl")
    assert response.status_code == 303
    assert _counts(app, project["id"]) == (2, 1)


def test_the_project_page_lists_guidelines_per_language_and_the_fallback(
    app: Flask, client: FlaskClient, client_org: dict[str, Any], login: Callable[..., Any]
) -> None:
    project = _project(app, client_org["organisation_id"])
    login("owner@client.example")

    html = client.get(f"/projects/{project['public_id']}?lang=en").get_data(as_text=True)

    guidelines = html.split('id="guidelines-heading"', 1)[1].split("</table>", 1)[0]
    assert "Pick the customer&#39;s feeling." in guidelines
    assert "✗ missing: annotators see the English version" in guidelines
    assert guidelines.index("<code>en</code>") < guidelines.index("<code>es</code>")
