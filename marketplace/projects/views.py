"""Client pages: the organisation's projects, a project's progress and uploads, and API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role
from marketplace.errors import DomainError
from marketplace.i18n import current_locale_tag
from marketplace.projects import ingest, membership
from marketplace.projects import service as projects
from marketplace.projects.api import upload_from_request
from marketplace.projects.imports import unfinished_imports
from marketplace.projects.models import ImportState, Project
from marketplace.projects.presenters import import_progress
from marketplace.projects.progress import project_progress
from marketplace.projects.states import state_name
from marketplace.tasktypes import get_task_type
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.auth import page_principal, roles_required
from marketplace.web.errors import status_of

bp = Blueprint("projects", __name__)


class NewTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Create token"))


class UploadItemsForm(FlaskForm):
    """A file of items for the project. The fields carry the API's multipart names (``file``,
    ``batch``) so the upload script can send this very form to the API and show its progress."""

    file = FileField(_l("File of items"), validators=[FileRequired()])
    batch = StringField(_l("Batch name (optional)"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Upload items"))


def task_title(name: str) -> str:
    try:
        return str(get_task_type(name).title)
    except KeyError:
        return name


def import_state_names() -> dict[str, str]:
    """Upload states in the reader's language; the progress script shows them as they change."""
    return {
        ImportState.QUEUED.value: _("waiting to start"),
        ImportState.VALIDATING.value: _("checking items"),
        ImportState.STORING.value: _("saving items"),
        ImportState.SUCCEEDED.value: _("saved"),
        ImportState.FAILED.value: _("refused"),
    }


@bp.app_context_processor
def _project_context() -> dict[str, Any]:
    return {"state_name": state_name, "task_title": task_title}


@bp.get("/projects")
@roles_required(Role.CLIENT)
def list_projects() -> ResponseReturnValue:
    principal = page_principal()
    page = projects.list_projects(principal, request.args.get("cursor"), 50)
    return render_template("projects/list.html", projects=page.items, next_cursor=page.next_cursor)


def _detail_page(
    project: Project,
    form: UploadItemsForm | None = None,
    upload_errors: list[FieldError] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The project page; an upload the server refused is shown again with its problems."""
    progress = project_progress(project.id)
    # A refusal is shown next to the form even when the project no longer takes items (409).
    accepts_items = project.state in projects.UPLOADABLE_STATES or bool(upload_errors)
    ontology = project.current_ontology
    written = {g.language: g for g in ontology.guidelines} if ontology else {}
    return (
        render_template(
            "projects/detail.html",
            project=project,
            progress=progress,
            imports=unfinished_imports(project.id),
            import_state_names=import_state_names(),
            import_progress=import_progress,
            upload_form=(form or UploadItemsForm()) if accepts_items else None,
            upload_errors=upload_errors or [],
            # Per target language: its guideline, or None where annotators see the source language's.
            guidelines=[(code, written.get(code)) for code in project.language_codes],
        ),
        status,
    )


@bp.get("/projects/<project_id>")
@roles_required(Role.CLIENT)
def project_detail(project_id: str) -> ResponseReturnValue:
    principal = page_principal()
    return _detail_page(projects.visible_project(principal, project_id))


@bp.post("/projects/<project_id>/items/upload")
@roles_required(Role.CLIENT)
def upload_items(project_id: str) -> ResponseReturnValue:
    """The upload form without JavaScript: the same ingest service as the API, then back to the
    project page, whose progress bars show a background import while it runs."""
    principal = page_principal()
    project = projects.visible_project(principal, project_id)
    form = UploadItemsForm()
    if not form.validate_on_submit():
        return _detail_page(project, form, status=400)
    try:
        outcome = ingest.upload_items(
            project.id,
            upload_from_request(),
            user_id=principal.user.id if principal.user else None,
            locale=current_locale_tag(),
        )
    except InvalidInput as exc:
        return _detail_page(project, form, exc.errors, exc.status)
    except DomainError as exc:
        # Unsupported file type, too many items, a project that takes no more items, a race.
        return _detail_page(
            project, form, [FieldError(exc.field or "", exc.code, exc.message)], status_of(exc)
        )
    if outcome.queued:
        flash(_("The file is being checked and saved; its progress is shown below."), "info")
    else:
        count = outcome.item_import.accepted
        flash(
            ngettext(
                "%(count)s item is saved.", "%(count)s items are saved.", count, count=format_number(count)
            ),
            "success",
        )
    return redirect(url_for("projects.project_detail", project_id=project.public_id), 303)


@bp.route("/organisation/tokens", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def tokens() -> ResponseReturnValue:
    principal = page_principal()
    org_ids = membership.organisation_ids_of(principal.user.id) if principal.user else []
    if not org_ids:
        abort(403)
    organisation_id = org_ids[0]
    form = NewTokenForm()
    new_raw = None
    if form.validate_on_submit():
        _token, new_raw = accounts.issue_api_token(
            organisation_id, form.name.data or "", principal.user.id if principal.user else None
        )
        flash(_("Copy the token now: it will not be shown again."), "info")
    return render_template(
        "projects/tokens.html", form=form, new_raw=new_raw, tokens=accounts.list_api_tokens(organisation_id)
    )


@bp.post("/organisation/tokens/<int:token_id>/revoke")
@roles_required(Role.CLIENT)
def revoke_token(token_id: int) -> ResponseReturnValue:
    principal = page_principal()
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    org_ids = membership.organisation_ids_of(principal.user.id) if principal.user else []
    if not any(accounts.revoke_api_token(org_id, token_id) for org_id in org_ids):
        abort(404)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("projects.tokens"))
