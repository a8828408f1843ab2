"""The agreement page of a project, for its client and for ops."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from marketplace.accounts.models import Role
from marketplace.agreement import service
from marketplace.agreement.api import annotator_label
from marketplace.projects import service as projects
from marketplace.web.auth import page_principal, roles_required

bp = Blueprint("agreement", __name__)


@bp.get("/projects/<project_id>/agreement")
@roles_required(Role.CLIENT)
def project_agreement(project_id: str) -> ResponseReturnValue:
    principal = page_principal()
    project = projects.visible_project(principal, project_id)
    report = service.project_agreement(project.id)
    for language in report["languages"]:
        for row in language["annotators"]:
            row["annotator"] = annotator_label(row.pop("annotator_id"), reveal=principal.is_ops)
    return render_template("agreement/project.html", project=project, report=report)
