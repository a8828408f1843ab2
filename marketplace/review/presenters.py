"""Review data as each reader sees it, shared by the JSON API and the pages so they never differ.

Reviewers see an item's judgments under pseudonyms ("A1", "A2"...) numbered by assignment within
the task: they judge the work, not the person. They may see gold answers; annotators never do.
Ops see names, since they grant roles and decide appeals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.db import get_session
from marketplace.languages.codes import text_direction
from marketplace.projects.briefing import item_for_annotator, project_brief
from marketplace.projects.models import Item, Project
from marketplace.projects.presenters import timestamp
from marketplace.qualification.models import GoldAnswer
from marketplace.review import feedback, service
from marketplace.review.models import (
    AppealState,
    RejectionReason,
    ReviewDecision,
    ReviewerLanguage,
    ReviewOutcome,
    ReviewReason,
    ReviewTask,
    ReviewTaskState,
)
from marketplace.review.stats import LanguageQueue, ReviewerAgreement
from marketplace.routing.models import Assignment

#: Longest item excerpt in lists (feedback, appeals); the task page shows the whole item.
EXCERPT_CHARS = 200

#: Why an item is in review, as the reviewer reads it.
REVIEW_REASON_TEXT = {
    ReviewReason.SAMPLE: _l("Picked for the quality sample."),
    ReviewReason.FLAGGED: _l("An annotator flagged it as an edge case."),
    ReviewReason.UNRESOLVED: _l("The annotators did not agree, even after extra judgments."),
    ReviewReason.FAILED_GOLD: _l("An answer to a hidden check item did not match the expected answer."),
    ReviewReason.LANGUAGE_REPORTED: _l("An annotator reported that it is not in the expected language."),
    ReviewReason.LOW_AGREEMENT: _l("The annotators agreed only weakly."),
}

DECISION_TEXT = {
    ReviewDecision.ACCEPT: _l("Accept"),
    ReviewDecision.FIX: _l("Correct and accept"),
    ReviewDecision.REJECT: _l("Reject"),
}


def review_reason_text(code: str | None) -> str:
    try:
        return str(REVIEW_REASON_TEXT[ReviewReason(str(code))])
    except ValueError:
        return str(code or "")


def decision_text(code: str | None) -> str:
    try:
        return str(DECISION_TEXT[ReviewDecision(str(code))])
    except ValueError:
        return str(code or "")


def rejection_reason_choices() -> list[tuple[str, str]]:
    """Every rejection reason with the text the annotator will read."""
    return [(reason.value, feedback.reason_text(reason.value)) for reason in RejectionReason]


def item_excerpt(item: Item, length: int = EXCERPT_CHARS) -> str | None:
    text = item.payload.get("text") if isinstance(item.payload, dict) else None
    if not isinstance(text, str):
        return None
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- the task a reviewer decides -----------------------------------------------------------------


def covered_judgments(task: ReviewTask) -> list[Assignment]:
    """The judgments a task is about, the same before and after it is decided: its one judgment;
    the judgments the final pass settled (their outcomes: one per judgment, only the final pass
    writes them); else those still waiting in review."""
    session = get_session()
    if task.assignment_id is not None:
        one = session.get(Assignment, task.assignment_id)
        return [one] if one is not None else []
    settled = list(
        session.scalars(
            select(Assignment)
            .join(ReviewOutcome, ReviewOutcome.assignment_id == Assignment.id)
            .join(ReviewTask, ReviewTask.id == ReviewOutcome.review_task_id)
            .where(
                ReviewTask.item_id == task.item_id,
                ReviewTask.round == task.round,
                ReviewTask.assignment_id.is_(None),
            )
            .order_by(Assignment.id)
        )
    )
    if settled:
        return settled
    return service.task_judgments(session, task)


def pseudonyms(judgments: Iterable[Assignment]) -> dict[str, str]:
    """Assignment public id → "A1", "A2"... in assignment order: stable for the task's life."""
    ordered = sorted(judgments, key=lambda a: a.id)
    return {a.public_id: f"A{n}" for n, a in enumerate(ordered, start=1)}


def judgments_json(judgments: Sequence[Assignment]) -> list[dict[str, Any]]:
    names = pseudonyms(judgments)
    return [
        {
            "id": a.public_id,
            "annotator": names[a.public_id],
            "answer": a.answer,
            "flagged_edge_case": a.flagged_edge_case,
            "comment": a.comment,
            "seconds_spent": a.seconds_spent,
        }
        for a in sorted(judgments, key=lambda a: a.id)
    ]


