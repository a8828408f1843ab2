"""An annotator paints segmentation masks on a street scene in a real browser: a car with the
mouse, a person with the keyboard, part of the car erased, a stray stroke undone. The stored
answer is decoded here from its run-length encoding and checked pixel by pixel, and undo and redo
take the stray stroke away and bring it back. A second item is painted in the Arabic
(right-to-left) interface on a 420-pixel-wide screen, where one label's paint takes over
another's, and a refused submit brings the painted masks back."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.browser.helpers import sign_in
from tests.browser.test_widgets_journey import _answers
from tests.routing.test_widgets import make_typed_project

WIDTH, HEIGHT = 640, 480


class Mask:
    """A mask decoded from uncompressed COCO run-length encoding (column-major)."""

    def __init__(self, rle: dict[str, Any]) -> None:
        self.height, self.width = rle["size"]
        assert (self.height, self.width) == (HEIGHT, WIDTH)
        counts = rle["counts"]
        assert all(isinstance(c, int) and c >= 0 for c in counts)
        assert sum(counts) == HEIGHT * WIDTH
        self.bits = bytearray(HEIGHT * WIDTH)
        p = 0
        for k, run in enumerate(counts):
            if k % 2 == 1:
                self.bits[p : p + run] = b"\x01" * run
            p += run
        self.area = sum(counts[1::2])

    def __contains__(self, point: tuple[int, int]) -> bool:
        x, y = point
        return self.bits[x * HEIGHT + y] == 1


def _masks(answer: dict[str, Any] | None) -> dict[str, Mask]:
    assert answer is not None and set(answer) == {"masks"}
    labels = [m["label"] for m in answer["masks"]]
    assert len(labels) == len(set(labels)), "one mask per label"
    masks = {m["label"]: Mask(m["rle"]) for m in answer["masks"]}
    # A pixel belongs to one label at most.
    if len(masks) > 1:
        first, *others = masks.values()
        for other in others:
            assert not any(a and b for a, b in zip(first.bits, other.bits, strict=True))
    return masks


def _capsule(length: float, size: float) -> float:
    """Area of a brush stroke: a rectangle of the stroke's length and two half discs."""
    return length * size + math.pi * (size / 2) ** 2


def _at(page: Any, x: float, y: float) -> tuple[float, float]:
    """The screen point over image pixel (x, y), whatever the displayed scale."""
    box = page.locator("[data-mask-canvas]").bounding_box()
    return box["x"] + (x + 0.5) * box["width"] / WIDTH, box["y"] + (y + 0.5) * box["height"] / HEIGHT


