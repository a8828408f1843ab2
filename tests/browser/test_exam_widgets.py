"""An exam of an image task in a real browser: every question gets its own drawing widget (the
same as on the work page), drawing in one leaves the others alone, and the answers saved are
the boxes drawn."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.browser.helpers import sign_in
from tests.qualification.test_exam_widgets import _gold_project

CAR = {"label": "car", "x": 230, "y": 316, "width": 232, "height": 106}


def test_each_exam_question_has_its_own_widget(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    street = {"image_url": f"{live_server}/static/demo/calle.svg", "width": 640, "height": 480}
    gold = [(street, {"boxes": [CAR]}), (street, {"boxes": [CAR]})]
    _gold_project(app, organisation, run_jobs, "image_bounding_box", gold, labels=["car", "person"])
    make_user("ana@example.org", native=("en",), ui_locale="en")

    sign_in(page, "ana@example.org")
    page.goto("/qualifications")
    with page.expect_navigation():
        page.locator("form[action$='/exams/start'] button[type=submit]").first.click()

    widgets = page.locator("[data-widget=image]")
    assert widgets.count() == 2
    for n in range(2):
        assert widgets.nth(n).locator("[data-widget-fallback]").is_hidden()
        assert widgets.nth(n).locator("[data-widget-answer]").get_attribute("name") == f"q{n}"
    page.wait_for_function(
        "[...document.querySelectorAll('[data-image-img]')].every((img) => img.complete && img.naturalWidth > 0)"
    )

    def draw(n: int) -> None:
        svg = widgets.nth(n).locator("[data-image-svg]")
        svg.scroll_into_view_if_needed()
        box = svg.bounding_box()
        scale = box["width"] / 640
        page.mouse.move(box["x"] + CAR["x"] * scale, box["y"] + CAR["y"] * scale)
        page.mouse.down()
        end = (CAR["x"] + CAR["width"], CAR["y"] + CAR["height"])
        page.mouse.move(box["x"] + end[0] * scale, box["y"] + end[1] * scale, steps=6)
        page.mouse.up()

    def answer(n: int) -> dict[str, Any]:
        value = json.loads(widgets.nth(n).locator("[data-widget-answer]").input_value())
        assert isinstance(value, dict)
        return value

    draw(1)
    assert len(answer(1)["boxes"]) == 1 and answer(0) == {"boxes": []}
    draw(0)
    assert len(answer(0)["boxes"]) == 1
    shoot(page, "01-exam-two-widgets")
    for n in range(2):
        drawn = answer(n)["boxes"][0]
        assert drawn["label"] == "car"
        assert abs(drawn["x"] - CAR["x"]) <= 3 and abs(drawn["width"] - CAR["width"]) <= 3

    with page.expect_navigation():
        page.locator("button[name=action][value=submit]").click()
    shoot(page, "02-exam-result")
    assert page.locator(".exam-result h2").inner_text().strip() == "Passed"