def reasons_json(reasons: Iterable[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """The task's reasons with their texts; judgment ids a reason names get their pseudonyms."""
    result = []
    for raw in reasons:
        entry = dict(raw) if isinstance(raw, dict) else {"reason": str(raw)}
        entry["text"] = review_reason_text(entry.get("reason"))
        if isinstance(entry.get("judgments"), list):
            entry["annotators"] = [names.get(j, "?") for j in entry["judgments"]]
        result.append(entry)
    return result


def gold_json(task: ReviewTask) -> dict[str, Any] | None:
    """The expected answer of a failed hidden-gold task (reviewers only)."""
    if task.assignment_id is None:
        return None
    gold = get_session().get(GoldAnswer, task.item_id)
    if gold is None:
        return None
    return {"answer": gold.answer, "explanation": gold.explanation}


def _consensus(item: Item) -> dict[str, Any] | None:
    if not item.consensus:
        return None
    return {
        "answer": item.consensus.get("answer"),
        "confidence": item.consensus.get("confidence"),
        "resolved": bool(item.consensus.get("resolved")),
    }


def task_json(task: ReviewTask) -> dict[str, Any]:
    """Everything a reviewer needs to decide a task, and what they decided."""
    session = get_session()
    item = session.get(Item, task.item_id)
    project = session.get(Project, task.project_id)
    assert item is not None and project is not None
    judgments = covered_judgments(task)
    names = pseudonyms(judgments)
    # The guideline in the item's language, else the source language (flagged as a fallback).
    brief = project_brief(project, task.language, None)
    decided = task.state == ReviewTaskState.DECIDED
    return {
        "id": task.public_id,
        "project": {"id": project.public_id, "name": project.name, "task_type": project.task_type},
        "language": task.language,
        "direction": text_direction(task.language),
        "item": {
            **item_for_annotator(item),
            "label": item.label,
            "consensus": _consensus(item),
        },
        "reasons": reasons_json(task.reasons or [], names),
        "pass_number": task.pass_number,
        "round": task.round,
        "state": task.state,
        "lease_expires_at": timestamp(task.lease_expires_at),
        "single_judgment": task.assignment_id is not None,
        "judgments": judgments_json(judgments),
        "labels": brief["labels"],
        "task_config": brief["task_config"],
        "guideline": brief["guideline"],
        "gold": gold_json(task),
        "decision": task.decision,
        "decision_text": decision_text(task.decision) if task.decision else None,
        "correction": task.correction,
        "rejection_reason": task.rejection_reason,
        "rejection_reason_text": feedback.reason_text(task.rejection_reason) or None,
        "note": task.note if decided else "",
        "rejected_judgments": [
            {"id": public_id, "annotator": names.get(public_id, "?")}
            for public_id in task.rejected_assignments or []
        ],
        "decided_at": timestamp(task.decided_at),
    }


# --- queues and statistics ---------------------------------------------------------------------


def queue_json(queue: LanguageQueue) -> dict[str, Any]:
    return {
        "language": queue.language,
        "direction": text_direction(queue.language),
        "open": queue.open,
        "leased": queue.leased,
        "decided": queue.decided,
        "reasons": [
            {"reason": reason.value, "text": review_reason_text(reason), "count": queue.reasons[reason.value]}
            for reason in ReviewReason
            if queue.reasons.get(reason.value)
        ],
        "decisions": {decision.value: queue.decisions.get(decision.value, 0) for decision in ReviewDecision},
        "acceptance_rate": queue.acceptance_rate,
    }


def queues_for(languages: Sequence[str] | None) -> list[dict[str, Any]]:
    """Queue summaries; with ``languages``, one per language even when it is empty."""
    from marketplace.review.stats import queue_summary

    found = {q.language: q for q in queue_summary(languages)}
    if languages is None:
        return [queue_json(q) for q in found.values()]
    return [queue_json(found.get(code) or LanguageQueue(code)) for code in languages]


def agreement_json(row: ReviewerAgreement) -> dict[str, Any]:
    return {
        "language": row.language,
        "compared": row.compared,
        "agreed": row.agreed,
        "rate": row.rate,
        "kappa": row.kappa,
        "reviewers": [
            {
                "name": name,
                "compared": counts["compared"],
                "agreed": counts["agreed"],
                "rate": counts["agreed"] / counts["compared"] if counts["compared"] else None,
            }
            for name, counts in sorted(row.per_reviewer.items())
        ],
    }


def reviewer_json(grant: ReviewerLanguage, user: User) -> dict[str, Any]:
    return {
        "user": {"id": user.id, "name": user.display_name, "email": user.email},
        "language": grant.language,
        "granted_at": timestamp(grant.granted_at),
        "granted_by": grant.granted_by_id,
        "revoked_at": timestamp(grant.revoked_at),
    }


# --- annotators' feedback and ops' appeals ------------------------------------------------------


def feedback_entry_json(entry: feedback.FeedbackEntry) -> dict[str, Any]:
    """One outcome as its annotator sees it: nothing about other annotators, no gold."""
    shown = item_for_annotator(entry.item)
    return {
        **feedback.feedback_json(entry, item_excerpt(entry.item)),
        "direction": text_direction(entry.assignment.language),
        # What the answers are about, so a page can draw them (shapes over the image, spans).
        "task_type": entry.project.task_type,
        "item": {"language": shown["language"], "direction": shown["direction"], "payload": shown["payload"]},
    }


def appeal_json(view: feedback.AppealView) -> dict[str, Any]:
    """An appeal as ops see it: who, what was rejected and why, and what the annotator says."""
    appeal, outcome, assignment, item = view.appeal, view.outcome, view.assignment, view.item
    project = get_session().get(Project, assignment.project_id)  # the identity map caches repeats
    assert project is not None
    shown = item_for_annotator(item)
    return {
        "id": appeal.public_id,
        "state": appeal.state,
        "state_text": str(feedback.APPEAL_STATE_TEXT[AppealState(appeal.state)]),
        "language": appeal.language,
        "direction": text_direction(appeal.language),
        "message": appeal.message,
        "created_at": timestamp(appeal.created_at),
        "annotator": {
            "id": view.annotator.id,
            "name": view.annotator.display_name,
            "email": view.annotator.email,
        },
        "item": {
            "id": item.public_id,
            "excerpt": item_excerpt(item),
            "language": shown["language"],
            "direction": shown["direction"],
            "payload": shown["payload"],
        },
        "task_type": project.task_type,
        "assignment": {"id": assignment.public_id, "answer": assignment.answer},
        "rejection": {
            "outcome": outcome.public_id,
            "reason": outcome.rejection_reason,
            "reason_text": feedback.reason_text(outcome.rejection_reason),
            "note": outcome.note,
            "decided_at": timestamp(outcome.created_at),
        },
        "decided_at": timestamp(appeal.decided_at),
        "decision_note": appeal.decision_note,
    }
