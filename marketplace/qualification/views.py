"""Pages: an annotator's qualifications and exams; ops' view of suspensions and pass rates."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SubmitField

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.errors import DomainError
from marketplace.i18n import current_locale_tag
from marketplace.projects import service as projects
from marketplace.projects import upload_parsing
from marketplace.projects.models import Project
from marketplace.qualification import service
from marketplace.qualification.api import GOLD_UPLOAD_SCHEMA
from marketplace.qualification.models import ExamState
from marketplace.qualification.presenters import (
    available_exams,
    exam_json,
    qualification_json,
    suspended_json,
)
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput, format_number, schema_errors
from marketplace.web.answer_forms import (
    JSON_WIDGETS,
    answer_from_fields,
    posted_widget_values,
    rating_choices,
    rating_scale,
    widget_values,
)
from marketplace.web.auth import page_principal, roles_required

bp = Blueprint("qualification", __name__)


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
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("qualification.my_qualifications"), code=303)
    return redirect(url_for("qualification.exam", exam_id=attempt.public_id), code=303)


@bp.route("/exams/<exam_id>", methods=["GET", "POST"])
@roles_required(Role.ANNOTATOR)
def exam(exam_id: str) -> ResponseReturnValue:
    attempt = service.own_exam(current_user.id, exam_id)
    project = get_session().scalar(select(Project).where(Project.id == attempt.project_id))
    assert project is not None
    task_type = project.task_type
    errors: dict[int, str] = {}
    posted = request.method == "POST" and attempt.state == ExamState.IN_PROGRESS
    if posted:
        _check_csrf()
        for index in range(len(attempt.item_ids)):
            answer = answer_from_fields(task_type, request.form.get, request.form.getlist, f"q{index}")
            if isinstance(answer, FieldError):
                errors[index] = answer.message
                continue
            if answer is None:
                continue
            try:
                attempt = service.save_exam_answer(current_user.id, exam_id, index, answer)
            except InvalidInput as exc:
                errors[index] = exc.errors[0].message
        if request.form.get("action") == "submit" and not errors:
            service.submit_exam(current_user.id, exam_id)
            return redirect(url_for("qualification.exam", exam_id=exam_id), code=303)
        if not errors:
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("qualification.exam", exam_id=exam_id), code=303)
    view = exam_json(attempt, current_locale_tag())
    config = get_task_type(task_type).with_defaults(project.task_config or {})
    inputs = []
    for question in view["questions"]:
        name = f"q{question['index']}"
        if errors:  # shown again as posted, so nothing typed is lost
            selected, text = posted_widget_values(task_type, request.form.get, request.form.getlist, name)
        else:
            selected, text = widget_values(task_type, view["answers"].get(str(question["index"])))
        inputs.append({"name": name, "selected": selected, "text": text})
    return render_template(
        "qualification/exam.html",
        exam=view,
        errors=errors,
        deadline=attempt.deadline_at,
        inputs=inputs,
        task_type=task_type,
        config=config,
        json_widget=JSON_WIDGETS.get(task_type),
        rating_choices=rating_choices(config) if task_type == "rating" else [],
        scale=rating_scale(config) if task_type == "rating" else None,
    ), 400 if errors else 200


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
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("qualification.ops_qualifications"), code=303)


# --- gold sets (the project's client, and ops) ---------------------------------------------------


class GoldUploadForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF is untyped
    """A file of gold items in the API's shape: ``{"items": [...]}`` or a JSON list in a .json file,
    one item per line in a .jsonl file (read by the items upload's parser)."""

    file = FileField(_l("File of gold items"), validators=[FileRequired()])
    submit = SubmitField(_l("Add gold items"))


def _gold_page(project: Project, form: GoldUploadForm | None = None,
               errors: list[FieldError] | None = None, status: int = 200) -> ResponseReturnValue:  # fmt: skip
    language = request.args.get("language") or None
    if language not in project.language_codes:
        language = None
    return render_template(
        "qualification/gold.html",
        project=project,
        coverage=service.gold_coverage(project.id),
        gold=service.list_gold_items(project.id, language),
        language=language,
        form=form or GoldUploadForm(),
        upload_errors=errors or [],
        example=json.dumps(
            {"language": project.source_language, "payload": get_task_type(project.task_type).example_payload,
             "answer": get_task_type(project.task_type).example_answer, "explanation": "…"},
            ensure_ascii=False,
        ),
    ), status  # fmt: skip


@bp.get("/projects/<project_id>/gold")
@roles_required(Role.CLIENT)
def gold_set(project_id: str) -> ResponseReturnValue:
    """Coverage of the gold set per language and class (an exam opens at the minimum), the newest
    gold items with their answers, and a form to add more."""
    return _gold_page(projects.visible_project(page_principal(), project_id))


@bp.post("/projects/<project_id>/gold")
@roles_required(Role.CLIENT)
def upload_gold(project_id: str) -> ResponseReturnValue:
    """The API's gold upload from a file: all items are added, or none and the page says why."""
    principal = page_principal()
    project = projects.visible_project(principal, project_id)
    form = GoldUploadForm()
    if not form.validate_on_submit():
        return _gold_page(project, form, status=400)
    part = form.file.data
    fmt = upload_parsing.format_for(part.mimetype, part.filename)
    if fmt not in {upload_parsing.FORMAT_JSON, upload_parsing.FORMAT_JSONL}:
        problem = FieldError("file", "unsupported_media_type", _("Upload a .json or .jsonl file."))
        return _gold_page(project, form, [problem], 415)
    try:
        records, problems = upload_parsing.read_json_records(upload_parsing.Upload(fmt, part.read()))
    except InvalidInput as exc:
        return _gold_page(project, form, exc.errors, exc.status)
    problems = problems or schema_errors(GOLD_UPLOAD_SCHEMA, {"items": records})
    if problems:
        return _gold_page(project, form, problems, 400)
    try:
        added = service.add_gold_items(project.id, records, principal.user.id if principal.user else None)
    except InvalidInput as exc:
        return _gold_page(project, form, exc.errors, exc.status)
    count = format_number(added)
    flash(
        ngettext("%(count)s gold item added.", "%(count)s gold items added.", added, count=count), "success"
    )
    return redirect(url_for("qualification.gold_set", project_id=project.public_id), 303)
