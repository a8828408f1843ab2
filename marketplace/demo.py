"""The idempotent demo behind ``make run``: running it twice leaves the same data, not twice the data."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select

from marketplace.accounts import service as accounts
from marketplace.accounts.models import ApiToken, Role
from marketplace.accounts.tokens import display_prefix, hash_token
from marketplace.db import get_session
from marketplace.demo_data import (
    ANNOTATORS,
    CLIENT,
    DEMO_CURRENCY,
    DEMO_FLAGGER,
    DEMO_FUNDING_MINOR,
    DEMO_PASSWORD,
    DEMO_QUALIFICATION,
    DEMO_RATE_MINOR,
    DEMO_REVIEW,
    DEMO_SPANISH_WORK,
    DEMO_TOKEN,
    GOLD,
    ITEMS,
    LANGUAGES,
    OPS,
    PRE_QUALIFIED,
    PROJECT,
    REVIEWERS,
    TRIAGE_ITEMS,
)
from marketplace.demo_media import seed_media_projects
from marketplace.payments import funding, rates
from marketplace.payments.models import ProjectFunding
from marketplace.pipeline import submit as pipeline
from marketplace.projects import ingest, organisations, progress
from marketplace.projects import service as projects
from marketplace.projects.language_detection_job import detect_batch_languages
from marketplace.projects.models import Batch, Item, Organisation, Project, ProjectState
from marketplace.projects.upload_parsing import Upload
from marketplace.qualification import service as qualification
from marketplace.qualification.models import GoldAnswer
from marketplace.reports import deliveries
from marketplace.reports.models import Delivery, DeliveryTrigger
from marketplace.review import service as review
from marketplace.review.models import ReviewDecision
from marketplace.routing import service as routing
from marketplace.routing.models import Assignment

DEMO_BATCH = "demo batch 1"


def _user(email: str, name: str, roles: list[Role], ui_locale: str | None = None) -> int:
    user = accounts.find_user_by_email(email)
    if user is None:
        user = accounts.create_user(email, DEMO_PASSWORD, name, roles, ui_locale)
    return user.id


def _organisation(owner_id: int) -> Organisation:
    session = get_session()
    org = session.scalar(select(Organisation).where(Organisation.name == CLIENT["organisation"]))
    if org is None:
        org = organisations.create_organisation(CLIENT["organisation"], owner_user_id=owner_id)
    if session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(DEMO_TOKEN))) is None:
        session.add(
            ApiToken(
                organisation_id=org.id,
                name="demo",
                prefix=display_prefix(DEMO_TOKEN),
                token_hash=hash_token(DEMO_TOKEN),
                created_by_id=owner_id,
            )
        )
        session.commit()
    return org


def _project(organisation_id: int, owner_id: int) -> Project:
    session = get_session()
    project = session.scalar(
        select(Project).where(Project.organisation_id == organisation_id, Project.name == PROJECT["name"])
    )
    if project is None:
        data = {
            **PROJECT,
            "languages": LANGUAGES,
            "settings": {"qualification": DEMO_QUALIFICATION, "review": DEMO_REVIEW},
        }
        project = projects.create_project(organisation_id, data, created_by=owner_id)
    if project.state == ProjectState.DRAFT:
        project = projects.set_project_state(project.id, ProjectState.ACTIVE, owner_id)
    if progress.project_progress(project.id)["total"] == 0:
        lines = [
            json.dumps(
                {"external_id": f"demo-{n:03d}", "language": language, "payload": {"text": text}},
                ensure_ascii=False,
            )
            for n, (language, text) in enumerate(ITEMS, start=1)
        ]
        lines += [
            json.dumps(
                {"external_id": f"demo-triage-{n}", "payload": {"text": text}}
                | ({"language": language} if language else {}),
                ensure_ascii=False,
            )
            for n, (language, text) in enumerate(TRIAGE_ITEMS, start=1)
        ]
        upload = Upload(format="jsonl", content="\n".join(lines).encode(), batch_name=DEMO_BATCH)
        ingest.upload_items(project.id, upload, user_id=owner_id)
    if not any(row["total"] for row in qualification.gold_coverage(project.id)["languages"]):
        records = [
            {"language": language, "payload": {"text": text}, "answer": {"label": label}, "explanation": why}
            for language, text, label, why in GOLD
        ]
        qualification.add_gold_items(project.id, records, created_by=owner_id)
    return project


def _pre_qualify(project_id: int, ops_id: int) -> None:
    for email, language in PRE_QUALIFIED:
        user = accounts.find_user_by_email(email)
        if user is not None and qualification.get_qualification(user.id, project_id, language) is None:
            qualification.grant_qualification(user.id, project_id, language, ops_id)


def _payments(project_id: int, ops_id: int) -> None:
    """Price every language and fund the project, once."""
    if not rates.list_rate_cards(project_id):
        cards = [rates.RateInput(language, DEMO_CURRENCY, DEMO_RATE_MINOR) for language in LANGUAGES]
        rates.replace_rate_cards(project_id, cards, ops_id)
    funded = get_session().scalar(select(ProjectFunding.id).where(ProjectFunding.project_id == project_id))
    if funded is None:
        funding.record_manual_funding(
            project_id, DEMO_FUNDING_MINOR, DEMO_CURRENCY, "DEMO-TRANSFER-001", ops_id
        )


def _reviewers(ops_id: int) -> None:
    for email, language in REVIEWERS:
        user = accounts.find_user_by_email(email)
        if user is not None and language not in review.reviewer_languages(user.id):
            review.grant_reviewer(user.id, language, ops_id)


def _seed_spanish_work(project_id: int) -> None:
    """Answer the Spanish items (and any hidden gold met on the way, correctly), then have the
    reviewer accept the first item, so every page has something to show. Only on a fresh demo."""
    session = get_session()
    if session.scalar(select(Assignment.id).where(Assignment.project_id == project_id).limit(1)):
        return
    # The items' languages must be known before anyone can be routed to them.
    batch_ids = list(session.scalars(select(Batch.id).where(Batch.project_id == project_id)))
    session.commit()  # detection writes in its own transactions; SQLite allows one writer
    for batch_id in batch_ids:
        detect_batch_languages(batch_id)
    gold = {row.item_id: row.answer for row in session.scalars(select(GoldAnswer))}
    spanish = [text for language, text in ITEMS if language == "es"]
    for email, labels in DEMO_SPANISH_WORK.items():
        user = accounts.find_user_by_email(email)
        assert user is not None
        while batch := routing.claim_next_assignments(user.id, 5):
            for assignment in batch:
                item = session.get(Item, assignment.item_id)
                assert item is not None
                text = item.payload.get("text")
                if item.id in gold:
                    answer = gold[item.id]
                elif text in spanish[: len(labels)]:
                    answer = {"label": labels[spanish.index(text)]}
                else:  # not part of the scripted work: leave it for the visitor
                    routing.give_back_assignment(user.id, assignment.public_id, skip=False)
                    continue
                flag = email == DEMO_FLAGGER and text == spanish[len(labels) - 1]
                pipeline.submit_assignment(user.id, assignment.public_id, answer, edge_case=flag)
    for email, language in REVIEWERS:
        reviewer = accounts.find_user_by_email(email)
        assert reviewer is not None
        for task in review.claim_review_tasks(reviewer.id, [language], count=5):
            item = session.get(Item, task.item_id)
            if item is not None and item.payload.get("text") == spanish[0]:
                review.decide(reviewer.id, task.public_id, review.Decision(ReviewDecision.ACCEPT))
            else:
                review.release_review_task(reviewer.id, task.public_id)


def _first_delivery(project_id: int) -> Delivery | None:
    """Deliver what the scripted work completed, so the client's deliveries page and QA report
    have something to show. Built here, not by a job: the seeding command exits when it is done."""
    session = get_session()
    existing = session.scalar(select(Delivery).where(Delivery.project_id == project_id).limit(1))
    if existing is not None:
        return existing
    delivery = deliveries.add_delivery(project_id, [], DeliveryTrigger.REQUEST)
    session.commit()
    deliveries.build_delivery(delivery.id)
    return session.get(Delivery, delivery.id)


def seed_demo() -> Iterator[str]:
    """Create what is missing of the demo and say how to use it."""
    ops_id = _user(OPS["email"], OPS["name"], [Role.OPS])
    client_id = _user(CLIENT["email"], CLIENT["name"], [Role.CLIENT])
    org = _organisation(client_id)
    for email, name, natives, others, ui_locale in ANNOTATORS:
        user_id = _user(email, name, [Role.ANNOTATOR], ui_locale)
        if not accounts.native_languages(user_id):
            entries = [accounts.LanguageEntry(code, True) for code in natives]
            entries += [accounts.LanguageEntry(code, False, level) for code, level in others]
            accounts.update_language_profile(user_id, entries)
    project = _project(org.id, client_id)
    _pre_qualify(project.id, ops_id)
    _payments(project.id, ops_id)
    _reviewers(ops_id)
    _seed_spanish_work(project.id)
    delivery = _first_delivery(project.id)
    media = seed_media_projects(org.id, client_id)
    total = progress.project_progress(project.id)["total"]
    yield "Demo ready."
    yield "  Home page:     http://127.0.0.1:5000/  (in 12 languages: ?lang=es, ?lang=ar, ?lang=ja...)"
    yield "  Log in:        http://127.0.0.1:5000/login"
    yield "  API reference: http://127.0.0.1:5000/api/v1/openapi.json"
    yield f"  Password of every demo account: {DEMO_PASSWORD}"
    yield f"  ops:           {OPS['email']}"
    yield f"  client:        {CLIENT['email']} — organisation {org.public_id}"
    yield f"  API token:     {DEMO_TOKEN}"
    qualified = dict(PRE_QUALIFIED)
    gold_languages = {language for language, _text, _label, _why in GOLD}
    for email, _name, natives, _others, _ui in ANNOTATORS:
        exams = [code for code in natives if code in gold_languages]
        if email in qualified:
            status = f"qualified in {qualified[email]}"
        elif exams:
            status = f"takes the {', '.join(exams)} exam first"
        else:
            status = "no exam in their language yet"
        reviews = [language for reviewer, language in REVIEWERS if reviewer == email]
        if reviews:
            status += f"; reviews {', '.join(reviews)}"
        yield f"  annotator:     {email} (native: {', '.join(natives)}; {status})"
    yield (
        f"  project:       {project.public_id} — {PROJECT['name']}: {total} items "
        f"in {len(LANGUAGES)} languages"
    )
    if delivery is not None:
        yield (
            f"  delivery:      v{delivery.version} ({delivery.state}, {delivery.item_count} items) — "
            f"http://127.0.0.1:5000/projects/{project.public_id}/deliveries"
        )
    for extra in media:
        yield f"  project:       {extra.public_id} — {extra.name} (one item, for Spanish speakers)"
    yield (
        f"  try: curl -H 'Authorization: Bearer {DEMO_TOKEN}' "
        f"http://127.0.0.1:5000/api/v1/projects/{project.public_id}/progress"
    )
