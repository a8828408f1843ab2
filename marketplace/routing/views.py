"""Annotator work pages: the "next task" page and the two forms it posts (answer, skip).

The page is complete without JavaScript: each action is an ordinary form post answered with a
303 redirect back to ``/work``, where the next item waits. ``static/js/work.js`` only adds what
a script is needed for: keyboard shortcuts, the lease countdown and the active-time measure.

What the annotator sees comes from the same serializer as the work API (``assignment_json``), so
the page can never show more than the API does (no client metadata, no gold).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from marketplace.accounts.models import Role
from marketplace.accounts.views import language_choices
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict
from marketplace.i18n import current_locale_tag
from marketplace.languages.tags import reading
from marketplace.pipeline import submit as pipeline
from marketplace.projects.service import get_project
from marketplace.routing import service
from marketplace.routing.models import Assignment
from marketplace.routing.presenters import assignment_json
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.answer_forms import (
    JSON_WIDGETS,
    SHORTCUT_KEYS,
    answer_from_fields,
    posted_widget_values,
    rating_choices,
    rating_scale,
    widget_values,
)
from marketplace.web.auth import roles_required
from marketplace.web.retry import run_retrying

bp = Blueprint("work", __name__)

#: Longest comment kept (the service cuts there too; the form says so instead of cutting silently).
MAX_COMMENT_CHARS = 2000


class AnswerForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """What goes with the answer to one item. The answer itself is posted by the task type's widget
    (templates/widgets/) and read by ``answer_from_fields``, as on the exam and the review page;
    the service checks it against the ontology, so the page and the API refuse the same answers
    with the same message."""

    edge_case = BooleanField(_l("Flag as an edge case (a reviewer will look at it)"))
    comment = TextAreaField(
        _l("Comment for reviewers (optional)"),
        validators=[Optional(), Length(max=MAX_COMMENT_CHARS)],
        # dir="auto": a comment may be written in the item's language, whatever the page's.
        render_kw={"maxlength": MAX_COMMENT_CHARS, "rows": 3, "dir": "auto"},
    )
    #: Active seconds measured by work.js; empty without JavaScript (the service then uses the lease age).
    seconds_spent = HiddenField()


class SkipForm(FlaskForm):  # type: ignore[misc]
    """Skip, optionally saying the text is not in the language it was routed as."""

    reported_language = SelectField(_l("The text is actually in"), validate_choice=False)


def _annotator_id() -> int:
    user_id: int = current_user.id
    return user_id


def _report_choices(item_language: str) -> list[tuple[str, str]]:
    """Every language except the item's own reading (language and script): reporting what it
    already is says nothing, but an ``sr-Cyrl`` item really in Latin script is worth reporting."""
    own = reading(item_language) if item_language else None
    return [(code, name) for code, name in language_choices() if not code or reading(code) != own]


def _errors_by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """Service errors grouped where the page shows them: the labels, the comment, the report."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        if error.field.startswith("answer"):
            key = "answer"
            # Deep inside a structured answer (a turn, a box), say where: segments[1].text.
            where = error.field.removeprefix("answer").lstrip(".")
            if any(mark in where for mark in ".["):
                grouped.setdefault(key, []).append(f"{where}: {error.message}")
                continue
        elif error.field in {"comment", "reported_language"}:
            key = error.field
        else:
            key = "other"
        grouped.setdefault(key, []).append(error.message)
    return grouped


def _render_item(
    assignment: Assignment,
    form: AnswerForm | None = None,
    skip_form: SkipForm | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
    error_title: str = "",
) -> ResponseReturnValue:
    data = assignment_json(assignment, current_locale_tag())
    seconds_left = max(0, int((assignment.lease_expires_at - utcnow()).total_seconds()))
    skip_form = skip_form or SkipForm(formdata=None)
    skip_form.reported_language.choices = _report_choices(data["item"]["language"])
    grouped = _errors_by_field(errors or [])
    task_type = data["project"]["task_type"]
    config = get_task_type(task_type).with_defaults(data["project"]["task_config"] or {})
    name = _answer_field(task_type)
    if form is None:
        selected, text = widget_values(task_type, None)
    else:  # shown again as posted, so nothing is lost
        selected, text = posted_widget_values(task_type, request.form.get, request.form.getlist, name)
        text = text or widget_values(task_type, None)[1]
    return render_template(
        "work/item.html",
        assignment=data,
        item=data["item"],
        project=data["project"],
        json_widget=JSON_WIDGETS.get(task_type),
        multi=data["project"]["task_type"] == "multi_label_classification",
        form=form or AnswerForm(formdata=None),
        answer_name=name,
        selected=selected,
        answer_text=text,
        config=config,
        rating_choices=rating_choices(config) if task_type == "rating" else [],
        scale=rating_scale(config) if task_type == "rating" else None,
        skip_form=skip_form,
        errors=errors or [],
        error_title=error_title,
        field_errors=grouped,
        seconds_left=seconds_left,
        time_left=format_timedelta(timedelta(seconds=seconds_left), threshold=1.0, add_direction=False),
        shortcut_keys=SHORTCUT_KEYS,
    ), status


def _refused(message: str) -> ResponseReturnValue:
    """A page for an action that can no longer happen (late, already done): say why, offer to go on."""
    get_session().rollback()  # the refused call may still hold row locks; rendering needs none
    return render_template("work/refused.html", message=message), 409


