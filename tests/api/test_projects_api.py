"""Client API: creating and reading projects, who may see them, and how errors look."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from marketplace.accounts.models import Role
from tests.api.conftest import classification_body, sign_in

TASK_TYPE_BODIES: dict[str, dict[str, Any]] = {
    "classification": {},
    "ner": {
        "task_type": "ner",
        "task_config": {"allow_overlap": True},
        "ontology": {"labels": [{"name": "PER", "definition": "A person."}, {"name": "LOC"}]},
    },
    "pairwise_preference": {"task_type": "pairwise_preference", "ontology": None},
    "image_bounding_box": {
        "task_type": "image_bounding_box",
        "ontology": {"labels": [{"name": "car"}, {"name": "person"}]},
    },
    "segmentation_mask": {"task_type": "segmentation_mask", "ontology": {"labels": [{"name": "road"}]}},
    "rating": {"task_type": "rating", "task_config": {"min": 1, "max": 10}, "ontology": None},
}


def _body(task_type: str) -> dict[str, Any]:
    body = classification_body(**TASK_TYPE_BODIES[task_type])
    if body.get("ontology") is None:
        body.pop("ontology")
    return body


@pytest.mark.parametrize("task_type", sorted(TASK_TYPE_BODIES))
def test_create_and_read_back_each_task_type(
    api: Callable[..., Any], client_org: dict[str, Any], task_type: str
) -> None:
    created = api("POST", "/projects", json=_body(task_type))
    assert created.status_code == 201, created.get_json()
    project = created.get_json()
    assert project["id"].startswith("prj_")
    assert created.headers["Location"].endswith(f"/api/v1/projects/{project['id']}")

    read = api("GET", f"/projects/{project['id']}")
    assert read.status_code == 200
    again = read.get_json()
    assert again == project
    assert again["task_type"] == task_type
    assert again["state"] == "draft"
    assert again["languages"] == ["de", "en", "es"]
    assert again["source_language"] == "en"
    assert again["ontology"]["version"] == 1
    assert set(again["guidelines"]) == {"en", "es"}
    assert again["created_at"].endswith("Z")


def test_defaults_and_normalisation(api: Callable[..., Any]) -> None:
    body = classification_body(
        languages=["EN", "pt_br", "en"], source_language="en", guidelines={"en": "Guide", "PT-br": "Guia"}
    )
    body.pop("overlap")
    project = api("POST", "/projects", json=body).get_json()
    assert project["languages"] == ["en", "pt-BR"]
    assert project["overlap"] == 3
    assert project["max_overlap"] == 5
    assert project["lease_minutes"] == 30
    assert project["priority"] == 0
    assert set(project["guidelines"]) == {"en", "pt-BR"}
    labels = project["ontology"]["labels"]
    assert labels[1] == {
        "name": "negative",
        "definition": "The reviewer is unhappy.",
        "edge_cases": [],
        "examples": [],
    }


def test_task_config_defaults_are_stored(api: Callable[..., Any]) -> None:
    project = api("POST", "/projects", json=_body("pairwise_preference")).get_json()
    assert project["task_config"] == {"allow_tie": True, "rating_scale": {"min": 1, "max": 7}}


def test_list_projects_is_scoped_and_paginated(api: Callable[..., Any], app: Flask) -> None:
    from marketplace.projects import organisations, service

    ids = [
        api("POST", "/projects", json=classification_body(name=f"P{i}")).get_json()["id"] for i in range(5)
    ]
    with app.app_context():
        other = organisations.create_organisation("Other Org")
        service.create_project(other.id, classification_body(name="Hidden"))
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api("GET", "/projects" + query).get_json()
        seen += [p["id"] for p in page["projects"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(
    ("changes", "status", "field", "code"),
    [
        ({"task_type": "poetry"}, 400, "task_type", "enum"),
        ({"ontology": {"labels": []}}, 422, "ontology.labels", "required"),
        ({"ontology": None}, 422, "ontology", "required"),
        ({"guidelines": {"en": "Guide", "fr": "Guide"}}, 422, "guidelines.fr", "language_not_in_project"),
        ({"guidelines": {"es": "Guía"}}, 422, "guidelines.en", "required"),
        ({"source_language": "fr"}, 422, "source_language", "language_not_in_project"),
        ({"languages": ["en", "xx-Nope"]}, 422, "languages[1]", "unknown_language"),
        ({"overlap": 0}, 400, "overlap", "minimum"),
        ({"overlap": 4, "max_overlap": 3}, 422, "max_overlap", "minimum"),
        (
            {"ontology": {"labels": [{"name": "a"}, {"name": "A"}]}},
            422,
            "ontology.labels[1].name",
            "duplicate",
        ),
        ({"ontology": {"labels": [{"name": "has space"}]}}, 400, "ontology.labels[0].name", "pattern"),
        ({"task_config": {"bogus": 1}}, 400, "task_config.bogus", "unknown_field"),
        ({"colour": "red"}, 400, "colour", "unknown_field"),
    ],
)
def test_invalid_projects_name_the_field(
    api: Callable[..., Any], changes: dict[str, Any], status: int, field: str, code: str
) -> None:
    body = classification_body(**changes)
    if body.get("ontology") is None and "ontology" in changes:
        body.pop("ontology")
    response = api("POST", "/projects", json=body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"]
    assert any(e["field"] == field and e["code"] == code for e in error["errors"]), error
    assert api("GET", "/projects").get_json()["projects"] == []


def test_malformed_json_is_400(api: Callable[..., Any]) -> None:
    response = api("POST", "/projects", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["errors"][0]["code"] == "invalid_json"


def test_spanish_caller_gets_a_json_error(api: Callable[..., Any]) -> None:
    response = api(
        "POST", "/projects", json=classification_body(task_type="poetry"), headers={"Accept-Language": "es"}
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "task_type"
    assert isinstance(error["message"], str) and error["message"]
    missing = api("GET", "/projects/prj_doesnotexist", headers={"Accept-Language": "es-MX"})
    assert missing.status_code == 404
    assert set(missing.get_json()["error"]) >= {"code", "message", "field"}


def test_no_token_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/projects")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401(client: FlaskClient, client_org: dict[str, Any]) -> None:
    for header in ("Bearer not-a-token", "Bearer " + client_org["token"] + "x", "Basic abc"):
        response = client.get("/api/v1/projects", headers={"Authorization": header})
        assert response.status_code == 401, header
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized"
        assert error["message"]


def test_other_organisations_project_is_404(
    app: Flask, client: FlaskClient, make_project: Callable[..., dict[str, Any]]
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.projects import organisations

    project = make_project()
    with app.app_context():
        other = organisations.create_organisation("Rival Inc")
        _token, raw = accounts.issue_api_token(other.id, "rival")
    headers = {"Authorization": f"Bearer {raw}"}
    for path in ("", "/items", "/progress", "/ontology", "/guidelines", "/imports", "/batches"):
        response = client.get(f"/api/v1/projects/{project['id']}{path}", headers=headers)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"
    upload = client.post(
        f"/api/v1/projects/{project['id']}/items",
        headers=headers,
        json={"items": [{"payload": {"text": "hi"}}]},
    )
    assert upload.status_code == 404
    assert client.get("/api/v1/projects", headers=headers).get_json()["projects"] == []


def test_annotator_session_is_403(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., int],
    make_project: Callable[..., dict[str, Any]],
) -> None:
    project = make_project()
    annotator = make_user("ann@example.org", roles=(Role.ANNOTATOR,))
    csrf = sign_in(app, client, annotator)
    for path in ("/projects", f"/projects/{project['id']}", f"/projects/{project['id']}/items"):
        response = client.get("/api/v1" + path)
        assert response.status_code == 403, path
        assert response.get_json()["error"]["code"] == "forbidden"
    response = client.post("/api/v1/projects", json=classification_body(), headers={"X-CSRFToken": csrf})
    assert response.status_code == 403


def test_member_session_and_ops(
    app: Flask, client: FlaskClient, client_org: dict[str, Any], make_user: Callable[..., int]
) -> None:
    from marketplace.projects import organisations

    with app.app_context():
        org_public_id = organisations.organisation_public_ids([client_org["organisation_id"]])[
            client_org["organisation_id"]
        ]
    csrf = sign_in(app, client, client_org["owner_id"])
    created = client.post("/api/v1/projects", json=classification_body(), headers={"X-CSRFToken": csrf})
    assert created.status_code == 201, created.get_json()
    project = created.get_json()
    assert project["organisation"] == org_public_id
    # A cookie-authenticated write without the CSRF header is refused.
    assert client.post("/api/v1/projects", json=classification_body()).status_code == 400

    ops_client = app.test_client()
    ops = make_user("ops@example.org", roles=(Role.OPS,))
    ops_csrf = sign_in(app, ops_client, ops)
    assert ops_client.get(f"/api/v1/projects/{project['id']}").status_code == 200
    assert [p["id"] for p in ops_client.get("/api/v1/projects").get_json()["projects"]] == [project["id"]]
    unnamed = ops_client.post(
        "/api/v1/projects", json=classification_body(), headers={"X-CSRFToken": ops_csrf}
    )
    assert unnamed.status_code == 422
    assert unnamed.get_json()["error"]["field"] == "organisation"
    named = ops_client.post(
        "/api/v1/projects",
        json=classification_body(organisation=org_public_id),
        headers={"X-CSRFToken": ops_csrf},
    )
    assert named.status_code == 201


def test_token_cannot_name_another_organisation(api: Callable[..., Any], app: Flask) -> None:
    from marketplace.projects import organisations

    with app.app_context():
        other = organisations.create_organisation("Elsewhere")
        other_id = other.public_id
    response = api("POST", "/projects", json=classification_body(organisation=other_id))
    assert response.status_code == 404


def test_state_transitions(api: Callable[..., Any], make_project: Callable[..., dict[str, Any]]) -> None:
    project = make_project()
    path = f"/projects/{project['id']}/state"
    assert api("POST", path, json={"state": "active"}).get_json()["state"] == "active"
    assert api("POST", path, json={"state": "active"}).status_code == 200  # no-op, retry-safe
    refused = api("POST", path, json={"state": "draft"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "conflict"
    assert api("POST", path, json={"state": "sleeping"}).status_code == 400
    assert api("POST", path, json={"state": "completed"}).status_code == 200
    assert api("POST", path, json={"state": "archived"}).status_code == 200
    upload = api("POST", f"/projects/{project['id']}/items", json={"items": [{"payload": {"text": "x"}}]})
    assert upload.status_code == 409


def test_ontology_versions_and_guidelines(
    api: Callable[..., Any], make_project: Callable[..., dict[str, Any]]
) -> None:
    project = make_project()
    base = f"/projects/{project['id']}"
    created = api(
        "POST",
        base + "/ontology",
        json={
            "labels": [{"name": "positive"}, {"name": "negative"}, {"name": "mixed", "definition": "Both."}],
            "note": "Added mixed.",
            "guidelines": {"de": "# Stimmung"},
        },
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["version"] == 2
    assert created.get_json()["guideline_languages"] == ["de", "en", "es"]
    versions = api("GET", base + "/ontology").get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [label["name"] for label in versions[0]["labels"]] == ["positive", "negative"]

    put = api("PUT", base + "/guidelines/ES", json={"text": "# Sentimiento v2"})
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["language"] == "es" and put.get_json()["version"] == 2
    guidelines = api("GET", base + "/guidelines").get_json()
    assert guidelines["version"] == 2
    assert {g["language"]: g["text"] for g in guidelines["guidelines"]}["es"] == "# Sentimiento v2"
    assert api("GET", base).get_json()["guidelines"]["en"].startswith("# Sentiment")

    wrong = api("PUT", base + "/guidelines/fr", json={"text": "Guide"})
    assert wrong.status_code == 422
    assert wrong.get_json()["error"]["field"] == "language"
    dup = api("POST", base + "/ontology", json={"labels": [{"name": "x"}, {"name": "x"}]})
    assert dup.status_code == 422
    assert dup.get_json()["error"]["field"] == "labels[1].name"
    assert api("POST", base + "/ontology", json={"labels": []}).status_code == 422


def test_openapi_lists_every_project_path(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    expected = {
        "/api/v1/projects": {"get", "post"},
        "/api/v1/projects/{project_id}": {"get"},
        "/api/v1/projects/{project_id}/state": {"post"},
        "/api/v1/projects/{project_id}/ontology": {"get", "post"},
        "/api/v1/projects/{project_id}/guidelines": {"get"},
        "/api/v1/projects/{project_id}/guidelines/{language}": {"put"},
        "/api/v1/projects/{project_id}/items": {"get", "post"},
        "/api/v1/projects/{project_id}/items/{item_id}": {"get"},
        "/api/v1/projects/{project_id}/imports": {"get"},
        "/api/v1/projects/{project_id}/imports/{import_id}": {"get"},
        "/api/v1/projects/{project_id}/progress": {"get"},
        "/api/v1/projects/{project_id}/batches": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            operation = paths[path][method]
            assert operation["summary"] and operation["tags"]
            assert "200" in operation["responses"] or "201" in operation["responses"]
            if method in {"post", "put"}:
                assert "application/json" in operation["requestBody"]["content"], path
    create = paths["/api/v1/projects"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "task_type" in create["required"]
    upload = paths["/api/v1/projects/{project_id}/items"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-ndjson", "text/csv", "multipart/form-data"} <= set(upload)


def test_openapi_document_is_valid(client: FlaskClient) -> None:
    # A test dependency (pyproject's test extra): a missing install must fail, not skip.
    import openapi_spec_validator

    openapi_spec_validator.validate(client.get("/api/v1/openapi.json").get_json())
