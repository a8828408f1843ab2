"""The ops dashboard: each figure computed right on a small dataset built through the real services
(projects, routing, qualification, the ledger) with a few rows put in directly where no service makes
them cheaply (hidden-gold scores, decided review tasks); who may see it; and its SVG charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db import get_session, utcnow
from marketplace.ops import charts, dashboard
from marketplace.payments.accrual import accrue_assignment
from marketplace.pipeline import submit as pipeline
from marketplace.projects.models import Item
from marketplace.qualification import service as qualification
from marketplace.qualification.models import GoldScore, QualificationState
from marketplace.review.models import ReviewTask, ReviewTaskState
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment

SVG = "{http://www.w3.org/2000/svg}"
SPANISH = (
    "Gracias por la ayuda, el pedido llegó muy rápido y en perfecto estado.",
    "El producto es excelente y la atención al cliente fue muy amable.",
    "La entrega se retrasó dos días, pero el servicio fue muy bueno.",
)
#: Declared Spanish, written in Portuguese: waits in language triage.
PORTUGUESE = "Obrigado pela ajuda, o pedido chegou muito rápido."


def _work(annotator_id: int, count: int) -> list[str]:
    """Claim up to ``count`` items and label each positive; the assignments' public ids."""
    claimed = routing.claim_next_assignments(annotator_id, count)
    ids = [a.public_id for a in claimed]
    for public_id in ids:
        pipeline.submit_assignment(annotator_id, public_id, {"label": "positive"}, seconds_spent=5)
    return ids


@pytest.fixture
def dataset(
    app: Flask,
    make_project: Callable[..., dict[str, Any]],
    annotator: Callable[..., int],
    make_user: Callable[..., int],
    run_jobs: Callable[[], int],
) -> dict[str, Any]:
    """Spanish: 3 ready items labelled by three annotators (one of them only 10 days ago, and
    suspended), one item in triage; gold scores 2 of 3 right; reviews 1 accepted, 1 rejected, 1 open;
    four accepted judgments on three items, paid 0.15 EUR + 0.03 EUR fee each."""
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    project = make_project(
        [("es", text) for text in SPANISH] + [("es", PORTUGUESE)],
        languages=["es", "pt"],
        overlap=3,
        review={"sample_rate": 0.0},
    )
    first, second, third = annotator("es"), annotator("es"), annotator("es")
    with app.app_context():
        work = {first: _work(first, 3), second: _work(second, 3), third: _work(third, 1)}
        session = get_session()
        now = utcnow()
        by_public = {a.public_id: a for a in session.scalars(select(Assignment))}
        # One of the second annotator's judgments was three days ago; the third one's ten.
        by_public[work[second][0]].finished_at = now - timedelta(days=3)
        by_public[work[third][0]].finished_at = now - timedelta(days=10)
        for user in (first, second, third):
            qualification.grant_qualification(user, project["id"], "es", ops)
        suspended = qualification.get_qualification(third, project["id"], "es")
        assert suspended is not None
        suspended.state = QualificationState.SUSPENDED
        for public_id, correct in zip(work[first], (True, True, False), strict=True):
            session.add(
                GoldScore(
                    assignment_id=by_public[public_id].id,
                    user_id=first,
                    project_id=project["id"],
                    language="es",
                    score=1.0 if correct else 0.0,
                    correct=correct,
                    scored_at=now,
                )
            )
        item = by_public[work[first][0]]
        for n, (state, decision) in enumerate(
            [
                (ReviewTaskState.DECIDED, "accept"),
                (ReviewTaskState.DECIDED, "reject"),
                (ReviewTaskState.OPEN, None),
            ]
        ):
            session.add(
                ReviewTask(
                    scope_key=f"dashboard-test-{n}",
                    item_id=item.item_id,
                    project_id=project["id"],
                    batch_id=session.get(Item, item.item_id).batch_id,  # type: ignore[union-attr]
                    assignment_id=item.id,
                    language="es",
                    state=state,
                    decision=decision,
                )
            )
        for public_id in [*work[first], work[second][1]]:
            assignment = by_public[public_id]
            assignment.rate_minor, assignment.fee_minor, assignment.rate_currency = 15, 3, "EUR"
            accrue_assignment(session, assignment, now)
        session.commit()
    # Per-item agreement is written by a job: with Redis it waits in the queue until run.
    run_jobs()
    return {"project": project, "ops": ops}


