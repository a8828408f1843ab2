"""Client API: uploading items (JSON, JSON Lines, CSV, multipart), all-or-nothing refusals,
background imports, listing items and progress."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from flask import Flask

Api = Callable[..., Any]

LANGUAGES = ("en", "es", "de")


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return "\n".join(json.dumps(record, ensure_ascii=False) for record in records).encode()


def text_items(count: int, start: int = 0, with_language: bool = True) -> list[dict[str, Any]]:
    items = []
    for n in range(start, start + count):
        item: dict[str, Any] = {
            "external_id": f"rev-{n}",
            "payload": {"text": f"Review number {n}"},
            "metadata": {"row": n},
        }
        if with_language:
            item["language"] = LANGUAGES[n % len(LANGUAGES)]
        items.append(item)
    return items


def counts(api: Api, project_id: str) -> tuple[int, int]:
    """(items, batches) the project has, as the API reports them."""
    progress = api("GET", f"/projects/{project_id}/progress").get_json()
    return progress["total"], len(progress["batches"])


def wait_for_import(api: Api, location: str, run_jobs: Callable[[], int]) -> dict[str, Any]:
    run_jobs()
    path = urlparse(location).path.removeprefix("/api/v1")
    deadline = time.monotonic() + 60
    while True:
        body: dict[str, Any] = api("GET", path).get_json()
        if body["state"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.fixture
def project(make_project: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return make_project()


def test_json_upload_is_stored_at_once(
    api: Api, project: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    undeclared = {"payload": {"text": "El pedido llegó tarde, pero el producto es excelente."}}
    items = [*text_items(30), undeclared]
    response = api(
        "POST",
        f"/projects/{project['id']}/items",
        json={"batch": {"name": "week 1", "deadline": "2031-01-31T17:00:00+01:00"}, "items": items},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["import"]["state"] == "succeeded"
    assert body["import"]["accepted"] == 31
    assert body["import"]["progress"] == 1.0
    assert body["batch"]["name"] == "week 1"
    assert body["batch"]["deadline"] == "2031-01-31T16:00:00Z"
    assert body["import"]["batch"] == body["batch"]["id"]
    assert body["import"]["detection"]["total"] == 31  # pending: 0 inline, up to 31 with a worker
    run_jobs()
    detected = api("GET", f"/projects/{project['id']}/imports/{body['import']['id']}").get_json()
    assert detected["detection"] == {"pending": 0, "total": 31}

    listed = api("GET", f"/projects/{project['id']}/items?limit=1000").get_json()
    assert listed["next_cursor"] is None
    assert len(listed["items"]) == 31
    first = listed["items"][0]
    assert first["id"].startswith("itm_")
    assert first["external_id"] == "rev-0"
    assert first["language"] == first["declared_language"] == "en"
    assert first["state"] == "ready"
    assert first["metadata"] == {"row": 0}
    assert first["batch"] == body["batch"]["id"]
    last = listed["items"][-1]
    assert last["declared_language"] is None and last["detected_language"] == "es"
    assert last["language"] == "es" and last["state"] == "ready"

    one = api("GET", f"/projects/{project['id']}/items/{first['id']}")
    assert one.status_code == 200 and one.get_json() == first
    assert api("GET", f"/projects/{project['id']}/items/itm_nope").status_code == 404

    progress = api("GET", f"/projects/{project['id']}/progress").get_json()
    assert progress["total"] == 31
    assert progress["by_state"]["ready"] == 31 and progress["by_state"]["awaiting_language"] == 0
    assert [entry["language"] for entry in progress["by_language"]] == ["de", "en", "es"]
    assert sum(entry["total"] for entry in progress["by_language"]) == 31
    assert progress["batches"] == [
        {"id": body["batch"]["id"], "name": "week 1", "total": 31, "complete": 0, "language_pending": 0}
    ]
    assert progress["imports_in_progress"] == 0
    assert progress["language_detection"] == {"pending": 0, "done": 31, "triage": 0}

    batches = api("GET", f"/projects/{project['id']}/batches").get_json()
    assert batches["batches"][0]["total"] == 31
    imports = api("GET", f"/projects/{project['id']}/imports").get_json()
    assert [i["id"] for i in imports["imports"]] == [body["import"]["id"]]


def test_one_bad_item_refuses_a_small_upload_whole(api: Api, project: dict[str, Any]) -> None:
    items = text_items(80)
    del items[57]["payload"]["text"]
    response = api("POST", f"/projects/{project['id']}/items", json={"items": items})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == "items[57].payload.text"
    assert error["errors"] == [
        {"field": "items[57].payload.text", "code": "required", "message": error["message"]}
    ]
    assert counts(api, project["id"]) == (0, 0)
    assert api("GET", f"/projects/{project['id']}/imports").get_json()["imports"] == []


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"language": "fr"}, "items[3].language", "language_not_in_project"),
        ({"language": "zz-Fake"}, "items[3].language", "unknown_language"),
        ({"external_id": "rev-1"}, "items[3].external_id", "duplicate"),
    ],
)
def test_rule_breaking_items_are_422(
    api: Api, project: dict[str, Any], change: dict[str, Any], field: str, code: str
) -> None:
    items = text_items(5)
    items[3].update(change)
    response = api("POST", f"/projects/{project['id']}/items", json={"items": items})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["errors"][0] == {
        **response.get_json()["error"]["errors"][0],
        "field": field,
        "code": code,
    }
    assert counts(api, project["id"]) == (0, 0)


def test_external_ids_are_unique_across_uploads(api: Api, project: dict[str, Any]) -> None:
    assert api("POST", f"/projects/{project['id']}/items", json={"items": text_items(3)}).status_code == 201
    again = api("POST", f"/projects/{project['id']}/items", json={"items": text_items(2, start=2)})
    assert again.status_code == 422
    assert again.get_json()["error"]["field"] == "items[0].external_id"
    assert counts(api, project["id"]) == (3, 1)


def test_a_refused_upload_reports_its_first_100_problems(api: Api, project: dict[str, Any]) -> None:
    items = [{"payload": {"text": ""}, "language": "fr"} for _ in range(100)]  # two problems each
    response = api("POST", f"/projects/{project['id']}/items", json={"items": items})
    assert response.status_code == 400
    errors = response.get_json()["error"]["errors"]
    assert len(errors) == 100
    assert errors[:2] == [
        {**errors[0], "field": "items[0].payload.text", "code": "too_short"},
        {**errors[1], "field": "items[0].language", "code": "language_not_in_project"},
    ]


def test_jsonl_errors_are_addressed_by_line(api: Api, project: dict[str, Any]) -> None:
    lines = [json.dumps(item) for item in text_items(4)]
    lines.insert(2, "")  # a blank line still counts as a line
    lines[4] = '{"payload": {"text": "broken"'
    lines.append(json.dumps({"payload": {"text": 5}, "language": "es"}))
    response = api(
        "POST",
        f"/projects/{project['id']}/items?batch=lines",
        data="\n".join(lines).encode(),
        content_type="application/x-ndjson",
    )
    assert response.status_code == 400
    errors = response.get_json()["error"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("lines[4]", "invalid_json"),
        ("lines[5].payload.text", "type"),
    ]
    assert counts(api, project["id"]) == (0, 0)


def test_jsonl_upload(api: Api, project: dict[str, Any]) -> None:
    response = api(
        "POST",
        f"/projects/{project['id']}/items?batch=from-jsonl",
        data=jsonl(text_items(10)) + b"\n\n",
        content_type="application/jsonl",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["batch"]["name"] == "from-jsonl"
    assert response.get_json()["import"]["format"] == "jsonl"
    assert counts(api, project["id"]) == (10, 1)


def test_csv_upload_coerces_types(api: Api, make_project: Callable[..., dict[str, Any]]) -> None:
    project = make_project(task_type="image_bounding_box", ontology={"labels": [{"name": "car"}]})
    csv_text = (
        "external_id,language,image_url,width,height,meta.source,metadata.camera\n"
        "img-1,en,https://cdn.example.com/1.jpg,640,480,street,front\n"
        "\n"
        "img-2,,s3://bucket/2.png, 1024 ,768,,\n"
    )
    response = api(
        "POST",
        f"/projects/{project['id']}/items?batch=images",
        data=csv_text.encode(),
        content_type="text/csv; charset=utf-8",
    )
    assert response.status_code == 201, response.get_json()
    items = api("GET", f"/projects/{project['id']}/items").get_json()["items"]
    assert items[0]["payload"] == {"image_url": "https://cdn.example.com/1.jpg", "width": 640, "height": 480}
    assert items[0]["metadata"] == {"source": "street", "camera": "front"}
    assert items[0]["language"] == "en"
    assert items[1]["payload"]["width"] == 1024
    assert items[1]["language"] is None and items[1]["metadata"] == {}


def test_csv_errors_are_addressed_by_row_and_column(
    api: Api, make_project: Callable[..., dict[str, Any]]
) -> None:
    project = make_project(task_type="image_bounding_box", ontology={"labels": [{"name": "car"}]})
    csv_text = (
        "image_url,width,height\n"
        "https://cdn.example.com/1.jpg,640,480\n"
        "https://cdn.example.com/2.jpg,wide,480\n"
        "https://cdn.example.com/3.jpg,640,480,extra\n"
    )
    response = api(
        "POST", f"/projects/{project['id']}/items", data=csv_text.encode(), content_type="text/csv"
    )
    assert response.status_code == 400
    errors = response.get_json()["error"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("rows[1].width", "type"), ("rows[2]", "columns")]
    assert counts(api, project["id"]) == (0, 0)


def test_multipart_upload(api: Api, project: dict[str, Any]) -> None:
    data = {"file": (io.BytesIO(jsonl(text_items(5))), "reviews.jsonl"), "batch": "from a form"}
    response = api("POST", f"/projects/{project['id']}/items", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["batch"]["name"] == "from a form"
    assert response.get_json()["import"]["filename"] == "reviews.jsonl"

    csv_file = {"file": (io.BytesIO(b"external_id,text\nx-1,Hola\n"), "items.csv")}
    assert (
        api(
            "POST", f"/projects/{project['id']}/items", data=csv_file, content_type="multipart/form-data"
        ).status_code
        == 201
    )
    json_file = {
        "file": (io.BytesIO(json.dumps([{"payload": {"text": "array form"}}]).encode()), "items.json")
    }
    assert (
        api(
            "POST", f"/projects/{project['id']}/items", data=json_file, content_type="multipart/form-data"
        ).status_code
        == 201
    )
    assert counts(api, project["id"]) == (7, 3)

    missing = api(
        "POST", f"/projects/{project['id']}/items", data={"other": "x"}, content_type="multipart/form-data"
    )
    assert missing.status_code == 400 and missing.get_json()["error"]["field"] == "file"
    odd = {"file": (io.BytesIO(b"hello"), "items.txt")}
    assert (
        api(
            "POST", f"/projects/{project['id']}/items", data=odd, content_type="multipart/form-data"
        ).status_code
        == 415
    )


def test_unsupported_and_too_large_uploads(
    app: Flask, api: Api, project: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    response = api("POST", f"/projects/{project['id']}/items", data=b"hello", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    big = api(
        "POST",
        f"/projects/{project['id']}/items",
        data=jsonl(text_items(50)),
        content_type="application/x-ndjson",
    )
    assert big.status_code == 413
    assert big.get_json()["error"]["code"] == "too_large"
    assert counts(api, project["id"]) == (0, 0)


def test_empty_and_malformed_uploads(api: Api, project: dict[str, Any]) -> None:
    base = f"/projects/{project['id']}/items"
    assert api("POST", base, json={"items": []}).get_json()["error"]["field"] == "items"
    assert api("POST", base, data=b"\n\n", content_type="application/x-ndjson").status_code == 400
    assert api("POST", base, data=b"text\n", content_type="text/csv").status_code == 400
    assert (
        api("POST", base, data=b"\xff\xfe", content_type="text/csv").get_json()["error"]["code"]
        == "invalid_input"
    )
    nan = api(
        "POST",
        base,
        data=b'{"payload": {"text": "x", "meta": {"score": NaN}}}',
        content_type="application/x-ndjson",
    )
    assert nan.status_code == 400 and nan.get_json()["error"]["field"] == "lines[0]"


def test_cursor_pagination_walks_every_item_once(
    api: Api, project: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    for start in (0, 90):
        assert (
            api(
                "POST", f"/projects/{project['id']}/items", json={"items": text_items(90, start=start)}
            ).status_code
            == 201
        )
    run_jobs()  # items get their language from the detection job
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = api("GET", f"/projects/{project['id']}/items?{query}").get_json()
        seen += [item["external_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 180
    assert seen == [f"rev-{n}" for n in range(180)]
    assert pages == 26

    spanish = api("GET", f"/projects/{project['id']}/items?language=ES&limit=1000").get_json()["items"]
    assert len(spanish) == 60 and {item["language"] for item in spanish} == {"es"}
    batch_id = api("GET", f"/projects/{project['id']}/batches").get_json()["batches"][1]["id"]
    second = api("GET", f"/projects/{project['id']}/items?batch={batch_id}&limit=1000").get_json()["items"]
    assert [item["external_id"] for item in second] == [f"rev-{n}" for n in range(90, 180)]
    assert api("GET", f"/projects/{project['id']}/items?state=lost").status_code == 400
    assert api("GET", f"/projects/{project['id']}/items?cursor=%%%").status_code == 400
    assert api("GET", f"/projects/{project['id']}/items?limit=0").status_code == 400


def test_ten_thousand_items_through_a_background_import(
    api: Api, project: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    items = text_items(9_000) + text_items(1_000, start=9_000, with_language=False)
    response = api(
        "POST",
        f"/projects/{project['id']}/items?batch=bulk",
        data=jsonl(items),
        content_type="application/x-ndjson",
    )
    assert response.status_code == 202, response.get_json()
    queued = response.get_json()["import"]
    assert queued["total"] == 10_000
    assert "batch" not in response.get_json()
    done = wait_for_import(api, response.headers["Location"], run_jobs)
    assert done["state"] == "succeeded", done
    assert done["accepted"] == done["processed"] == done["total"] == 10_000
    assert done["progress"] == 1.0
    assert done["error_count"] == 0 and done["finished_at"]
    assert done["batch"] is not None

    progress = api("GET", f"/projects/{project['id']}/progress").get_json()
    assert progress["total"] == 10_000
    # Declared items keep their language (texts too plain to contradict it); the 1,000 "Review
    # number n" without a declaration cannot be told apart, so they wait for ops.
    assert progress["by_state"]["ready"] == 9_000
    assert progress["by_state"]["triage"] == 1_000
    by_language = {entry["language"]: entry["total"] for entry in progress["by_language"]}
    assert by_language == {"en": 3_000, "es": 3_000, "de": 3_000, None: 1_000}
    assert sum(by_language.values()) == progress["total"]
    assert progress["batches"] == [
        {"id": done["batch"], "name": "bulk", "total": 10_000, "complete": 0, "language_pending": 0}
    ]
    assert progress["imports_in_progress"] == 0
    assert progress["language_detection"] == {"pending": 0, "done": 9_000, "triage": 1_000}
    assert done["detection"] == {"pending": 0, "total": 10_000}


def test_a_bad_item_fails_a_background_import_with_nothing_written(
    api: Api, project: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    items = text_items(300)
    items[157]["payload"]["text"] = ""
    items[201]["language"] = "fr"
    response = api(
        "POST", f"/projects/{project['id']}/items", json={"items": items}, headers={"Accept-Language": "es"}
    )
    assert response.status_code == 202
    done = wait_for_import(api, response.headers["Location"], run_jobs)
    assert done["state"] == "failed"
    assert done["error_count"] == 2
    assert [(e["field"], e["code"]) for e in done["errors"]] == [
        ("items[157].payload.text", "too_short"),
        ("items[201].language", "language_not_in_project"),
    ]
    assert done["accepted"] == 0 and done["batch"] is None
    assert counts(api, project["id"]) == (0, 0)
    assert api("GET", f"/projects/{project['id']}/items").get_json()["items"] == []


def test_background_import_error_cap(api: Api, project: dict[str, Any], run_jobs: Callable[[], int]) -> None:
    items = [{"payload": {"text": ""}} for _ in range(150)]
    response = api(
        "POST", f"/projects/{project['id']}/items", data=jsonl(items), content_type="application/x-ndjson"
    )
    done = wait_for_import(api, response.headers["Location"], run_jobs)
    assert done["state"] == "failed"
    assert done["error_count"] == 150
    assert len(done["errors"]) == 100
    assert done["errors"][99]["field"] == "lines[99].payload.text"


def test_import_job_is_idempotent(
    app: Flask, api: Api, project: dict[str, Any], run_jobs: Callable[[], int]
) -> None:
    from marketplace.projects.import_job import run_import as process_item_import

    response = api(
        "POST",
        f"/projects/{project['id']}/items",
        data=jsonl(text_items(150)),
        content_type="application/x-ndjson",
    )
    done = wait_for_import(api, response.headers["Location"], run_jobs)
    assert done["state"] == "succeeded"
    from marketplace.db import get_session
    from marketplace.projects.models import ItemImport

    with app.app_context():
        item_import = get_session().query(ItemImport).one()
        assert item_import.content is None
    with app.app_context():  # as a worker would: a fresh context, no transaction open
        process_item_import(item_import.id)
    assert counts(api, project["id"]) == (150, 1)