def _drag(page: Any, points: list[tuple[float, float]]) -> None:
    """A mouse stroke through image points, with few pointer events (the widget fills the gaps)."""
    page.locator("[data-mask-canvas]").scroll_into_view_if_needed()
    page.mouse.move(*_at(page, *points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*_at(page, *point), steps=2)
    page.mouse.up()


def _current(page: Any) -> dict[str, Mask]:
    """The masks in the textarea now (it is written a moment after each stroke)."""
    page.wait_for_timeout(300)
    return _masks(json.loads(page.locator("[data-widget-answer]").input_value()))


def test_an_annotator_paints_masks_with_the_mouse_and_the_keyboard(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    live_server: str,
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    image = {"image_url": f"{live_server}/static/demo/calle.svg", "width": WIDTH, "height": HEIGHT}
    project = make_typed_project(
        app, organisation, run_jobs, "segmentation_mask", [("en", image), ("en", image)],
        labels=["car", "person"], name="Calle",
    )  # fmt: skip
    make_user("pinta@example.org", native=("en",))
    sign_in(page, "pinta@example.org")

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/work")
    widget = page.locator('[data-widget="mask"]')
    assert errors == []
    assert widget.locator("[data-widget-fallback]").is_hidden()
    assert widget.locator("[data-mask-tools]").is_visible()
    page.wait_for_function("document.querySelector('[data-mask-image]').naturalWidth > 0")
    assert widget.locator("[data-mask-failed]").is_hidden()
    canvas = widget.locator("[data-mask-canvas]")
    assert canvas.get_attribute("width") == "640" and canvas.get_attribute("height") == "480"
    assert widget.locator("[data-mask-stage]").get_attribute("dir") == "ltr"
    # Nothing painted yet is a valid answer.
    assert json.loads(widget.locator("[data-widget-answer]").input_value()) == {"masks": []}
    car_button = widget.locator('[data-mask-label="car"]')
    person_button = widget.locator('[data-mask-label="person"]')
    assert car_button.get_attribute("aria-pressed") == "true"
    assert person_button.get_attribute("aria-pressed") == "false"
    shoot(page, "01-empty")

    # The car, with the mouse: one horizontal stroke through few pointer events, brush 20.
    widget.locator("[data-mask-size]").fill("20")
    assert widget.locator("[data-mask-size-out]").inner_text() == "20 px"
    _drag(page, [(260, 370), (430, 370)])
    masks = _current(page)
    car_area = _capsule(170, 20)
    assert set(masks) == {"car"} and 0.9 * car_area < masks["car"].area < 1.1 * car_area
    for x in range(260, 431, 5):  # no gap along the stroke
        assert (x, 370) in masks["car"]
    # The legend writes the painted area in words and digits, not only a colour.
    assert widget.locator('[data-mask-legend="car"] [data-mask-area]').inner_text() == (
        f"{masks['car'].area:,} px painted"
    )
    assert widget.locator('[data-mask-tag="car"]').is_visible()

    # A stray stroke in the sky, undone with Ctrl+Z (the surface has the focus after painting),
    # redone with Ctrl+Y, the buttons and Ctrl+Shift+Z, and undone again.
    undo_button = widget.locator("[data-mask-undo]")
    redo_button = widget.locator("[data-mask-redo]")
    car_legend = widget.locator('[data-mask-legend="car"] [data-mask-area]')
    car_painted = masks["car"].area
    assert undo_button.is_enabled() and redo_button.is_disabled()
    assert redo_button.get_attribute("aria-keyshortcuts") == "Control+Y Control+Shift+Z"
    assert redo_button.inner_text().split() == ["Redo", "Ctrl+Y"]
    _drag(page, [(80, 80), (120, 100)])
    with_stray = _current(page)["car"]
    assert (100, 90) in with_stray and with_stray.area > car_painted
    assert redo_button.is_disabled()

    def stray_is_painted(painted: bool) -> None:
        car = _current(page)["car"]
        assert ((100, 90) in car) is painted
        assert car.area == (with_stray.area if painted else car_painted)
        assert car_legend.inner_text() == f"{car.area:,} px painted"
        assert redo_button.is_disabled() is painted

    page.keyboard.press("Control+z")
    stray_is_painted(False)
    page.keyboard.press("Control+y")
    stray_is_painted(True)
    assert (260, 370) in _current(page)["car"]  # the first stroke was never touched
    undo_button.click()
    stray_is_painted(False)
    redo_button.click()
    stray_is_painted(True)
    # The Redo button, disabled under the focus, hands it to Undo rather than to the page.
    assert page.evaluate("document.activeElement.matches('[data-mask-undo]')")
    page.keyboard.press("Control+z")
    stray_is_painted(False)
    page.keyboard.press("Control+Shift+KeyZ")
    stray_is_painted(True)
    page.keyboard.press("Control+z")
    stray_is_painted(False)
    # A new stroke leaves nothing to redo: Ctrl+Y brings the stray stroke back no more.
    _drag(page, [(150, 60), (120, 100)])
    assert redo_button.is_disabled()
    page.keyboard.press("Control+y")
    car = _current(page)["car"]
    assert (140, 70) in car and (90, 85) not in car
    page.keyboard.press("Control+z")
    assert _current(page)["car"].area == car_painted
    canvas.focus()

    # The person, with the keyboard: 2 chooses the label, the arrows bring the brush to the head,
    # Space held while moving down paints the body.
    assert page.evaluate("document.activeElement.matches('[data-mask-canvas]')")
    page.keyboard.press("2")
    assert person_button.get_attribute("aria-pressed") == "true"
    assert car_button.get_attribute("aria-pressed") == "false"
    for _ in range(3):
        page.keyboard.press("BracketLeft")  # 20 -> 17 -> 15 -> 13
    assert widget.locator("[data-mask-size]").input_value() == "13"
    widget.locator("[data-mask-size]").fill("10")
    canvas.focus()
    # The brush is where the mouse left it, (120, 100); Shift moves 16 pixels, an arrow alone 2.
    for _ in range(25):
        page.keyboard.press("Shift+ArrowRight")
    for _ in range(6):
        page.keyboard.press("Shift+ArrowDown")
    for _ in range(7):
        page.keyboard.press("ArrowDown")
    assert widget.locator("[data-mask-status]").inner_text() == "Brush at x 520, y 210"
    page.keyboard.down("Space")
    for _ in range(6):
        page.keyboard.press("Shift+ArrowDown")
    page.keyboard.up("Space")
    masks = _current(page)
    person_area = _capsule(96, 10)
    assert 0.85 * person_area < masks["person"].area < 1.15 * person_area
    assert (520, 210) in masks["person"] and (520, 260) in masks["person"] and (520, 306) in masks["person"]
    assert (520, 330) not in masks["person"] and (540, 260) not in masks["person"]
    shoot(page, "02-car-and-person")

    # Erase a slice of the car: E picks the eraser, a vertical mouse stroke across the car's band.
    page.keyboard.press("e")
    assert widget.locator('[data-mask-mode="eraser"]').get_attribute("aria-pressed") == "true"
    widget.locator("[data-mask-size]").fill("20")
    _drag(page, [(345, 340), (345, 400)])
    page.keyboard.press("b")
    assert widget.locator('[data-mask-mode="brush"]').get_attribute("aria-pressed") == "true"
    widget.locator("[data-mask-opacity]").fill("80")
    assert widget.locator("[data-mask-opacity-out]").inner_text() == "80%"
    shoot(page, "03-erased-before-submit")
    with page.expect_navigation():
        page.locator("[data-submit]").click()

    answers = [a for a in _answers(app, project["id"]) if a is not None]
    assert len(answers) == 1
    masks = _masks(answers[0])
    assert set(masks) == {"car", "person"}
    car = masks["car"]
    # The slice 335-355 of the 20-pixel band is gone: about 20 × 20 pixels fewer.
    expected = car_area - 20 * 20
    assert 0.85 * expected < car.area < 1.1 * expected
    for x, y in [(270, 370), (300, 362), (330, 370), (360, 370), (425, 375)]:
        assert (x, y) in car
    for x in range(338, 353):
        assert all((x, y) not in car for y in range(355, 386)), x
    for x, y in [(100, 90), (260, 395), (300, 350), (520, 260), (20, 20)]:
        assert (x, y) not in car
    assert (520, 250) in masks["person"] and (345, 370) not in masks["person"]
    assert 0.85 * person_area < masks["person"].area < 1.15 * person_area

    # The second item, in Arabic on a phone-sized screen.
    page.set_viewport_size({"width": 420, "height": 900})
    page.goto("/work?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"
    widget = page.locator('[data-widget="mask"]')
    page.wait_for_function("document.querySelector('[data-mask-image]').naturalWidth > 0")
    stage = widget.locator("[data-mask-stage]").bounding_box()
    assert stage["width"] <= 420 and abs(stage["width"] / stage["height"] - WIDTH / HEIGHT) < 0.02
    widget.locator("[data-mask-size]").fill("24")
    _drag(page, [(250, 360), (440, 360)])  # the car
    widget.locator('[data-mask-label="person"]').click()
    _drag(page, [(350, 300), (350, 420)])  # the person's brush crosses the car's band
    masks = _current(page)
    assert (350, 360) in masks["person"] and (350, 360) not in masks["car"]
    assert (300, 360) in masks["car"] and (420, 360) in masks["car"]
    shoot(page, "04-arabic-narrow")

    # A comment past the limit is refused: the page comes back with the masks painted again.
    sent = widget.locator("[data-widget-answer]").input_value()
    page.evaluate("document.querySelector('[name=comment]').value = 'x'.repeat(5000)")
    with page.expect_navigation():
        page.locator("[data-submit]").click()
    widget = page.locator('[data-widget="mask"]')
    assert page.locator(".error-summary").is_visible()
    assert widget.locator("[data-mask-tools]").is_visible()
    assert json.loads(widget.locator("[data-widget-answer]").input_value()) == json.loads(sent)
    areas = {label: m.area for label, m in _masks(json.loads(sent)).items()}
    for label, area in areas.items():
        shown = widget.locator(f'[data-mask-legend="{label}"] [data-mask-area]').inner_text()
        assert str(area) in shown.replace(",", ""), shown
    # The restored paint is drawn: the canvas holds the car's colour where the car was painted.
    alpha = page.evaluate(
        "document.querySelector('[data-mask-canvas]').getContext('2d').getImageData(300, 360, 1, 1).data[3]"
    )
    assert alpha == 255
    shoot(page, "05-arabic-restored")
    page.locator("[name=comment]").fill("")
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot(page, "06-arabic-wide")
    with page.expect_navigation():
        page.locator("[data-submit]").click()
    answers = [a for a in _answers(app, project["id"]) if a is not None]
    assert len(answers) == 2
    assert json.loads(sent) in answers
    assert errors == []
