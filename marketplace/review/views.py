"""Review pages: the reviewer's queue and decision form, the annotator's feedback, ops appeals.

Every page is complete without JavaScript: each action is a form post answered with a 303 redirect,
or, when the input is refused, the same page again with the message and everything typed kept.
What a page shows comes from the same presenters as the API, so a page never shows more than the
API does (pseudonyms for reviewers, no other annotator and no gold for annotators).
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role, User
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, DomainError, Forbidden
from marketplace.projects.models import Project
from marketplace.review import feedback, presenters, service
from marketplace.review.api import FEEDBACK_PAGE, claim_languages, feedback_page, own_task
from marketplace.review.models import (
    AppealState,
    RejectionReason,
    ReviewDecision,
    ReviewTask,
    ReviewTaskState,
)
from marketplace.review.stats import reviewer_agreement
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.answer_forms import (
    JSON_WIDGETS,
    answer_from_fields,
    posted_widget_values,
    rating_choices,
    rating_scale,
    widget_values,
)
from marketplace.web.auth import roles_required

bp = Blueprint("review", __name__)

#: Task types whose correction the page offers as form controls; others get a JSON text box.
SINGLE_LABEL = "classification"
MULTI_LABEL = "multi_label_classification"


def _user() -> User:
    return cast(User, current_user._get_current_object())


def _reviewer() -> tuple[int, list[str]]:
    """The signed-in reviewer and their languages; 403 for anyone who reviews nothing."""
    try:
        languages = service.require_reviewer(_user())
    except Forbidden:
        abort(403)
    return _user().id, languages


def _too_long(field: str, limit: int) -> FieldError:
    message = ngettext(
        "Must be at most %(num)d character long.", "Must be at most %(num)d characters long.", limit
    )
    return FieldError(field, "too_long", str(message))


def _grouped(errors: list[FieldError]) -> dict[str, list[str]]:
    """Errors by the part of the form that shows them (``answer.label`` belongs to the answer)."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        key = error.field.split(".", 1)[0].split("[", 1)[0] or "other"
        grouped.setdefault(key, []).append(error.message)
    return grouped


# --- the reviewer's queue ------------------------------------------------------------------------


@bp.get("/review")
@roles_required(Role.REVIEWER)
def queue() -> ResponseReturnValue:
    try:
        languages = service.require_reviewer(_user())
    except Forbidden as exc:
        # A reviewer without a language yet (or ops): say so instead of a bare 403.
        return render_template("review/queue.html", queues=[], held=[], notice=exc.message)
    held = service.live_review_leases(_user().id, utcnow())
    return render_template(
        "review/queue.html", queues=presenters.queues_for(languages), held=held, notice=None
    )


@bp.post("/review")
@roles_required(Role.REVIEWER)
def next_task() -> ResponseReturnValue:
    """Claim one task (the one already held first) and open it; an empty queue says so kindly."""
    reviewer_id, languages = _reviewer()
    allowed = claim_languages(languages, request.form.get("language") or None)
    # Leases already held come first whatever their language: keep the languages asked for.
    tasks = [t for t in service.claim_review_tasks(reviewer_id, allowed, 1) if t.language in allowed]
    if not tasks:
        return render_template("review/empty.html")
    return redirect(url_for("review.task", task_id=tasks[0].public_id), code=303)


# --- one task and its decision -------------------------------------------------------------------


def _render_task(
    task: ReviewTask,
    form: MultiDict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    data = presenters.task_json(task)
    submitted = form is not None
    form = form if form is not None else MultiDict()
    task_type = data["project"]["task_type"]
    config = get_task_type(task_type).with_defaults(data["task_config"] or {})
    if submitted:
        selected, text = posted_widget_values(task_type, form.get, form.getlist, "answer_json")
    else:
        # The correction starts from the agreed answer (or the only one), so a fix is an edit.
        start = (data["item"]["consensus"] or {}).get("answer")
        if start is None and data["judgments"]:
            start = data["judgments"][0]["answer"]
        selected, text = widget_values(task_type, start)
    return render_template(
        "review/task.html",
        task_type=task_type,
        config=config,
        json_widget=JSON_WIDGETS.get(task_type),
        fix_selected=selected,
        fix_text=text,
        rating_choices=rating_choices(config) if task_type == "rating" else [],
        scale=rating_scale(config) if task_type == "rating" else None,
        task=data,
        item=data["item"],
        form=form,
        submitted=submitted,
        # Unless the reviewer unticked some, every judgment is rejected (the service's default).
        rejected=set(form.getlist("reject")) if submitted else {j["id"] for j in data["judgments"]},
        picked_labels=set(form.getlist("labels")),
        single_label=task_type == SINGLE_LABEL,
        multi_label=task_type == MULTI_LABEL,
        can_fix=not data["single_judgment"],
        open_for_decision=task.state == ReviewTaskState.LEASED,
        decisions=[(d.value, presenters.decision_text(d.value)) for d in ReviewDecision],
        reasons=presenters.rejection_reason_choices(),
        names={j["id"]: j["annotator"] for j in data["judgments"]},
        errors=errors or [],
        field_errors_map=_grouped(errors or []),
        max_note=service.MAX_NOTE,
    ), status


@bp.get("/review/tasks/<task_id>")
@roles_required(Role.REVIEWER)
def task(task_id: str) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer()
    return _render_task(own_task(reviewer_id, languages, task_id))


def _corrected_answer(
    form: MultiDict[str, str], task_type: str
) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """The corrected answer the form carries (None when none was given)."""
    if task_type == SINGLE_LABEL:
        label = form.get("label", "").strip()
        return ({"label": label} if label else None), []
    if task_type == MULTI_LABEL:
        return {"labels": form.getlist("labels")}, []
    # The other task types post the work page's widget under "answer_json".
    answer = answer_from_fields(task_type, form.get, form.getlist, "answer_json")
    if isinstance(answer, FieldError):
        return None, [FieldError("answer", answer.code, answer.message)]
    return answer, []


def _decision_from_form(
    form: MultiDict[str, str], task_type: str
) -> tuple[service.Decision | None, list[FieldError]]:
    """The decision the form carries, or the errors that keep it from being one. The service checks
    the rules (an answer for a fix, a reason for a rejection), so page and API say the same."""
    raw = form.get("decision", "")
    if raw not in {d.value for d in ReviewDecision}:
        return None, [FieldError("decision", "required", _("Choose a decision."))]
    decision = ReviewDecision(raw)
    note = form.get("note", "").strip()
    if len(note) > service.MAX_NOTE:
        return None, [_too_long("note", service.MAX_NOTE)]
    answer, errors = _corrected_answer(form, task_type) if decision == ReviewDecision.FIX else (None, [])
    if errors:
        return None, errors
    reason = form.get("reason", "")
    is_reject = decision == ReviewDecision.REJECT
    return service.Decision(
        decision=decision,
        answer=answer,
        reason=RejectionReason(reason) if is_reject and reason in set(RejectionReason) else None,
        note=note,
        reject=form.getlist("reject") if is_reject else None,
    ), []


@bp.post("/review/tasks/<task_id>")
@roles_required(Role.REVIEWER)
def decide(task_id: str) -> ResponseReturnValue:
    """The decision form posts back to its own page: refused input shows that page again."""
    reviewer_id, languages = _reviewer()
    task = own_task(reviewer_id, languages, task_id)
    project = get_session().get(Project, task.project_id)
    assert project is not None
    decision, errors = _decision_from_form(request.form, project.task_type)
    if decision is None:
        return _render_task(task, request.form, errors, 400)
    try:
        service.decide(reviewer_id, task_id, decision)
    except InvalidInput as exc:
        get_session().rollback()  # let go of the row locks before rendering again
        return _render_task(own_task(reviewer_id, languages, task_id), request.form, exc.errors, exc.status)
    except Conflict as exc:
        get_session().rollback()
        flash(exc.message, "error")
        return redirect(url_for("review.queue"), code=303)
    flash(_("Decision saved."), "success")
    following = service.claim_review_tasks(reviewer_id, languages, 1)
    if following:
        return redirect(url_for("review.task", task_id=following[0].public_id), code=303)
    flash(_("There is nothing to review in your languages right now."), "info")
    return redirect(url_for("review.queue"), code=303)


@bp.post("/review/tasks/<task_id>/release")
@roles_required(Role.REVIEWER)
def release(task_id: str) -> ResponseReturnValue:
    reviewer_id, languages = _reviewer()
    own_task(reviewer_id, languages, task_id)
    try:
        service.release_review_task(reviewer_id, task_id)
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("The item is back in the queue for another reviewer."), "info")
    return redirect(url_for("review.queue"), code=303)


# --- the annotator's feedback --------------------------------------------------------------------


def _render_feedback(
    cursor: str | None, errors: dict[str, list[str]] | None = None, messages: dict[str, str] | None = None
) -> str:
    entries, next_cursor = feedback_page(_user().id, cursor, FEEDBACK_PAGE)
    return render_template(
        "review/feedback.html",
        entries=entries,
        cursor=cursor or "",
        next_cursor=next_cursor,
        appeal_errors=errors or {},
        appeal_messages=messages or {},
        max_appeal=feedback.MAX_APPEAL,
    )


@bp.get("/feedback")
@roles_required(Role.ANNOTATOR)
def my_feedback() -> ResponseReturnValue:
    return _render_feedback(request.args.get("cursor") or None)


@bp.post("/feedback/<outcome_id>/appeal")
@roles_required(Role.ANNOTATOR)
def appeal(outcome_id: str) -> ResponseReturnValue:
    message = request.form.get("message", "")
    cursor = request.form.get("cursor") or None
    try:
        if len(message.strip()) > feedback.MAX_APPEAL:
            raise InvalidInput([_too_long("message", feedback.MAX_APPEAL)], status=422)
        feedback.appeal(_user().id, outcome_id, message)
    except InvalidInput as exc:
        get_session().rollback()
        errors = {outcome_id: [e.message for e in exc.errors]}
        return _render_feedback(cursor, errors, {outcome_id: message}), exc.status
    except Conflict as exc:
        get_session().rollback()
        flash(exc.message, "error")
    else:
        flash(_("Your appeal is sent. The operations team will decide on it."), "success")
    return redirect(url_for("review.my_feedback", cursor=cursor), code=303)


# --- ops -------------------------------------------------------------------------------------------


def _render_ops(
    grant_form: MultiDict[str, str] | None = None,
    grant_errors: list[FieldError] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return render_template(
        "review/ops.html",
        queues=presenters.queues_for(None),
        agreement=[presenters.agreement_json(row) for row in reviewer_agreement()],
        reviewers=[presenters.reviewer_json(g, u) for g, u in service.list_reviewers()],
        appeals=[presenters.appeal_json(v) for v in feedback.list_appeals()],
        grant_form=grant_form or MultiDict(),
        grant_errors=_grouped(grant_errors or []),
        errors=grant_errors or [],
        max_note=feedback.MAX_APPEAL,
    ), status


@bp.get("/ops/review")
@roles_required(Role.OPS)
def ops_review() -> ResponseReturnValue:
    return _render_ops()


@bp.post("/ops/review/reviewers")
@roles_required(Role.OPS)
def ops_grant() -> ResponseReturnValue:
    email = request.form.get("email", "").strip()
    language = request.form.get("language", "").strip()
    user = accounts.find_user_by_email(email) if email else None
    try:
        if user is None:
            raise InvalidInput(
                [FieldError("email", "not_found", _("No account has this email."))], status=422
            )
        grant = service.grant_reviewer(user.id, language, _user().id)
    except InvalidInput as exc:
        get_session().rollback()
        return _render_ops(request.form, exc.errors, exc.status)
    flash(_("%(name)s now reviews %(language)s.", name=user.display_name, language=grant.language), "success")
    return redirect(url_for("review.ops_review"), code=303)


@bp.post("/ops/review/reviewers/<int:user_id>/<language>/revoke")
@roles_required(Role.OPS)
def ops_revoke(user_id: int, language: str) -> ResponseReturnValue:
    try:
        service.revoke_reviewer(user_id, language, _user().id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The reviewer no longer reviews this language."), "success")
    return redirect(url_for("review.ops_review"), code=303)


@bp.post("/ops/review/appeals/<appeal_id>/decision")
@roles_required(Role.OPS)
def ops_decide_appeal(appeal_id: str) -> ResponseReturnValue:
    choice = request.form.get("overturn")
    if choice not in {"0", "1"}:
        abort(400)
    try:
        row = feedback.decide_appeal(
            _user().id, appeal_id, overturn=choice == "1", note=request.form.get("note", "")
        )
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(str(feedback.APPEAL_STATE_TEXT[AppealState(row.state)]), "success")
    return redirect(url_for("review.ops_review"), code=303)
