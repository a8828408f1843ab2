"""The review loop end to end, through the real services: work arrives by routing, a stratified
sample plus every edge case enters each language's queue, separate reviewers per language accept,
fix or reject, and each decision shows in the item's label, the annotator's feedback and the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.payments import ledger
from marketplace.payments.ledger import AccountRef
from marketplace.payments.models import RateCard, TransactionKind
from marketplace.pipeline import submit as pipeline
from marketplace.projects.models import Item, ItemState, Project
from marketplace.projects.settings.review import ReviewSettings
from marketplace.qualification import service as qualification
from marketplace.review import acceptance, feedback, stats
from marketplace.review import service as review
from marketplace.review.models import (
    JudgmentOutcome,
    RejectionReason,
    ReviewDecision,
    ReviewOutcome,
    ReviewReason,
    ReviewTask,
    ReviewTaskState,
)
from marketplace.routing import service as routing
from marketplace.routing.models import Acceptance, Assignment, AssignmentState

RATES = {"es": 100, "ar": 120}  # minor units of EUR per accepted judgment
FEE_BPS = 2000  # the default platform fee: 20% of the rate, on top
FUNDING = 100_000

# Six items per language, judged by two annotators each (overlap 2, no dynamic overlap beyond it).
# The fifth is a disagreement (unresolved: an edge case); the sixth is flagged by the first annotator.
ANSWERS = [("positive", "positive"), ("positive", "positive"), ("negative", "negative"),
           ("positive", "positive"), ("positive", "negative"), ("negative", "negative")]  # fmt: skip
TEXTS = {
    "es": [
        "Me encantó el servicio, llegó rapidísimo.",
        "Todo perfecto, volvería a comprar sin dudarlo.",
        "El paquete llegó roto y nadie responde.",
        "Muy buena atención, gracias por todo.",
        "Llegó tarde, aunque el producto es bueno.",
        "No funciona y el soporte es un desastre.",
    ],
    "ar": [
        "الخدمة ممتازة ووصل الطلب بسرعة كبيرة.",
        "كل شيء رائع، سأشتري مرة أخرى بالتأكيد.",
        "وصل الطرد مكسوراً ولا أحد يرد على رسائلي.",
        "تعامل لطيف جداً، شكراً لكم على كل شيء.",
        "تأخر التوصيل لكن المنتج نفسه جيد.",
        "الجهاز لا يعمل والدعم الفني سيئ للغاية.",
    ],
}


@dataclass
class World:
    project_id: int
    ops: int
    workers: dict[str, list[int]]
    reviewers: dict[str, int]
    items: dict[str, list[int]] = field(default_factory=dict)


def _fund(project_id: int, amount: int) -> None:
    session = get_session()
    ledger.post_transaction(
        session,
        idempotency_key=f"test-funding-{project_id}-{amount}",
        kind=TransactionKind.FUNDING,
        postings=[(AccountRef.cash("EUR"), amount), (AccountRef.escrow(project_id, "EUR"), -amount)],
        project_id=project_id,
    )
    session.commit()


def _answer_all(app: Flask, worker: int, choose: Callable[[Item], tuple[str, bool]]) -> int:
    done = 0
    while True:
        with app.app_context():
            batch = routing.claim_next_assignments(worker, 5)
            if not batch:
                return done
            for assignment in batch:
                item = get_session().get(Item, assignment.item_id)
                assert item is not None
                label, flag = choose(item)
                pipeline.submit_assignment(worker, assignment.public_id, {"label": label}, edge_case=flag)
                done += 1


def _position(item: Item) -> tuple[str, int]:
    language = item.language or ""
    return language, TEXTS[language].index(item.payload["text"])


@pytest.fixture
def world(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int], make_user: Callable[..., Any]
) -> Iterator[World]:
    info = make_project(
        [(language, text) for language in ("es", "ar") for text in TEXTS[language]],
        overlap=2,
        max_overlap=2,
        review={"sample_rate": 0.25, "auto_accept_hours": 72},
        labels=["positive", "negative", "neutral", "mixed"],
    )
    from marketplace.accounts.models import Role

    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    workers = {language: [annotator(language) for _ in range(4)] for language in ("es", "ar")}
    reviewers = {language: annotator(language) for language in ("es", "ar")}
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
        _fund(info["id"], FUNDING)
        for language, reviewer in reviewers.items():
            qualification.grant_qualification(reviewer, info["id"], language, granted_by=ops)
            review.grant_reviewer(reviewer, language, ops)
        items: dict[str, list[int]] = {"es": [0] * 6, "ar": [0] * 6}
        for item in session.scalars(select(Item).where(Item.project_id == info["id"])):
            language, index = _position(item)
            items[language][index] = item.id
    yield World(info["id"], ops, workers, reviewers, items)


def _first_round(app: Flask, world: World) -> None:
    for language in ("es", "ar"):
        first, second = world.workers[language][:2]
        _answer_all(app, first, lambda item: (ANSWERS[_position(item)[1]][0], _position(item)[1] == 5))
        _answer_all(app, second, lambda item: (ANSWERS[_position(item)[1]][1], False))


def _tasks(language: str) -> dict[int, ReviewTask]:
    rows = get_session().scalars(select(ReviewTask).where(ReviewTask.language == language))
    return {task.item_id: task for task in rows}


def _judgment(item_id: int, annotator_id: int) -> Assignment:
    found = get_session().scalar(
        select(Assignment).where(Assignment.item_id == item_id, Assignment.annotator_id == annotator_id)
    )
    assert found is not None
    return found


def _claim_task(reviewer: int, language: str, item_id: int) -> ReviewTask:
    """Claim the reviewer's queue until the wanted item's task is in hand (others given back)."""
    for _attempt in range(10):
        tasks = review.claim_review_tasks(reviewer, [language], count=5)
        wanted = [t for t in tasks if t.item_id == item_id]
        for task in tasks:
            if task.item_id != item_id:
                review.release_review_task(reviewer, task.public_id)
        if wanted:
            return wanted[0]
    raise AssertionError(f"no task for item {item_id}")


def _payable(user_id: int, language: str) -> int:
    return ledger.owed(get_session(), AccountRef.payable(user_id, language, "EUR"))


def _fee(rate: int) -> int:
    return (rate * FEE_BPS + 5_000) // 10_000


def test_sample_and_every_edge_case_reviewed_per_language_and_decisions_reach_label_feedback_and_ledger(
    app: Flask, world: World
) -> None:
    _first_round(app, world)
    with app.app_context():
        session = get_session()
        for language in ("es", "ar"):
            ids = world.items[language]
            tasks = _tasks(language)
            reasons = {
                ids.index(item_id): sorted(r["reason"] for r in task.reasons)
                for item_id, task in tasks.items()
            }
            # The first item of every (annotator, class) stratum is sampled (0: positive, 2:
            # negative), every edge case is in (4: unresolved, 5: flagged), and nothing else.
            assert reasons == {
                0: [ReviewReason.SAMPLE],
                2: [ReviewReason.SAMPLE],
                4: [ReviewReason.UNRESOLVED],
                5: [ReviewReason.FLAGGED],
            }, language
            flagged = tasks[ids[5]].reasons[0]["judgments"]
            assert flagged == [_judgment(ids[5], world.workers[language][0]).public_id]
            # In review: held; not in review: waiting for the review period to end.
            for index, item_id in enumerate(ids):
                expected = Acceptance.IN_REVIEW if index in (0, 2, 4, 5) else Acceptance.PENDING
                for worker in world.workers[language][:2]:
                    assert _judgment(item_id, worker).acceptance == expected
            assert session.get(Item, ids[0]).label == {"label": "positive"}  # type: ignore[union-attr]
        # Nothing is paid before acceptance.
        assert all(_payable(w, lang) == 0 for lang in ("es", "ar") for w in world.workers[lang])

        # Separate reviewers: each one's queue is their language only.
        es_reviewer, ar_reviewer = world.reviewers["es"], world.reviewers["ar"]
        mine = review.claim_review_tasks(es_reviewer, review.reviewer_languages(es_reviewer), count=5)
        assert {t.language for t in mine} == {"es"} and len(mine) == 4
        for task in mine:
            review.release_review_task(es_reviewer, task.public_id)
        assert review.reviewer_languages(ar_reviewer) == ["ar"]
        assert {t.language for t in review.claim_review_tasks(ar_reviewer, ["ar"], count=5)} == {"ar"}
        for task in review.live_review_leases(ar_reviewer, utcnow()):
            review.release_review_task(ar_reviewer, task.public_id)

    es = world.items["es"]
    es1, es2, es3 = world.workers["es"][:3]
    with app.app_context():
        # Accept: the consensus becomes the reviewed label; both judgments are paid.
        task = _claim_task(es_reviewer, "es", es[0])
        review.decide(es_reviewer, task.public_id, review.Decision(ReviewDecision.ACCEPT))
        item = get_session().get(Item, es[0])
        assert item is not None and item.label == {"label": "positive"} and item.label_source == "review"
        assert _payable(es1, "es") == RATES["es"] and _payable(es2, "es") == RATES["es"]

        # Fix: the reviewer's answer becomes the label; both are paid and see the correction.
        task = _claim_task(es_reviewer, "es", es[2])
        review.decide(
            es_reviewer, task.public_id, review.Decision(ReviewDecision.FIX, answer={"label": "neutral"})
        )
        item = get_session().get(Item, es[2])
        assert item is not None and item.label == {"label": "neutral"} and item.label_source == "correction"
        assert _payable(es1, "es") == 2 * RATES["es"]

        # Reject one judgment of the disagreement: the other is accepted, the item is redone.
        task = _claim_task(es_reviewer, "es", es[4])
        rejected = _judgment(es[4], es2)
        review.decide(
            es_reviewer,
            task.public_id,
            review.Decision(
                ReviewDecision.REJECT,
                reason=RejectionReason.WRONG_LABEL,
                note="La reseña es positiva en conjunto.",
                reject=[rejected.public_id],
            ),
        )
        item = get_session().get(Item, es[4])
        assert item is not None and item.state == ItemState.READY and item.label is None
        rejected = _judgment(es[4], es2)
        assert rejected.state == AssignmentState.REJECTED and rejected.acceptance == Acceptance.REJECTED
        assert _judgment(es[4], es1).acceptance == Acceptance.ACCEPTED
        assert _payable(es1, "es") == 3 * RATES["es"] and _payable(es2, "es") == 2 * RATES["es"]

        task = _claim_task(es_reviewer, "es", es[5])
        review.decide(es_reviewer, task.public_id, review.Decision(ReviewDecision.ACCEPT))

    # The rejected judgment is redone by someone else (never by the rejected annotator).
    assert _answer_all(app, es2, lambda item: ("positive", False)) == 0
    assert _answer_all(app, es3, lambda item: ("positive", False)) == 1
    with app.app_context():
        item = get_session().get(Item, es[4])
        assert item is not None and item.state == ItemState.COMPLETE and item.label == {"label": "positive"}
        redo = _judgment(es[4], es3)
        # A new annotator and class stratum: the sample takes the redone item in a second round.
        round_two = get_session().scalar(
            select(ReviewTask).where(ReviewTask.item_id == es[4], ReviewTask.round == 2)
        )
        assert round_two is not None and redo.acceptance == Acceptance.IN_REVIEW
        task = _claim_task(es_reviewer, "es", es[4])
        assert task.id == round_two.id
        review.decide(es_reviewer, task.public_id, review.Decision(ReviewDecision.ACCEPT))
        assert _payable(es3, "es") == RATES["es"]

        # Feedback: each annotator sees their own outcomes; the rejected one reads the reason in
        # their language, the corrected one the correction.
        es2_feedback = {f.item.id: f for f in feedback.annotator_feedback(es2)}
        assert es2_feedback[es[4]].outcome.outcome == JudgmentOutcome.REJECTED
        assert es2_feedback[es[4]].outcome.rejection_reason == RejectionReason.WRONG_LABEL
        assert es2_feedback[es[4]].outcome.note == "La reseña es positiva en conjunto."
        assert es2_feedback[es[2]].outcome.outcome == JudgmentOutcome.CORRECTED
        assert es2_feedback[es[2]].outcome.correction == {"label": "neutral"}
        assert es2_feedback[es[0]].outcome.outcome == JudgmentOutcome.ACCEPTED
        assert es2_feedback[es[5]].outcome.outcome == JudgmentOutcome.ACCEPTED
        with force_locale("es"):
            reason = feedback.reason_text(RejectionReason.WRONG_LABEL)
        assert reason and reason != "The answer does not match the item."
        assert all(f.outcome.annotator_id == es2 for f in es2_feedback.values())

    # Arabic, by its own reviewer: reject the whole disagreement (default: every judgment).
    ar = world.items["ar"]
    ar1, ar2, ar3, ar4 = world.workers["ar"]
    with app.app_context():
        for index in (0, 2, 5):
            task = _claim_task(ar_reviewer, "ar", ar[index])
            review.decide(ar_reviewer, task.public_id, review.Decision(ReviewDecision.ACCEPT))
        task = _claim_task(ar_reviewer, "ar", ar[4])
        review.decide(
            ar_reviewer,
            task.public_id,
            review.Decision(ReviewDecision.REJECT, reason=RejectionReason.GUIDELINES_NOT_FOLLOWED),
        )
        assert {_judgment(ar[4], w).acceptance for w in (ar1, ar2)} == {Acceptance.REJECTED}
        assert _payable(ar1, "ar") == 3 * RATES["ar"] and _payable(ar2, "ar") == 3 * RATES["ar"]
    _answer_all(app, ar3, lambda item: ("positive", False))
    _answer_all(app, ar4, lambda item: ("positive", False))
    with app.app_context():
        item = get_session().get(Item, ar[4])
        assert item is not None and item.state == ItemState.COMPLETE

        # The review period ends: unsampled work is accepted automatically, once.
        later = utcnow() + timedelta(hours=73)
        accepted = acceptance.auto_accept_due(later)
        assert accepted == 8  # items 1 and 3 in both languages, two judgments each
        assert acceptance.auto_accept_due(later) == 0
        assert _payable(es1, "es") == 6 * RATES["es"]  # everything es1 did was accepted
        assert _payable(es2, "es") == 5 * RATES["es"]  # minus the rejected judgment

        # The appeal: once, decided by ops; overturned means paid.
        outcome = get_session().scalar(
            select(ReviewOutcome).where(
                ReviewOutcome.annotator_id == es2, ReviewOutcome.outcome == JudgmentOutcome.REJECTED
            )
        )
        assert outcome is not None
        appeal = feedback.appeal(es2, outcome.public_id, "El texto dice que llegó tarde: es negativo.")
        with pytest.raises(Conflict):
            feedback.appeal(es2, outcome.public_id, "Otra vez.")
        feedback.decide_appeal(world.ops, appeal.public_id, overturn=True, note="Razonable.")
        assert _payable(es2, "es") == 6 * RATES["es"]
        assert _judgment(es[4], es2).state == AssignmentState.REJECTED  # still out of the item's count

        # The ledger: balanced, and every cent accounted for.
        session = get_session()
        assert ledger.unbalanced_transactions(session) == []
        accepted_rows = list(
            session.scalars(select(Assignment).where(Assignment.acceptance == Acceptance.ACCEPTED))
        )
        spent = sum(RATES[a.language] + _fee(RATES[a.language]) for a in accepted_rows)
        fees = sum(_fee(RATES[a.language]) for a in accepted_rows)
        assert ledger.owed(session, AccountRef.escrow(world.project_id, "EUR")) == FUNDING - spent
        assert ledger.owed(session, AccountRef.revenue("EUR")) == fees
        assert ledger.balance(session, AccountRef.cash("EUR")) == FUNDING
        for language in ("es", "ar"):
            for worker in world.workers[language]:
                paid_for = [a for a in accepted_rows if a.annotator_id == worker]
                assert _payable(worker, language) == len(paid_for) * RATES[language]
        # Rates were fixed on the assignments at claim time.
        assert {
            (a.rate_minor, a.fee_minor, a.rate_currency) for a in accepted_rows if a.language == "ar"
        } == {(120, 24, "EUR")}
        queues = {q.language: q for q in stats.queue_summary()}
        assert queues["es"].decided == 5 and queues["ar"].decided == 4
        assert queues["es"].open == 0


def test_reviewers_are_granted_only_languages_they_are_qualified_in(
    app: Flask, world: World, annotator: Callable[..., int]
) -> None:
    from marketplace.validation import InvalidInput

    outsider = annotator("es")
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            review.grant_reviewer(outsider, "es", world.ops)
        assert refused.value.errors[0].code == "not_qualified"
        assert review.reviewer_languages(outsider) == []


def test_a_reviewer_never_reviews_an_item_they_judged_and_leases_expire_like_work(
    app: Flask, world: World
) -> None:
    es_reviewer = world.reviewers["es"]
    # The reviewer also annotates the first item.
    with app.app_context():
        batch = routing.claim_next_assignments(es_reviewer, 1)
        mine = batch[0]
        pipeline.submit_assignment(es_reviewer, mine.public_id, {"label": "positive"}, edge_case=True)
        judged_item = mine.item_id
    _first_round(app, world)
    with app.app_context():
        tasks = review.claim_review_tasks(es_reviewer, ["es"], count=5)
        assert tasks and judged_item not in {t.item_id for t in tasks}
        held = tasks[0]
        # An expired lease is free for another reviewer at once; the sweeper reopens it too.
        session = get_session()
        held.lease_expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
        assert review.expire_review_leases() == 1
        task = session.get(ReviewTask, held.id)
        assert task is not None and task.state == ReviewTaskState.OPEN and task.reviewer_id is None
        # The reviewer no longer holds it: their late decision finds nothing to decide.
        with pytest.raises(NotFound):
            review.decide(es_reviewer, held.public_id, review.Decision(ReviewDecision.ACCEPT))


def test_two_review_passes_by_different_reviewers_and_their_agreement(
    app: Flask, world: World, annotator: Callable[..., int]
) -> None:
    second = annotator("es")
    with app.app_context():
        session = get_session()
        project = session.get(Project, world.project_id)
        assert project is not None
        project.settings = {**project.settings, "review": {"sample_rate": 0.25, "passes": 2}}
        session.commit()
        qualification.grant_qualification(second, world.project_id, "es", granted_by=world.ops)
        review.grant_reviewer(second, "es", world.ops)
    _first_round(app, world)
    es = world.items["es"]
    first = world.reviewers["es"]
    with app.app_context():
        task = _claim_task(first, "es", es[0])
        review.decide(first, task.public_id, review.Decision(ReviewDecision.ACCEPT))
        # Not final after pass 1: nothing accepted yet; the first reviewer cannot take pass 2.
        assert _judgment(es[0], world.workers["es"][0]).acceptance == Acceptance.IN_REVIEW
        assert es[0] not in {t.item_id for t in review.claim_review_tasks(first, ["es"], count=5)}
        task2 = _claim_task(second, "es", es[0])
        assert task2.pass_number == 2
        review.decide(second, task2.public_id, review.Decision(ReviewDecision.ACCEPT))
        assert _judgment(es[0], world.workers["es"][0]).acceptance == Acceptance.ACCEPTED
        # A second item where the passes disagree.
        for task in review.live_review_leases(first, utcnow()):
            review.release_review_task(first, task.public_id)
        task = _claim_task(first, "es", es[2])
        review.decide(first, task.public_id, review.Decision(ReviewDecision.ACCEPT))
        task2 = _claim_task(second, "es", es[2])
        review.decide(
            second, task2.public_id, review.Decision(ReviewDecision.FIX, answer={"label": "neutral"})
        )
        agreement = {row.language: row for row in stats.reviewer_agreement()}
        assert agreement["es"].compared == 2 and agreement["es"].agreed == 1
        assert agreement["es"].rate == 0.5


GOLD = [
    ("Gracias, el pedido llegó antes de lo previsto.", "positive"),
    ("Me trataron con mucha amabilidad, muy recomendable.", "positive"),
    ("El producto vino defectuoso y no me lo cambian.", "negative"),
    ("Nunca contestan al teléfono, qué mal servicio.", "negative"),
]


def test_hidden_gold_right_is_paid_with_real_work_and_wrong_is_reviewed_alone(
    app: Flask,
    make_project: Callable[..., Any],
    annotator: Callable[..., int],
    make_user: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import random

    from marketplace.accounts.models import Role
    from marketplace.qualification.models import GoldAnswer

    # Hidden gold is drawn at random per slot: seeded, every run meets it (and the same way).
    monkeypatch.setattr(routing, "_rng", random.Random(20261208))

    info = make_project(
        [("es", f"Mensaje número {n}: quería contarles cómo fue mi compra.") for n in range(12)],
        overlap=1,
        qualification={"hidden_gold_rate": 0.5, "min_gold_per_language": 4, "exam_size": 4},
        review={"sample_rate": 0.0},
    )
    ops = make_user("ops@example.org", roles=(Role.OPS,), native=())
    worker, reviewer = annotator("es"), annotator("es")
    with app.app_context():
        records = [
            {"language": "es", "payload": {"text": text}, "answer": {"label": label}, "explanation": "x"}
            for text, label in GOLD
        ]
        qualification.add_gold_items(info["id"], records)
        session = get_session()
        session.add(
            RateCard(project_id=info["id"], task_type="classification", language="es", currency="EUR",
                     amount_minor=100)
        )  # fmt: skip
        session.commit()
        _fund(info["id"], 10_000)
        gold = {row.item_id: row.answer["label"] for row in session.scalars(select(GoldAnswer))}
        qualification.grant_qualification(reviewer, info["id"], "es", granted_by=ops)
        review.grant_reviewer(reviewer, "es", ops)
    wrong_once: dict[str, bool] = {"done": False}

    def choose(item: Item) -> tuple[str, bool]:
        if item.id in gold:
            if not wrong_once["done"]:  # the first gold item met is answered wrong, the rest right
                wrong_once["done"] = True
                return ("negative" if gold[item.id] == "positive" else "positive"), False
            return gold[item.id], False
        return "positive", False

    _answer_all(app, worker, choose)
    with app.app_context():
        session = get_session()
        gold_judgments = list(
            session.scalars(
                select(Assignment).where(
                    Assignment.item_id.in_(list(gold)), Assignment.annotator_id == worker
                )
            )
        )
        assert len(gold_judgments) >= 2, "hidden gold was mixed in"
        tasks = list(session.scalars(select(ReviewTask)))
        # Only the failed gold answer is reviewed (sample rate 0, no edge cases), on its own.
        assert len(tasks) == 1 and tasks[0].reasons == [{"reason": ReviewReason.FAILED_GOLD}], [
            (t.reasons, t.item_id) for t in tasks
        ]
        failed = session.get(Assignment, tasks[0].assignment_id)
        assert failed is not None and failed.acceptance == Acceptance.IN_REVIEW
        right = [a for a in gold_judgments if a.id != failed.id]
        # Right gold answers wait for the review period like real work review did not sample:
        # nothing the annotator watches (earnings, states) moves at once.
        assert all(a.acceptance == Acceptance.PENDING for a in right), [
            (a.acceptance, a.state, a.answer) for a in right
        ]
        project = session.get(Project, info["id"])
        assert project is not None
        period = timedelta(hours=ReviewSettings.of(project.settings).auto_accept_hours)
        waits = [a.accept_after - a.finished_at for a in right]  # type: ignore[operator]
        assert all(period <= wait < period + timedelta(seconds=5) for wait in waits), waits
        assert _payable(worker, "es") == 0
        assert acceptance.auto_accept_due(max(a.accept_after for a in right)) >= len(right)  # type: ignore[type-var]
        for judgment in right:
            session.refresh(judgment)
        assert all(a.acceptance == Acceptance.ACCEPTED for a in right)
        # Real work's accepted judgments are paid too; only gold is counted here.
        assert _payable(worker, "es") >= 100 * len(right)
        paid_before_review = _payable(worker, "es")
        # The reviewer can only accept or reject a single answer; rejecting it pays nothing and
        # leaves the gold item alone.
        task = _claim_task(reviewer, "es", failed.item_id)
        from marketplace.validation import InvalidInput

        with pytest.raises(InvalidInput):
            review.decide(
                reviewer, task.public_id, review.Decision(ReviewDecision.FIX, answer={"label": "positive"})
            )
        review.decide(
            reviewer,
            task.public_id,
            review.Decision(ReviewDecision.REJECT, reason=RejectionReason.WRONG_LABEL),
        )
        failed = session.get(Assignment, failed.id)
        assert failed is not None and failed.acceptance == Acceptance.REJECTED
        assert _payable(worker, "es") == paid_before_review
        outcome = session.scalar(select(ReviewOutcome).where(ReviewOutcome.assignment_id == failed.id))
        assert outcome is not None and outcome.outcome == JudgmentOutcome.REJECTED


def test_routing_stops_when_the_budget_is_used_up_and_resumes_when_funded(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    info = make_project(
        [("es", f"Reseña {n}: el envío fue correcto.") for n in range(10)]
        + [("ar", f"مراجعة رقم {n}: كان الشحن جيداً.") for n in range(3)],
        overlap=1,
        review={"sample_rate": 0.0, "auto_accept_hours": 0},
    )
    worker, arabic = annotator("es"), annotator("ar")
    with app.app_context():
        session = get_session()
        # Spanish is priced (100 + 20 fee = 120 per judgment); Arabic has no rate: not routed.
        session.add(
            RateCard(project_id=info["id"], task_type="classification", language="es", currency="EUR",
                     amount_minor=100)
        )  # fmt: skip
        session.commit()
        _fund(info["id"], 3 * 120 + 50)
        assert routing.claim_next_assignments(arabic, 5) == []
        first = routing.claim_next_assignments(worker, 5)
        assert len(first) == 3
        assert {(a.rate_minor, a.fee_minor, a.rate_currency) for a in first} == {(100, 20, "EUR")}
        for assignment in first:
            pipeline.submit_assignment(worker, assignment.public_id, {"label": "positive"})
        assert routing.claim_next_assignments(worker, 5) == []
        # Accepted work is spent, not freed: still no room.
        assert acceptance.auto_accept_due(utcnow() + timedelta(seconds=1)) == 3
        assert routing.claim_next_assignments(worker, 5) == []
        assert ledger.owed(session, AccountRef.escrow(info["id"], "EUR")) == 50
        ledger.post_transaction(
            session,
            idempotency_key="top-up",
            kind=TransactionKind.FUNDING,
            postings=[(AccountRef.cash("EUR"), 200), (AccountRef.escrow(info["id"], "EUR"), -200)],
        )
        session.commit()
        assert len(routing.claim_next_assignments(worker, 5)) == 2  # (50 + 200) // 120


def test_a_completed_item_whose_intake_was_cut_short_is_taken_in_by_the_sweeper(
    app: Flask,
    make_project: Callable[..., Any],
    annotator: Callable[..., int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from marketplace.review import intake

    make_project([("es", "Todo llegó a tiempo, gracias.")], overlap=1, review={"sample_rate": 1.0})
    worker = annotator("es")
    # The process dies between the submit's commit and the review intake.
    monkeypatch.setattr(intake, "intake_completed_item", lambda item_id: None)
    _answer_all(app, worker, lambda item: ("positive", False))
    monkeypatch.undo()
    with app.app_context():
        session = get_session()
        judgment = session.scalar(select(Assignment))
        assert judgment is not None and judgment.acceptance is None
        assert intake.intake_stragglers(older_than=timedelta(0)) == 1
        assert intake.intake_stragglers(older_than=timedelta(0)) == 0  # idempotent
        tasks = list(session.scalars(select(ReviewTask)))
        assert len(tasks) == 1 and tasks[0].reasons == [{"reason": ReviewReason.SAMPLE}]
        session.refresh(judgment)
        assert judgment.acceptance == Acceptance.IN_REVIEW
