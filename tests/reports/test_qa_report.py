"""The QA report through the whole loop: work and hidden gold arrive by routing in Arabic and German,
items settle by consensus, reviewers decide, pay is booked; the report's numbers must equal a hand
count of what the test did, α must be the agreement API's, and nothing may name an annotator or
reveal a gold answer, in the JSON, the HTML or the PDF."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import jsonschema
import pytest
from flask import Flask
from sqlalchemy import select

from marketplace.agreement import service as agreement
from marketplace.db import get_session, utcnow
from marketplace.payments import ledger
from marketplace.payments.ledger import AccountRef
from marketplace.payments.models import RateCard, TransactionKind
from marketplace.pipeline import submit as pipeline
from marketplace.projects.models import Item
from marketplace.qualification import service as qualification
from marketplace.qualification.models import GoldAnswer
from marketplace.reports import qa_render
from marketplace.reports.qa_report import build_qa_report, class_scores, confusion_matrix, per_item_minor
from marketplace.reports.qa_schema import QA_REPORT
from marketplace.review import acceptance
from marketplace.review import service as review
from marketplace.review.models import RejectionReason, ReviewDecision, ReviewTask
from marketplace.routing import service as routing

LABELS = ["positive", "negative", "neutral"]
LANGUAGES = ("ar", "de")
RATES = {"ar": 120, "de": 100}  # EUR cents per accepted judgment; the platform adds 20 %
TEXTS = {
    "ar": [f"الرسالة رقم {n}: وصل الطلب وأردت أن أخبركم بشيء عن التوصيل والخدمة." for n in range(12)],
    "de": [
        f"Nachricht Nummer {n}: Die Bestellung ist angekommen und ich möchte Ihnen etwas zur Lieferung sagen."
        for n in range(12)
    ],
}
GOLD = {
    "ar": [
        ("شكرًا جزيلًا، وصل الطلب في موعده وكان ممتازًا.", "positive"),
        ("وصل المنتج مكسورًا ولم يرد أحد على رسائلي.", "negative"),
        ("استلمت الطلب اليوم، ولا أملك رأيًا خاصًا فيه.", "neutral"),
        ("تجربة سيئة للغاية ولن أكرر الشراء مرة أخرى.", "negative"),
    ],
    "de": [
        ("Vielen Dank, alles kam pünktlich und in bestem Zustand an.", "positive"),
        ("Das Paket kam beschädigt an und niemand antwortet mir.", "negative"),
        ("Die Lieferung kam heute, dazu habe ich keine besondere Meinung.", "neutral"),
        ("Eine sehr schlechte Erfahrung, ich bestelle dort nie wieder.", "negative"),
    ],
}
#: The second annotator of each language gives another label on these items: unresolved (max overlap 2).
DISAGREE = {4: "neutral", 7: "positive"}
FLAGGED = 5
COMMENT = {"ar": "سخرية: مديح يعني العكس", "de": "Ironie: Lob, das das Gegenteil meint"}


def truth(index: int) -> str:
    return LABELS[index % 3]


@dataclass
class World:
    project_id: int
    workers: dict[str, list[int]]
    reviewers: dict[str, int]
    triaged: int = 0
    #: (language, gold class, answered class) of every hidden-gold answer the test gave.
    gold_answers: list[tuple[str, str, str]] = field(default_factory=list)
    decisions: dict[str, Counter[str]] = field(default_factory=dict)
    rejection_reasons: dict[str, Counter[str]] = field(default_factory=dict)


def _fund(project_id: int) -> None:
    session = get_session()
    ledger.post_transaction(
        session,
        idempotency_key=f"qa-report-funding-{project_id}",
        kind=TransactionKind.FUNDING,
        postings=[(AccountRef.cash("EUR"), 100_000), (AccountRef.escrow(project_id, "EUR"), -100_000)],
        project_id=project_id,
    )
    session.commit()


def _index(item: Item) -> int:
    return TEXTS[item.language or ""].index(item.payload["text"])


def _work(app: Flask, world: World, language: str, position: int, gold: dict[int, str]) -> None:
    """One annotator claims and answers until nothing is left for them."""
    worker = world.workers[language][position]
    while True:
        with app.app_context():
            claimed = routing.claim_next_assignments(worker, 3)
            if not claimed:
                return
            for assignment in claimed:
                item = get_session().get(Item, assignment.item_id)
                assert item is not None
                if item.id in gold:
                    expected = gold[item.id]
                    # The second annotator mistakes negative for neutral; the first is always right.
                    answer = "neutral" if position == 1 and expected == "negative" else expected
                    world.gold_answers.append((language, expected, answer))
                    pipeline.submit_assignment(worker, assignment.public_id, {"label": answer})
                    continue
                index = _index(item)
                answer = DISAGREE.get(index, truth(index)) if position == 1 else truth(index)
                flag = position == 0 and index == FLAGGED
                pipeline.submit_assignment(
                    worker,
                    assignment.public_id,
                    {"label": answer},
                    edge_case=flag,
                    comment=COMMENT[language] if flag else "",
                )


def _report_a_wrong_language(app: Flask, worker: int, gold: dict[int, str]) -> int:
    """A German annotator says their first real item is not German: it goes to triage."""
    with app.app_context():
        while True:
            assignment = routing.claim_next_assignments(worker, 1)[0]
            if assignment.item_id in gold:
                routing.give_back_assignment(worker, assignment.public_id, skip=False)
                continue
            routing.give_back_assignment(worker, assignment.public_id, skip=True, reported_language="en")
            return assignment.item_id


def _claim(reviewer: int, language: str, task_id: int) -> ReviewTask:
    for _attempt in range(20):
        held = review.claim_review_tasks(reviewer, [language], count=5)
        wanted = [task for task in held if task.id == task_id]
        for task in held:
            if task.id != task_id:
                review.release_review_task(reviewer, task.public_id)
        if wanted:
            return wanted[0]
    raise AssertionError(f"review task {task_id} never came")


def _review(app: Flask, world: World, language: str) -> None:
    """Arabic: the flagged item stays open, the first sampled item is corrected, the second
    annotator's answer to item 4 is rejected, the rest accepted. German: item 7 rejected whole."""
    reviewer = world.reviewers[language]
    decisions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    with app.app_context():
        session = get_session()
        tasks = session.execute(
            select(ReviewTask.id, Item.payload)
            .join(Item, Item.id == ReviewTask.item_id)
            .where(
                ReviewTask.project_id == world.project_id,
                ReviewTask.language == language,
                ReviewTask.assignment_id.is_(None),  # failed hidden gold is reviewed per judgment
            )
            .order_by(ReviewTask.item_id)
        ).all()
        fixed = False
        for task_id, payload in tasks:
            index = TEXTS[language].index(payload["text"])
            if language == "ar" and index == FLAGGED:
                decisions["open"] += 1
                continue
            task = _claim(reviewer, language, task_id)
            if language == "ar" and index == 4:
                second = _judgment_of(index, language, world.workers[language][1])
                decision = review.Decision(
                    ReviewDecision.REJECT, reason=RejectionReason.WRONG_LABEL, reject=[second]
                )
                decisions["rejected"] += 1
                reasons["wrong_label"] += 1
            elif language == "de" and index == 7:
                decision = review.Decision(
                    ReviewDecision.REJECT, reason=RejectionReason.GUIDELINES_NOT_FOLLOWED
                )
                decisions["rejected"] += 1
                reasons["guidelines_not_followed"] += 1
            elif language == "ar" and not fixed and index not in DISAGREE:
                decision = review.Decision(ReviewDecision.FIX, answer={"label": "neutral"})
                decisions["corrected"] += 1
                fixed = True
            else:
                decision = review.Decision(ReviewDecision.ACCEPT)
                decisions["accepted"] += 1
            review.decide(reviewer, task.public_id, decision)
    world.decisions[language] = decisions
    world.rejection_reasons[language] = reasons


