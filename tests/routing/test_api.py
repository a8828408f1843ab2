"""The annotator's work API, called as the work page calls it: session cookie plus CSRF header."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import post_form


def csrf_header(client: FlaskClient) -> dict[str, str]:
    page = client.get("/").get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert match
    return {"X-CSRFToken": match.group(1)}


def login_as(client: FlaskClient, annotator_id: int, app: Flask) -> dict[str, str]:
    from marketplace.accounts import service as accounts

    with app.app_context():
        user = accounts.get_user(annotator_id)
        assert user is not None
        email = user.email
    response = post_form(client, "/login", {"email": email, "password": "correct horse battery"})
    assert response.status_code == 302
    return csrf_header(client)


def test_next_submit_release_over_http(
    app: Flask, client: FlaskClient, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    make_project([("ar", "شكرا جزيلا على المساعدة السريعة"), ("ar", "الطلب لم يصل بعد")], overlap=1)
    worker = annotator("ar")
    headers = login_as(client, worker, app)

    response = client.post("/api/v1/work/next", json={"count": 2}, headers=headers)
    assert response.status_code == 200, response.json
    assignments = response.json["assignments"]
    assert len(assignments) == 2
    first = assignments[0]
    assert first["item"]["language"] == "ar" and first["item"]["direction"] == "rtl"
    assert [label["name"] for label in first["project"]["labels"]] == ["positive", "negative"]
    assert first["project"]["guideline"]["fallback"] is False
    assert "external_id" not in first["item"] and "metadata" not in first["item"]

    bad = client.post(
        f"/api/v1/work/assignments/{first['id']}/submit",
        json={"answer": {"label": "angry"}},
        headers={**headers, "Accept-Language": "es"},
    )
    assert bad.status_code == 400 or bad.status_code == 422
    assert bad.json["error"]["field"] == "answer.label"

    ok = client.post(
        f"/api/v1/work/assignments/{first['id']}/submit",
        json={"answer": {"label": "positive"}, "seconds_spent": 12},
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.json["assignment"]["state"] == "submitted"
    assert "item_complete" not in ok.json  # would tell hidden gold (never complete) from real items
    assert ok.json["assignment"]["seconds_spent"] == 12

    second = assignments[1]
    released = client.post(f"/api/v1/work/assignments/{second['id']}/release", headers=headers)
    assert released.status_code == 200 and released.json["state"] == "released"
    again = client.post(
        f"/api/v1/work/assignments/{second['id']}/submit",
        json={"answer": {"label": "positive"}},
        headers=headers,
    )
    assert again.status_code == 409

    mine = client.get("/api/v1/work/assignments?state=submitted")
    assert [a["id"] for a in mine.json["assignments"]] == [first["id"]]
    empty = client.post("/api/v1/work/next", headers=headers)
    assert empty.status_code == 200 and empty.json["assignments"] == [] and empty.json["message"]


def test_who_may_call_the_work_api(
    app: Flask,
    client: FlaskClient,
    make_project: Callable[..., Any],
    annotator: Callable[..., int],
    client_org: dict[str, Any],
) -> None:
    make_project([("en", "hello there friend")], overlap=2)
    assert client.post("/api/v1/work/next").status_code == 401
    token = client.post("/api/v1/work/next", headers={"Authorization": f"Bearer {client_org['token']}"})
    assert token.status_code == 403
    owner, intruder = annotator("en"), annotator("en")
    headers = login_as(client, owner, app)
    # Cookie-authenticated writes need the CSRF header.
    assert client.post("/api/v1/work/next").status_code == 400
    assignment = client.post("/api/v1/work/next", headers=headers).json["assignments"][0]
    other = app.test_client()
    other_headers = login_as(other, intruder, app)
    for method, path in (("GET", ""), ("POST", "/submit"), ("POST", "/release"), ("POST", "/skip")):
        response = other.open(
            f"/api/v1/work/assignments/{assignment['id']}{path}",
            method=method,
            json={"answer": {"label": "positive"}} if path == "/submit" else None,
            headers=other_headers,
        )
        assert response.status_code == 404, (method, path)


def test_openapi_documents_the_work_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/work/next",
        "/api/v1/work/assignments/{assignment_id}/submit",
        "/api/v1/work/assignments/{assignment_id}/release",
        "/api/v1/work/assignments/{assignment_id}/skip",
    ):
        assert path in paths
    assert paths["/api/v1/work/next"]["post"]["requestBody"]["required"] is False
