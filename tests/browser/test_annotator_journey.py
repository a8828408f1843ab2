"""An Arabic-speaking annotator's first day, in a real browser: sign up in Arabic, see the page
laid out right to left, pass the exam, label items with the classification, span (NER) and
pairwise widgets, and see the money it earned."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from marketplace.db import get_session
from marketplace.payments import ledger
from marketplace.payments.ledger import AccountRef
from marketplace.payments.models import RateCard, TransactionKind
from marketplace.qualification import service as qualification
from tests.browser.test_widgets_journey import NER_TEXT, PAIR, _answers
from tests.routing.test_widgets import make_typed_project

GOLD = [
    ("شكرًا جزيلًا، وصل الطلب في موعده وكان ممتازًا.", "positive"),
    ("الخدمة رائعة وسأطلب مرة أخرى بالتأكيد.", "positive"),
    ("وصل المنتج مكسورًا ولم يرد أحد على رسائلي.", "negative"),
    ("تجربة سيئة للغاية ولن أكرر الشراء.", "negative"),
]
WORK = [
    "أشكركم على سرعة الرد وحل المشكلة.",
    "الطلب تأخر أسبوعًا كاملًا دون أي توضيح.",
    "متى يفتح المتجر يوم الجمعة؟",
]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def arabic_project(app: Flask, make_project: Callable[..., Any]) -> dict[str, Any]:
    project = make_project(
        [("ar", text) for text in WORK],
        overlap=1,
        exam_required=True,
        qualification={
            "exam_size": 4,
            "min_gold_per_language": 4,
            "hidden_gold_rate": 0.0,
            "pass_mark": 0.75,
        },
        review={"sample_rate": 0.0},
        labels=["positive", "negative", "neutral", "mixed"],
    )
    with app.app_context():
        qualification.add_gold_items(
            project["id"],
            [
                {"language": "ar", "payload": {"text": text}, "answer": {"label": label}, "explanation": "-"}
                for text, label in GOLD
            ],
        )
        session = get_session()
        session.add(
            RateCard(project_id=project["id"], task_type="classification", language="ar", currency="EUR",
                     amount_minor=25)
        )  # fmt: skip
        ledger.post_transaction(
            session,
            idempotency_key="browser-funding",
            kind=TransactionKind.FUNDING,
            postings=[(AccountRef.cash("EUR"), 10_000), (AccountRef.escrow(project["id"], "EUR"), -10_000)],
        )
        session.commit()
    return project


def test_an_arabic_annotator_signs_up_passes_the_exam_labels_and_sees_earnings(
    app: Flask,
    page: Any,
    shoot: Callable[[Any, str], Any],
    arabic_project: dict[str, Any],
    organisation: int,
    run_jobs: Callable[[], int],
) -> None:
    # Two more Arabic projects open to native speakers without an exam: entities and a pair.
    ner = make_typed_project(
        app, organisation, run_jobs, "ner", [("ar", {"text": NER_TEXT})], labels=["PER", "LOC"], name="كيانات"
    )
    pair = make_typed_project(
        app, organisation, run_jobs, "pairwise_preference", [("ar", PAIR)], name="مقارنة"
    )
    # Sign up, in Arabic: the whole page is laid out right to left.
    page.goto("/signup?lang=ar")
    assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
    brand = page.locator("a.brand").bounding_box()
    nav = page.locator("nav.main-nav").bounding_box()
    assert brand["x"] > nav["x"], "RTL: the brand sits at the right, the navigation to its left"
    shoot(page, "01-signup-ar")
    page.fill("input[name=email]", "layla@example.org")
    page.fill("input[name=display_name]", "ليلى")
    page.fill("input[name=password]", PASSWORD)
    page.select_option("select[name=ui_locale]", "ar")
    page.select_option("select[name='languages-0-language']", "ar")
    page.select_option("select[name='languages-0-level']", "native")
    page.locator("form.stack input[type=submit], form.stack button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    shoot(page, "02-profile")

    # The exam of the Arabic gold set: answer every question right, hand it in.
    page.goto("/qualifications")
    shoot(page, "03-qualifications")
    page.locator("form[action$='/exams/start'] button[type=submit]").first.click()
    page.wait_for_load_state()
    answers = dict(GOLD)
    questions = page.locator("section.exam-question")
    assert questions.count() == 4
    for index in range(questions.count()):
        question = questions.nth(index)
        text_box = question.locator(".work-text")
        assert text_box.get_attribute("dir") == "rtl"
        question.locator(f"input[type=radio][value='{answers[text_box.inner_text().strip()]}']").check()
    shoot(page, "04-exam")
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    shoot(page, "05-exam-result")

    # Work: whatever comes next, label it with the keyboard (and the mouse for a span).
    page.goto("/work")
    done = {"classification": 0, "ner": 0, "pairwise": 0}
    while page.locator("[data-work-form]").count() and sum(done.values()) < len(WORK) + 2:
        step = f"{6 + sum(done.values()):02d}"
        if page.locator("[data-ner]").count():
            text = page.locator("[data-ner-text]")
            assert text.get_attribute("dir") == "rtl" and page.locator("[data-ner-fallback]").is_hidden()
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
            page.keyboard.press("2")  # LOC
            assert page.locator(".ner-tag[data-tag=LOC]").count() == 1
            shoot(page, f"{step}-work-span")
            text.focus()
            done["ner"] += 1
        elif page.locator(".pairwise").count():
            assert page.locator(".work-response").first.get_attribute("dir") == "rtl"
            page.locator(".work-prompt").click()
            page.keyboard.press("1")
            assert page.locator("input[name=preference][value=A]").is_checked()
            shoot(page, f"{step}-work-pairwise")
            done["pairwise"] += 1
        else:
            item_text = page.locator("[data-work] .work-text").first
            assert item_text.get_attribute("dir") == "rtl"
            shoot(page, f"{step}-work-classification")
            item_text.click()  # focus on the page, not in a field: shortcuts are live
            page.keyboard.press("2")
            assert page.locator("[data-work-form] input[name=label][value=negative]").is_checked()
            done["classification"] += 1
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert done == {"classification": len(WORK), "ner": 1, "pairwise": 1}
    shoot(page, "11-work-done")
    city = NER_TEXT.index("القاهرة")
    assert _answers(app, ner["id"]) == [
        {"spans": [{"start": city, "end": city + 7, "label": "LOC", "text": "القاهرة"}]}
    ]
    assert _answers(app, pair["id"]) == [{"preference": "A"}]

    # Earnings: three judgments at 0.25 EUR, pending review, in the annotator's locale.
    page.goto("/earnings")
    shoot(page, "12-earnings")
    body = page.locator("main").inner_text()
    assert "0.75" in body.replace("٫", ".").replace("٠", "0").replace("٧", "7").replace("٥", "5")
    assert page.get_attribute("html", "dir") == "rtl"


JAPANESE_GOLD = [
    ("迅速に対応していただき、本当にありがとうございました。", "positive"),
    ("商品がとても良くて、また注文したいと思います。", "positive"),
    ("届いた商品が壊れていて、問い合わせにも返事がありません。", "negative"),
    ("二週間待っても返金されず、とても困っています。", "negative"),
]
JAPANESE_WORK = ["配送が早くて助かりました。", "土曜日は何時に開店しますか？"]


def test_a_japanese_annotator_works_in_japanese_and_the_choice_of_language_is_remembered(
    app: Flask, page: Any, shoot: Callable[[Any, str], Any], make_project: Callable[..., Any]
) -> None:
    project = make_project(
        [("ja", text) for text in JAPANESE_WORK],
        overlap=1,
        exam_required=True,
        qualification={
            "exam_size": 4,
            "min_gold_per_language": 4,
            "hidden_gold_rate": 0.0,
            "pass_mark": 0.75,
        },
        review={"sample_rate": 0.0},
        labels=["positive", "negative", "neutral", "mixed"],
        name="感情分類",
    )
    with app.app_context():
        qualification.add_gold_items(
            project["id"],
            [
                {"language": "ja", "payload": {"text": t}, "answer": {"label": label}, "explanation": "-"}
                for t, label in JAPANESE_GOLD
            ],
        )
    # Sign up from an English page, choosing Japanese as the interface language.
    page.goto("/signup")
    page.fill("input[name=email]", "haruto@example.org")
    page.fill("input[name=display_name]", "陽翔")
    page.fill("input[name=password]", PASSWORD)
    page.select_option("select[name=ui_locale]", "ja")
    page.select_option("select[name='languages-0-language']", "ja")
    page.select_option("select[name='languages-0-level']", "native")
    page.locator("form.stack input[type=submit], form.stack button[type=submit]").first.click()
    page.wait_for_load_state()
    # The profile remembers the choice: a fresh page without ?lang= speaks Japanese.
    page.goto("/qualifications")
    assert page.get_attribute("html", "lang") == "ja" and page.get_attribute("html", "dir") == "ltr"
    shoot(page, "01-qualifications-ja")
    page.locator("form[action$='/exams/start'] button[type=submit]").first.click()
    page.wait_for_load_state()
    answers = dict(JAPANESE_GOLD)
    questions = page.locator("section.exam-question")
    for index in range(questions.count()):
        question = questions.nth(index)
        text = question.locator(".work-text").inner_text().strip()
        question.locator(f"input[type=radio][value='{answers[text]}']").check()
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()
    shoot(page, "02-exam-result-ja")

    page.goto("/work")
    for _ in JAPANESE_WORK:
        item_text = page.locator("[data-work] [lang='ja']").first
        item_text.click()
        page.keyboard.press("3")  # neutral
        assert page.locator("[data-work-form] input[name=label][value=neutral]").is_checked()
        shoot(page, "03-work-ja")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert page.locator("[data-work-form]").count() == 0
    shoot(page, "04-work-done-ja")
    # Switching the language on any page is remembered too.
    page.locator("nav.lang-switcher a[hreflang='sw']").click()
    page.wait_for_load_state()
    page.goto("/earnings")
    assert page.get_attribute("html", "lang") == "sw"
    shoot(page, "05-earnings-sw")
