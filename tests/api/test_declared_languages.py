"""Declared item languages as a client sends them: deprecated codes accepted and canonicalised
(the import says so), a more precise tag routed as the project's language, ``und`` left to
detection, and unknown, malformed or ambiguous tags refused with a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Api = Callable[..., Any]


def _project(make_project: Callable[..., dict[str, Any]], languages: list[str]) -> dict[str, Any]:
    guidelines = {languages[0]: "Pick the feeling."}
    return make_project(languages=languages, source_language=languages[0], guidelines=guidelines)


def test_deprecated_and_precise_tags_are_accepted_and_reported(
    api: Api, make_project: Callable[..., dict[str, Any]], run_jobs: Callable[[], int]
) -> None:
    project = _project(make_project, ["he", "zh-Hans", "es"])
    items = [
        {"external_id": "a", "language": "iw", "payload": {"text": "ההזמנה הגיעה באיחור, אבל המוצר מצוין."}},
        {"external_id": "b", "language": "iw", "payload": {"text": "שירות הלקוחות היה אדיב ומהיר מאוד."}},
        {
            "external_id": "c",
            "language": "zh-CN",
            "payload": {"text": "订单迟到了，但是产品非常好，我很满意。"},
        },
        {
            "external_id": "d",
            "language": "und",
            "payload": {"text": "El pedido llegó tarde, pero el producto es excelente."},
        },
        {
            "external_id": "e",
            "language": "ES",
            "payload": {"text": "Muy buen servicio, volveré a comprar aquí."},
        },
    ]
    response = api("POST", f"/projects/{project['id']}/items", json={"items": items})
    assert response.status_code == 201, response.get_json()
    notes = response.get_json()["import"]["language_notes"]
    # A mere respelling (ES → es) is no news; another code is.
    assert notes == [
        {"declared": "iw", "language": "he", "items": 2},
        {"declared": "zh-CN", "language": "zh-Hans", "items": 1},
    ]
    run_jobs()
    listed = {
        item["external_id"]: item
        for item in api("GET", f"/projects/{project['id']}/items").get_json()["items"]
    }
    assert (listed["a"]["declared_language"], listed["a"]["language"], listed["a"]["state"]) == (
        "he",
        "he",
        "ready",
    )
    assert listed["c"]["declared_language"] == "zh-CN"
    assert (listed["c"]["language"], listed["c"]["state"]) == ("zh-Hans", "ready")
    assert listed["d"]["declared_language"] is None  # und: the detector decides
    assert (listed["d"]["language"], listed["d"]["state"]) == ("es", "ready")
    assert listed["e"]["declared_language"] == "es"


def test_bad_tags_are_refused_naming_the_field_in_the_callers_language(
    api: Api, make_project: Callable[..., dict[str, Any]]
) -> None:
    project = _project(make_project, ["pt-BR", "pt-PT", "es"])
    items = [
        {"language": "klingonese", "payload": {"text": "uno"}},
        {"language": "en-x-private", "payload": {"text": "dos"}},
        {"language": "pt", "payload": {"text": "três"}},  # pt-BR or pt-PT? the client must say
        {"language": "zh-TW", "payload": {"text": "四"}},
    ]
    response = api(
        "POST", f"/projects/{project['id']}/items", json={"items": items}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 422
    errors = {error["field"]: error for error in response.get_json()["error"]["errors"]}
    assert errors["items[0].language"]["code"] == "unknown_language"
    assert "klingonese" in errors["items[0].language"]["message"]
    assert errors["items[1].language"]["code"] == "unknown_language"
    assert errors["items[2].language"]["code"] == "ambiguous_language"
    assert "pt-BR, pt-PT" in errors["items[2].language"]["message"]
    assert errors["items[3].language"]["code"] == "language_not_in_project"
    assert errors["items[3].language"]["message"] == "«zh-TW» no es un idioma de destino del proyecto."
    assert api("GET", f"/projects/{project['id']}/items").get_json()["items"] == []  # all or nothing
