"""Ops open the per-language dashboard in a real browser, in English and in Arabic: the charts are
drawn, their numbers are one click away, and the Arabic page is laid out right to left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from marketplace.accounts.models import Role
from marketplace.pipeline import submit as pipeline
from marketplace.qualification import service as qualification
from marketplace.routing import service as routing
from tests.browser.helpers import PASSWORD, sign_in

SPANISH = (
    "Gracias por la ayuda, el pedido llegó muy rápido y en perfecto estado.",
    "El producto es excelente y la atención al cliente fue muy amable.",
    "La entrega se retrasó dos días, pero el servicio fue muy bueno.",
)


def test_ops_read_the_dashboard_in_english_and_in_arabic(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    make_project: Callable[..., dict[str, Any]],
    make_user: Callable[..., int],
    annotator: Callable[..., int],
) -> None:
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    project = make_project([("es", text) for text in SPANISH], overlap=2, review={"sample_rate": 0.0})
    with app.app_context():
        for user in (annotator("es"), annotator("es")):
            qualification.grant_qualification(user, project["id"], "es", ops)
            for assignment in routing.claim_next_assignments(user, 3):
                pipeline.submit_assignment(user, assignment.public_id, {"label": "positive"}, seconds_spent=4)

    sign_in(page, "ops@example.org", PASSWORD, "/login?lang=en")

    page.goto("/ops/dashboard?lang=en")
    assert page.get_attribute("html", "dir") == "ltr"
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 2
    assert "Judgments submitted per day in Spanish" in charts.first.locator("title").text_content()
    shoot(page, "01-dashboard-en")
    # The numbers behind the first chart, opened with the keyboard.
    page.locator("details summary").first.focus()
    page.keyboard.press("Enter")
    assert page.locator("details").first.get_attribute("open") is not None
    assert page.locator("details").first.locator("tbody tr").count() == 14
    shoot(page, "02-numbers-en")

    # A week, chosen with the filter form.
    page.select_option("select[name=days]", "7")
    with page.expect_navigation():
        page.locator("form.dashboard-filter button[type=submit]").click()
    assert "days=7" in page.url
    assert page.locator("details").first.locator("tbody tr").count() == 7

    page.goto("/ops/dashboard?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    assert page.locator("svg.chart[role=img]").count() == 2
    heading = page.locator("main h1").bounding_box()
    main = page.locator("main").bounding_box()
    assert heading["x"] + heading["width"] > main["x"] + main["width"] / 2, (
        "RTL: the heading starts at the right"
    )
    label = page.locator("label[for=dashboard-language]").bounding_box()
    select = page.locator("#dashboard-language").bounding_box()
    assert label["x"] > select["x"], "RTL: the label is to the right of its select"
    shoot(page, "03-dashboard-ar")
