"""A reviewer corrects an image item in a real browser with the work page's drawing widget: the
agreed (or first) answer is already drawn, the reviewer adds the box the annotators missed, and
the correction stored is the edited answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.pipeline import submit as pipeline
from marketplace.review.models import ReviewTask
from marketplace.routing import service as routing
from tests.browser.helpers import sign_in
from tests.review import appoint_reviewer
from tests.routing.test_widgets import make_typed_project

CAR = {"label": "car", "x": 230, "y": 316, "width": 232, "height": 106}
PERSON = {"label": "person", "x": 504, "y": 199, "width": 32, "height": 126}


def test_a_reviewer_corrects_boxes_with_the_drawing_widget(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    street = {"image_url": f"{live_server}/static/demo/calle.svg", "width": 640, "height": 480}
    project = make_typed_project(
        app, organisation, run_jobs, "image_bounding_box", [("es", street)], labels=["car", "person"],
        overlap=2, review={"sample_rate": 1.0},
    )  # fmt: skip
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    for email in ("uno@example.org", "dos@example.org"):
        annotator = make_user(email, native=("es",))
        with app.app_context():
            (assignment,) = routing.claim_next_assignments(annotator, 1)
            pipeline.submit_assignment(annotator, assignment.public_id, {"boxes": [CAR]}, seconds_spent=9)
    run_jobs()
    reviewer = make_user("rosa@example.org", native=("es",), ui_locale="es")
    appoint_reviewer(app, reviewer, project["id"], ["es"], ops)

    sign_in(page, "rosa@example.org")
    page.goto("/review")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    widget = page.locator("[data-widget=image]")
    assert widget.locator("[data-widget-fallback]").is_hidden()
    assert widget.locator("[data-image-list] li").count() == 1  # the agreed answer, ready to edit
    page.wait_for_function("document.querySelector('[data-image-img]').naturalWidth > 0")
    widget.locator("[data-image-label=person]").click()
    svg = widget.locator("[data-image-svg]")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    scale = box["width"] / 640
    page.mouse.move(box["x"] + PERSON["x"] * scale, box["y"] + PERSON["y"] * scale)
    page.mouse.down()
    end = (PERSON["x"] + PERSON["width"], PERSON["y"] + PERSON["height"])
    page.mouse.move(box["x"] + end[0] * scale, box["y"] + end[1] * scale, steps=6)
    page.mouse.up()
    assert widget.locator("[data-image-list] li").count() == 2
    page.locator("input[name=decision][value=fix]").check()
    shoot(page, "01-review-correction")
    with page.expect_navigation():
        page.locator("form.answer-form button[type=submit]").first.click()
    shoot(page, "02-after-decision")

    with app.app_context():
        task = get_session().query(ReviewTask).one()
        assert task.decision == "fix"
        boxes = task.correction["boxes"]
    assert [b["label"] for b in boxes] == ["car", "person"]
    assert boxes[0] == {k: float(v) if k != "label" else v for k, v in CAR.items()} or boxes[0] == CAR
    drawn = boxes[1]
    assert abs(drawn["x"] - PERSON["x"]) <= 3 and abs(drawn["height"] - PERSON["height"]) <= 3
