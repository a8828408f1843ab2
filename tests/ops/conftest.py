"""A project whose uploads left items in the language triage queue, and an ops user to clear it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.projects.models import Item

#: Declared Spanish, written in Portuguese: detection sees the mismatch.
PORTUGUESE = (
    "Obrigado pela ajuda, o pedido chegou muito rápido.",
    "O produto chegou rápido e funciona muito bem.",
    "A entrega atrasou dois dias, mas o atendimento foi ótimo.",
)
#: Declared Spanish, written in English.
ENGLISH = "The delivery arrived two days late and the box was damaged."
#: Declared Arabic, written in Hebrew: shown right to left in the queue.
HEBREW = "שלום, ההזמנה הגיעה מהר מאוד ואני מאוד מרוצה מהשירות."
SPANISH = "Gracias por la ayuda, el pedido llegó muy rápido."


@pytest.fixture
def triage_project(make_project: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Spanish/Portuguese/Arabic project: 3 items (es→pt), 1 (es→en), 1 (ar→he) in triage, 1 ready."""
    return make_project(
        [("es", text) for text in PORTUGUESE] + [("es", ENGLISH), ("ar", HEBREW), ("es", SPANISH)],
        languages=["es", "pt", "ar"],
    )


@pytest.fixture
def ops_user(make_user: Callable[..., int]) -> int:
    return make_user("ops@example.org", roles=(Role.OPS,), native=())


def item_states(app: Flask) -> dict[str, tuple[str, str | None, str | None]]:
    """Item text → (state, language, language_method)."""
    with app.app_context():
        rows = get_session().execute(select(Item.payload, Item.state, Item.language, Item.language_method))
        return {payload["text"]: (state, language, method) for payload, state, language, method in rows}


def public_ids(app: Flask, *texts: str) -> list[str]:
    with app.app_context():
        by_text = {
            payload["text"]: public_id
            for payload, public_id in get_session().execute(select(Item.payload, Item.public_id))
        }
    return [by_text[text] for text in texts]
