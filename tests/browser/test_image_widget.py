"""An annotator marks the demo street scene (a 640×480 SVG: a car, a person, a stop sign) in a real
browser: bounding boxes, polygons and keypoints, each drawn with the mouse and with the keyboard,
in English and in an Arabic (right-to-left) interface and on a 420-pixel-wide phone screen. What is
stored is checked in the database, in image pixels whatever the displayed scale."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from tests.browser.helpers import sign_in
from tests.browser.test_widgets_journey import _answers
from tests.routing.test_widgets import make_typed_project

LABELS = ["car", "person", "sign"]
NAMES = ["head", "left_foot", "right_foot"]
# Mouse positions go through the displayed scale and back: allow a pixel or two for the rounding.
TOLERANCE = 2.0


def _image(live_server: str) -> dict[str, Any]:
    return {"image_url": f"{live_server}/static/demo/calle.svg", "width": 640, "height": 480}


class Surface:
    """The drawing surface of the widget: image pixels to screen positions by its bounding box."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.svg = page.locator("[data-widget=image] [data-image-svg]")
        page.wait_for_function(
            "document.querySelector('[data-image-img]').complete"
            " && document.querySelector('[data-image-img]').naturalWidth > 0"
        )
        self.measure()

    def measure(self) -> None:
        box = self.svg.bounding_box()
        assert box is not None
        self.left, self.top = box["x"], box["y"]
        self.scale = box["width"] / 640
        # The image keeps its aspect ratio when it is scaled to the column.
        assert abs(box["height"] / 480 - self.scale) < 0.01

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.left + x * self.scale, self.top + y * self.scale

    def show(self) -> None:
        """Scroll the image into view and measure it again (bounding boxes are viewport-relative)."""
        self.svg.scroll_into_view_if_needed()
        self.measure()

    def click(self, x: float, y: float) -> None:
        self.show()
        self.page.mouse.click(*self.at(x, y))

    def drag(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.show()
        self.page.mouse.move(*self.at(*start))
        self.page.mouse.down()
        self.page.mouse.move(*self.at(*end), steps=6)
        self.page.mouse.up()

    def keys(self, *presses: tuple[str, int]) -> None:
        for key, times in presses:
            for _step in range(times):
                self.page.keyboard.press(key)


def _near(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= TOLERANCE


def _coords(row: Any) -> str:
    return row.locator("[data-image-row-coords]").inner_text()


def _keypoint(answer: Any, name: str) -> dict[str, Any]:
    """The point of that name in the widget's answer (the textarea), as the form would send it."""
    value = json.loads(answer.input_value())
    [point] = [p for o in value["keypoints"] for p in o["points"] if p.get("name") == name]
    return point


def _submit(page: Any) -> None:
    with page.expect_navigation():
        page.locator("[data-submit]").click()


def test_an_annotator_draws_boxes_polygons_and_keypoints_with_mouse_and_keyboard(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    image = _image(live_server)
    # Highest priority first: the boxes, then the polygons, then the keypoints.
    boxes = make_typed_project(
        app,
        organisation,
        run_jobs,
        "image_bounding_box",
        [("es", image)],
        labels=LABELS,
        name="Cajas",
        priority=3,
    )
    polygons = make_typed_project(
        app,
        organisation,
        run_jobs,
        "image_polygon",
        [("es", image)],
        labels=LABELS,
        name="Contornos",
        priority=2,
    )
    keypoints = make_typed_project(
        app, organisation, run_jobs, "image_keypoints", [("es", image)], labels=["person"], name="Puntos",
        priority=1, task_config={"keypoint_names": NAMES},
    )  # fmt: skip
    make_user("lucia@example.org", native=("es",), ui_locale="en")

    sign_in(page, "lucia@example.org")

    # --- Bounding boxes --------------------------------------------------------------------------
    page.goto("/work")
    widget = page.locator("[data-widget=image]")
    answer = widget.locator("[data-widget-answer]")
    expect(widget).to_have_attribute("data-kind", "boxes")
    expect(widget.locator("[data-widget-fallback]")).to_be_hidden()
    expect(widget.locator("[data-image-svg]")).to_have_attribute("viewBox", "0 0 640 480")
    expect(widget.locator("[data-image-svg]")).to_have_attribute("dir", "ltr")
    surface = Surface(page)
    car_button = widget.locator("[data-image-label=car]")
    expect(car_button).to_have_attribute("aria-pressed", "true")
    expect(widget.locator("[data-image-label=car] .image-label-check")).to_be_visible()
    expect(answer).to_have_value('{"boxes":[]}')
    shoot(page, "01-boxes-empty")

    # An answer the server refuses (past the right edge) comes back drawn, with the message.
    page.evaluate(
        """() => {
          document.querySelector('[data-widget-answer]').value =
            JSON.stringify({boxes: [{label: 'car', x: 600, y: 10, width: 80, height: 20}]});
          document.querySelector('[data-work-form]').requestSubmit(document.querySelector('[data-submit]'));
        }"""
    )
    # The message is in the page as soon as it is parsed, before the widget's script has run: every
    # check below waits for the script's work rather than reading it at once.
    page.wait_for_selector("#answer-errors")
    page.wait_for_load_state("load")
    expect(widget.locator("#answer-errors")).to_contain_text("Is outside the image (width 640 px).")
    expect(widget.locator("[data-widget-fallback]")).to_be_hidden()
    rows = widget.locator("[data-image-list] li")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-image-row-coords]")).to_have_text("x 600, y 10, 80 × 20 px")
    shoot(page, "01b-boxes-refused")
    rows.first.locator("[data-image-remove]").click()
    expect(rows).to_have_count(0)
    expect(answer).to_have_value('{"boxes":[]}')
    surface = Surface(page)

    # The car with the mouse.
    surface.drag((230, 316), (462, 422))
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-image-row-label]")).to_have_text("1 car")
    # The label's name is written on the image, not carried by colour alone.
    expect(widget.locator("svg text.image-tag").first).to_have_text("1 car")

    # The stop sign with the keyboard: 3 chooses "sign"; the crosshair starts at the centre (320, 240).
    page.keyboard.press("3")
    expect(widget.locator("[data-image-label=sign]")).to_have_attribute("aria-pressed", "true")
    expect(car_button).to_have_attribute("aria-pressed", "false")
    expect(widget.locator("[data-image-label=car] .image-label-check")).to_be_hidden()
    surface.svg.focus()
    surface.keys(("Shift+ArrowRight", 25), ("ArrowRight", 3), ("Shift+ArrowUp", 7))
    expect(widget.locator("[data-image-status]")).to_contain_text("x 573, y 170")
    page.keyboard.press("Space")
    surface.keys(("Shift+ArrowRight", 5), ("ArrowRight", 2), ("Shift+ArrowDown", 13), ("ArrowDown", 5))
    shoot(page, "02-boxes-keyboard-corner")
    page.keyboard.press("Space")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("[data-image-row-coords]")).to_have_text("x 573, y 170, 52 × 135 px")

    # The person with the mouse, then made 2 px taller with Alt+↓ after selecting it from the list.
    page.keyboard.press("2")
    expect(widget.locator("[data-image-label=person]")).to_have_attribute("aria-pressed", "true")
    surface.drag((504, 199), (536, 325))
    expect(rows).to_have_count(3)
    before = _coords(rows.nth(2))
    rows.nth(2).locator("[data-image-select]").click()
    expect(rows.nth(2).locator("[data-image-row-selected]")).to_be_visible()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Escape")
    expect(rows.nth(2).locator("[data-image-row-selected]")).to_be_hidden()
    expect(rows.nth(2).locator("[data-image-row-coords]")).not_to_have_text(before)

    # A stray box, selected by clicking its edge, resized by its corner, removed with Delete.
    surface.drag((40, 40), (120, 100))
    expect(rows).to_have_count(4)
    surface.click(40, 70)
    expect(rows.nth(3)).to_have_attribute("aria-current", "true")
    expect(widget.locator(".is-selected .image-handle")).to_have_count(4)
    before = _coords(rows.nth(3))
    surface.drag((120, 100), (160, 140))
    # The row is written anew when the drag ends: wait for that before reading the new size.
    expect(rows.nth(3).locator("[data-image-row-coords]")).not_to_have_text(before)
    stray = _coords(rows.nth(3))
    width, height = (float(v) for v in stray.split(", ")[2].removesuffix(" px").split(" × "))
    assert _near(width, 120) and _near(height, 100), stray
    page.keyboard.press("Delete")
    expect(rows).to_have_count(3)
    shoot(page, "03-boxes-done")
    _submit(page)

    [stored] = _answers(app, boxes["id"])
    assert stored is not None
    car, sign, person = stored["boxes"]
    assert car["label"] == "car" and sign["label"] == "sign" and person["label"] == "person"
    assert _near(car["x"], 230) and _near(car["y"], 316)
    assert _near(car["width"], 232) and _near(car["height"], 106)
    assert sign == {"label": "sign", "x": 573, "y": 170, "width": 52, "height": 135}
    assert _near(person["x"], 504) and _near(person["y"], 199)
    assert _near(person["width"], 32) and _near(person["height"], 128)
    for box in stored["boxes"]:
        for key in ("x", "y", "width", "height"):
            assert round(box[key], 1) == box[key]

    # --- Polygons, in an Arabic (right-to-left) interface -------------------------------------------
    page.goto("/work?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    widget = page.locator("[data-widget=image]")
    expect(widget).to_have_attribute("data-kind", "polygons")
    surface = Surface(page)
    rows = widget.locator("[data-image-list] li")

    # The car with the mouse: six corners, closed by clicking the first one again.
    car_outline = [(230, 398), (245, 335), (275, 316), (375, 316), (440, 352), (462, 398)]
    for x, y in car_outline:
        surface.click(x, y)
    expect(widget.locator(".image-draft circle")).to_have_count(6)
    surface.click(231, 397)  # near the first corner: closes the outline
    expect(rows).to_have_count(1)
    expect(widget.locator(".image-draft circle")).to_have_count(0)

    # The sign with the keyboard: a wrong corner is taken back with Backspace, Enter closes.
    page.keyboard.press("3")
    expect(widget.locator("[data-image-label=sign]")).to_have_attribute("aria-pressed", "true")
    surface.svg.focus()
    surface.keys(("Shift+ArrowRight", 25), ("ArrowRight", 3), ("Shift+ArrowUp", 7))  # (573, 170)
    page.keyboard.press("Space")
    surface.keys(("Shift+ArrowRight", 5), ("ArrowRight", 2))  # (625, 170)
    page.keyboard.press("Space")
    surface.keys(("Shift+ArrowDown", 5))  # (625, 220): wrong
    page.keyboard.press("Space")
    expect(widget.locator(".image-draft circle")).to_have_count(3)
    page.keyboard.press("Backspace")
    expect(widget.locator(".image-draft circle")).to_have_count(2)
    surface.keys(("Shift+ArrowDown", 8), ("ArrowDown", 5))  # (625, 305)
    page.keyboard.press("Space")
    surface.keys(("Shift+ArrowLeft", 5), ("ArrowLeft", 2))  # (573, 305)
    page.keyboard.press("Space")
    shoot(page, "04-polygons-arabic-drawing")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("[data-image-row-label]")).to_have_text("2 sign")
    shoot(page, "05-polygons-arabic")

    # On a phone: the image is scaled down to the screen, the mouse still lands in image pixels.
    page.set_viewport_size({"width": 420, "height": 900})
    widget.locator("[data-image-label=person]").click()
    expect(widget.locator("[data-image-label=person]")).to_have_attribute("aria-pressed", "true")
    surface.show()
    assert surface.scale < 0.6
    for x, y in [(504, 199), (536, 199), (536, 325), (504, 325)]:
        surface.click(x, y)
    expect(widget.locator(".image-draft circle")).to_have_count(4)
    surface.svg.focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_count(3)
    shoot(page, "06-polygons-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})
    _submit(page)

    [stored] = _answers(app, polygons["id"])
    assert stored is not None
    car, sign, person = stored["polygons"]
    assert car["label"] == "car" and len(car["points"]) == 6
    for (x, y), (ex, ey) in zip(car["points"], car_outline, strict=True):
        assert _near(x, ex) and _near(y, ey)
    assert sign == {"label": "sign", "points": [[573, 170], [625, 170], [625, 305], [573, 305]]}
    assert person["label"] == "person"
    # On the narrow screen one screen pixel is nearly two image pixels.
    for (x, y), (ex, ey) in zip(
        person["points"], [(504, 199), (536, 199), (536, 325), (504, 325)], strict=True
    ):
        assert abs(x - ex) <= 2 * TOLERANCE and abs(y - ey) <= 2 * TOLERANCE

    # --- Keypoints, back in English ----------------------------------------------------------------
    page.goto("/work?lang=en")
    widget = page.locator("[data-widget=image]")
    expect(widget).to_have_attribute("data-kind", "keypoints")
    surface = Surface(page)
    rows = widget.locator("[data-image-list] li")
    answer = widget.locator("[data-widget-answer]")
    next_point = widget.locator("[data-image-kp-next]")
    hidden_box = widget.locator("[data-image-kp-hidden]")
    expect(next_point).to_have_text("Next point: head")

    surface.click(520, 215)  # head, with the mouse
    expect(next_point).to_have_text("Next point: left_foot")
    widget.locator("[data-image-kp-skip]").click()  # the left foot is not placed now
    expect(next_point).to_have_text("Next point: right_foot")
    hidden_box.check()
    surface.click(530, 322)  # the right foot, marked hidden (occluded)
    expect(next_point).to_contain_text("Every point of this object is placed or skipped")
    expect(hidden_box).not_to_be_checked()

    # The skipped left foot after all, with the keyboard: choose its name, move the crosshair, Space.
    widget.locator(".image-kp-name", has_text="left_foot").click()
    expect(next_point).to_have_text("Next point: left_foot")
    surface.svg.focus()
    surface.keys(("Shift+ArrowRight", 19), ("ArrowRight", 2), ("Shift+ArrowDown", 8), ("ArrowDown", 4))
    page.keyboard.press("Space")
    expect(rows).to_have_count(1)
    coords = rows.first.locator("[data-image-row-coords]")
    expect(coords).to_contain_text("left_foot (512, 324)")
    expect(coords).to_contain_text("right_foot")
    expect(coords).to_contain_text("(hidden)")
    expect(widget.locator("svg text.image-point-name")).to_have_count(3)
    # H right after placing a point is about the next one: the point just placed stays visible.
    page.keyboard.press("h")
    expect(hidden_box).to_be_checked()
    page.keyboard.press("h")
    expect(hidden_box).not_to_be_checked()
    assert "visible" not in _keypoint(answer, "left_foot")

    # Each placed point has a toggle in the list for its "hidden (occluded)" flag, with visible text.
    toggles = rows.first.locator("[data-image-point-toggle]")
    expect(toggles).to_have_count(3)
    head_toggle = toggles.filter(has_text="head")
    foot_toggle = toggles.filter(has_text="right_foot")
    expect(head_toggle).to_have_text("✓Hidden: \u2068head\u2069")
    expect(head_toggle).to_have_attribute("aria-pressed", "false")
    expect(foot_toggle).to_have_attribute("aria-pressed", "true")
    expect(toggles.filter(has_text="left_foot")).to_have_attribute("aria-pressed", "false")
    # The visible head is made hidden: pressed, drawn hollow and dashed, "(hidden)" in the list and
    # on the image, visible false in the answer; the focus stays on its button.
    head_toggle.click()
    expect(head_toggle).to_have_attribute("aria-pressed", "true")
    expect(head_toggle).to_be_focused()
    expect(widget.locator("svg circle.image-point.is-hidden")).to_have_count(2)
    expect(widget.locator("svg text.image-point-name", has_text="head")).to_have_text("head (hidden)")
    expect(widget.locator("svg circle.image-point.is-hidden title").first).to_have_text(
        "head (520, 215) (hidden)"
    )
    expect(coords).to_contain_text("head (520, 215) (hidden)")
    assert _keypoint(answer, "head")["visible"] is False
    # The hidden right foot is made visible again, with the keyboard on its button: the key goes.
    foot_toggle.focus()
    page.keyboard.press("Enter")
    expect(foot_toggle).to_have_attribute("aria-pressed", "false")
    expect(widget.locator("svg circle.image-point.is-hidden")).to_have_count(1)
    expect(widget.locator("svg text.image-point-name", has_text="right_foot")).to_have_text("right_foot")
    expect(coords).not_to_contain_text(re.compile(r"right_foot \([^)]*\) \(hidden\)"))
    assert "visible" not in _keypoint(answer, "right_foot")
    shoot(page, "07-keypoints")
    page.set_viewport_size({"width": 420, "height": 900})
    shoot(page, "08-keypoints-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})
    _submit(page)

    [stored] = _answers(app, keypoints["id"])
    assert stored is not None
    [person_points] = stored["keypoints"]
    assert person_points["label"] == "person"
    head, right_foot, left_foot = person_points["points"]
    assert head["name"] == "head" and _near(head["x"], 520) and _near(head["y"], 215)
    assert head["visible"] is False
    assert right_foot["name"] == "right_foot" and "visible" not in right_foot
    assert _near(right_foot["x"], 530) and _near(right_foot["y"], 322)
    assert left_foot == {"name": "left_foot", "x": 512, "y": 324}
    shoot(page, "09-done")


def test_anonymous_keypoints_and_an_image_that_does_not_load(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    points = make_typed_project(
        app, organisation, run_jobs, "image_keypoints", [("es", _image(live_server))], labels=["car", "person"],
        name="Anónimos", priority=2,
    )  # fmt: skip
    dead = {"image_url": f"{live_server}/static/demo/missing.png", "width": 640, "height": 480}
    broken = make_typed_project(
        app,
        organisation,
        run_jobs,
        "image_bounding_box",
        [("es", dead)],
        labels=["car"],
        name="Rota",
        priority=1,
    )
    make_user("lucia@example.org", native=("es",), ui_locale="en")
    sign_in(page, "lucia@example.org")

    # Without keypoint names the points are anonymous; N starts the next object.
    page.goto("/work")
    widget = page.locator("[data-widget=image]")
    surface = Surface(page)
    expect(widget.locator("[data-image-kp-names]")).to_have_count(0)
    expect(widget.locator("[data-image-kp-skip]")).to_have_count(0)
    rows = widget.locator("[data-image-list] li")
    surface.click(282, 400)
    surface.click(412, 400)
    expect(widget.locator("svg circle.image-point")).to_have_count(2)
    page.keyboard.press("2")
    expect(widget.locator("[data-image-label=person]")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("n")
    surface.click(520, 215)
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("[data-image-row-label]")).to_have_text("2 person")
    # An anonymous point's toggle names it by its place; once hidden, "(hidden)" is written by it.
    toggle = rows.nth(1).locator("[data-image-point-toggle]")
    expect(toggle).to_have_text(re.compile(r"^\s*✓Hidden: \u2068\(5[12]\d(\.\d)?, 21\d(\.\d)?\)\u2069\s*$"))
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(widget.locator("svg text.image-point-name")).to_have_text("(hidden)")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(widget.locator("svg text.image-point-name")).to_have_count(0)
    shoot(page, "01-anonymous-keypoints")
    _submit(page)
    [stored] = _answers(app, points["id"])
    assert stored is not None
    car, person = stored["keypoints"]
    assert car["label"] == "car" and [sorted(p) for p in car["points"]] == [["x", "y"], ["x", "y"]]
    assert _near(car["points"][0]["x"], 282) and _near(car["points"][1]["x"], 412)
    assert person["label"] == "person" and [sorted(p) for p in person["points"]] == [["x", "y"]]

    # A dead link: a notice with the URL instead of the image, and no "nothing to mark" answer.
    widget = page.locator("[data-widget=image]")
    notice = widget.locator("[data-image-failed]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(dead["image_url"])
    expect(widget.locator("[data-image-stage]")).to_be_hidden()
    expect(widget.locator("[data-widget-answer]")).to_have_value("")
    shoot(page, "02-image-not-loaded")
    with page.expect_navigation():
        page.locator("[data-submit]").click()
    expect(page.locator(".error-summary")).to_contain_text("Give an answer before submitting.")
    with page.expect_navigation():
        page.locator("[data-skip]").click()
    assert _answers(app, broken["id"]) == [None]
