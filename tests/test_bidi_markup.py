"""User text of one direction inside a page of the other is isolated (Unicode bidi): names of
projects, people, tokens and batches, ontology labels and their definitions, descriptions.

Each page is rendered through the test client, parsed, and every text run holding a given piece of
user text is checked: an element between it and ``<body>`` is a ``<bdi>`` or carries a ``dir``
attribute (``auto``, or the known direction of the text's language), or, where HTML allows text
only (an ``<option>``), the text sits between Unicode's FSI and PDI marks. ``<title>`` is plain
text, outside this check. The same in a real browser: tests/browser/test_bidi.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import post_form

PASSWORD = "correct horse battery"
#: An Arabic project, labels, definitions and people, seen through an English interface.
ARABIC_PROJECT = "تحليل المشاعر 2"
ARABIC_LABEL = "إيجابي"
ARABIC_DEFINITION = "العميل راضٍ عن الخدمة."
ARABIC_EDGE_CASE = "شكر مع شكوى صغيرة"
ARABIC_DESCRIPTION = "رسائل العملاء من المتجر"
ARABIC_PERSON = "سلمى"
ARABIC_TOKEN = "مفتاح التكامل"
ARABIC_HOOK = "إشعارات المشروع"
ARABIC_BATCH = "دفعة مارس"
ARABIC_GUIDELINE = "اختر شعور العميل."
#: A Latin project and label, seen through an Arabic interface.
LATIN_PROJECT = "Support tickets 2"
LATIN_LABEL = "positive"

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_PLAIN = {"title", "script", "style"}
FSI, PDI = "\u2068", "\u2069"


@dataclass(frozen=True)
class Run:
    """One text run of the page holding the searched text, and the open elements around it."""

    path: tuple[str, ...]
    isolated: bool
    text: str


class _Runs(HTMLParser):
    def __init__(self, needle: str) -> None:
        super().__init__(convert_charrefs=True)
        self.needle = needle
        self.stack: list[tuple[str, bool]] = []
        self.runs: list[Run] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        # <html dir> is the page's own direction: isolation happens below it.
        isolating = tag == "bdi" or (tag != "html" and any(name == "dir" for name, _ in attrs))
        self.stack.append((tag, isolating))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.needle not in data or any(tag in _PLAIN for tag, _ in self.stack):
            return
        marked = FSI + self.needle + PDI in data
        isolated = marked or any(isolating for _, isolating in self.stack)
        self.runs.append(Run(tuple(tag for tag, _ in self.stack), isolated, data.strip()))


def text_runs(html: str, needle: str) -> list[Run]:
    parser = _Runs(needle)
    parser.feed(html)
    parser.close()
    return parser.runs


def assert_isolated(html: str, needle: str, page: str, at_least: int = 1) -> list[Run]:
    """Every run of ``needle`` on the page is isolated, and there are ``at_least`` of them."""
    runs = text_runs(html, needle)
    assert len(runs) >= at_least, f"{page}: {needle!r} appears {len(runs)} times, expected {at_least}+"
    loose = [run for run in runs if not run.isolated]
    assert not loose, f"{page}: {needle!r} not isolated in " + "; ".join(
        f"{'>'.join(run.path[-4:])}: {run.text[:60]!r}" for run in loose
    )
    return runs


def _page(client: FlaskClient, url: str) -> str:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def _login(client: FlaskClient, email: str) -> None:
    response = post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def store_label_names(app: Flask, project_id: int, names: dict[str, str]) -> None:
    """Rename labels in the project's stored ontology. The API takes ASCII identifiers as label
    names only (``LABEL_NAME_PATTERN``); the pages must still isolate a name in any script (older
    data, or the day names are opened up), so tests write such a name straight into the ontology."""
    from marketplace.db import get_session
    from marketplace.projects.models import Project

    with app.app_context():
        session = get_session()
        project = session.get(Project, project_id)
        assert project is not None and project.current_ontology is not None
        ontology = project.current_ontology
        ontology.labels = [
            {**label, "name": names.get(label["name"], label["name"])} for label in ontology.labels
        ]
        session.commit()


def make_bidi_project(
    app: Flask, organisation_id: int, name: str, labels: list[dict[str, Any]], **extra: Any
) -> Any:
    """An active classification project of ``organisation_id`` with one English item to label;
    label names the API refuses (not ASCII) are stored afterwards (:func:`store_label_names`)."""
    from marketplace.projects import service as projects
    from marketplace.projects.ingest import upload_items
    from marketplace.projects.models import ProjectState
    from marketplace.projects.upload_parsing import Upload

    stand_ins = {f"label-{n}": label["name"] for n, label in enumerate(labels) if not label["name"].isascii()}
    ascii_names = {name: stand_in for stand_in, name in stand_ins.items()}
    labels = [{**label, "name": ascii_names.get(label["name"], label["name"])} for label in labels]
    with app.app_context():
        project = projects.create_project(
            organisation_id,
            {
                "name": name,
                "task_type": "classification",
                "source_language": "en",
                "languages": ["ar", "en"],
                "overlap": 1,
                "max_overlap": 3,
                "ontology": {"labels": labels},
                "guidelines": {"en": "Pick the customer's feeling.", "ar": ARABIC_GUIDELINE},
                "settings": {"qualification": {"required": False}},
                **extra,
            },
        )
        projects.set_project_state(project.id, ProjectState.ACTIVE, None)
        document = {
            "batch": {"name": ARABIC_BATCH},
            "items": [
                {
                    "external_id": f"{project.public_id}-1",
                    "language": "en",
                    "payload": {"text": "The parcel came late but the courier was kind."},
                }
            ],
        }
        upload_items(project.id, Upload(format="json", content=json.dumps(document).encode()))
        ids = project.id, project.public_id
    if stand_ins:
        store_label_names(app, ids[0], stand_ins)
    return ids


MIXED_LABELS = [
    {"name": ARABIC_LABEL, "definition": ARABIC_DEFINITION, "edge_cases": [ARABIC_EDGE_CASE], "examples": []},
    {"name": LATIN_LABEL, "definition": "Happy customer.", "edge_cases": [], "examples": []},
    {"name": "negative", "definition": "Unhappy customer.", "edge_cases": [], "examples": []},
]


@dataclass
class World:
    arabic_id: int
    arabic: str
    latin_id: int
    latin: str
    organisation_id: int


@pytest.fixture
def world(app: Flask, client_org: dict[str, Any], run_jobs: Callable[[], int]) -> World:
    arabic_id, arabic = make_bidi_project(
        app,
        client_org["organisation_id"],
        ARABIC_PROJECT,
        MIXED_LABELS,
        description=ARABIC_DESCRIPTION,
        priority=5,  # its item is handed out first
    )
    latin_id, latin = make_bidi_project(app, client_org["organisation_id"], LATIN_PROJECT, MIXED_LABELS)
    run_jobs()
    return World(arabic_id, arabic, latin_id, latin, client_org["organisation_id"])


def test_client_pages_isolate_arabic_names_labels_and_descriptions_in_english(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.reports.webhooks import service as webhooks

    with app.app_context():
        accounts.issue_api_token(world.organisation_id, ARABIC_TOKEN)
        webhooks.create_endpoint(
            world.organisation_id, "https://hooks.example.com/marketplace", ["item.completed"], ARABIC_HOOK
        )
    _login(client, "owner@client.example")

    listing = _page(client, "/projects?lang=en")
    assert '<html lang="en" dir="ltr">' in listing
    assert_isolated(listing, ARABIC_PROJECT, "/projects")

    detail = _page(client, f"/projects/{world.arabic}")
    assert_isolated(detail, ARABIC_PROJECT, "project page")
    assert_isolated(detail, ARABIC_DESCRIPTION, "project page")
    assert_isolated(detail, ARABIC_LABEL, "project page")
    assert_isolated(detail, ARABIC_DEFINITION, "project page")
    assert_isolated(detail, ARABIC_EDGE_CASE, "project page")
    # The guidelines' language is known: their own lang and direction, not a guess.
    assert f'<div lang="ar" dir="rtl">{ARABIC_GUIDELINE}</div>' in detail
    assert '<div lang="en" dir="ltr">Pick the customer&#39;s feeling.</div>' in detail
    # The batch name field takes its direction from what is typed.
    assert re.search(r'<input[^>]*\bdir="auto"[^>]*\bname="batch"', detail)

    for suffix in ("/payments", "/agreement", "/gold", "/deliveries"):
        assert_isolated(_page(client, f"/projects/{world.arabic}{suffix}"), ARABIC_PROJECT, suffix)

    tokens = _page(client, "/organisation/tokens")
    assert_isolated(tokens, ARABIC_TOKEN, "tokens")
    assert re.search(r'<input[^>]*\bdir="auto"[^>]*\bname="name"', tokens)

    hooks = _page(client, "/organisation/webhooks")
    assert_isolated(hooks, ARABIC_HOOK, "webhooks")
    endpoint = re.search(r'href="(/organisation/webhooks/[^"]+)"', hooks)
    assert endpoint
    assert_isolated(_page(client, endpoint.group(1)), ARABIC_HOOK, "webhook endpoint")


def test_a_latin_project_name_is_isolated_in_the_arabic_interface(client: FlaskClient, world: World) -> None:
    _login(client, "owner@client.example")
    listing = _page(client, "/projects?lang=ar")
    assert '<html lang="ar" dir="rtl">' in listing
    assert_isolated(listing, LATIN_PROJECT, "/projects [ar]")
    detail = _page(client, f"/projects/{world.latin}")
    assert '<html lang="ar" dir="rtl">' in detail
    [heading, *_] = assert_isolated(detail, LATIN_PROJECT, "project page [ar]")
    assert heading.path[-2:] == ("h1", "bdi")
    assert_isolated(detail, LATIN_LABEL, "project page [ar]")


def test_annotator_pages_isolate_their_name_the_project_and_the_labels(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.accounts.models import Role

    with app.app_context():
        user = accounts.create_user("salma@example.org", PASSWORD, ARABIC_PERSON, [Role.ANNOTATOR], "en")
        accounts.update_language_profile(user.id, [accounts.LanguageEntry("en", True)])
    _login(client, "salma@example.org")

    home = _page(client, "/")
    assert f"Signed in as <bdi>{ARABIC_PERSON}</bdi>." in home
    assert_isolated(_page(client, "/account"), ARABIC_PERSON, "/account")

    work = _page(client, "/work")
    assert '<html lang="en" dir="ltr">' in work
    assert_isolated(work, ARABIC_PROJECT, "work page")
    # The label among the choices and in the guide, its definition and its edge case.
    assert_isolated(work, ARABIC_LABEL, "work page", at_least=2)
    assert_isolated(work, ARABIC_DEFINITION, "work page", at_least=2)
    assert_isolated(work, ARABIC_EDGE_CASE, "work page")
    assert f'<bdi class="label-name">{ARABIC_LABEL}</bdi>' in work
    # The comment box follows what is typed into it.
    assert re.search(r'<textarea[^>]*\bdir="auto"[^>]*\bname="comment"', work)


def test_signup_name_field_follows_what_is_typed_and_names_no_missing_hint(client: FlaskClient) -> None:
    html = _page(client, "/signup?lang=en")
    assert re.search(r'<input[^>]*\bdir="auto"[^>]*\bname="display_name"', html)
    # A field without hint or error is described by nothing (it once said aria-describedby="None").
    assert 'aria-describedby="None"' not in html


def test_ops_review_page_isolates_a_reviewers_arabic_name(
    app: Flask, client: FlaskClient, world: World
) -> None:
    from marketplace.accounts import service as accounts
    from marketplace.accounts.models import Role
    from marketplace.qualification.qualifications import grant_qualification
    from marketplace.review.service import grant_reviewer

    with app.app_context():
        ops = accounts.create_user("ops@example.org", PASSWORD, "Ops", [Role.OPS], "en")
        reviewer = accounts.create_user("salma@example.org", PASSWORD, ARABIC_PERSON, [Role.ANNOTATOR], "en")
        accounts.update_language_profile(reviewer.id, [accounts.LanguageEntry("en", True)])
        grant_qualification(reviewer.id, world.arabic_id, "en", ops.id)
        grant_reviewer(reviewer.id, "en", ops.id)
    _login(client, "ops@example.org")
    html = _page(client, "/ops/review?lang=en")
    # In the table and in the revoke button's words for screen readers.
    assert_isolated(html, ARABIC_PERSON, "/ops/review", at_least=2)


def test_the_qa_report_isolates_names_in_either_direction(app: Flask, world: World) -> None:
    from marketplace.reports import qa_render
    from marketplace.reports.qa_report import build_qa_report

    with app.app_context():
        english = qa_render.render_qa_html(build_qa_report(world.arabic_id), "en")
        arabic = qa_render.render_qa_html(build_qa_report(world.latin_id), "ar")
    assert '<html lang="en" dir="ltr">' in english and '<html lang="ar" dir="rtl">' in arabic
    assert_isolated(english, ARABIC_PROJECT, "QA report [en]")
    assert_isolated(english, ARABIC_BATCH, "QA report [en]")
    assert_isolated(arabic, LATIN_PROJECT, "QA report [ar]")


def test_the_checker_tells_isolated_text_from_loose_text() -> None:
    page = (
        "<html dir='ltr'><head><title>X</title></head><body>"
        "<p>Loose X</p><p><bdi>X</bdi></p><p dir='auto'>X</p><select><option>\u2068X\u2069 (2)</option></select>"
        "</body></html>"
    )
    runs = text_runs(page, "X")
    assert [run.isolated for run in runs] == [False, True, True, True]