def _reload(annotator_id: int, assignment_id: str) -> Assignment:
    """The assignment again after the service refused input: its row locks are let go first, so
    rendering the page again does not keep other annotators' claims waiting."""
    get_session().rollback()
    return service.own_assignment(annotator_id, assignment_id)


def _not_saved() -> str:
    return str(_("Your answer was not saved"))


def _not_skipped() -> str:
    return str(_("The item was not skipped"))


@bp.get("/work")
@roles_required(Role.ANNOTATOR)
def next_task() -> ResponseReturnValue:
    """The lease already held, or a new one: reloading the page never costs the annotator an item."""
    annotator_id = _annotator_id()
    assignments = run_retrying(lambda: service.claim_next_assignments(annotator_id, 1))
    if not assignments:
        return render_template("work/empty.html")
    return _render_item(assignments[0])


#: The answer form's field for each task type (the exam and the review page post one name).
_ANSWER_FIELDS = {
    "multi_label_classification": "labels",
    "ner": "spans",
    "pairwise_preference": "preference",
    "rating": "rating",
}


def _answer_field(task_type: str) -> str:
    return _ANSWER_FIELDS.get(task_type, "answer" if task_type in JSON_WIDGETS else "label")


def _answer(task_type: str) -> dict[str, Any] | FieldError:
    """The answer the form carries, or why there is none (nothing chosen, unreadable JSON).

    Read by the same ``answer_from_fields`` as the exam and the review page; this page only says
    what a blank field means for each task type. Whether the answer is right for the item
    (labels, offsets, the scale) is left to ``validate_answer`` in the service, so the page and
    the API agree.
    """
    answer = answer_from_fields(task_type, request.form.get, request.form.getlist, _answer_field(task_type))
    if isinstance(answer, FieldError):
        return FieldError("answer", answer.code, answer.message)
    if answer is not None:
        return answer
    if task_type == "multi_label_classification":
        return {"labels": []}  # no label applies
    if task_type == "ner":
        return {"spans": []}  # the text names nothing
    if task_type == "pairwise_preference":
        return FieldError("answer", "required", _("Choose the better response before submitting."))
    if task_type == "rating":
        return FieldError("answer", "required", _("Choose a rating before submitting."))
    if task_type in JSON_WIDGETS:
        return FieldError("answer", "required", _("Give an answer before submitting."))
    return FieldError("answer", "required", _("Choose a label before submitting."))


def _seconds(raw: str | None) -> int | None:
    """The measured active seconds; anything unreadable is dropped, not refused (it is a hint)."""
    return int(raw) if raw and raw.strip().isdigit() else None


@bp.post("/work/<assignment_id>/submit")
@roles_required(Role.ANNOTATOR)
def submit(assignment_id: str) -> ResponseReturnValue:
    annotator_id = _annotator_id()
    assignment = service.own_assignment(annotator_id, assignment_id)
    form = AnswerForm()
    task_type = get_project(assignment.project_id).task_type
    if not form.validate_on_submit():
        errors = [FieldError(name, "invalid", str(m)) for name, ms in form.errors.items() for m in ms]
        return _render_item(assignment, form, errors=errors, status=400, error_title=_not_saved())
    answer = _answer(task_type)
    if isinstance(answer, FieldError):
        return _render_item(assignment, form, errors=[answer], status=400, error_title=_not_saved())
    try:
        outcome = run_retrying(
            lambda: pipeline.submit_assignment(
                annotator_id,
                assignment_id,
                answer,
                seconds_spent=_seconds(form.seconds_spent.data),
                edge_case=bool(form.edge_case.data),
                comment=form.comment.data or "",
            )
        )
    except InvalidInput as exc:
        reloaded = _reload(annotator_id, assignment_id)
        return _render_item(reloaded, form, errors=exc.errors, status=exc.status, error_title=_not_saved())
    except Conflict as exc:
        return _refused(exc.message)
    if outcome.late:
        flash(_("Your time had run out, but the item was still free: your answer counts."), "success")
    else:
        flash(_("Answer saved. Here is the next item."), "success")
    return redirect(url_for("work.next_task"), code=303)


@bp.post("/work/<assignment_id>/skip")
@roles_required(Role.ANNOTATOR)
def skip(assignment_id: str) -> ResponseReturnValue:
    annotator_id = _annotator_id()
    form = SkipForm()
    if not form.validate_on_submit():
        abort(400)  # only a bad CSRF token gets here, and CSRFProtect refuses those first
    # The report form names its button "report"; the plain Skip button shares the answer form.
    reporting = "report" in request.form
    reported = (form.reported_language.data or "").strip() if reporting else ""
    if reporting and not reported:
        message = _("Choose the language the text is written in.")
        assignment = service.own_assignment(annotator_id, assignment_id)
        errors = [FieldError("reported_language", "required", message)]
        return _render_item(assignment, skip_form=form, errors=errors, status=400, error_title=_not_skipped())
    try:
        service.give_back_assignment(
            annotator_id, assignment_id, skip=True, reported_language=reported or None
        )
    except InvalidInput as exc:
        reloaded = _reload(annotator_id, assignment_id)
        return _render_item(
            reloaded, skip_form=form, errors=exc.errors, status=exc.status, error_title=_not_skipped()
        )
    except Conflict as exc:
        return _refused(exc.message)
    if reported:
        flash(_("Thank you: the item goes to our language team, and you will not see it again."), "success")
    else:
        flash(_("Skipped. You will not see that item again."), "info")
    return redirect(url_for("work.next_task"), code=303)
