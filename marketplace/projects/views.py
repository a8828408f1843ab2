"""Client pages: the organisation's projects, a project's progress, and API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from marketplace.accounts import service as accounts
from marketplace.accounts.models import Role
from marketplace.projects import membership
from marketplace.projects import service as projects
from marketplace.projects.models import ImportState
from marketplace.projects.serializers import import_progress
from marketplace.projects.states import state_name
from marketplace.tasktypes import get_task_type
from marketplace.web.auth import page_principal, roles_required

bp = Blueprint("projects", __name__)


class NewTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Create token"))


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


@bp.get("/projects/<project_id>")
@roles_required(Role.CLIENT)
def project_detail(project_id: str) -> ResponseReturnValue:
    principal = page_principal()
    project = projects.visible_project(principal, project_id)
    progress = projects.project_progress(project.id)
    return render_template(
        "projects/detail.html",
        project=project,
        progress=progress,
        imports=projects.unfinished_imports(project.id),
        import_state_names=import_state_names(),
        import_progress=import_progress,
    )


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
