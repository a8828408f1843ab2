"""Bidi isolation in a real browser: an Arabic label inside the English work page, and a Latin
project name inside the Arabic one, each kept apart from the words around it.

Chromium is asked what it computed (``unicode-bidi``, the element's own direction) and where it
drew the characters: a full stop ending the isolated text stays at that text's end, in the text's
own direction, instead of jumping to the other side as it does in a run of the page's direction.
The markup of every page is checked without a browser in tests/test_bidi_markup.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.browser.helpers import sign_in
from tests.test_bidi_markup import make_bidi_project

ARABIC_LABEL = "إيجابي"
#: Ends with a full stop: in an isolated right-to-left run it is drawn at the run's left end.
ARABIC_DEFINITION = "العميل راضٍ عن الخدمة."
ARABIC_DESCRIPTION = "رسائل العملاء من المتجر الإلكتروني."
#: Ends with a full stop: in an isolated left-to-right run it is drawn at the run's right end.
LATIN_PROJECT = "Tickets from Acme Inc."
LABELS = [
    {"name": ARABIC_LABEL, "definition": ARABIC_DEFINITION, "edge_cases": [], "examples": []},
    {"name": "positive", "definition": "Happy customer.", "edge_cases": [], "examples": []},
    {"name": "negative", "definition": "Unhappy customer.", "edge_cases": [], "examples": []},
]

#: What Chromium computed for an element: its tag, unicode-bidi, direction, and the x of the
#: middle of its first and of its last character as drawn.
BIDI_FACTS = """(el) => {
  const text = el.firstChild;
  const at = (i) => {
    const range = document.createRange();
    range.setStart(text, i);
    range.setEnd(text, i + 1);
    const r = range.getBoundingClientRect();
    return r.x + r.width / 2;
  };
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    dir: el.getAttribute("dir"),
    unicodeBidi: style.unicodeBidi,
    direction: style.direction,
    rtl: el.matches(":dir(rtl)"),
    first: at(0),
    last: at(text.length - 1),
  };
}"""


def _facts(locator: Any) -> dict[str, Any]:
    assert locator.count() == 1, locator
    facts: dict[str, Any] = locator.evaluate(BIDI_FACTS)
    return facts


def _page_direction(page: Any) -> str:
    direction: str = page.evaluate("getComputedStyle(document.documentElement).direction")
    assert page.get_attribute("html", "dir") == direction
    return direction


def test_an_arabic_label_is_isolated_in_the_english_work_page_and_a_latin_name_in_the_arabic_one(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    client_org: dict[str, Any],
    run_jobs: Callable[[], int],
    make_user: Callable[..., Any],
) -> None:
    make_bidi_project(app, client_org["organisation_id"], LATIN_PROJECT, LABELS)
    run_jobs()
    make_user("lena@example.org", native=("en",), ui_locale="en")

    sign_in(page, "lena@example.org")
    page.goto("/work")
    assert _page_direction(page) == "ltr"

    # The Arabic label among the choices: a <bdi>, isolated, right to left inside the LTR page.
    label = _facts(page.locator(".label-choice bdi.label-name", has_text=ARABIC_LABEL))
    assert label["tag"] == "bdi" and label["unicodeBidi"] == "isolate"
    assert label["rtl"] and label["direction"] == "rtl"
    assert label["first"] > label["last"]  # drawn from the right: the first letter is rightmost
    # Its definition, whose full stop ends the Arabic sentence: at its left end, not after it.
    definition = _facts(page.locator(".label-definition bdi", has_text=ARABIC_DEFINITION))
    assert definition["unicodeBidi"] == "isolate" and definition["rtl"]
    assert definition["last"] < definition["first"]
    # The Latin labels next to it stay left to right.
    latin = _facts(page.locator(".label-choice bdi.label-name", has_text="positive"))
    assert latin["unicodeBidi"] == "isolate" and not latin["rtl"]
    # The guide lists the same label, isolated as well.
    page.locator("details.label-details summary").click()
    guide = _facts(page.locator(".label-details dt bdi", has_text=ARABIC_LABEL))
    assert guide["unicodeBidi"] == "isolate" and guide["rtl"]
    # The comment box follows what is typed: Arabic makes it right to left, alone.
    comment = page.locator("textarea[name=comment]")
    assert comment.get_attribute("dir") == "auto"
    comment.fill(ARABIC_DEFINITION)
    assert comment.evaluate("(el) => el.matches(':dir(rtl)')")
    assert _page_direction(page) == "ltr"
    shoot(page, "01-arabic-label-in-english-page")

    # The Arabic interface: the Latin project name stays left to right, its full stop at its end.
    page.goto("/work?lang=ar")
    assert _page_direction(page) == "rtl"
    name = _facts(page.locator("[data-work] h1 > bdi"))
    assert name["tag"] == "bdi" and name["unicodeBidi"] == "isolate"
    assert not name["rtl"] and name["direction"] == "ltr"
    assert page.locator("[data-work] h1 > bdi").inner_text() == LATIN_PROJECT
    assert name["last"] > name["first"]  # "Inc." reads "Inc.", not ".Tickets from Acme Inc"
    latin_label = _facts(page.locator(".label-choice bdi.label-name", has_text="positive"))
    assert latin_label["unicodeBidi"] == "isolate" and not latin_label["rtl"]
    shoot(page, "02-latin-name-in-arabic-page")


def test_the_clients_project_page_isolates_arabic_ontology_text(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    client_org: dict[str, Any],
    run_jobs: Callable[[], int],
) -> None:
    _project_id, public_id = make_bidi_project(
        app, client_org["organisation_id"], LATIN_PROJECT, LABELS, description=ARABIC_DESCRIPTION
    )
    run_jobs()

    sign_in(page, "owner@client.example", path="/login?lang=en")
    page.goto(f"/projects/{public_id}")
    assert _page_direction(page) == "ltr"
    # The label name in the table: isolated, right to left.
    label = _facts(page.locator("main table bdi", has_text=ARABIC_LABEL).locator("code"))
    assert label["rtl"]
    wrapper = page.locator("main table bdi", has_text=ARABIC_LABEL)
    assert wrapper.evaluate("(el) => getComputedStyle(el).unicodeBidi") == "isolate"
    # Its definition: isolated, its full stop at the left end of the Arabic sentence.
    definition = _facts(page.locator("main table bdi", has_text=ARABIC_DEFINITION))
    assert definition["unicodeBidi"] == "isolate" and definition["rtl"]
    assert definition["last"] < definition["first"]
    # The project's description, a paragraph of unknown language: dir="auto" makes it right to left.
    description = _facts(page.locator("main p[dir=auto]", has_text=ARABIC_DESCRIPTION))
    assert description["rtl"] and description["unicodeBidi"] in ("isolate", "plaintext")
    assert description["last"] < description["first"]
    shoot(page, "03-project-page-english")

    # In Arabic, the Latin project name heads the page left to right.
    page.goto(f"/projects/{public_id}?lang=ar")
    assert _page_direction(page) == "rtl"
    name = _facts(page.locator("main h1 > bdi"))
    assert name["unicodeBidi"] == "isolate" and not name["rtl"]
    assert name["last"] > name["first"]
    shoot(page, "04-project-page-arabic")
