"""The QA report that ships with every delivery of labels (and is built on demand per batch).

What it answers for the client, per language and per class: how often annotators matched hidden
gold (accuracy, precision, recall, F1, the confusion matrix), how reliable the labels are
(Krippendorff's α with a bootstrap interval), what review found, what is still open or doubtful
(known issues), how fast the work went and what an accepted item cost.

Why it reads other packages' tables: the report is a read across every stage after the item
(qualification, routing, agreement, review, payments), and those stages have no query for "counts
over a set of batches". Where a stage has the function, it is used: α and the confused pairs come
from :func:`marketplace.agreement.service.project_agreement` (never recomputed differently), the
"still in review" rule from :func:`marketplace.review.queries.items_in_review`, the classes of an
answer from :func:`marketplace.qualification.gold.class_key`. The rest are aggregate ``SELECT``s
here, read-only, in the reports layer that sits above all of them.

What never appears: gold answers (they contribute only counts and confusion cells) and annotator
identity (no ids, names or emails; flagged edge cases carry the item's public id and the comment).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from marketplace.agreement.models import ItemAgreement
from marketplace.agreement.service import project_agreement
from marketplace.db import get_session, utcnow
from marketplace.errors import NotFound
from marketplace.projects.models import Batch, Guideline, Item, ItemState, OntologyVersion, Project
from marketplace.qualification.gold import class_key
from marketplace.qualification.models import GoldAnswer, GoldScore
from marketplace.reports.bootstrap import CONFIDENCE, RESAMPLES, SEED, alpha_interval
from marketplace.review.models import ReviewDecision, ReviewOutcome, ReviewTask, ReviewTaskState
from marketplace.review.queries import UNDECIDED_STATES, items_in_review
from marketplace.routing.models import Acceptance, Assignment, AssignmentState

#: Version of the report's JSON shape (``qa_schema.QA_REPORT``); bump on an incompatible change.
REPORT_VERSION: Final = 1
#: Task types whose answer is one class: they get a confusion matrix (gold class × answered class).
SINGLE_CLASS_TYPES: Final = frozenset({"classification", "pairwise_preference"})
#: Task types whose answer carries a set of labelled parts (labels, spans, shapes): per-class
#: precision and recall count whether a class is present in the answer and in the gold.
LABEL_SET_TYPES: Final = frozenset(
    {
        "multi_label_classification",
        "ner",
        "image_bounding_box",
        "image_polygon",
        "image_keypoints",
        "segmentation_mask",
    }
)
#: ``class_key`` placeholders that are not classes: no labels at all, or a type without classes.
_NOT_CLASSES: Final = frozenset({"(none)", "(all)"})
#: Most confused class pairs listed per language.
CONFUSED_PAIRS: Final = 5
#: Longest list of items (flagged, unresolved) in the report; the counts stay exact beyond it.
MAX_LISTED: Final = 200
#: Judgments that count as answers given (rejected ones were given, then turned down).
_ANSWERED: Final = (AssignmentState.SUBMITTED, AssignmentState.REJECTED)


@dataclass(frozen=True)
class _Scope:
    """The items a report covers: work items of the chosen batches, optionally narrowed further."""

    project: Project
    batches: tuple[Batch, ...]
    item_ids: Select[int]
    #: Some batches or some items only (not the whole project): hidden gold is taken by time.
    narrowed: bool
    languages: tuple[str, ...] = field(default=())

    @property
    def batch_ids(self) -> list[int]:
        return [batch.id for batch in self.batches]


def build_qa_report(
    project_id: int,
    batch_ids: Sequence[int] | None = None,
    item_ids_select: Select[Any] | None = None,
) -> dict[str, Any]:
    """The QA report of a project's work batches (all, or ``batch_ids``), as JSON-ready data.

    ``item_ids_select`` (a ``SELECT`` of item ids, such as a delivery's items) narrows the items
    counted; agreement stays over the batches, since α is pooled per batch. Gold batches are never
    in scope; hidden-gold answers on gold items measure accuracy (see :func:`_gold_section`).
    """
    session = get_session()
    scope = _scope(session, project_id, batch_ids, item_ids_select)
    items = _item_counts(session, scope)
    span = _span(session, scope)
    agreement = _agreement_section(session, scope, batch_ids)
    gold = _gold_section(session, scope, span)
    review = _review_section(session, scope)
    throughput = _throughput(session, scope, span, items)
    cost = _cost(session, scope, items)
    languages = [
        {
            "language": language,
            "items": items[language],
            "gold": gold["languages"][language],
            "agreement": agreement["languages"][language],
            "review": review[language],
            "throughput": throughput["languages"][language],
            "cost": cost["languages"][language],
        }
        for language in scope.languages
    ]
    return {
        "version": REPORT_VERSION,
        "generated_at": _iso(utcnow()),
        "project": {
            "id": scope.project.public_id,
            "name": scope.project.name,
            "task_type": scope.project.task_type,
            "ontology_version": _ontology_version(scope.project),
        },
        "scope": {
            "batches": [{"id": b.public_id, "name": b.name} for b in scope.batches],
            "languages": list(scope.languages),
            "narrowed_to_items": scope.narrowed,
            "from": _iso(span[0]),
            "to": _iso(span[1]),
        },
        "classes": gold["classes"],
        "level": agreement["level"],
        "totals": {
            "items": _sum_counts(items.values()),
            "gold": gold["total"],
            "review": _sum_counts(review.values(), skip=("acceptance_rate",)),
            "throughput": throughput["total"],
            "cost": cost["total"],
        },
        "languages": languages,
        "known_issues": _known_issues(session, scope, agreement["confused"]),
    }


# --- scope --------------------------------------------------------------------------------------


def _scope(
    session: Session, project_id: int, batch_ids: Sequence[int] | None, item_ids_select: Select[Any] | None
) -> _Scope:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(_("No such project."))
    query = select(Batch).where(Batch.project_id == project_id, Batch.kind == "work").order_by(Batch.id)
    if batch_ids is not None:
        query = query.where(Batch.id.in_(list(batch_ids)))
    batches = tuple(session.scalars(query))
    item_ids = select(Item.id).where(
        Item.project_id == project_id, Item.batch_id.in_([b.id for b in batches])
    )
    if item_ids_select is not None:
        item_ids = item_ids.where(Item.id.in_(item_ids_select))
    seen = session.scalars(
        select(func.coalesce(Item.language, Item.declared_language)).where(Item.id.in_(item_ids)).distinct()
    )
    languages = sorted({*project.language_codes, *(code for code in seen if code)})
    narrowed = batch_ids is not None or item_ids_select is not None
    return _Scope(project, batches, item_ids, narrowed=narrowed, languages=tuple(languages))


def _span(session: Session, scope: _Scope) -> tuple[datetime | None, datetime | None]:
    """First claim to last answer of the scope's judgments: the period the work took."""
    first, last = session.execute(
        select(func.min(Assignment.claimed_at), func.max(Assignment.finished_at)).where(
            Assignment.item_id.in_(scope.item_ids), Assignment.state.in_(_ANSWERED)
        )
    ).one()
    return _utc(first), _utc(last)


def _item_language() -> Any:
    """An item's language for counting: the effective one, or the declared one while in triage."""
    return func.coalesce(Item.language, Item.declared_language)


def _deliverable(project_id: int) -> Any:
    """Complete, labelled and out of review: what a delivery ships (the accepted items)."""
    return and_(
        Item.state == ItemState.COMPLETE,
        Item.label.is_not(None),
        Item.id.not_in(items_in_review(project_id)),
    )


def _zero_item_counts() -> dict[str, int]:
    return {"total": 0, "complete": 0, "delivered": 0, "triage": 0}


def _item_counts(session: Session, scope: _Scope) -> dict[str, dict[str, int]]:
    counts = {language: _zero_item_counts() for language in scope.languages}
    rows = session.execute(
        select(_item_language(), Item.state, func.count())
        .where(Item.id.in_(scope.item_ids))
        .group_by(_item_language(), Item.state)
    )
    for language, state, count in rows:
        entry = counts.setdefault(language or "und", _zero_item_counts())
        entry["total"] += count
        if state == ItemState.COMPLETE:
            entry["complete"] += count
        if state == ItemState.TRIAGE:
            entry["triage"] += count
    delivered = session.execute(
        select(_item_language(), func.count())
        .where(Item.id.in_(scope.item_ids), _deliverable(scope.project.id))
        .group_by(_item_language())
    )
    for language, count in delivered:
        counts.setdefault(language or "und", _zero_item_counts())["delivered"] = count
    return counts


# --- hidden gold ----------------------------------------------------------------------------------


def answer_classes(task_type: str, answer: Mapping[str, Any] | None) -> list[str]:
    """The classes an answer names (one for single-class types, a set for labelled parts, none
    for types without classes), by the same rule gold coverage uses."""
    if not answer:
        return []
    try:
        keys = class_key(task_type, answer)
    except (KeyError, TypeError):
        return []  # an answer without the field scored as wrong by gold scoring: no class
    return [key for key in keys if key not in _NOT_CLASSES]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def class_scores(
    pairs: Iterable[tuple[Sequence[str], Sequence[str]]], classes: Sequence[str]
) -> list[dict[str, Any]]:
    """Per class: support (gold has it), predicted (the answer has it), true positives, false
    positives and negatives, precision, recall and F1, from (gold classes, answered classes) pairs.

    A class is counted by presence in each answer, so for a single class per answer this is the
    usual one-vs-rest count; for sets of labelled parts it is item-level presence (a span's
    position is what gold scoring's score judges, not this table).
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold, answered in pairs:
        wanted, given = set(gold), set(answered)
        tp.update(wanted & given)
        fp.update(given - wanted)
        fn.update(wanted - given)
    rows = []
    for name in classes:
        rows.append(
            {
                "class": name,
                "support": tp[name] + fn[name],
                "predicted": tp[name] + fp[name],
                "true_positives": tp[name],
                "false_positives": fp[name],
                "false_negatives": fn[name],
                "precision": _ratio(tp[name], tp[name] + fp[name]),
                "recall": _ratio(tp[name], tp[name] + fn[name]),
                # 2TP / (2TP + FP + FN): the harmonic mean of the two, and 0 (not undefined) for a
                # class answered but never gold, or gold but never answered.
                "f1": _ratio(2 * tp[name], 2 * tp[name] + fp[name] + fn[name]),
            }
        )
    return rows


def confusion_matrix(
    pairs: Iterable[tuple[str | None, str | None]], classes: Sequence[str]
) -> dict[str, Any]:
    """Gold class (rows) × answered class (columns) counts; an answer without a class is the
    column ``None`` (listed last as "no answer") only when one occurs."""
    index = {name: n for n, name in enumerate(classes)}
    counted = list(pairs)
    unanswered = any(answered is None for _gold, answered in counted)
    width = len(classes) + (1 if unanswered else 0)
    matrix = [[0] * width for _ in classes]
    for gold, answered in counted:
        if gold is None or gold not in index:
            continue
        column = index.get(answered, len(classes)) if answered is not None else len(classes)
        if column < width:
            matrix[index[gold]][column] += 1
    return {"labels": list(classes), "no_answer_column": unanswered, "matrix": matrix}


def _ordered_classes(project: Project, seen: Iterable[str]) -> list[str]:
    """The ontology's labels in its order, then any other class met (older versions), sorted."""
    ontology = project.current_ontology
    names = list(ontology.label_names) if ontology is not None else []
    return names + sorted(set(seen) - set(names))


def _gold_section(
    session: Session, scope: _Scope, span: tuple[datetime | None, datetime | None]
) -> dict[str, Any]:
    """Hidden-gold accuracy per language: every ``GoldScore`` (one per hidden-gold assignment; exam
    answers are not assignments and have none) with the classes of the gold and of the answer.

    Gold items belong to no work batch, so a narrowed scope (some batches, some items) takes the
    hidden gold answered while its work was done (claimed within the scope's span): that is the
    quality check those labels were made under. A whole-project report takes all of it.
    """
    project = scope.project
    query = (
        select(GoldScore.language, GoldScore.correct, GoldScore.score, GoldAnswer.answer, Assignment.answer)
        .join(Assignment, Assignment.id == GoldScore.assignment_id)
        .join(GoldAnswer, GoldAnswer.item_id == Assignment.item_id)
        .where(GoldScore.project_id == project.id)
    )
    if scope.narrowed:
        first, last = span
        if first is None or last is None:
            query = query.where(false())
        else:
            query = query.where(Assignment.claimed_at >= first, Assignment.claimed_at <= last)
    per_language: dict[str, list[tuple[bool, float, list[str], list[str]]]] = defaultdict(list)
    seen: set[str] = set()
    for language, correct, score, gold_answer, given in session.execute(query):
        gold = answer_classes(project.task_type, gold_answer)
        answered = answer_classes(project.task_type, given)
        seen.update(gold, answered)
        per_language[language].append((bool(correct), float(score), gold, answered))
    with_classes = project.task_type in SINGLE_CLASS_TYPES | LABEL_SET_TYPES
    classes = _ordered_classes(project, seen) if with_classes else []
    languages = {
        language: _gold_numbers(project.task_type, per_language.get(language, []), classes)
        for language in scope.languages
    }
    everything = [row for language in scope.languages for row in per_language.get(language, [])]
    return {
        "classes": classes,
        "languages": languages,
        "total": _gold_numbers(project.task_type, everything, classes),
    }


def _gold_numbers(
    task_type: str, rows: Sequence[tuple[bool, float, list[str], list[str]]], classes: Sequence[str]
) -> dict[str, Any]:
    correct = sum(1 for ok, _score, _gold, _answered in rows if ok)
    numbers: dict[str, Any] = {
        "scored": len(rows),
        "correct": correct,
        "accuracy": _ratio(correct, len(rows)),
        "mean_score": _ratio(sum(score for _ok, score, _g, _a in rows), len(rows)),
        "classes": [],
        "confusion": None,
    }
    if classes:
        numbers["classes"] = class_scores(((g, a) for _ok, _s, g, a in rows), classes)
    if classes and task_type in SINGLE_CLASS_TYPES:
        numbers["confusion"] = confusion_matrix(
            ((g[0] if g else None, a[0] if a else None) for _ok, _s, g, a in rows), classes
        )
    return numbers


# --- agreement ------------------------------------------------------------------------------------


def _agreement_section(session: Session, scope: _Scope, batch_ids: Sequence[int] | None) -> dict[str, Any]:
    """α per language exactly as the agreement API reports it, with a bootstrap interval over the
    items whose stored values make up those same matrices."""
    report = project_agreement(scope.project.id, None if batch_ids is None else scope.batch_ids)
    level = report["level"]
    found = {row["language"]: row for row in report["languages"]}
    units = _unit_values(session, scope)
    languages: dict[str, dict[str, Any]] = {}
    confused: dict[str, list[dict[str, Any]]] = {}
    for language in scope.languages:
        row = found.get(language, {})
        alpha = row.get("alpha")
        interval = alpha_interval(units.get(language, []), level) if level and alpha is not None else None
        languages[language] = {
            "alpha": alpha,
            "interval": (
                {
                    "low": interval[0],
                    "high": interval[1],
                    "confidence": CONFIDENCE,
                    "resamples": RESAMPLES,
                    "seed": SEED,
                }
                if interval is not None
                else None
            ),
            "items": row.get("units", 0),
            "judgments": row.get("answers", 0),
            "per_class": dict(row.get("per_class", {})),
        }
        confused[language] = [
            {
                "first": pair["first"],
                "second": pair["second"],
                "count": round(float(pair["observed"]), 6),
                "ratio": round(float(pair["ratio"]), 6),
            }
            for pair in row.get("confused_pairs", [])[:CONFUSED_PAIRS]
        ]
    return {"level": level, "languages": languages, "confused": confused}


def _unit_values(session: Session, scope: _Scope) -> dict[str, list[list[Any]]]:
    """Per language, the values each item of the scope's batches put in the coincidence matrix.

    Over the whole batches (not ``item_ids_select``): the α they resample is the batches' α.
    """
    rows = session.execute(
        select(Item.language, ItemAgreement.values)
        .join(Item, Item.id == ItemAgreement.item_id)
        .where(ItemAgreement.project_id == scope.project.id, Item.batch_id.in_(scope.batch_ids))
        .order_by(Item.id)
    )
    units: dict[str, list[list[Any]]] = defaultdict(list)
    for language, values in rows:
        if language is not None and values:
            units[language].append(list(values))
    return units


# --- review ---------------------------------------------------------------------------------------


def _review_section(session: Session, scope: _Scope) -> dict[str, dict[str, Any]]:
    """Per language: the review sample (tasks on the scope's items, cancelled ones left out), its
    decisions, why items were reviewed, rejection reasons, and the outcome of each judgment."""
    result = {language: _empty_review() for language in scope.languages}
    tasks = session.execute(
        select(ReviewTask.language, ReviewTask.state, ReviewTask.decision, ReviewTask.rejection_reason,
               ReviewTask.reasons)
        .where(ReviewTask.item_id.in_(scope.item_ids), ReviewTask.state != ReviewTaskState.CANCELLED)
    )  # fmt: skip
    for language, state, decision, rejection_reason, reasons in tasks:
        entry = result.setdefault(language, _empty_review())
        entry["sample_size"] += 1
        if state in UNDECIDED_STATES:
            entry["open"] += 1
        elif decision is not None:
            entry["decided"] += 1
            entry[_DECISION_KEYS[decision]] += 1
            if decision == ReviewDecision.REJECT:
                code = rejection_reason or "other"
                entry["rejection_reasons"][code] = entry["rejection_reasons"].get(code, 0) + 1
        for reason in reasons or []:
            code = str(reason.get("reason")) if isinstance(reason, Mapping) else str(reason)
            entry["review_reasons"][code] = entry["review_reasons"].get(code, 0) + 1
    outcomes = session.execute(
        select(ReviewTask.language, ReviewOutcome.outcome, func.count())
        .join(ReviewTask, ReviewTask.id == ReviewOutcome.review_task_id)
        .where(ReviewTask.item_id.in_(scope.item_ids))
        .group_by(ReviewTask.language, ReviewOutcome.outcome)
    )
    for language, outcome, count in outcomes:
        judgments = result.setdefault(language, _empty_review())["judgments"]
        judgments[outcome] = judgments.get(outcome, 0) + count
    for entry in result.values():
        entry["corrections"] = entry["judgments"].get("corrected", 0)
        entry["acceptance_rate"] = _ratio(entry["accepted"] + entry["corrected"], entry["decided"])
        entry["rejection_reasons"] = dict(sorted(entry["rejection_reasons"].items()))
        entry["review_reasons"] = dict(sorted(entry["review_reasons"].items()))
    return result


_DECISION_KEYS: Final = {
    ReviewDecision.ACCEPT: "accepted",
    ReviewDecision.FIX: "corrected",
    ReviewDecision.REJECT: "rejected",
}


def _empty_review() -> dict[str, Any]:
    return {
        "sample_size": 0,
        "open": 0,
        "decided": 0,
        "accepted": 0,
        "corrected": 0,
        "rejected": 0,
        "acceptance_rate": None,
        "corrections": 0,
        "rejection_reasons": {},
        "review_reasons": {},
        "judgments": {"accepted": 0, "corrected": 0, "rejected": 0},
    }


# --- known issues ---------------------------------------------------------------------------------


def _known_issues(
    session: Session, scope: _Scope, confused: Mapping[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    return {
        "confused_pairs": [
            {"language": language, **pair}
            for language in scope.languages
            for pair in confused.get(language, [])
        ],
        "flagged_edge_cases": _flagged(session, scope),
        "unresolved_items": _unresolved(session, scope),
        "incomplete_items": _incomplete(session, scope),
        "triage": _triage(session, scope),
        "missing_guidelines": _missing_guidelines(session, scope.project),
    }


def _flagged(session: Session, scope: _Scope) -> dict[str, Any]:
    """Judgments flagged as edge cases: the item and the annotator's comment, never the annotator."""
    where = (
        Assignment.item_id.in_(scope.item_ids),
        Assignment.flagged_edge_case.is_(True),
        Assignment.state.in_(_ANSWERED),
    )
    total = session.scalar(select(func.count()).select_from(Assignment).where(*where)) or 0
    rows = session.execute(
        select(Item.public_id, Assignment.language, Assignment.comment)
        .join(Item, Item.id == Assignment.item_id)
        .where(*where)
        .order_by(Item.id, Assignment.id)
        .limit(MAX_LISTED)
    )
    return {
        "count": int(total),
        "items": [
            {"item": item, "language": language, "comment": comment or ""} for item, language, comment in rows
        ],
    }


def _unresolved(session: Session, scope: _Scope) -> dict[str, Any]:
    """Complete items whose label is still in doubt: an undecided review task, or an edge case that
    no review of the item's current round has decided yet."""
    decided_this_round = exists().where(
        ReviewTask.item_id == Item.id,
        ReviewTask.round == Item.review_round,
        ReviewTask.state == ReviewTaskState.DECIDED,
    )
    in_review = Item.id.in_(items_in_review(scope.project.id))
    condition = and_(
        Item.id.in_(scope.item_ids),
        Item.state == ItemState.COMPLETE,
        or_(in_review, and_(Item.edge_case_reason.is_not(None), ~decided_this_round)),
    )
    total = session.scalar(select(func.count()).select_from(Item).where(condition)) or 0
    rows = session.execute(
        select(Item.public_id, Item.language, Item.edge_case_reason, in_review)
        .where(condition)
        .order_by(Item.id)
        .limit(MAX_LISTED)
    )
    return {
        "count": int(total),
        "items": [
            {
                "item": item,
                "language": language,
                "reason": "in_review" if reviewing else (reason or "in_review"),
            }
            for item, language, reason, reviewing in rows
        ],
    }


def _incomplete(session: Session, scope: _Scope) -> dict[str, Any]:
    """Items not complete yet, per language and state (ready: still being judged or redone)."""
    rows = session.execute(
        select(_item_language(), Item.state, func.count())
        .where(Item.id.in_(scope.item_ids), Item.state != ItemState.COMPLETE)
        .group_by(_item_language(), Item.state)
        .order_by(_item_language(), Item.state)
    )
    by_language: dict[str, dict[str, int]] = defaultdict(dict)
    total = 0
    for language, state, count in rows:
        by_language[language or "und"][state] = count
        total += count
    return {"count": total, "languages": dict(by_language)}


def _triage(session: Session, scope: _Scope) -> dict[str, Any]:
    """Items waiting in the ops language triage queue, by declared language and by reason."""
    rows = session.execute(
        select(Item.declared_language, Item.triage_reason, func.count())
        .where(Item.id.in_(scope.item_ids), Item.state == ItemState.TRIAGE)
        .group_by(Item.declared_language, Item.triage_reason)
    )
    by_language: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    for language, reason, count in rows:
        by_language[language or "und"] += count
        by_reason[reason or "unknown"] += count
    return {
        "count": sum(by_language.values()),
        "languages": dict(sorted(by_language.items())),
        "reasons": dict(sorted(by_reason.items())),
    }


def _newest_ontology(session: Session, project_id: int) -> OntologyVersion | None:
    return session.scalar(
        select(OntologyVersion)
        .where(OntologyVersion.project_id == project_id)
        .order_by(OntologyVersion.version.desc())
        .limit(1)
    )


def _ontology_version(project: Project) -> int | None:
    ontology = project.current_ontology
    return ontology.version if ontology is not None else None


def _missing_guidelines(session: Session, project: Project) -> dict[str, Any]:
    """Target languages with no guideline for the newest ontology version: annotators there work
    from the source-language text (or none)."""
    ontology = _newest_ontology(session, project.id)
    present: set[str] = set()
    if ontology is not None:
        present = set(
            session.scalars(select(Guideline.language).where(Guideline.ontology_version_id == ontology.id))
        )
    return {
        "ontology_version": ontology.version if ontology is not None else None,
        "languages": [code for code in project.language_codes if code not in present],
    }


# --- throughput and cost --------------------------------------------------------------------------


def _days(span: tuple[datetime | None, datetime | None]) -> int:
    """Calendar days (UTC) the span touches, at least one: work on one afternoon is one day."""
    first, last = span
    if first is None or last is None:
        return 0
    return (last.date() - first.date()).days + 1


def _throughput(
    session: Session,
    scope: _Scope,
    span: tuple[datetime | None, datetime | None],
    items: Mapping[str, Mapping[str, int]],
) -> dict[str, Any]:
    days = _days(span)
    judgments = dict(
        session.execute(
            select(Assignment.language, func.count())
            .where(Assignment.item_id.in_(scope.item_ids), Assignment.state.in_(_ANSWERED))
            .group_by(Assignment.language)
        ).all()
    )

    def rates(accepted: int, answered: int) -> dict[str, Any]:
        return {
            "days": days,
            "accepted_items": accepted,
            "judgments": answered,
            "accepted_items_per_day": _ratio(accepted, days),
            "judgments_per_day": _ratio(answered, days),
        }

    languages = {
        language: rates(items.get(language, {}).get("delivered", 0), int(judgments.get(language, 0)))
        for language in scope.languages
    }
    total = rates(
        sum(entry.get("delivered", 0) for entry in items.values()), sum(int(n) for n in judgments.values())
    )
    return {"languages": languages, "total": total}


def per_item_minor(total_minor: int, items: int) -> int | None:
    """Integer minor units per item, rounded half up (money stays integral); None for no items."""
    if items <= 0:
        return None
    return (2 * total_minor + items) // (2 * items)


def _cost(session: Session, scope: _Scope, items: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Booked pay plus platform fee of the scope's accepted judgments (the rate fixed on each at
    claim time), per currency, over the delivered items. Hidden gold is not in a work batch and
    not in this figure."""
    rows = session.execute(
        select(
            Assignment.language,
            Assignment.rate_currency,
            func.count(),
            func.coalesce(func.sum(Assignment.rate_minor), 0),
            func.coalesce(func.sum(Assignment.fee_minor), 0),
        )
        .where(
            Assignment.item_id.in_(scope.item_ids),
            Assignment.acceptance == Acceptance.ACCEPTED,
            Assignment.rate_currency.is_not(None),
        )
        .group_by(Assignment.language, Assignment.rate_currency)
        .order_by(Assignment.language, Assignment.rate_currency)
    )
    booked: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for language, currency, count, pay, fees in rows:
        booked[language][str(currency)] = [int(count), int(pay or 0), int(fees or 0)]

    def lines(per_currency: Mapping[str, list[int]], delivered: int) -> list[dict[str, Any]]:
        return [
            {
                "currency": currency,
                "accepted_judgments": count,
                "pay_minor": pay,
                "fees_minor": fees,
                "total_minor": pay + fees,
                "delivered_items": delivered,
                "per_accepted_item_minor": per_item_minor(pay + fees, delivered),
            }
            for currency, (count, pay, fees) in sorted(per_currency.items())
        ]

    languages = {
        language: lines(booked.get(language, {}), items.get(language, {}).get("delivered", 0))
        for language in scope.languages
    }
    merged: dict[str, list[int]] = {}
    for per_currency in booked.values():
        for currency, values in per_currency.items():
            merged[currency] = [a + b for a, b in zip(merged.get(currency, [0, 0, 0]), values, strict=True)]
    delivered = sum(entry.get("delivered", 0) for entry in items.values())
    return {"languages": languages, "total": lines(merged, delivered)}


# --- helpers --------------------------------------------------------------------------------------


def _sum_counts(entries: Iterable[Mapping[str, Any]], skip: Sequence[str] = ()) -> dict[str, Any]:
    """Field-wise sum of integer counts (and of nested count dicts) over the languages."""
    total: dict[str, Any] = {}
    for entry in entries:
        for key, value in entry.items():
            if key in skip:
                continue
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
            elif isinstance(value, Mapping):
                inner = total.setdefault(key, {})
                for name, count in value.items():
                    inner[name] = inner.get(name, 0) + count
    if "decided" in total:
        total["acceptance_rate"] = _ratio(
            total.get("accepted", 0) + total.get("corrected", 0), total["decided"]
        )
    return total


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None
