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
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Length, Optional

from marketplace.accounts.models import Role
from marketplace.accounts.views import language_choices
from marketplace.db import get_session, utcnow
from marketplace.i18n import current_locale_tag
from marketplace.languages.codes import primary_subtag
from marketplace.projects.service import get_project
from marketplace.routing import service
from marketplace.routing.models import Assignment
from marketplace.routing.serializers import assignment_json
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.answer_forms import (
    JSON_WIDGETS,
    SHORTCUT_KEYS,
    parse_json_answer,
    parse_number,
    parse_spans,
    rating_choices,
    rating_scale,
)
from marketplace.web.auth import roles_required
from marketplace.web.errors import Conflict

bp = Blueprint("work", __name__)

#: Longest comment kept (the service cuts there too; the form says so instead of cutting silently).
MAX_COMMENT_CHARS = 2000


class AnswerForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """The answer to one item. Labels are not checked here: the service checks them against the
    project's ontology, so the page and the API refuse the same answers with the same message."""

    label = RadioField(_l("Label"), validate_choice=False)
    labels = SelectMultipleField(_l("Labels"), validate_choice=False)
    #: NER: ``{"spans": [...]}`` in code points. work.js keeps it up to date and hides it; without
    #: JavaScript the annotator types it, so the task can still be done.
    spans = TextAreaField(
        _l("Entities, as JSON"),
        render_kw={"rows": 4, "dir": "ltr", "spellcheck": "false", "data-ner-answer": ""},
    )
    #: The other drawing and editing widgets (JSON_WIDGETS): the same idea as ``spans``.
    answer = TextAreaField(
        _l("Answer, as JSON"),
        render_kw={"rows": 6, "dir": "ltr", "spellcheck": "false", "data-widget-answer": ""},
    )
    preference = RadioField(_l("Preference"), validate_choice=False)
    rating = RadioField(_l("Rating"), validate_choice=False)
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
    """Every language except the item's own: reporting the language it already has says nothing."""
    own = primary_subtag(item_language) if item_language else None
    return [(code, name) for code, name in language_choices() if not code or primary_subtag(code) != own]


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
    form = form or AnswerForm(formdata=None)
    if task_type == "ner" and not form.spans.data:
        form.spans.data = '{"spans": []}'
    return render_template(
        "work/item.html",
        assignment=data,
        item=data["item"],
        project=data["project"],
        json_widget=JSON_WIDGETS.get(task_type),
        multi=data["project"]["task_type"] == "multi_label_classification",
        form=form,
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
    assignments = service.claim_next_assignments(_annotator_id(), 1)
    if not assignments:
        return render_template("work/empty.html")
    return _render_item(assignments[0])


def _answer(form: AnswerForm, task_type: str) -> dict[str, Any] | FieldError:
    """The answer the form carries, or why there is none (nothing chosen, unreadable JSON).

    Only the shape is read here; whether the answer is right for the item (labels, offsets, the
    scale) is left to ``validate_answer`` in the service, so the page and the API agree.
    """
    if task_type == "multi_label_classification":
        return {"labels": list(form.labels.data or [])}
    if task_type == "ner":
        return parse_spans(form.spans.data)
    if task_type in JSON_WIDGETS:
        return parse_json_answer(form.answer.data, "answer")
    if task_type == "pairwise_preference":
        if not form.preference.data:
            return FieldError(
                "answer.preference", "required", _("Choose the better response before submitting.")
            )
        return {"preference": form.preference.data}
    if task_type == "rating":
        raw = form.rating.data or ""
        if not raw.strip():
            return FieldError("answer.rating", "required", _("Choose a rating before submitting."))
        number = parse_number(raw)
        if number is None:
            return FieldError("answer.rating", "type", _("The rating must be a number."))
        return {"rating": number}
    if not form.label.data:
        return FieldError("answer.label", "required", _("Choose a label before submitting."))
    return {"label": form.label.data}


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
    answer = _answer(form, task_type)
    if isinstance(answer, FieldError):
        return _render_item(assignment, form, errors=[answer], status=400, error_title=_not_saved())
    try:
        outcome = service.submit_assignment(
            annotator_id,
            assignment_id,
            answer,
            seconds_spent=_seconds(form.seconds_spent.data),
            edge_case=bool(form.edge_case.data),
            comment=form.comment.data or "",
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
