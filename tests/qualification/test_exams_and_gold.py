"""The qualification path: gold set, exam (fail, wait, pass), work, hidden gold, suspension, ops."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from marketplace.db import get_session
from marketplace.errors import Conflict, Forbidden
from marketplace.pipeline import submit as pipeline
from marketplace.qualification import service as qualification
from marketplace.qualification.models import (
    ExamAttempt,
    GoldAnswer,
    GoldScore,
    Qualification,
    QualificationState,
)
from marketplace.routing import service as routing
from marketplace.validation import InvalidInput

SETTINGS = {
    "exam_size": 4,
    "min_gold_per_language": 6,
    "pass_mark": 0.75,
    "max_attempts": 3,
    "retry_delay_hours": 1,
    "hidden_gold_rate": 0.4,
    "gold_window": 4,
    "min_gold_for_suspension": 3,
    "suspend_below": 0.7,
}

SPANISH = [
    ("Muchas gracias, todo llegó perfecto y a tiempo.", "positive"),
    ("Estoy encantada con el servicio, volveré a comprar.", "positive"),
    ("El pedido llegó roto y nadie responde mis correos.", "negative"),
    ("Es la tercera vez que reclamo y sigo sin solución.", "negative"),
    ("Excelente atención, resolvieron mi problema enseguida.", "positive"),
    ("Qué decepción, el producto no funciona desde el primer día.", "negative"),
    ("Gracias por la rapidez, quedé muy satisfecho.", "positive"),
    ("Me cobraron dos veces y todavía no me devuelven el dinero.", "negative"),
    ("La entrega fue rapidísima, muchas gracias a todo el equipo.", "positive"),
    ("Nunca había recibido una atención tan amable, gracias.", "positive"),
    ("El paquete se perdió y nadie me da una explicación.", "negative"),
    ("La aplicación se cierra sola y pierdo todo lo que escribo.", "negative"),
    ("Todo funcionó a la primera, estoy muy contento.", "positive"),
    ("Pedí una talla y me enviaron otra, muy mal servicio.", "negative"),
    ("Me ayudaron a cambiar el producto sin ningún problema.", "positive"),
    ("Llevo un mes esperando el reembolso prometido.", "negative"),
]
ARABIC = [
    ("شكرًا جزيلًا، وصل الطلب في موعده وكان ممتازًا.", "positive"),
    ("الخدمة رائعة وسأطلب مرة أخرى بالتأكيد.", "positive"),
    ("وصل المنتج مكسورًا ولم يرد أحد على رسائلي.", "negative"),
    ("انتظرت أسبوعين ولم يصل المبلغ المسترد.", "negative"),
    ("موظف الدعم كان متعاونًا جدًا، شكرًا لكم.", "positive"),
    ("تجربة سيئة للغاية ولن أكرر الشراء.", "negative"),
]


@pytest.fixture
def gold_project(app: Flask, make_project: Callable[..., Any]) -> dict[str, Any]:
    """A project needing exams, with work items and gold sets in Spanish and Arabic."""
    work = [("es", f"Mensaje de cliente número {n}: gracias por la ayuda con mi pedido.") for n in range(30)]
    work += [("ar", f"رسالة العميل رقم {n}: شكرًا على المساعدة في طلبي.") for n in range(30)]
    project = make_project(work, overlap=2, exam_required=True, qualification=SETTINGS)
    records = [
        {
            "language": "es",
            "payload": {"text": text},
            "answer": {"label": label},
            "explanation": f"EXPLAIN-es-{n}",
        }
        for n, (text, label) in enumerate(SPANISH)
    ] + [
        {
            "language": "ar",
            "payload": {"text": text},
            "answer": {"label": label},
            "explanation": f"EXPLAIN-ar-{n}",
        }
        for n, (text, label) in enumerate(ARABIC)
    ]
    with app.app_context():
        assert qualification.add_gold_items(project["id"], records) == len(SPANISH) + len(ARABIC)
    return project


def gold_answers(app: Flask) -> dict[int, str]:
    with app.app_context():
        return {row.item_id: row.answer["label"] for row in get_session().scalars(select(GoldAnswer))}


def take_exam(app: Flask, user_id: int, project: dict[str, Any], language: str, right: bool) -> ExamAttempt:
    answers = gold_answers(app)
    with app.app_context():
        attempt = qualification.start_exam(user_id, project["public_id"], language)
        for index, item_id in enumerate(attempt.item_ids):
            label = answers[item_id]
            if not right:
                label = "negative" if label == "positive" else "positive"
            qualification.save_exam_answer(user_id, attempt.public_id, index, {"label": label})
        return qualification.submit_exam(user_id, attempt.public_id)


def state_of(app: Flask, user_id: int) -> Qualification:
    with app.app_context():
        row = get_session().scalar(select(Qualification).where(Qualification.user_id == user_id))
        assert row is not None
        return row


def test_coverage_and_exam_opening(
    app: Flask, make_project: Callable[..., Any], annotator: Callable[..., int]
) -> None:
    project = make_project(
        [("es", "Hola, necesito ayuda con mi factura del mes pasado.")],
        exam_required=True,
        qualification=SETTINGS,
    )
    worker = annotator("es")
    with app.app_context():
        qualification.add_gold_items(
            project["id"],
            [
                {"language": "es", "payload": {"text": text}, "answer": {"label": label}}
                for text, label in SPANISH[:3]
            ],
        )
        coverage = qualification.gold_coverage(project["id"])
        assert coverage["languages"] == [
            {"language": "es", "total": 3, "by_class": {"negative": 1, "positive": 2}, "exam_open": False}
        ]
        with pytest.raises(Conflict):
            qualification.start_exam(worker, project["public_id"], "es")
        with pytest.raises(InvalidInput) as bad:
            qualification.add_gold_items(
                project["id"],
                [
                    {"language": "es", "payload": {"text": "x"}, "answer": {"label": "furious"}},
                    {"language": "fr", "payload": {"text": "x"}, "answer": {"label": "positive"}},
                ],
            )
        assert [e.field for e in bad.value.errors] == ["items[0].answer.label", "items[1].language"]
        assert qualification.gold_coverage(project["id"])["languages"][0]["total"] == 3


def test_fail_wait_pass_work_suspend_reinstate(
    app: Flask, gold_project: dict[str, Any], annotator: Callable[..., int]
) -> None:
    worker = annotator("es")
    with app.app_context():
        assert routing.claim_next_assignments(worker) == []  # not qualified yet
        with pytest.raises(Forbidden):
            qualification.start_exam(worker, gold_project["public_id"], "ar")  # not an Arabic speaker

    failed = take_exam(app, worker, gold_project, "es", right=False)
    assert failed.passed is False and failed.score == 0
    q = state_of(app, worker)
    assert q.state == QualificationState.FAILED and q.attempts == 1 and q.retry_at is not None
    with app.app_context(), pytest.raises(Conflict):
        qualification.start_exam(worker, gold_project["public_id"], "es")  # must wait

    with app.app_context():  # the retry delay passes
        session = get_session()
        session.execute(update(Qualification).values(retry_at=datetime.now(UTC) - timedelta(minutes=1)))
        session.commit()
    passed = take_exam(app, worker, gold_project, "es", right=True)
    assert passed.passed is True and passed.score == 1
    assert state_of(app, worker).state == QualificationState.QUALIFIED

    answers = gold_answers(app)
    with app.app_context():
        exam_items = qualification.exam_item_ids(worker, gold_project["id"])
    seen_gold: list[int] = []
    languages: Counter[str] = Counter()
    suspended = False
    for _ in range(40):
        with app.app_context():
            batch = routing.claim_next_assignments(worker, 2)
            if not batch:
                suspended = True
                break
            for assignment in batch:
                languages[assignment.language] += 1
                if assignment.item_id in answers:  # hidden gold: answer it wrong
                    seen_gold.append(assignment.item_id)
                    wrong = "negative" if answers[assignment.item_id] == "positive" else "positive"
                    pipeline.submit_assignment(worker, assignment.public_id, {"label": wrong})
                else:
                    pipeline.submit_assignment(worker, assignment.public_id, {"label": "positive"})
    assert set(languages) == {"es"}, "a Spanish-qualified annotator got another language"
    assert len(seen_gold) >= 3 and not set(seen_gold) & exam_items
    assert len(seen_gold) == len(set(seen_gold))
    assert suspended
    q = state_of(app, worker)
    assert q.state == QualificationState.SUSPENDED and q.reason == "gold_accuracy"
    assert q.accuracy_at_change == 0.0

    ops = annotator("es", roles=("ops",))
    with app.app_context():
        qualification.reinstate(q.id, ops)
        assert routing.claim_next_assignments(worker)
        assert get_session().scalar(select(GoldScore.correct)) is False


def test_attempts_run_out(app: Flask, gold_project: dict[str, Any], annotator: Callable[..., int]) -> None:
    worker = annotator("es")
    for attempt in range(3):
        take_exam(app, worker, gold_project, "es", right=False)
        with app.app_context():
            session = get_session()
            session.execute(update(Qualification).values(retry_at=datetime.now(UTC) - timedelta(minutes=1)))
            session.commit()
        assert state_of(app, worker).attempts == attempt + 1
    with app.app_context(), pytest.raises(Conflict):
        qualification.start_exam(worker, gold_project["public_id"], "es")


def test_exam_time_limit_scores_what_was_saved(
    app: Flask, gold_project: dict[str, Any], annotator: Callable[..., int]
) -> None:
    worker = annotator("es")
    with app.app_context():
        attempt = qualification.start_exam(worker, gold_project["public_id"], "es")
        again = qualification.start_exam(worker, gold_project["public_id"], "es")
        assert again.id == attempt.id  # resumed, not a new draw
        session = get_session()
        session.execute(update(ExamAttempt).values(deadline_at=datetime.now(UTC) - timedelta(seconds=1)))
        session.commit()
        assert qualification.expire_exams() == 1
        assert qualification.expire_exams() == 0
    q = state_of(app, worker)
    assert q.state == QualificationState.FAILED and q.last_score == 0


def test_stratified_sample_covers_every_class() -> None:
    pool = [(n, ["a"]) for n in range(20)] + [(100 + n, ["b"]) for n in range(3)] + [(200, ["c"])]
    rng = random.Random(7)
    for _ in range(50):
        chosen = qualification.stratified_sample(pool, 6, rng)
        classes = Counter("a" if c < 100 else "b" if c < 200 else "c" for c in chosen)
        assert len(chosen) == 6 == len(set(chosen))
        assert classes["c"] == 1 and classes["b"] >= 2


def test_trust_score_moves_with_gold(
    app: Flask, gold_project: dict[str, Any], annotator: Callable[..., int]
) -> None:
    worker = annotator("es")
    with app.app_context():
        assert qualification.trust_score(worker, "es") == pytest.approx(0.5)
    take_exam(app, worker, gold_project, "es", right=True)
    answers = gold_answers(app)
    with app.app_context():
        for _ in range(20):
            lease = routing.claim_next_assignments(worker)[0]
            pipeline.submit_assignment(
                worker, lease.public_id, {"label": answers.get(lease.item_id, "positive")}
            )
        gold_seen = get_session().scalars(select(GoldScore.correct)).all()
        assert gold_seen and all(gold_seen)
        assert qualification.trust_score(worker, "es") > 0.5


def test_trust_scores_in_one_query_match_one_by_one(
    app: Flask, gold_project: dict[str, Any], annotator: Callable[..., int]
) -> None:
    good, new = annotator("es"), annotator("es")
    take_exam(app, good, gold_project, "es", right=True)
    answers = gold_answers(app)
    with app.app_context():
        for _ in range(10):
            lease = routing.claim_next_assignments(good)[0]
            pipeline.submit_assignment(
                good, lease.public_id, {"label": answers.get(lease.item_id, "positive")}
            )
        together = qualification.trust_scores([good, new], "es")
        assert together == {
            good: qualification.trust_score(good, "es"),
            new: qualification.trust_score(new, "es"),
        }
        assert together[new] == pytest.approx(0.5)
