"""Every page of the marketplace, as annotators, reviewers, clients and ops see it, checked by
axe-core (bundled by axe-playwright-python) for WCAG 2.1 A and AA problems: controls without
labels, too little contrast, missing landmarks or headings, ARIA misuse. The pages hold the
seeded demo, so they show real data; the work page is opened once for every task type, in the
right-to-left Arabic interface."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from marketplace.demo import seed_demo
from marketplace.demo_data import DEMO_PASSWORD
from tests.browser.helpers import sign_in
from tests.routing.test_widgets import make_typed_project

#: The rules axe applies: WCAG 2.0 and 2.1, levels A and AA, and axe's own best practices
#: minus two that only matter for sites with several main regions per page.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "rules": {"region": {"enabled": False}, "landmark-complementary-is-top-level": {"enabled": False}},
    "resultTypes": ["violations"],
}
STREET = {"width": 640, "height": 480}
SWAHILI_PAIR = {
    "prompt": "Eleza kwa nini mvua hunyesha, kwa mtoto wa miaka kumi.",
    "response_a": "Maji ya bahari hupata joto, hupanda juu kama mvuke, hupoa na kuwa mawingu, kisha hunyesha.",
    "response_b": "Mvua hunyesha kwa sababu mawingu yamejaa maji mengi sana na hayawezi kuyabeba tena.",
}
LABELS = ["coche", "persona"]


class Audit:
    """Runs axe on the page as it is and keeps what it finds, so one failure lists every page."""

    def __init__(self, page: Any) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.found: list[str] = []
        self.pages = 0

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("networkidle")
        results = self.axe.run(self.page, options=AXE_OPTIONS)
        self.pages += 1
        for violation in results.response["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
            self.found.append(
                f"{name}: {violation['id']} ({violation['impact']}) {violation['help']} — {targets}"
            )


def _login(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    page.context.clear_cookies()
    sign_in(page, email, password)


@pytest.fixture
def demo(app: Flask, live_server: str, run_jobs: Any) -> Iterator[None]:
    """The demo, with its media served by the live server."""
    before = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = live_server
    try:
        with app.app_context():
            list(seed_demo())
        run_jobs()
        yield
    finally:
        app.config["PUBLIC_BASE_URL"] = before


def test_every_page_passes_axe_in_english_and_arabic(
    app: Flask,
    page: Any,
    live_server: str,
    demo: None,
    organisation: int,
    run_jobs: Any,
    make_user: Any,
) -> None:
    audit = Audit(page)

    for lang in ("en", "ar"):
        for path in ("/", "/login", "/signup"):
            page.goto(f"{path}?lang={lang}")
            audit(f"{path} [{lang}]")

    # Annotator pages, in Arabic: an exam in progress, profile, feedback, earnings, payouts.
    _login(page, "amina@demo.example")
    for path in (
        "/qualifications",
        "/account",
        "/account/languages",
        "/feedback",
        "/earnings",
        "/payouts/connect",
    ):
        page.goto(path)
        audit(f"{path} [annotator, ar]")
    page.goto("/qualifications")
    page.locator("form[action$='/exams/start'] button[type=submit]").first.click()
    page.wait_for_load_state()
    audit("exam [ar]")

    # The work page for every task type: one item each for a Swahili speaker with an Arabic UI.
    media = f"{live_server}/static/demo"
    typed: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("classification", {"text": "Asante sana kwa msaada wenu."}, {"labels": LABELS}),
        ("multi_label_classification", {"text": "Bidhaa ilichelewa na ilivunjika."}, {"labels": LABELS}),
        ("ner", {"text": "Amani anaishi Nairobi."}, {"labels": ["PER", "LOC"]}),
        ("pairwise_preference", SWAHILI_PAIR, {}),
        ("rating", {"text": "Huduma ilikuwa nzuri."}, {}),
        ("audio_transcription", {"audio_url": f"{media}/llamada-es.wav", "duration_seconds": 6.78}, {}),
        ("image_bounding_box", {"image_url": f"{media}/calle.svg", **STREET}, {"labels": LABELS}),
        ("image_polygon", {"image_url": f"{media}/calle.svg", **STREET}, {"labels": LABELS}),
        ("image_keypoints", {"image_url": f"{media}/calle.svg", **STREET},
         {"labels": ["persona"], "task_config": {"keypoint_names": ["cabeza", "pie"]}}),
        ("segmentation_mask", {"image_url": f"{media}/calle.svg", **STREET}, {"labels": LABELS}),
    ]  # fmt: skip
    for priority, (task_type, payload, options) in enumerate(reversed(typed)):
        make_typed_project(
            app,
            organisation,
            run_jobs,
            task_type,
            [("sw", payload)],
            name=task_type,
            priority=priority,
            **options,
        )
    make_user("baraka@example.org", native=("sw",), ui_locale="ar")
    _login(page, "baraka@example.org", "correct horse battery")
    seen = []
    page.goto("/work")
    while page.locator("[data-skip]").count() and len(seen) < len(typed):
        seen.append(page.locator("[data-work] h1").inner_text().strip())
        audit(f"/work {seen[-1]} [ar]")
        with page.expect_navigation():
            page.locator("[data-skip]").click()
    assert sorted(seen) == sorted(task_type for task_type, _payload, _options in typed)

    # A reviewer's queue.
    _login(page, "rosa@demo.example")
    page.goto("/review")
    audit("/review [reviewer, es]")

    # Client pages.
    _login(page, "client@demo.example")
    page.goto("/projects?lang=en")
    audit("/projects [client]")
    project = page.locator("main a[href^='/projects/']").first.get_attribute("href")
    for suffix in ("", "/gold", "/agreement", "/payments"):
        page.goto(project + suffix)
        audit(f"{project}{suffix} [client]")
    page.goto("/organisation/tokens")
    audit("/organisation/tokens [client]")

    # Ops pages.
    _login(page, "ops@demo.example")
    for path in (
        "/ops/dashboard",
        "/ops/triage",
        "/ops/qualifications",
        "/ops/review",
        "/ops/payments",
        "/ops/payouts",
    ):
        page.goto(path)
        audit(f"{path} [ops]")
    pair = page.goto("/ops/triage") and page.locator("main a[href^='/ops/triage/']").first
    if pair.count():
        pair.click()
        page.wait_for_load_state()
        audit("triage pair [ops]")
    page.goto("/ops/dashboard?lang=ar")
    audit("/ops/dashboard [ops, ar]")

    assert audit.pages >= 35
    assert not audit.found, "axe found problems:\n" + "\n".join(audit.found)