def _judgment_of(index: int, language: str, worker: int) -> str:
    from marketplace.routing.models import Assignment

    session = get_session()
    item_id = session.scalar(
        select(Item.id).where(Item.payload["text"].as_string() == TEXTS[language][index])
    )
    public_id = session.scalar(
        select(Assignment.public_id).where(Assignment.item_id == item_id, Assignment.annotator_id == worker)
    )
    assert public_id is not None
    return public_id


@pytest.fixture
def world(
    app: Flask,
    make_project: Callable[..., Any],
    annotator: Callable[..., int],
    make_user: Callable[..., Any],
    run_jobs: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    from marketplace.accounts.models import Role

    # Hidden gold is drawn at random per slot: a seeded draw makes the walk the same every run.
    monkeypatch.setattr(routing, "_rng", random.Random(11))
    info = make_project(
        [(language, text) for language in LANGUAGES for text in TEXTS[language]],
        overlap=2,
        max_overlap=2,
        labels=LABELS,
        review={"sample_rate": 0.25, "auto_accept_hours": 72},
        qualification={"hidden_gold_rate": 0.3},
    )
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    workers = {language: [annotator(language) for _ in range(3)] for language in LANGUAGES}
    reviewers = {language: annotator(language) for language in LANGUAGES}
    with app.app_context():
        session = get_session()
        for language, amount in RATES.items():
            session.add(
                RateCard(
                    project_id=info["id"], task_type="classification", language=language,
                    currency="EUR", amount_minor=amount,
                )
            )  # fmt: skip
        session.commit()
        _fund(info["id"])
        records = [
            {"language": language, "payload": {"text": text}, "answer": {"label": label},
             "explanation": f"GOLD-EXPLANATION-{language}-{n}"}
            for language in LANGUAGES for n, (text, label) in enumerate(GOLD[language])
        ]  # fmt: skip
        qualification.add_gold_items(info["id"], records)
        gold = {row.item_id: row.answer["label"] for row in session.scalars(select(GoldAnswer))}
        for language, reviewer in reviewers.items():
            qualification.grant_qualification(reviewer, info["id"], language, granted_by=ops)
            review.grant_reviewer(reviewer, language, ops)
    built = World(info["id"], workers, reviewers)
    built.triaged = _report_a_wrong_language(app, workers["de"][2], gold)
    for language in LANGUAGES:
        _work(app, built, language, 0, gold)
        _work(app, built, language, 1, gold)
    run_jobs()
    for language in LANGUAGES:
        _review(app, built, language)
    with app.app_context():
        acceptance.auto_accept_due(utcnow() + timedelta(hours=73))
    run_jobs()
    yield built


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from _keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys(inner)


def _hand_class_counts(answers: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    counts = {}
    for name in LABELS:
        tp = sum(1 for gold, given in answers if gold == name and given == name)
        fp = sum(1 for gold, given in answers if gold != name and given == name)
        fn = sum(1 for gold, given in answers if gold == name and given != name)
        counts[name] = {
            "support": tp + fn,
            "precision": tp / (tp + fp) if tp + fp else None,
            "recall": tp / (tp + fn) if tp + fn else None,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
        }
    return counts


def test_report_numbers_equal_a_hand_count_and_the_agreement_api(app: Flask, world: World) -> None:
    with app.app_context():
        report = build_qa_report(world.project_id)
        again = build_qa_report(world.project_id)
        api = {row["language"]: row for row in agreement.project_agreement(world.project_id)["languages"]}
    jsonschema.validate(report, QA_REPORT)
    by_language = {entry["language"]: entry for entry in report["languages"]}
    assert set(by_language) == set(LANGUAGES)
    assert report["classes"] == LABELS

    # α is the agreement API's; its bootstrap interval holds it and is the same on every build.
    for language in LANGUAGES:
        mine = by_language[language]["agreement"]
        assert mine["alpha"] == api[language]["alpha"] and mine["alpha"] is not None
        assert mine["items"] == api[language]["units"] and mine["judgments"] == api[language]["answers"]
        interval = mine["interval"]
        assert interval["low"] <= mine["alpha"] <= interval["high"] <= 1.0
        assert interval == {**again["languages"][LANGUAGES.index(language)]["agreement"]["interval"]}
        assert interval["resamples"] == 1000 and interval["confidence"] == 0.95

    # Hidden gold: what the test answered, counted by hand.
    assert world.gold_answers, "the walk must meet hidden gold to mean anything"
    assert {language for language, _gold, _given in world.gold_answers} == set(LANGUAGES)
    for language in LANGUAGES:
        mine = [(gold, given) for lang, gold, given in world.gold_answers if lang == language]
        gold = by_language[language]["gold"]
        assert gold["scored"] == len(mine)
        assert gold["correct"] == sum(1 for g, a in mine if g == a)
        assert gold["accuracy"] == pytest.approx(gold["correct"] / len(mine))
        hand = _hand_class_counts(mine)
        for row in gold["classes"]:
            expected = hand[row["class"]]
            assert row["support"] == expected["support"]
            for key in ("precision", "recall", "f1"):
                assert (
                    row[key] == pytest.approx(expected[key])
                    if expected[key] is not None
                    else row[key] is None
                )
        matrix = [[sum(1 for g, a in mine if g == r and a == c) for c in LABELS] for r in LABELS]
        assert gold["confusion"] == {"labels": LABELS, "no_answer_column": False, "matrix": matrix}
    total = report["totals"]["gold"]
    assert total["scored"] == len(world.gold_answers)
    assert total["correct"] == sum(1 for _l, g, a in world.gold_answers if g == a)

    # Review: the decisions the test made.
    for language in LANGUAGES:
        numbers = by_language[language]["review"]
        decided = world.decisions[language]
        assert numbers["open"] == decided["open"]
        assert numbers["accepted"] == decided["accepted"]
        assert numbers["corrected"] == decided["corrected"]
        assert numbers["rejected"] == decided["rejected"]
        assert numbers["sample_size"] == sum(decided.values())
        assert numbers["decided"] == sum(decided.values()) - decided["open"]
        assert numbers["acceptance_rate"] == pytest.approx(
            (decided["accepted"] + decided["corrected"]) / numbers["decided"]
        )
        assert numbers["rejection_reasons"] == dict(world.rejection_reasons[language])
        assert numbers["review_reasons"]["unresolved"] == len(DISAGREE)
        assert numbers["review_reasons"]["flagged"] == 1
    assert by_language["ar"]["review"]["corrections"] == 2  # both judgments of the fixed item
    assert by_language["de"]["review"]["judgments"]["rejected"] == 2

    # Items: Arabic loses item 4 (redo pending) and item 5 (review open); German loses item 7
    # (both judgments rejected) and the item reported as another language (triage).
    items = {language: by_language[language]["items"] for language in LANGUAGES}
    assert items["ar"] == {"total": 12, "complete": 11, "delivered": 10, "triage": 0}
    assert items["de"] == {"total": 12, "complete": 10, "delivered": 10, "triage": 1}

    # Cost: accepted judgments × (rate + 20 % fee) over delivered items, rounded half up.
    ar_total = (10 * 2 + 1) * (RATES["ar"] + RATES["ar"] // 5)  # item 4: the first answer was accepted
    de_total = 10 * 2 * (RATES["de"] + RATES["de"] // 5)
    assert by_language["ar"]["cost"] == [
        {"currency": "EUR", "accepted_judgments": 21, "pay_minor": 21 * 120, "fees_minor": 21 * 24,
         "total_minor": ar_total, "delivered_items": 10, "per_accepted_item_minor": 302}
    ]  # fmt: skip
    assert (
        ar_total == 3024 and by_language["de"]["cost"][0]["per_accepted_item_minor"] == de_total // 10 == 240
    )
    assert report["totals"]["cost"][0]["per_accepted_item_minor"] == 271  # 5424 / 20 = 271.2
    throughput = report["totals"]["throughput"]
    assert throughput["accepted_items"] == 20 and throughput["days"] >= 1
    assert throughput["accepted_items_per_day"] == pytest.approx(20 / throughput["days"])
    assert throughput["judgments"] == 2 * 12 + 2 * 11  # German: the triaged item was never judged

    # Known issues.
    issues = report["known_issues"]
    flagged = {(row["language"], row["comment"]) for row in issues["flagged_edge_cases"]["items"]}
    assert flagged == {("ar", COMMENT["ar"]), ("de", COMMENT["de"])}
    assert issues["missing_guidelines"]["languages"] == ["de"]
    assert issues["triage"]["count"] == 1 and issues["triage"]["languages"] == {"de": 1}
    assert issues["incomplete_items"]["languages"] == {"ar": {"ready": 1}, "de": {"ready": 1, "triage": 1}}
    unresolved = {(row["language"], row["reason"]) for row in issues["unresolved_items"]["items"]}
    assert unresolved == {("ar", "in_review")}
    # The disagreements left standing: Arabic item 7 (item 4's odd answer was rejected) and German
    # item 4 (item 7 was rejected whole); one unit of two values gives each ordered pair once.
    pairs = {
        (p["language"], frozenset((p["first"], p["second"])), p["count"]) for p in issues["confused_pairs"]
    }
    assert pairs == {
        ("ar", frozenset(("negative", "positive")), 2.0),
        ("de", frozenset(("negative", "neutral")), 2.0),
    }


def test_no_gold_answer_and_no_annotator_identity_anywhere(app: Flask, world: World) -> None:
    from marketplace.accounts.models import User

    with app.app_context():
        report = build_qa_report(world.project_id)
        html = qa_render.render_qa_html(report, "de")
        session = get_session()
        emails = list(session.scalars(select(User.email)))
        gold_items = session.execute(select(Item.public_id, Item.payload).join(GoldAnswer)).all()
        gold_answers = [json.dumps(answer) for answer in session.scalars(select(GoldAnswer.answer))]
    text = json.dumps(report, ensure_ascii=False)
    for document in (text, html):
        for email in emails:
            assert email not in document and email.split("@")[0] not in document
        for public_id, payload in gold_items:
            assert public_id not in document and payload["text"] not in document
        for answer in gold_answers:
            assert answer not in document
        assert "GOLD-EXPLANATION" not in document
    named = {key.lower() for key in _keys(report)}
    assert not {
        key for key in named if any(word in key for word in ("annotator", "user", "reviewer", "email"))
    }


# WeasyPrint warns at import when the system lacks libharfbuzz-subset (a packaging matter of the
# machine, not of the report).
@pytest.mark.filterwarnings("ignore:HarfBuzz-Subset:DeprecationWarning")
def test_html_in_the_readers_language_and_direction_and_a_pdf_offline(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[str] = []

    def no_network(url: str, *args: Any, **kwargs: Any) -> Any:
        fetched.append(url)
        raise ValueError("no network")

    monkeypatch.setattr(qa_render, "refuse_fetch", no_network)
    with app.app_context():
        report = build_qa_report(world.project_id)
        arabic = qa_render.render_qa_html(report, "ar")
        german = qa_render.render_qa_html(report, "de")
        pdf = qa_render.render_qa_pdf(report, "ar")
    assert '<html lang="ar" dir="rtl">' in arabic
    assert '<html lang="de" dir="ltr">' in german
    for html in (arabic, german):
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "https://" not in html and "<link" not in html and "<script" not in html
        # Each chart is an accessible SVG, followed by a table with the same numbers.
        assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="qa-chart" role="img"') == 3
        assert html.count("<table>") >= 8
        assert COMMENT["de"] in html
    alpha = report["languages"][0]["agreement"]["alpha"]
    assert f"{alpha:.3f}" in german.replace(",", ".")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    assert fetched == []


def test_scope_of_some_batches_and_some_items(app: Flask, world: World) -> None:
    with app.app_context():
        german = select(Item.id).where(Item.project_id == world.project_id, Item.language == "de")
        narrowed = build_qa_report(world.project_id, item_ids_select=german)
        none = build_qa_report(world.project_id, batch_ids=[])
    by_language = {entry["language"]: entry for entry in narrowed["languages"]}
    assert by_language["ar"]["items"]["total"] == 0 and by_language["de"]["items"]["delivered"] == 10
    assert by_language["ar"]["review"]["sample_size"] == 0
    assert narrowed["scope"]["narrowed_to_items"] is True
    assert none["totals"]["items"].get("total", 0) == 0 and none["totals"]["gold"]["scored"] == 0


def test_metric_functions_by_hand() -> None:
    rows = class_scores([(["a"], ["a"]), (["a"], ["b"]), (["b"], ["b"]), (["b"], [])], ["a", "b", "c"])
    a, b, c = rows
    assert (a["precision"], a["recall"], a["f1"]) == (1.0, 0.5, pytest.approx(2 / 3))
    assert (b["precision"], b["recall"], b["f1"]) == (0.5, 0.5, 0.5)
    assert (c["precision"], c["recall"], c["f1"]) == (None, None, None)
    matrix = confusion_matrix([("a", "a"), ("a", "b"), ("b", None)], ["a", "b"])
    assert matrix == {"labels": ["a", "b"], "no_answer_column": True, "matrix": [[1, 1, 0], [0, 0, 1]]}
    assert per_item_minor(3024, 10) == 302 and per_item_minor(5, 2) == 3 and per_item_minor(7, 0) is None
