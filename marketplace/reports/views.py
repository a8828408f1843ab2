"""Client pages: a project's deliveries (list, ask for one, files, diff, QA report)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField

from marketplace.accounts.models import Role
from marketplace.i18n import current_locale_tag
from marketplace.projects import batches
from marketplace.projects import service as projects
from marketplace.reports import deliveries
from marketplace.reports.models import DeliveryState, DeliveryTrigger
from marketplace.reports.qa_render import render_qa_html
from marketplace.web.auth import page_principal, roles_required

bp = Blueprint("deliveries", __name__)


class NewDeliveryForm(FlaskForm):
    batches = SelectMultipleField(_l("Batches (none chosen: every complete item)"), choices=[])
    submit = SubmitField(_l("Make a delivery"))


def trigger_names() -> dict[str, str]:
    return {
        DeliveryTrigger.REQUEST.value: _("asked for"),
        DeliveryTrigger.BATCH_COMPLETED.value: _("batch completed"),
        DeliveryTrigger.CADENCE.value: _("weekly schedule"),
    }


def state_names() -> dict[str, str]:
    return {
        DeliveryState.BUILDING.value: _("being prepared"),
        DeliveryState.READY.value: _("ready"),
        DeliveryState.FAILED.value: _("failed"),
    }


@bp.route("/projects/<project_id>/deliveries", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def list_deliveries(project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(page_principal(), project_id)
    form = NewDeliveryForm()
    choices = batches.list_batches(project.id, None, 1000).items
    form.batches.choices = [(entry.batch.public_id, entry.batch.name) for entry in choices]
    if form.validate_on_submit():
        chosen = batches.resolve_batches(project.id, form.batches.data or [])
        principal = page_principal()
        delivery = deliveries.request_delivery(
            project.id,
            batch_ids=chosen,
            created_by_id=principal.user.id if principal.user else None,
            locale=current_locale_tag(),
        )
        flash(_("Version %(version)s is being prepared.", version=delivery.version), "success")
        return redirect(url_for("deliveries.list_deliveries", project_id=project.public_id))
    return render_template(
        "reports/deliveries.html",
        project=project,
        deliveries=deliveries.project_deliveries(project.id),
        form=form,
        trigger_names=trigger_names(),
        state_names=state_names(),
    )


@bp.get("/projects/<project_id>/deliveries/<delivery_id>")
@roles_required(Role.CLIENT)
def delivery_detail(project_id: str, delivery_id: str) -> ResponseReturnValue:
    project = projects.visible_project(page_principal(), project_id)
    delivery = deliveries.get_delivery(project.id, delivery_id)
    diff = deliveries.diff_preview(delivery) if delivery.state == DeliveryState.READY else []
    return render_template(
        "reports/delivery.html",
        project=project,
        delivery=delivery,
        batch_names=batches.batch_public_ids(delivery.batch_ids),
        diff=diff,
        trigger_names=trigger_names(),
        state_names=state_names(),
    )


@bp.get("/projects/<project_id>/deliveries/<delivery_id>/qa-report")
@roles_required(Role.CLIENT)
def delivery_qa_report(project_id: str, delivery_id: str) -> ResponseReturnValue:
    """The QA report in the reader's language (the stored HTML file is in the requester's)."""
    project = projects.visible_project(page_principal(), project_id)
    delivery = deliveries.get_delivery(project.id, delivery_id)
    deliveries.file_entry(delivery, deliveries.QA_JSON_FILE)
    return Response(render_qa_html(delivery.qa_report, current_locale_tag()), mimetype="text/html")
