"""Agreement use-cases: settle an item when its judgments are in (consensus, dynamic overlap, edge
cases), keep the coincidence matrices current, and report agreement per language, class and
annotator.

Dynamic overlap: when an item has its required answers and they do not agree (no resolved
consensus), it asks for one more judgment, up to the project's ``max_overlap``; still unresolved
there, it is complete but flagged as an edge case for review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.agreement.models import AgreementStats, ItemAgreement
from marketplace.db import get_session, insert_ignoring_conflicts, utcnow
from marketplace.projects import item_lifecycle as items
from marketplace.projects.models import Batch, Item, Project
from marketplace.routing.models import Assignment, AssignmentState

#: Consensus confidence below which an item counts as unresolved.
MIN_CONFIDENCE = 0.5


def submitted_answers(session: Session, item_id: int) -> dict[int, dict[str, Any]]:
    return {
        annotator_id: answer
        for annotator_id, answer in session.execute(
            select(Assignment.annotator_id, Assignment.answer)
            .where(Assignment.item_id == item_id, Assignment.state == AssignmentState.SUBMITTED)
            .order_by(Assignment.id)
        )
        if answer is not None
    }


def _weights(annotator_ids: Sequence[int], language: str) -> dict[int, float]:
    from marketplace.qualification.service import trust_scores

    return trust_scores(annotator_ids, language)


def settle_item(session: Session, item: Item, project: Project, now: datetime) -> str:
    """Called (in the caller's transaction, item row locked) once an item has its required answers.

    Returns "complete", "more" (dynamic overlap asked for another judgment) or "edge_case".
    """
    from marketplace.agreement.consensus import consensus_for

    answers = submitted_answers(session, item.id)
    language = item.language or project.source_language
    result = consensus_for(
        project.task_type,
        answers,
        item.payload,
        project.task_config,
        language,
        weights=_weights(list(answers), language),
        # A project that wants one judgment per item accepts one answer as settled.
        min_answers=min(2, project.overlap),
    )
    items.record_consensus(
        item,
        {
            "answer": result.answer,
            "confidence": result.confidence,
            "resolved": result.resolved,
            "method": result.method,
            "judgments": len(answers),
            "computed_at": now.isoformat(),
        },
    )
    required = item.judgments_required or project.overlap
    if result.resolved:
        items.complete_item(item)
        return "complete"
    if required < project.max_overlap:
        items.ask_for_more_judgments(item, required + 1)
        return "more"
    items.complete_item(item, edge_case_reason="unresolved")
    return "edge_case"


# --- statistics -------------------------------------------------------------------------------


def _stats_row(session: Session, project_id: int, language: str, batch_id: int) -> AgreementStats:
    """The batch's statistics row, created if missing, locked for this transaction.

    Jobs for different items of one batch run at the same time: creating the row is an insert that
    ignores a concurrent twin (ON CONFLICT DO NOTHING), then every job locks the one row.
    """
    session.execute(
        insert_ignoring_conflicts(
            session,
            AgreementStats,
            {
                "project_id": project_id,
                "language": language,
                "batch_id": batch_id,
                "coincidence": {},
                "units": 0,
                "answers": 0,
                "updated_at": utcnow(),
            },
            ["project_id", "language", "batch_id"],
        )
    )
    row = session.scalar(
        select(AgreementStats)
        .where(
            AgreementStats.project_id == project_id,
            AgreementStats.language == language,
            AgreementStats.batch_id == batch_id,
        )
        .with_for_update()
    )
    assert row is not None
    return row


def update_item_statistics(item_id: int) -> bool:
    """Bring the item's contribution to its batch's coincidence matrix up to date (idempotent:
    a second run finds the stored values equal to the current ones and changes nothing)."""
    from marketplace.agreement.coincidence import Coincidence, unit_coincidences
    from marketplace.agreement.task_metrics import alpha_value

    session = get_session()
    # Jobs of the same item serialise on its row, so the second sees what the first wrote.
    item = session.get(Item, item_id, with_for_update={"key_share": True})
    if item is None or item.language is None:
        session.rollback()
        return False
    project = session.get(Project, item.project_id)
    batch = session.get(Batch, item.batch_id)
    if project is None or batch is None or batch.kind != "work":
        session.rollback()
        return False
    answers = submitted_answers(session, item.id)
    values = [
        v
        for v in (alpha_value(project.task_type, a, project.task_config) for a in answers.values())
        if v is not None
    ]
    record = session.get(ItemAgreement, item.id, with_for_update=True)
    old = list(record.values) if record is not None else []
    if (
        record is not None
        and sorted(map(str, old)) == sorted(map(str, values))
        and record.agreement is not None
    ):
        session.rollback()
        return False
    stats = _stats_row(session, project.id, item.language, item.batch_id)
    matrix = Coincidence.from_json(stats.coincidence) if stats.coincidence else Coincidence.empty()
    if len(old) >= 2:
        matrix = matrix - unit_coincidences(old)
        stats.units -= 1
    if len(values) >= 2:
        matrix = matrix + unit_coincidences(values)
        stats.units += 1
    stats.answers += len(values) - len(old)
    stats.coincidence = matrix.to_json()
    if record is None:
        record = ItemAgreement(item_id=item.id, project_id=project.id)
        session.add(record)
    record.values = values
    record.agreement = _pairwise_agreement(project, item, answers)
    consensus = item.consensus or {}
    record.confidence = consensus.get("confidence")
    record.method = consensus.get("method")
    record.annotators = _agreement_with_consensus(project, item, answers)
    session.commit()
    return True


def _pairwise_agreement(
    project: Project, item: Item, answers: Mapping[int, Mapping[str, Any]]
) -> float | None:
    from marketplace.agreement.task_metrics import item_agreement

    return item_agreement(
        project.task_type, list(answers.values()), item.payload, project.task_config, item.language
    )


def _agreement_with_consensus(
    project: Project, item: Item, answers: Mapping[int, Mapping[str, Any]]
) -> dict[str, Any]:
    consensus = (item.consensus or {}).get("answer")
    if consensus is None:
        return {}
    from marketplace.agreement.task_metrics import pair_agreement

    return {
        str(annotator_id): pair_agreement(
            project.task_type, answer, consensus, item.payload, project.task_config, item.language
        )
        for annotator_id, answer in answers.items()
    }


def project_agreement(project_id: int, batch_ids: Sequence[int] | None = None) -> dict[str, Any]:
    """Agreement of a project per language: α (pooled exactly over batches), per-class α, the most
    confused class pairs, and per-annotator agreement with consensus and with gold."""
    from marketplace.agreement.coincidence import Coincidence
    from marketplace.agreement.metrics import alpha_from_coincidence, most_confused_pairs, per_class_alpha
    from marketplace.agreement.task_metrics import alpha_level

    session = get_session()
    project = session.get(Project, project_id)
    if project is None:
        return {"level": None, "languages": []}
    level = alpha_level(project.task_type, project.task_config)
    query = select(AgreementStats).where(AgreementStats.project_id == project_id)
    if batch_ids is not None:
        query = query.where(AgreementStats.batch_id.in_(list(batch_ids)))
    per_language: dict[str, list[AgreementStats]] = defaultdict(list)
    for row in session.scalars(query):
        per_language[row.language].append(row)
    languages = []
    for language, rows in sorted(per_language.items()):
        matrices = [Coincidence.from_json(r.coincidence) for r in rows if r.coincidence]
        pooled = Coincidence.merge(matrices) if matrices else Coincidence.empty()
        languages.append(
            {
                "language": language,
                "units": sum(r.units for r in rows),
                "answers": sum(r.answers for r in rows),
                "alpha": alpha_from_coincidence(pooled, level) if level else None,
                "per_class": _json_keys(per_class_alpha(pooled)) if level == "nominal" else {},
                "confused_pairs": [
                    {**pair, "first": str(pair["first"]), "second": str(pair["second"])}
                    for pair in most_confused_pairs(pooled, limit=5)
                ]
                if level == "nominal"
                else [],
                "annotators": annotator_agreement(
                    project_id, language, project if level == "nominal" else None
                ),
                "coincidence": {
                    "values": [str(v) for v in pooled.values],
                    "matrix": pooled.matrix.round(6).tolist(),
                },
            }
        )
    return {"level": level, "languages": languages}


def _json_keys(values: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(key): value for key, value in values.items()}


#: Above this many answers the on-demand Dawid–Skene estimate is skipped (a job's work, not a page's).
MAX_DAWID_SKENE_ANSWERS = 200_000


def dawid_skene_accuracy(project: Project, language: str) -> dict[int, float]:
    """Each annotator's accuracy as Dawid–Skene estimates it from all answers in the language:
    Σ_j p_j π⁽ᵏ⁾_jj, the chance they give the true class, weighted by how common each class is.
    Unlike agreement with the majority, it does not punish the one careful annotator of three."""
    from marketplace.agreement.dawid_skene import AnswerCounts, dawid_skene
    from marketplace.agreement.task_metrics import alpha_value

    session = get_session()
    rows = session.execute(
        select(Assignment.item_id, Assignment.annotator_id, Assignment.answer)
        .join(Item, Item.id == Assignment.item_id)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Assignment.project_id == project.id,
            Assignment.state == AssignmentState.SUBMITTED,
            Item.language == language,
            Batch.kind == "work",
        )
        .limit(MAX_DAWID_SKENE_ANSWERS + 1)
    ).all()
    if len(rows) > MAX_DAWID_SKENE_ANSWERS or len(rows) < 2:
        return {}
    triples = [
        (i, a, alpha_value(project.task_type, answer, project.task_config)) for i, a, answer in rows if answer
    ]
    triples = [(i, a, v) for i, a, v in triples if v is not None]
    items = {i: n for n, i in enumerate(sorted({i for i, _a, _v in triples}))}
    people = sorted({a for _i, a, _v in triples})
    person_index = {a: n for n, a in enumerate(people)}
    classes = {v: n for n, v in enumerate(sorted({str(v) for _i, _a, v in triples}))}
    if len(classes) < 2:
        return {}
    counts = AnswerCounts.from_triples(
        [items[i] for i, _a, _v in triples],
        [person_index[a] for _i, a, _v in triples],
        [classes[str(v)] for _i, _a, v in triples],
        n_items=len(items),
        n_annotators=len(people),
        n_classes=len(classes),
    )
    fit = dawid_skene(counts)
    diagonal = fit.confusion.diagonal(axis1=1, axis2=2)  # A × K: P(correct | true class j)
    accuracy = diagonal @ fit.priors
    return {person: float(accuracy[n]) for n, person in enumerate(people)}


def annotator_agreement(
    project_id: int, language: str, project: Project | None = None
) -> list[dict[str, Any]]:
    """Per annotator: mean agreement with consensus over their items, hidden-gold accuracy, and
    (for nominal answers) the accuracy Dawid–Skene estimates."""
    from marketplace.qualification.models import GoldScore

    session = get_session()
    sums: dict[int, list[float]] = defaultdict(list)
    rows = session.execute(
        select(ItemAgreement.annotators)
        .join(Item, Item.id == ItemAgreement.item_id)
        .where(ItemAgreement.project_id == project_id, Item.language == language)
    )
    for (annotators,) in rows:
        for annotator_id, value in (annotators or {}).items():
            if value is not None:
                sums[int(annotator_id)].append(float(value))
    gold: dict[int, list[float]] = defaultdict(list)
    for user_id, score in session.execute(
        select(GoldScore.user_id, GoldScore.score).where(
            GoldScore.project_id == project_id, GoldScore.language == language
        )
    ):
        gold[user_id].append(score)
    estimated = dawid_skene_accuracy(project, language) if project is not None else {}
    people = sorted(set(sums) | set(gold))
    return [
        {
            "annotator_id": person,
            "items": len(sums.get(person, [])),
            "agreement_with_consensus": (sum(sums[person]) / len(sums[person])) if sums.get(person) else None,
            "gold_answers": len(gold.get(person, [])),
            "gold_accuracy": (sum(gold[person]) / len(gold[person])) if gold.get(person) else None,
            "estimated_accuracy": estimated.get(person),
        }
        for person in people
    ]
