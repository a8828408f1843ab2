"""An Arabic-speaking annotator labels one item of each newer task type in a real browser, in an
Arabic (right-to-left) interface: NER spans chosen with the keyboard and the mouse, a pairwise
preference and a rating with shortcut keys. What is stored is checked in the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from marketplace.db import get_session
from marketplace.routing.models import Assignment
from tests.browser.helpers import PASSWORD, sign_in
from tests.routing.test_widgets import make_typed_project

# The globe is one code point but two UTF-16 units: every offset after it tells the two apart.
NER_TEXT = "🌍 زار محمد القاهرة في يناير."
PAIR = {
    "prompt": "اشرح عملية البناء الضوئي لطفل في العاشرة.",
    "response_a": "تستخدم النباتات ضوء الشمس لتحويل الهواء والماء إلى غذاء.",
    "response_b": "البناء الضوئي هو اختزال ثاني أكسيد الكربون بالطاقة الضوئية.",
}
RATED = "باريس هي عاصمة فرنسا."


def _answers(app: Flask, project_id: int) -> list[dict[str, Any] | None]:
    with app.app_context():
        rows = get_session().scalars(select(Assignment).where(Assignment.project_id == project_id))
        return [row.answer for row in rows]


def test_an_annotator_labels_ner_pairwise_and_rating_items_with_the_keyboard(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    organisation: int,
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    # Highest priority first: the NER item, then the pair, then the rating.
    ner = make_typed_project(
        app, organisation, run_jobs, "ner", [("ar", {"text": NER_TEXT})],
        labels=["PER", "LOC", "DATE"], name="كيانات", priority=3,
    )  # fmt: skip
    pair = make_typed_project(
        app, organisation, run_jobs, "pairwise_preference", [("ar", PAIR)], name="مقارنة", priority=2
    )
    rating = make_typed_project(
        app, organisation, run_jobs, "rating", [("ar", {"text": RATED})], name="تقييم", priority=1
    )
    make_user("salma@example.org", native=("ar",), ui_locale="ar")

    sign_in(page, "salma@example.org", PASSWORD, "/login?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl"

    # NER: the text is Arabic, right to left; the JSON fallback gives way to the selection tools.
    page.goto("/work")
    text = page.locator("[data-ner-text]")
    assert text.get_attribute("dir") == "rtl" and text.get_attribute("lang") == "ar"
    assert page.locator("[data-ner-fallback]").is_hidden()
    assert page.locator("[data-ner-tools]").is_visible()
    shoot(page, "01-ner")

    # Keyboard: in right-to-left text the left arrow reads forward. Skip the globe and "زار ",
    # then Shift+Left over "محمد" and press 1 (PER).
    text.focus()
    page.keyboard.press("Home")
    for _step in range(6):
        page.keyboard.press("ArrowLeft")
    for _step in range(4):
        page.keyboard.press("Shift+ArrowLeft")
    assert page.evaluate("String(getSelection())") == "محمد"
    page.keyboard.press("1")
    assert page.locator(".ner-tag[data-tag=PER]").count() == 1
    assert page.locator("[data-ner-list] li").first.inner_text().startswith("PER")

    # Mouse: double-click "القاهرة" and press 2 (LOC).
    box = page.evaluate(
        """() => {
          const run = [...document.querySelectorAll('[data-ner-text] [data-at]')]
            .find((el) => el.textContent.includes('القاهرة'));
          const node = run.firstChild, at = node.textContent.indexOf('القاهرة');
          const range = document.createRange();
          range.setStart(node, at + 2); range.setEnd(node, at + 3);
          const r = range.getBoundingClientRect();
          return {x: r.x + r.width / 2, y: r.y + r.height / 2};
        }"""
    )
    page.mouse.dblclick(box["x"], box["y"])
    page.wait_for_function("String(getSelection()).trim() === 'القاهرة'")
    page.keyboard.press("2")
    assert page.locator("[data-ner-list] li").count() == 2
    # The label is written out next to the span, not shown by colour alone.
    assert page.locator(".ner-tag[data-tag=LOC]").count() == 1
    shoot(page, "02-ner-two-spans")

    # A third, wrong span is removed again from the list.
    text.focus()
    page.keyboard.press("End")
    page.keyboard.press("Shift+ArrowRight")  # backwards in RTL: the full stop
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")
    assert page.locator("[data-ner-list] li").count() == 3
    page.locator("[data-ner-list] li").nth(2).locator("[data-ner-remove]").click()
    assert page.locator("[data-ner-list] li").count() == 2
    shoot(page, "03-ner-before-submit")
    text.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    start = NER_TEXT.index("محمد")
    city = NER_TEXT.index("القاهرة")
    assert _answers(app, ner["id"]) == [
        {
            "spans": [
                {"start": start, "end": start + 4, "label": "PER", "text": "محمد"},
                {"start": city, "end": city + 7, "label": "LOC", "text": "القاهرة"},
            ]
        }
    ]

    # Pairwise: A and B side by side, A at the right in the right-to-left page; B chosen by letter.
    assert page.locator(".pairwise").is_visible()
    a_box = page.locator(".pairwise-response").nth(0).bounding_box()
    b_box = page.locator(".pairwise-response").nth(1).bounding_box()
    assert a_box["x"] > b_box["x"] and abs(a_box["y"] - b_box["y"]) < 2
    assert page.locator(".work-response").first.get_attribute("dir") == "rtl"
    page.locator(".work-prompt").click()
    page.keyboard.press("b")
    assert page.locator("input[name=preference][value=B]").is_checked()
    page.keyboard.press("3")
    assert page.locator("input[name=preference][value=tie]").is_checked()
    page.keyboard.press("2")
    shoot(page, "04-pairwise")
    # Narrow screen: the two responses are stacked, A first.
    page.set_viewport_size({"width": 420, "height": 900})
    a_box = page.locator(".pairwise-response").nth(0).bounding_box()
    b_box = page.locator(".pairwise-response").nth(1).bounding_box()
    assert a_box["y"] + a_box["height"] <= b_box["y"]
    shoot(page, "05-pairwise-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _answers(app, pair["id"]) == [{"preference": "B"}]

    # Rating: 1-5, the digit is the rating (on a narrow screen too).
    page.set_viewport_size({"width": 420, "height": 900})
    page.locator("[data-work] .work-text").click()
    page.keyboard.press("4")
    assert page.locator("input[name=rating][value='4']").is_checked()
    shoot(page, "06-rating-narrow")
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot(page, "07-rating")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _answers(app, rating["id"]) == [{"rating": 4}]
    shoot(page, "08-done")
