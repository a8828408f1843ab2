"""The ops triage API: groups per language pair, items, resolving, and who may call it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from marketplace.routing import service as routing
from tests.api.conftest import sign_in
from tests.ops.conftest import ENGLISH, HEBREW, PORTUGUESE, SPANISH, item_states, public_ids

TRIAGE = "/api/v1/ops/triage"


def ops_headers(app: Flask, client: FlaskClient, user_id: int) -> dict[str, str]:
    return {"X-CSRFToken": sign_in(app, client, user_id)}


def claim(app: Flask, annotator_id: int, count: int = 5) -> list[str]:
    """Public ids of the items the annotator is handed."""
    from marketplace.db import get_session
    from marketplace.projects.models import Item

    with app.app_context():
        assignments = routing.claim_next_assignments(annotator_id, count)
        return [get_session().get(Item, a.item_id).public_id for a in assignments]  # type: ignore[union-attr]


def test_groups_per_language_pair_and_their_items(
    app: Flask, client: FlaskClient, triage_project: dict[str, Any], ops_user: int
) -> None:
    headers = ops_headers(app, client, ops_user)
    body = client.get(TRIAGE, headers=headers).get_json()
    assert body["total"] == 5
    groups = {(g["declared"], g["detected"]): g for g in body["groups"]}
    assert set(groups) == {("es", "pt"), ("es", "en"), ("ar", "he")}
    assert body["groups"][0]["declared"] == "es" and body["groups"][0]["detected"] == "pt"  # biggest first
    assert groups[("es", "pt")]["count"] == 3 and groups[("es", "pt")]["reasons"] == {"mismatch": 3}
    assert groups[("es", "pt")]["projects"] == 1

    listed = client.get(groups[("es", "pt")]["items_url"], headers=headers).get_json()
    assert [item["excerpt"] for item in listed["items"]] == list(PORTUGUESE)
    first = listed["items"][0]
    assert first["declared_language"] == "es" and first["detected_language"] == "pt"
    assert first["reason"] == "mismatch" and first["direction"] == "ltr"
    assert first["language_confidence"] > 0.9
    assert first["language_candidates"][0]["language"] == "pt"  # what ops decide from
    assert first["project"] == {
        "id": triage_project["public_id"],
        "name": "Sentiment",
        "languages": ["ar", "es", "pt"],
    }
    hebrew = client.get(f"{TRIAGE}/items?declared=ar&detected=he", headers=headers).get_json()["items"]
    assert [(item["excerpt"], item["direction"]) for item in hebrew] == [(HEBREW, "rtl")]

    page = client.get(f"{TRIAGE}/items?limit=2", headers=headers).get_json()
    rest = client.get(f"{TRIAGE}/items?cursor={page['next_cursor']}", headers=headers).get_json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 3 and rest["next_cursor"] is None
    by_project = client.get(f"{TRIAGE}?project={triage_project['public_id']}", headers=headers).get_json()
    assert by_project["total"] == 5
    assert client.get(f"{TRIAGE}?project=prj_nope", headers=headers).status_code == 404
    assert client.get(f"{TRIAGE}/items?declared=und", headers=headers).get_json()["items"] == []
    bad = client.get(f"{TRIAGE}/items?detected=xx-Nope", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "detected"


def test_resolving_one_item_then_a_pair_routes_them_at_once(
    app: Flask,
    client: FlaskClient,
    triage_project: dict[str, Any],
    ops_user: int,
    annotator: Callable[..., int],
) -> None:
    headers = ops_headers(app, client, ops_user)
    first, second = annotator("pt"), annotator("pt")
    assert claim(app, first) == []  # everything Portuguese waits in triage
    one = public_ids(app, PORTUGUESE[0])

    resolved = client.post(f"{TRIAGE}/resolve", json={"items": one, "language": "pt"}, headers=headers)
    assert resolved.status_code == 200, resolved.get_json()
    body = resolved.get_json()
    assert body["resolved"] == one and body["resolved_count"] == 1 and body["skipped"] == []
    assert body["language"] == "pt" and body["resolved_by"]["id"] == ops_user and body["resolved_at"]
    from marketplace.db import get_session
    from marketplace.projects.models import Item

    with app.app_context():  # who and when stay on the item
        item = get_session().query(Item).filter(Item.public_id == one[0]).one()
        assert item.language_set_by_id == ops_user and item.language_set_at is not None
    assert item_states(app)[PORTUGUESE[0]] == ("ready", "pt", "ops")
    assert claim(app, first) == one

    again = client.post(
        f"{TRIAGE}/resolve", json={"items": [*one, "itm_nope"], "language": "pt"}, headers=headers
    ).get_json()
    assert again["resolved"] == []
    assert again["skipped"] == [
        {"id": one[0], "reason": "not_in_triage"},
        {"id": "itm_nope", "reason": "not_found"},
    ]

    group = {"declared": "es", "detected": "pt", "project": triage_project["public_id"]}
    pair = client.post(f"{TRIAGE}/resolve", json={"group": group, "language": "PT"}, headers=headers)
    assert pair.status_code == 200 and pair.get_json()["resolved_count"] == 2
    assert sorted(claim(app, second)) == sorted(public_ids(app, *PORTUGUESE))
    states = item_states(app)
    assert states[ENGLISH][0] == states[HEBREW][0] == "triage"  # other pairs untouched
    assert states[SPANISH] == ("ready", "es", "model")


def test_a_language_the_project_does_not_target_is_refused(
    app: Flask, client: FlaskClient, triage_project: dict[str, Any], ops_user: int
) -> None:
    headers = ops_headers(app, client, ops_user)
    english = public_ids(app, ENGLISH)
    refused = client.post(f"{TRIAGE}/resolve", json={"items": english, "language": "en"}, headers=headers)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["errors"][0]["code"] == "language_not_in_project"
    group = client.post(
        f"{TRIAGE}/resolve",
        json={"group": {"declared": "es", "detected": "en"}, "language": "de"},
        headers=headers,
    )
    assert group.status_code == 422
    unknown = client.post(
        f"{TRIAGE}/resolve", json={"items": english, "language": "xx-Nope"}, headers=headers
    )
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "language"
    both = client.post(
        f"{TRIAGE}/resolve",
        json={"items": english, "group": {"declared": "es", "detected": "en"}, "language": "es"},
        headers=headers,
    )
    assert both.status_code == 400
    assert item_states(app)[ENGLISH][0] == "triage"


def test_only_ops_may_use_the_queue(
    app: Flask,
    client: FlaskClient,
    triage_project: dict[str, Any],
    annotator: Callable[..., int],
    client_org: dict[str, Any],
) -> None:
    english = public_ids(app, ENGLISH)
    calls = (
        ("GET", TRIAGE, None),
        ("GET", f"{TRIAGE}/items", None),
        ("POST", f"{TRIAGE}/resolve", {"items": english, "language": "es"}),
    )
    for method, path, body in calls:
        assert client.open(path, method=method, json=body).status_code == 401, path
    token = {"Authorization": f"Bearer {client_org['token']}"}
    for method, path, body in calls:
        assert client.open(path, method=method, json=body, headers=token).status_code == 403, path
    headers = ops_headers(app, client, annotator("es", roles=("annotator", "reviewer", "client")))
    for method, path, body in calls:
        assert client.open(path, method=method, json=body, headers=headers).status_code == 403, path
    assert item_states(app)[ENGLISH][0] == "triage"


def test_openapi_documents_the_triage_endpoints(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get"} <= set(paths["/api/v1/ops/triage"])
    assert {"get"} <= set(paths["/api/v1/ops/triage/items"])
    assert "422" in paths["/api/v1/ops/triage/resolve"]["post"]["responses"]


def test_items_without_any_language_form_their_own_group(
    app: Flask, client: FlaskClient, api: Callable[..., Any], ops_user: int, run_jobs: Callable[[], int]
) -> None:
    from tests.api.conftest import classification_body

    project = api("POST", "/projects", json=classification_body()).get_json()["id"]
    items = [
        {"payload": {"text": text}}
        for text in ("ok", "hmm", "El pedido llegó tarde, pero el producto es excelente.")
    ]
    assert api("POST", f"/projects/{project}/items", json={"items": items}).status_code == 201
    run_jobs()
    headers = ops_headers(app, client, ops_user)
    groups = client.get(TRIAGE, headers=headers).get_json()["groups"]
    assert [(g["declared"], g["detected"], g["count"], g["reasons"]) for g in groups] == [
        (None, None, 2, {"too_short": 2})
    ]
    listed = client.get(groups[0]["items_url"], headers=headers).get_json()["items"]
    assert [item["excerpt"] for item in listed] == ["ok", "hmm"] and listed[0]["direction"] is None
    group = {"declared": None, "detected": None, "project": project}
    resolved = client.post(f"{TRIAGE}/resolve", json={"group": group, "language": "en"}, headers=headers)
    assert resolved.status_code == 200 and resolved.get_json()["resolved_count"] == 2
    assert client.get(TRIAGE, headers=headers).get_json() == {"groups": [], "total": 0}
    assert item_states(app)["ok"] == ("ready", "en", "ops")
