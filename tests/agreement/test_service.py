"""Agreement through the whole loop: answers arrive by routing, items settle by consensus with
dynamic overlap, statistics update by job, and the report shows which classes are confused where."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.agreement import service as agreement
from marketplace.agreement.metrics import krippendorff_alpha
from marketplace.db import get_session
from marketplace.pipeline import submit as pipeline
from marketplace.projects.models import Item, ItemState
from marketplace.routing import service as routing
from tests.routing.test_api import login_as

LABELS = ["positive", "negative", "neutral", "mixed"]


def answer_items(app: Flask, workers: list[int], choose: Callable[[int, str], str]) -> None:
    """Each worker claims and answers until nothing is left for them; ``choose(worker, text)``."""
    for worker in workers:
        while True:
            with app.app_context():
                batch = routing.claim_next_assignments(worker, 5)
                if not batch:
                    break
                for assignment in batch:
                    text = get_session().get(Item, assignment.item_id).payload["text"]  # type: ignore[union-attr]
                    pipeline.submit_assignment(worker, assignment.public_id, {"label": choose(worker, text)})


def test_dynamic_overlap_asks_for_more_then_flags_an_edge_case(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int], run_jobs: Callable[[], int]
) -> None:
    make_project(
        [
            ("en", "The parcel came late but the agent apologised nicely."),
            ("en", "Thank you so much, everything arrived in perfect condition."),
        ],
        overlap=2,
        max_overlap=3,
        labels=LABELS,
    )
    a, b, c = annotator("en"), annotator("en"), annotator("en")
    first = {a: "mixed", b: "negative", c: "neutral"}  # nobody agrees on the first text
    answer_items(app, [a, b], lambda w, text: first[w] if text.startswith("The parcel") else "positive")
    run_jobs()
    with app.app_context():
        items = {i.payload["text"][:3]: i for i in get_session().scalars(select(Item))}
        assert items["Tha"].state == ItemState.COMPLETE and items["Tha"].consensus["answer"] == {
            "label": "positive"
        }
        # Two disagreeing answers: one more judgment is wanted, up to max_overlap.
        assert items["The"].state == ItemState.READY and items["The"].judgments_required == 3
    answer_items(app, [c], lambda w, text: first[w])
    run_jobs()
    with app.app_context():
        item = get_session().scalar(select(Item).where(Item.payload["text"].as_string().like("The parcel%")))
        assert item is not None
        assert item.state == ItemState.COMPLETE and item.edge_case_reason == "unresolved"
        assert item.consensus["resolved"] is False


def test_ambiguous_pair_in_one_language_only(
    app: Flask,
    client: FlaskClient,
    make_project: Callable[..., Any],
    annotator: Callable[..., int],
    run_jobs: Callable[[], int],
    client_org: dict[str, Any],
) -> None:
    spanish = [f"Mensaje {n}: el pedido llegó y quería comentarles algo sobre la entrega." for n in range(24)]
    arabic = [f"الرسالة {n}: وصل الطلب وأردت أن أخبركم بشيء عن التوصيل." for n in range(24)]
    project = make_project(
        [("es", t) for t in spanish] + [("ar", t) for t in arabic], overlap=3, max_overlap=3, labels=LABELS
    )
    es_workers = [annotator("es") for _ in range(3)]
    ar_workers = [annotator("ar") for _ in range(3)]
    rng = np.random.default_rng(7)
    truth = {t: LABELS[int(rng.integers(0, 4))] for t in spanish + arabic}

    def spanish_choice(worker: int, text: str) -> str:
        # In Spanish, the guidelines leave neutral vs mixed unclear: one annotator of three flips.
        label = truth[text]
        if label in {"neutral", "mixed"} and worker == es_workers[1]:
            return "mixed" if label == "neutral" else "neutral"
        return label

    def arabic_choice(worker: int, text: str) -> str:
        label = truth[text]
        # A little noise of another kind in Arabic: one positive/negative slip.
        if text == arabic[0] and worker == ar_workers[2]:
            return "negative" if label == "positive" else "positive"
        return label

    answer_items(app, es_workers, spanish_choice)
    answer_items(app, ar_workers, arabic_choice)
    run_jobs()
    with app.app_context():
        report = agreement.project_agreement(project["id"])
    by_language = {row["language"]: row for row in report["languages"]}
    es, ar = by_language["es"], by_language["ar"]
    top_es = es["confused_pairs"][0]
    assert {top_es["first"], top_es["second"]} == {"mixed", "neutral"}
    assert all({p["first"], p["second"]} != {"mixed", "neutral"} for p in ar["confused_pairs"])
    assert es["per_class"]["neutral"] < ar["per_class"]["neutral"]
    assert es["alpha"] < ar["alpha"]

    # The stored, incrementally updated matrices give exactly the α of the raw answers.
    raw = np.array([[spanish_choice(w, t) for t in spanish] for w in es_workers], dtype=object)
    assert abs(es["alpha"] - krippendorff_alpha(raw, "nominal")) < 1e-12
    assert es["units"] == 24 and es["answers"] == 72
    assert {row["items"] for row in es["annotators"]} == {24}
    # Dawid–Skene sees that the flipping annotator is the less accurate one in Spanish.
    estimated = {row["annotator_id"]: row["estimated_accuracy"] for row in es["annotators"]}
    assert estimated[es_workers[1]] == min(estimated.values()) < 0.9
    assert es["coincidence"]["values"] == sorted(es["coincidence"]["values"])

    # The same report over HTTP, with annotators pseudonymised for the client.
    response = client.get(
        f"/api/v1/projects/{project['public_id']}/agreement",
        headers={"Authorization": f"Bearer {client_org['token']}"},
    )
    assert response.status_code == 404  # another organisation's project
    assert client.get(f"/api/v1/projects/{project['public_id']}/agreement").status_code == 401


def test_agreement_page_and_api_for_the_owner(
    app: Flask,
    api: Callable[..., Any],
    client: FlaskClient,
    annotator: Callable[..., int],
    run_jobs: Callable[[], int],
    client_org: dict[str, Any],
) -> None:
    created = api(
        "POST",
        "/projects",
        json={
            "name": "Sentiment",
            "task_type": "classification",
            "source_language": "en",
            "languages": ["en"],
            "overlap": 2,
            "max_overlap": 2,
            "ontology": {
                "labels": [{"name": n, "definition": n, "edge_cases": [], "examples": []} for n in LABELS]
            },
            "guidelines": {"en": "Pick the feeling."},
            "settings": {"qualification": {"required": False}},
        },
    ).json
    api("POST", f"/projects/{created['id']}/state", json={"state": "active"})
    api(
        "POST",
        f"/projects/{created['id']}/items",
        json={
            "items": [
                {
                    "language": "en",
                    "payload": {"text": f"Message {n}: thank you for the quick help with my order."},
                }
                for n in range(6)
            ]
        },
    )
    run_jobs()
    workers = [annotator("en"), annotator("en")]
    disagreed = ("Message 4", "Message 5")
    answer_items(
        app,
        workers,
        lambda w, text: "mixed" if w == workers[1] and text.startswith(disagreed) else "positive",
    )
    run_jobs()
    report = api("GET", f"/projects/{created['id']}/agreement").json
    english = report["languages"][0]
    assert english["units"] == 6 and english["alpha"] is not None
    assert len(english["annotators"]) == 2
    assert all(
        row["annotator"].startswith("annotator-") and row["items"] == 4 for row in english["annotators"]
    )
    assert {row["agreement_with_consensus"] for row in english["annotators"]} == {1.0}
    login_as(client, workers[0], app)
    assert client.get(f"/projects/{created['id']}/agreement").status_code == 403  # annotators: no
    owner = app.test_client()
    from tests.conftest import post_form

    post_form(owner, "/login", {"email": "owner@client.example", "password": "correct horse battery"})
    page = owner.get(f"/projects/{created['id']}/agreement")
    assert page.status_code == 200, page.status_code
    assert "annotator-" in page.get_data(as_text=True), page.get_data(as_text=True)[-1500:]


def test_statistics_jobs_running_at_once_neither_fail_nor_double_count(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    """Jobs of one batch race to create its statistics row, and jobs of one item race to write its
    record: both must end with each item counted once (found by the routing benchmark)."""
    from concurrent.futures import ThreadPoolExecutor

    from marketplace.agreement.models import AgreementStats, ItemAgreement

    texts = [f"Message {n}: thanks, the order arrived and everything works." for n in range(12)]
    make_project([("en", t) for t in texts], overlap=2, max_overlap=2, labels=LABELS)
    workers = [annotator("en"), annotator("en")]
    answer_items(app, workers, lambda w, text: "positive")
    with app.app_context():
        session = get_session()
        session.query(ItemAgreement).delete()
        session.query(AgreementStats).delete()
        session.commit()
        item_ids = list(session.scalars(select(Item.id)))

    def run(item_id: int) -> bool:
        with app.app_context():
            return agreement.update_item_statistics(item_id)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, item_ids * 2))
    assert results.count(True) == len(item_ids)  # the second job of each item found nothing to do
    with app.app_context():
        stats = get_session().scalars(select(AgreementStats)).all()
        assert len(stats) == 1 and stats[0].units == 12 and stats[0].answers == 24
