"""Deliveries end to end, as a client calls them: every task type labelled by annotators through the
real claim/submit path, delivered, downloaded and loaded with the tools clients use."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from typing import Any

import pyarrow.parquet as pq
import pytest
from flask import Flask

from marketplace.agreement.consensus import consensus_for
from marketplace.db import get_session
from marketplace.pipeline import submit as pipeline
from marketplace.projects.models import Item
from marketplace.qualification.models import GoldAnswer
from marketplace.routing import service as routing
from marketplace.tasktypes import TASK_TYPES, validate_config

Api = Callable[..., Any]

#: pycocotools (2.0.x, built for numpy 1) warns inside its mask decoding under numpy 2; the masks
#: it decodes are right, and the warning is its to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

#: Items per project in the every-type test.
N_ITEMS = 3


def _project_body(task_type: str, languages: list[str], **changes: Any) -> dict[str, Any]:
    spec = TASK_TYPES[task_type]
    labels = [{"name": name, "definition": f"{name}."} for name in spec.example_labels]
    body: dict[str, Any] = {
        "name": f"{task_type} project",
        "task_type": task_type,
        "source_language": languages[0],
        "languages": languages,
        "overlap": 2,
        "max_overlap": 3,
        "ontology": {"labels": labels},
        "guidelines": {languages[0]: "Label what you see."},
        "settings": {"qualification": {"required": False}, "review": {"sample_rate": 0}},
    }
    body.update(changes)
    return body


def _create(
    api: Api, body: dict[str, Any], items: list[dict[str, Any]], run_jobs: Callable[[], int]
) -> dict[str, Any]:
    response = api("POST", "/projects", json=body)
    assert response.status_code == 201, response.get_json()
    project: dict[str, Any] = response.get_json()
    response = api("POST", f"/projects/{project['id']}/items", json={"batch": {"name": "b1"}, "items": items})
    assert response.status_code == 201, response.get_json()
    run_jobs()
    response = api("POST", f"/projects/{project['id']}/state", json={"state": "active"})
    assert response.status_code == 200, response.get_json()
    return project


def _work_all(app: Flask, annotators: list[int], answer_of: Callable[[int, dict[str, Any]], Any]) -> int:
    """Each annotator claims and answers until nothing is left; returns the answers given."""
    given = 0
    with app.app_context():
        for index, annotator_id in enumerate(annotators):
            while batch := routing.claim_next_assignments(annotator_id, 1):
                for assignment in batch:
                    item = get_session().get(Item, assignment.item_id)
                    assert item is not None
                    pipeline.submit_assignment(
                        annotator_id, assignment.public_id, answer_of(index, item.payload), seconds_spent=7
                    )
                    given += 1
    return given


def _deliver(api: Api, project_id: str, run_jobs: Callable[[], int], **body: Any) -> dict[str, Any]:
    response = api("POST", f"/projects/{project_id}/deliveries", json=body)
    assert response.status_code == 202, response.get_json()
    asked = response.get_json()
    assert asked["state"] in ("building", "ready")
    assert response.headers["Location"].endswith(f"/projects/{project_id}/deliveries/{asked['id']}")
    run_jobs()
    delivery: dict[str, Any] = api("GET", f"/projects/{project_id}/deliveries/{asked['id']}").get_json()
    assert delivery["state"] == "ready", delivery
    assert delivery["version"] == asked["version"]
    return delivery


def _download(api: Api, project_id: str, delivery: dict[str, Any], name: str) -> bytes:
    response = api("GET", f"/projects/{project_id}/deliveries/{delivery['id']}/files/{name}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return bytes(response.get_data())


def _assert_coco_equals_consensus(tmp_path: Any, data: bytes, expected: dict[str, Any]) -> None:
    """Load the COCO file as a client would and compare every annotation with the consensus."""
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO

    path = tmp_path / "coco.json"
    path.write_bytes(data)
    coco = COCO(str(path))
    assert len(coco.getImgIds()) == N_ITEMS
    category = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    for image in coco.loadImgs(coco.getImgIds()):
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
        ((kind, shapes),) = ((k, v) for k, v in expected.items() if isinstance(v, list))
        assert len(annotations) == len(shapes)
        for annotation, shape in zip(annotations, shapes, strict=True):
            assert category[annotation["category_id"]] == shape["label"]
            if kind == "boxes":
                assert annotation["bbox"] == pytest.approx(
                    [shape["x"], shape["y"], shape["width"], shape["height"]]
                )
                assert annotation["area"] == pytest.approx(shape["width"] * shape["height"])
            elif kind == "polygons":
                assert annotation["segmentation"] == [[c for point in shape["points"] for c in point]]
            elif kind == "keypoints":
                flat = annotation["keypoints"]
                visible = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 3) if flat[i + 2] > 0]
                assert visible == [(p["x"], p["y"]) for p in shape["points"]]
                assert annotation["num_keypoints"] == len(shape["points"])
            else:
                decoded = coco.annToMask(annotation)
                rle = shape["rle"]
                original = mask_utils.decode(mask_utils.frPyObjects(rle, *rle["size"]))
                assert (decoded == original).all()


def _jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


@pytest.mark.parametrize("task_type", sorted(TASK_TYPES))
def test_every_task_type_is_delivered_end_to_end(
    app: Flask,
    api: Api,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
    client_org: dict[str, Any],
    task_type: str,
    tmp_path: Any,
) -> None:
    spec = TASK_TYPES[task_type]
    items = [
        {"external_id": f"x-{n}", "language": "en", "payload": spec.example_payload} for n in range(N_ITEMS)
    ]
    project = _create(api, _project_body(task_type, ["en"]), items, run_jobs)
    workers = [annotator("en"), annotator("en")]
    assert _work_all(app, workers, lambda _index, _payload: spec.example_answer) == 2 * N_ITEMS
    run_jobs()

    listed = api("GET", f"/projects/{project['id']}/items?state=complete&include=judgments").get_json()[
        "items"
    ]
    assert len(listed) == N_ITEMS
    # The label is the consensus of the two (equal) answers, in the consensus's normal form.
    config, _errors = validate_config(task_type, {})
    expected = consensus_for(
        task_type, {1: spec.example_answer, 2: spec.example_answer}, spec.example_payload, config, "en"
    ).answer
    assert expected is not None
    for item in listed:
        assert item["label"] == expected
        assert item["label_source"] == "consensus"
        assert item["review_state"] == "not_sampled"
        assert item["ontology_version"] == 1
        assert item["labelled_at"] is not None
        assert 0 <= item["confidence"] <= 1
        assert [j["outcome"] for j in item["judgments"]] == ["pending", "pending"]
        assert {j["seconds_spent"] for j in item["judgments"]} == {7}
        pseudonyms = [j["annotator"] for j in item["judgments"]]
        assert len(set(pseudonyms)) == 2 and all(p.startswith("ann_") for p in pseudonyms)
    # The pseudonym of an annotator is the same on every item of the project.
    assert len({j["annotator"] for item in listed for j in item["judgments"]}) == 2

    delivery = _deliver(api, project["id"], run_jobs)
    assert delivery["version"] == 1 and delivery["item_count"] == N_ITEMS
    assert delivery["diff"] == {"previous_version": None, "added": N_ITEMS, "changed": 0, "withdrawn": 0}
    names = {entry["name"] for entry in delivery["files"]}
    assert {
        "labels.jsonl",
        "labels.csv",
        "labels.parquet",
        "diff.jsonl",
        "qa_report.json",
        "qa_report.html",
        "qa_report.pdf",
    } <= names

    manifest = json.loads(_download(api, project["id"], delivery, "manifest.json"))
    assert manifest["version"] == 1 and manifest["task_type"] == task_type
    assert manifest["counts"]["items"] == N_ITEMS
    assert manifest["counts"]["by_language"] == {"en": N_ITEMS}
    assert manifest["ontology_version"] == 1
    files = {entry["name"]: entry for entry in manifest["files"]}
    assert files == {
        entry["name"]: {k: v for k, v in entry.items() if k != "download_url"} for entry in delivery["files"]
    }
    everything = b""
    for name, entry in files.items():
        first = _download(api, project["id"], delivery, name)
        second = _download(api, project["id"], delivery, name)
        assert first == second, name
        assert hashlib.sha256(first).hexdigest() == entry["sha256"], name
        assert len(first) == entry["bytes"], name
        everything += first

    # JSON Lines equal the API's items, field by field.
    records = _jsonl(_download(api, project["id"], delivery, "labels.jsonl"))
    by_id = {item["id"]: item for item in listed}
    assert [r["item_id"] for r in records] == [item["id"] for item in listed]
    for record in records:
        item = by_id[record["item_id"]]
        for field in ("label", "label_source", "confidence", "review_state", "ontology_version"):
            assert record[field] == item[field], field
        assert record["payload"] == item["payload"] and record["language"] == "en"
        assert record["judgments"] == item["judgments"]

    table = pq.read_table(io.BytesIO(_download(api, project["id"], delivery, "labels.parquet")))
    assert table.num_rows == N_ITEMS
    assert [json.loads(value) for value in table.column("label").to_pylist()] == [r["label"] for r in records]

    if "coco.json" in files:
        _assert_coco_equals_consensus(
            tmp_path, _download(api, project["id"], delivery, "coco.json"), expected
        )

    # Nobody's identity in any file: no e-mail, no user id field, no display names.
    with app.app_context():
        from marketplace.accounts.models import User

        emails = [user.email for user in get_session().query(User).all()]
    for email in emails:
        assert email.encode() not in everything
    assert b'"annotator_id"' not in everything and b'"user_id"' not in everything


def test_a_relabel_after_an_ontology_change_gives_v2_with_exactly_the_changed_items(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    items = [
        {"external_id": f"r-{n}", "language": "en", "payload": {"text": f"Parcel {n} arrived late."}}
        for n in range(6)
    ]
    body = _project_body("classification", ["en"])
    project = _create(api, body, items, run_jobs)
    workers = [annotator("en"), annotator("en")]
    _work_all(app, workers, lambda _index, _payload: {"label": "negative"})
    run_jobs()
    v1 = _deliver(api, project["id"], run_jobs)
    assert v1["diff"]["added"] == 6

    # The client splits "negative" into a new version; two items are relabelled under it.
    labels = [*body["ontology"]["labels"], {"name": "late", "definition": "Delivery was late."}]
    response = api("POST", f"/projects/{project['id']}/ontology", json={"labels": labels})
    assert response.status_code == 201, response.get_json()
    listed = api("GET", f"/projects/{project['id']}/items").get_json()["items"]
    relabelled = {listed[1]["id"], listed[4]["id"]}
    with app.app_context():
        from marketplace.projects import item_lifecycle

        session = get_session()
        for item in session.query(Item).filter(Item.public_id.in_(relabelled)):
            item_lifecycle.set_label(item, {"label": "late"}, "correction")
        session.commit()

    v2 = _deliver(api, project["id"], run_jobs)
    assert v2["version"] == 2
    assert v2["diff"] == {"previous_version": 1, "added": 0, "changed": 2, "withdrawn": 0}
    diff = _jsonl(_download(api, project["id"], v2, "diff.jsonl"))
    assert sorted(d["item_id"] for d in diff) == sorted(relabelled)
    for change in diff:
        assert change["change"] == "changed"
        assert change["old_label"] == {"label": "negative"} and change["new_label"] == {"label": "late"}
        assert change["old_ontology_version"] == 1 and change["new_ontology_version"] == 2
    records = {r["item_id"]: r for r in _jsonl(_download(api, project["id"], v2, "labels.jsonl"))}
    assert {key for key, r in records.items() if r["review_state"] == "corrected"} == relabelled
    manifest = json.loads(_download(api, project["id"], v2, "manifest.json"))
    assert manifest["counts"]["by_ontology_version"] == {"1": 4, "2": 2}
    assert manifest["counts"]["by_class"] == {"en": {"late": 2, "negative": 4}}
    # v1 is immutable: still its own bytes and six negatives.
    old = _jsonl(_download(api, project["id"], v1, "labels.jsonl"))
    assert {r["label"]["label"] for r in old} == {"negative"}

    # A reviewer rejects one item's judgments: it goes back to work and is withdrawn from v3.
    withdrawn = listed[2]["id"]
    with app.app_context():
        from marketplace.projects import item_lifecycle

        session = get_session()
        item = session.query(Item).filter(Item.public_id == withdrawn).one()
        item_lifecycle.reopen_item(item)
        session.commit()
    v3 = _deliver(api, project["id"], run_jobs)
    assert v3["diff"] == {"previous_version": 2, "added": 0, "changed": 0, "withdrawn": 1}
    (change,) = _jsonl(_download(api, project["id"], v3, "diff.jsonl"))
    assert change == {
        "change": "withdrawn",
        "item_id": withdrawn,
        "old_label": {"label": "negative"},
        "new_label": None,
        "old_ontology_version": 1,
        "new_ontology_version": None,
    }
    assert v3["item_count"] == 5


def test_no_gold_item_or_answer_in_a_delivery(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    items = [
        {"external_id": f"g-{n}", "language": "en", "payload": {"text": f"Order {n} was fine."}}
        for n in range(4)
    ]
    project = _create(api, _project_body("classification", ["en"]), items, run_jobs)
    gold = api(
        "POST",
        f"/projects/{project['id']}/gold",
        json={
            "items": [
                {
                    "language": "en",
                    "payload": {"text": "Secret gold text about refunds."},
                    "answer": {"label": "neutral"},
                    "explanation": "GOLD-EXPLANATION",
                }
            ]
        },
    )
    assert gold.status_code in (200, 201), gold.get_json()
    _work_all(app, [annotator("en"), annotator("en")], lambda _i, _p: {"label": "positive"})
    run_jobs()
    delivery = _deliver(api, project["id"], run_jobs)
    blob = b"".join(_download(api, project["id"], delivery, e["name"]) for e in delivery["files"])
    assert b"Secret gold text" not in blob and b"GOLD-EXPLANATION" not in blob
    with app.app_context():
        gold_ids = [
            get_session().get(Item, row.item_id).public_id  # type: ignore[union-attr]
            for row in get_session().query(GoldAnswer).all()
        ]
    assert gold_ids and all(gold_id.encode() not in blob for gold_id in gold_ids)


def test_deliveries_are_refused_to_others_and_checked(
    app: Flask,
    api: Api,
    client: Any,
    run_jobs: Callable[[], int],
    annotator: Callable[..., int],
    make_user: Any,
) -> None:
    items = [{"external_id": "a-1", "language": "en", "payload": {"text": "Fine."}}]
    project = _create(api, _project_body("classification", ["en"]), items, run_jobs)
    # An unknown batch is a 422 naming it; an unknown delivery a 404.
    response = api("POST", f"/projects/{project['id']}/deliveries", json={"batches": ["bat_nope"]})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "batches.0"
    assert api("GET", f"/projects/{project['id']}/deliveries/dlv_nope").status_code == 404
    # No token: 401; an annotator's session: 403 or 404, never the data.
    assert client.get(f"/api/v1/projects/{project['id']}/deliveries").status_code == 401
    asked = api("POST", f"/projects/{project['id']}/deliveries", json={}).get_json()
    # Before the build ran (jobs queued in RQ), files cannot be downloaded: 409.
    state = api("GET", f"/projects/{project['id']}/deliveries/{asked['id']}").get_json()["state"]
    response = api("GET", f"/projects/{project['id']}/deliveries/{asked['id']}/files/labels.jsonl")
    assert response.status_code == (409 if state == "building" else 200)
    assert app.config["JOBS_MODE"] != "rq" or state == "building"
    run_jobs()
    assert (
        api("GET", f"/projects/{project['id']}/deliveries/{asked['id']}/files/../../etc").status_code == 404
    )
    assert (
        api("GET", f"/projects/{project['id']}/deliveries/{asked['id']}/files/secret.txt").status_code == 404
    )


def test_a_delivery_in_s3_downloads_through_presigned_urls_with_the_manifest_checksums(
    app_with_s3: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    import urllib.request

    app = app_with_s3
    items = [
        {"external_id": f"s-{n}", "language": "en", "payload": {"text": f"Box {n} was dented."}}
        for n in range(3)
    ]
    project = _create(api, _project_body("classification", ["en"]), items, run_jobs)
    _work_all(app, [annotator("en"), annotator("en")], lambda _i, _p: {"label": "negative"})
    run_jobs()
    delivery = _deliver(api, project["id"], run_jobs)
    for entry in delivery["files"]:
        url = entry["download_url"]
        assert "X-Amz-Signature=" in url and "/api/v1/" not in url, url
        with urllib.request.urlopen(url, timeout=10) as response:
            data = response.read()
            assert f"v1-{entry['name']}" in response.headers["Content-Disposition"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        # The API streams the same bytes from the bucket.
        assert _download(api, project["id"], delivery, entry["name"]) == data


def test_the_delivered_qa_report_alpha_per_language_is_the_agreement_apis(
    app: Flask, api: Api, run_jobs: Callable[[], int], annotator: Callable[..., int]
) -> None:
    texts = {
        "en": [f"The parcel number {n} arrived late and damaged again." for n in range(6)],
        "de": [f"Das Paket Nummer {n} kam wieder spät und beschädigt an." for n in range(6)],
    }
    items = [
        {"external_id": f"{language}-{n}", "language": language, "payload": {"text": text}}
        for language, lines in texts.items()
        for n, text in enumerate(lines)
    ]
    body = _project_body("classification", ["en", "de"], overlap=3, max_overlap=3)
    project = _create(api, body, items, run_jobs)
    labels = ["positive", "negative", "neutral"]

    def answer(index: int, payload: dict[str, Any]) -> dict[str, Any]:
        n = int(payload["text"].split()[3])  # "The parcel number n" / "Das Paket Nummer n"
        # Annotators 0 and 1 agree; annotator 2 disagrees on every other item.
        return {"label": labels[(n + (index == 2 and n % 2)) % 3]}

    _work_all(app, [annotator("en", "de") for _ in range(3)], answer)
    run_jobs()
    delivery = _deliver(api, project["id"], run_jobs)
    report = json.loads(_download(api, project["id"], delivery, "qa_report.json"))
    agreement = api("GET", f"/projects/{project['id']}/agreement").get_json()
    by_language = {row["language"]: row["alpha"] for row in agreement["languages"]}
    delivered = {entry["language"]: entry["agreement"]["alpha"] for entry in report["languages"]}
    assert set(by_language) == {"en", "de"} and delivered == by_language
    assert all(alpha is not None and 0 < alpha < 1 for alpha in delivered.values())
    stored = api("GET", f"/projects/{project['id']}/deliveries/{delivery['id']}/qa-report").get_json()
    assert stored == report
    html = api("GET", f"/projects/{project['id']}/deliveries/{delivery['id']}/qa-report?format=html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    pdf = api("GET", f"/projects/{project['id']}/deliveries/{delivery['id']}/qa-report?format=pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")
    bad = api("GET", f"/projects/{project['id']}/deliveries/{delivery['id']}/qa-report?format=docx")
    assert bad.status_code == 400
    # The same report on demand for one batch, as it stands now.
    batch = api("GET", f"/projects/{project['id']}/items?limit=1").get_json()["items"][0]["batch"]
    on_demand = api("GET", f"/projects/{project['id']}/batches/{batch}/qa-report")
    assert on_demand.status_code == 200, on_demand.get_json()
    now = on_demand.get_json()
    assert [entry["id"] for entry in now["scope"]["batches"]] == [batch]
    assert {e["language"]: e["agreement"]["alpha"] for e in now["languages"]} == by_language
    assert api("GET", f"/projects/{project['id']}/batches/bat_nope/qa-report").status_code == 404
