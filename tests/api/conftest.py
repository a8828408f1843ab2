"""Helpers for the client API tests: project bodies per task type, sign-in without the HTML pages."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

CLASSIFICATION_BODY: dict[str, Any] = {
    "name": "Review sentiment",
    "description": "Sentiment of product reviews.",
    "task_type": "classification",
    "source_language": "en",
    "languages": ["en", "es", "de"],
    "overlap": 3,
    "ontology": {
        "labels": [
            {
                "name": "positive",
                "definition": "The reviewer is happy.",
                "edge_cases": ["Sarcasm is negative."],
            },
            {"name": "negative", "definition": "The reviewer is unhappy."},
        ]
    },
    "guidelines": {"en": "# Sentiment\nPick the reviewer's overall feeling.", "es": "# Sentimiento"},
}


def classification_body(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(CLASSIFICATION_BODY)
    body.update(changes)
    return body


@pytest.fixture
def make_project(api: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Create a project through the API and return its JSON (classification unless told otherwise)."""

    def make(**changes: Any) -> dict[str, Any]:
        response = api("POST", "/projects", json=classification_body(**changes))
        assert response.status_code == 201, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    return make


def sign_in(app: Flask, client: FlaskClient, user_id: int) -> str:
    """Log ``user_id`` in on ``client`` through Flask-Login's session keys and return a CSRF token
    for cookie-authenticated writes (what our pages would embed), without needing the HTML views."""
    raw = secrets.token_hex(20)
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session["csrf_token"] = raw
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    return str(serializer.dumps(raw))