def test_the_figures_of_a_language(app: Flask, dataset: dict[str, Any]) -> None:
    with app.app_context():
        rows = dashboard.language_dashboards(None, 14)
    assert [row.language for row in rows] == ["es"]
    row = rows[0]
    assert (row.people.qualified, row.people.active, row.people.suspended) == (2, 2, 1)
    # The item the third annotator labelled has its three judgments: two still wait for more.
    assert (row.backlog.ready_items, row.backlog.triage_items, row.backlog.review_waiting) == (2, 1, 1)

    assert len(row.throughput) == 14
    counts = [point.count for point in row.throughput]
    assert counts[-1] == 5 and counts[-4] == 1 and counts[-11] == 1 and sum(counts) == 7
    today = row.throughput[-1].day
    assert [point.day for point in row.throughput] == [today - timedelta(days=13 - n) for n in range(14)]

    gold_today = row.gold_accuracy[-1]
    assert gold_today.count == 3 and gold_today.value == pytest.approx(2 / 3)
    assert all(point.value is None for point in row.gold_accuracy[:-1])
    # Everybody labelled positive: every settled item agrees fully.
    assert row.agreement[-1].value == pytest.approx(1.0) and row.agreement[-1].count >= 1

    assert row.acceptance.decided == 2 and row.acceptance.rate == pytest.approx(0.5)
    assert [(c.currency, c.spent_minor, c.accepted_items, c.per_item_minor) for c in row.costs] == [
        ("EUR", 72, 3, 24)
    ]


def test_the_period_and_the_language_filter(app: Flask, dataset: dict[str, Any]) -> None:
    with app.app_context():
        week = dashboard.language_dashboards("es", 7)
        assert dashboard.language_dashboards("fr", 7) == []
    assert len(week[0].throughput) == 7
    assert sum(point.count for point in week[0].throughput) == 6  # the ten-day-old one is out


def test_only_ops_see_the_dashboard(
    client: FlaskClient, make_user: Callable[..., int], login: Callable[..., Any]
) -> None:
    anonymous = client.get("/ops/dashboard")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_user("ann@example.org")
    login("ann@example.org")
    assert client.get("/ops/dashboard").status_code == 403


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(chunk) for chunk in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def test_the_page_shows_charts_with_their_numbers(
    client: FlaskClient, dataset: dict[str, Any], login: Callable[..., Any]
) -> None:
    login("ops@example.org")
    page = client.get("/ops/dashboard?days=7&language=es&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    svgs = _svgs(html)
    assert len(svgs) == 2
    for svg in svgs:
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and "Spanish" in title.text
        assert desc is not None and desc.text
    assert "6 judgments in all, at most 5 in one day" in html
    assert html.count("<details>") == 2
    assert "€0.24" in html and "50%" in html
    assert 'name="language"' in html and 'name="days"' in html

    arabic = client.get("/ops/dashboard?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in arabic and len(_svgs(arabic)) == 2


# --- the chart renderer alone -----------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:g}"


def test_a_line_chart_is_well_formed_and_tells_series_apart_without_colour() -> None:
    svg = charts.line_chart(
        "c1",
        ["1 Jan", "2 Jan", "3 Jan", "4 Jan"],
        [charts.Series("A & B", [0.5, None, 1.0, 0.75]), charts.Series("<gold>", [0.25, 0.5, 0.5, 0.5])],
        title="Rates <per> day",
        desc="Two series.",
        x_label="Day",
        y_label="Rate",
        y_format=_fmt,
    )
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.findtext(f"{SVG}title") == "Rates <per> day"
    assert root.findtext(f"{SVG}desc") == "Two series."
    first, second = root.findall(f"{SVG}g")
    # The gap at None splits the first line; each point still has its own marker.
    assert len(first.findall(f"{SVG}polyline")) == 1 and len(first.findall(f"{SVG}circle")) == 3
    assert len(second.findall(f"{SVG}rect")) == 4
    assert second.find(f"{SVG}polyline").get("stroke-dasharray")  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"0", "0.5", "1", "A & B", "<gold>", "Day", "Rate"} <= set(texts)


def test_a_bar_chart_rounds_its_axis_and_draws_one_bar_per_nonzero_day() -> None:
    svg = charts.bar_chart(
        "c2", [str(n) for n in range(30)], [0] * 29 + [7], title="t", desc="d",
        x_label="x", y_label="y", y_format=_fmt,
    )  # fmt: skip
    root = ET.fromstring(str(svg))
    assert len(root.findall(f"{SVG}g/{SVG}rect")) == 1
    ticks = {t.text for t in root.iter(f"{SVG}text")}
    assert "10" in ticks and "7" not in ticks
    # Thirty days: only every fourth label (and the last) is written, so they do not overlap.
    day_labels = [t for t in ticks if t and t.isdigit() and t not in {"0", "2.5", "5", "7.5", "10"}]
    assert "29" in day_labels and len(day_labels) <= charts.MAX_X_LABELS + 1


def test_an_empty_bar_chart_still_has_an_axis() -> None:
    root = ET.fromstring(str(charts.bar_chart("c3", ["a"], [0], title="t", desc="d", x_label="x",
                                              y_label="y", y_format=_fmt)))  # fmt: skip
    assert root.findall(f"{SVG}g/{SVG}rect") == []
    assert {"0", "1"} <= {t.text for t in root.iter(f"{SVG}text")}


@pytest.mark.parametrize(("value", "expected"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (230, 250)])
def test_nice_ceiling(value: float, expected: float) -> None:
    assert charts.nice_ceiling(value) == expected
