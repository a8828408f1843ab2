"""The ops triage pages: groups, a pair's items with their own text direction, resolving by form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_token
from tests.ops.conftest import ENGLISH, HEBREW, PORTUGUESE, item_states, public_ids


def test_the_queue_lists_pairs_and_their_items(
    client: FlaskClient, login: Callable[..., Any], triage_project: dict[str, Any], ops_user: int
) -> None:
    login("ops@example.org")
    page = client.get("/ops/triage?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/ops/triage/es~pt"' in html and 'href="/ops/triage/ar~he"' in html
    assert "not the declared language: 3" in html
    filtered = client.get(f"/ops/triage?project={triage_project['public_id']}").get_data(as_text=True)
    assert f"/ops/triage/es~pt?project={triage_project['public_id']}" in filtered

    hebrew = client.get("/ops/triage/ar~he").get_data(as_text=True)
    assert re.search(r'lang="he" dir="rtl">' + re.escape(HEBREW), hebrew)
    portuguese = client.get("/ops/triage/es~pt").get_data(as_text=True)
    assert all(text in portuguese for text in PORTUGUESE)
    assert 'lang="pt" dir="ltr"' in portuguese
    assert '<option value="pt" selected>' in portuguese
    assert client.get("/ops/triage/es-pt").status_code == 404
    assert client.get("/ops/triage/xx~pt").status_code == 404


def test_resolving_by_form_one_item_then_the_whole_pair(
    app: Flask, client: FlaskClient, login: Callable[..., Any], triage_project: dict[str, Any], ops_user: int
) -> None:
    login("ops@example.org")
    url = "/ops/triage/es~pt"
    token = csrf_token(client, url)
    one = public_ids(app, PORTUGUESE[1])
    response = client.post(
        url,
        data={"csrf_token": token, "items": one, "language": "pt", "scope": "selected"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "1 item is now routed in" in response.get_data(as_text=True)
    assert item_states(app)[PORTUGUESE[1]] == ("ready", "pt", "ops")
    assert item_states(app)[PORTUGUESE[0]][0] == "triage"

    refused = client.post(
        "/ops/triage/es~en",
        data={"csrf_token": token, "language": "en", "scope": "all"},
        follow_redirects=True,
    )
    assert "is not a target language" in refused.get_data(as_text=True)
    assert item_states(app)[ENGLISH][0] == "triage"

    nothing = client.post(
        url, data={"csrf_token": token, "language": "pt", "scope": "selected"}, follow_redirects=True
    )
    assert "Select at least one item." in nothing.get_data(as_text=True)
    assert client.post(url, data={"items": one, "language": "pt"}).status_code == 400  # no CSRF token

    client.post(url, data={"csrf_token": token, "language": "pt", "scope": "all"})
    states = item_states(app)
    assert all(states[text] == ("ready", "pt", "ops") for text in PORTUGUESE)
    assert "Nothing waits for a decision" in client.get(url).get_data(as_text=True)


def test_only_ops_open_the_queue(
    client: FlaskClient,
    login: Callable[..., Any],
    make_user: Callable[..., int],
    triage_project: dict[str, Any],
) -> None:
    assert client.get("/ops/triage").status_code == 302  # to the log-in page
    make_user("ann@example.org")
    login("ann@example.org")
    assert client.get("/ops/triage").status_code == 403
    assert client.get("/ops/triage/es~pt").status_code == 403
    assert client.post("/ops/triage/es~pt", data={"language": "pt", "scope": "all"}).status_code in (400, 403)
