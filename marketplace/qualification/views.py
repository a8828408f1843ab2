"""Pages: an annotator's qualifications and exams; ops' view of suspensions and pass rates."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.i18n import current_locale_tag
from marketplace.projects.models import Project
from marketplace.qualification import service
from marketplace.qualification.models import ExamState
from marketplace.qualification.presenters import (
    available_exams,
    exam_json,
    qualification_json,
    suspended_json,
)
from marketplace.validation import InvalidInput
from marketplace.web.auth import roles_required
from marketplace.web.errors import ApiError

bp = Blueprint("qualification", __name__)

#: Task types whose exam questions this page can render as form controls.
FORM_TASK_TYPES = frozenset({"classification", "multi_label_classification"})


def _check_csrf() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


@bp.get("/qualifications")
@roles_required(Role.ANNOTATOR)
def my_qualifications() -> ResponseReturnValue:
    return render_template(
        "qualification/list.html",
        qualifications=[qualification_json(q) for q in service.list_qualifications(current_user.id)],
        exams=available_exams(current_user.id),
    )


@bp.post("/exams/start")
@roles_required(Role.ANNOTATOR)
def start_exam() -> ResponseReturnValue:
    _check_csrf()
    try:
        attempt = service.start_exam(
            current_user.id, request.form.get("project", ""), request.form.get("language", "")
        )
    except ApiError as exc:
        flash(exc.message, "error")
        return redirect(url_for("qualification.my_qualifications"), code=303)
    return redirect(url_for("qualification.exam", exam_id=attempt.public_id), code=303)


def _answer_from_form(task_type: str, index: int) -> dict[str, Any] | None:
    if task_type == "classification":
        label = request.form.get(f"q{index}")
        return {"label": label} if label else None
    if task_type == "multi_label_classification":
        labels = request.form.getlist(f"q{index}")
        return {"labels": labels} if labels else None
    raw = request.form.get(f"q{index}", "").strip()
    return json.loads(raw) if raw else None


@bp.route("/exams/<exam_id>", methods=["GET", "POST"])
@roles_required(Role.ANNOTATOR)
def exam(exam_id: str) -> ResponseReturnValue:
    attempt = service.own_exam(current_user.id, exam_id)
    project = get_session().scalar(select(Project).where(Project.id == attempt.project_id))
    assert project is not None
    errors: dict[int, str] = {}
    if request.method == "POST" and attempt.state == ExamState.IN_PROGRESS:
        _check_csrf()
        for index in range(len(attempt.item_ids)):
            try:
                answer = _answer_from_form(project.task_type, index)
                if answer is not None:
                    attempt = service.save_exam_answer(current_user.id, exam_id, index, answer)
            except (InvalidInput, ValueError) as exc:
                errors[index] = (
                    exc.errors[0].message if isinstance(exc, InvalidInput) else _("Not valid JSON.")
                )
        if request.form.get("action") == "submit" and not errors:
            service.submit_exam(current_user.id, exam_id)
            return redirect(url_for("qualification.exam", exam_id=exam_id), code=303)
        if not errors:
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("qualification.exam", exam_id=exam_id), code=303)
    view = exam_json(attempt, current_locale_tag())
    status = 400 if errors else 200
    return render_template(
        "qualification/exam.html",
        exam=view,
        errors=errors,
        form_supported=project.task_type in FORM_TASK_TYPES,
    ), status


# --- ops --------------------------------------------------------------------------------------


@bp.get("/ops/qualifications")
@roles_required(Role.OPS)
def ops_qualifications() -> ResponseReturnValue:
    language = request.args.get("language") or None
    projects = {p.id: p for p in get_session().scalars(select(Project))}
    rates = [
        {**rate, "project": projects[rate["project_id"]].name}
        for rate in service.exam_pass_rates()
        if language is None or rate["language"] == language
    ]
    return render_template(
        "qualification/ops.html",
        suspended=[suspended_json(q) for q in service.suspended_qualifications(language)],
        rates=sorted(rates, key=lambda r: (r["language"], r["project"])),
        language=language,
    )


@bp.post("/ops/qualifications/<int:qualification_id>/<action>")
@roles_required(Role.OPS)
def ops_change(qualification_id: int, action: str) -> ResponseReturnValue:
    if action not in {"reinstate", "revoke"}:
        abort(404)
    _check_csrf()
    try:
        if action == "reinstate":
            service.reinstate(qualification_id, current_user.id)
            flash(_("The qualification is reinstated."), "success")
        else:
            service.revoke(qualification_id, current_user.id)
            flash(_("The qualification is revoked."), "success")
    except ApiError as exc:
        flash(exc.message, "error")
    return redirect(url_for("qualification.ops_qualifications"), code=303)
