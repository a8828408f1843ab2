"""Client pages for webhooks: the organisation's endpoints, one endpoint with its delivery log.

The same service calls as the API. The signing secret appears on the page that answers the
creation or the rotation and nowhere else, like an API token's raw value.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.accounts.models import Role
from marketplace.errors import DomainError
from marketplace.projects import membership
from marketplace.projects.access import Actor
from marketplace.reports.models import WebhookEndpoint, WebhookMessageState
from marketplace.reports.webhooks import service
from marketplace.reports.webhooks.service import DisabledReason
from marketplace.validation import FieldError, InvalidInput
from marketplace.web.auth import page_principal, roles_required
from marketplace.web.errors import status_of

bp = Blueprint("webhooks", __name__)

#: Messages per page of the delivery log.
LOG_PAGE_SIZE = 50


def event_titles() -> dict[str, str]:
    """Event types in the reader's language (the wire name is shown next to each)."""
    return {
        "delivery.ready": _("A delivery is ready"),
        "batch.completed": _("A batch is complete"),
        "item.completed": _("An item is complete"),
        "project.state_changed": _("A project changes state"),
        "budget.low": _("A project's budget runs low"),
    }


def message_state_names() -> dict[str, str]:
    return {
        WebhookMessageState.PENDING.value: _("waiting to be sent"),
        WebhookMessageState.DELIVERED.value: _("delivered"),
        WebhookMessageState.FAILED.value: _("failed"),
    }


def disabled_notice(endpoint: WebhookEndpoint) -> str | None:
    """Why the endpoint receives nothing, or None when it is on."""
    if endpoint.enabled:
        return None
    if endpoint.disabled_reason == DisabledReason.REPEATED_FAILURE:
        return str(
            _(
                "We turned this endpoint off because %(count)s messages in a row failed after all "
                "their retries. Fix the receiver, send a test, then turn the endpoint back on.",
                count=service.DISABLE_AFTER_FAILED_MESSAGES,
            )
        )
    return str(_("This endpoint is turned off: it receives no events."))


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (WTForms' select-multiple is awkward to use)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EndpointForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=service.MAX_URL_CHARS)])
    description = StringField(
        _l("Description (optional)"), validators=[Optional(), Length(max=service.MAX_DESCRIPTION_CHARS)]
    )
    events = MultiCheckboxField(_l("Events to send"), validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class NewEndpointForm(EndpointForm):
    organisation = SelectField(_l("Organisation"), validators=[Optional()])
    submit = SubmitField(_l("Add endpoint"))


def _event_choices() -> list[tuple[str, str]]:
    titles = event_titles()
    return [(kind, f"{titles.get(kind, kind)} ({kind})") for kind in service.event_kinds()]


def _organisations(principal: Actor) -> list[Any]:
    return membership.organisations_by_ids(sorted(principal.organisation_ids))


def _new_form(principal: Actor) -> NewEndpointForm:
    form = NewEndpointForm()
    form.events.choices = _event_choices()
    organisations = _organisations(principal)
    form.organisation.choices = [(o.public_id, o.name) for o in organisations]
    if len(organisations) < 2:
        del form.organisation
    return form


def _edit_form() -> EndpointForm:
    """The edit form as submitted (the page shows it filled from the endpoint: ``_detail_page``)."""
    form = EndpointForm()
    form.events.choices = _event_choices()
    return form


def _errors_by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """Service errors keyed by form field (``events[2]`` belongs to ``events``)."""
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field.split("[", 1)[0].split(".", 1)[0], []).append(error.message)
    return found


def _check_csrf() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


# --- the list --------------------------------------------------------------------------------------


def _list_page(
    principal: Actor,
    form: NewEndpointForm,
    service_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    page = service.list_endpoints(principal, request.args.get("cursor"), 100)
    return (
        render_template(
            "webhooks/list.html",
            endpoints=page.items,
            next_cursor=page.next_cursor,
            form=form,
            service_errors=service_errors or {},
            event_titles=event_titles(),
        ),
        status,
    )


@bp.get("/organisation/webhooks")
@roles_required(Role.CLIENT)
def list_endpoints() -> ResponseReturnValue:
    principal = page_principal()
    return _list_page(principal, _new_form(principal))


@bp.post("/organisation/webhooks")
@roles_required(Role.CLIENT)
def create_endpoint() -> ResponseReturnValue:
    principal = page_principal()
    form = _new_form(principal)
    if not form.validate_on_submit():
        return _list_page(principal, form, status=400)
    organisation = form.organisation.data if "organisation" in form else None
    try:
        organisation_id = service.endpoint_organisation(principal, organisation)
        endpoint = service.create_endpoint(
            organisation_id,
            form.url.data or "",
            form.events.data or [],
            form.description.data or "",
            principal.user.id if principal.user else None,
        )
    except InvalidInput as exc:
        return _list_page(principal, form, _errors_by_field(exc.errors), exc.status)
    flash(_("The endpoint is added. Copy its signing secret now: it will not be shown again."), "success")
    return _detail_page(endpoint, new_secret=endpoint.secret)


# --- one endpoint ----------------------------------------------------------------------------------


def _detail_page(
    endpoint: WebhookEndpoint,
    form: EndpointForm | None = None,
    service_errors: dict[str, list[str]] | None = None,
    new_secret: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    """The endpoint page. ``new_secret`` is given only in the answer to a creation or rotation."""
    log = service.list_messages(endpoint.id, request.args.get("cursor"), LOG_PAGE_SIZE)
    if form is None:
        form = EndpointForm(obj=endpoint, formdata=None)
        form.events.choices = _event_choices()
    return (
        render_template(
            "webhooks/detail.html",
            endpoint=endpoint,
            form=form,
            service_errors=service_errors or {},
            new_secret=new_secret,
            previous_secret_until=service.previous_secret_until(endpoint),
            notice=disabled_notice(endpoint),
            messages=log.items,
            next_cursor=log.next_cursor,
            event_titles=event_titles(),
            state_names=message_state_names(),
            pending=WebhookMessageState.PENDING.value,
        ),
        status,
    )


def _back_to(endpoint: WebhookEndpoint) -> ResponseReturnValue:
    return redirect(url_for("webhooks.endpoint_detail", endpoint_id=endpoint.public_id), 303)


@bp.get("/organisation/webhooks/<endpoint_id>")
@roles_required(Role.CLIENT)
def endpoint_detail(endpoint_id: str) -> ResponseReturnValue:
    return _detail_page(service.visible_endpoint(page_principal(), endpoint_id))


@bp.post("/organisation/webhooks/<endpoint_id>")
@roles_required(Role.CLIENT)
def update_endpoint(endpoint_id: str) -> ResponseReturnValue:
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    form = _edit_form()
    if not form.validate_on_submit():
        return _detail_page(endpoint, form, status=400)
    try:
        endpoint = service.update_endpoint(
            endpoint.id,
            url=form.url.data or "",
            events=form.events.data or [],
            description=form.description.data or "",
        )
    except InvalidInput as exc:
        return _detail_page(endpoint, form, _errors_by_field(exc.errors), status=exc.status)
    flash(_("The endpoint is saved."), "success")
    return _back_to(endpoint)


@bp.post("/organisation/webhooks/<endpoint_id>/enable")
@roles_required(Role.CLIENT)
def enable_endpoint(endpoint_id: str) -> ResponseReturnValue:
    _check_csrf()
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    endpoint = service.update_endpoint(endpoint.id, enabled=True)
    flash(_("The endpoint is on again."), "success")
    return _back_to(endpoint)


@bp.post("/organisation/webhooks/<endpoint_id>/disable")
@roles_required(Role.CLIENT)
def disable_endpoint(endpoint_id: str) -> ResponseReturnValue:
    _check_csrf()
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    endpoint = service.update_endpoint(endpoint.id, enabled=False)
    flash(_("The endpoint is turned off."), "success")
    return _back_to(endpoint)


@bp.post("/organisation/webhooks/<endpoint_id>/rotate-secret")
@roles_required(Role.CLIENT)
def rotate_secret(endpoint_id: str) -> ResponseReturnValue:
    _check_csrf()
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    endpoint = service.rotate_secret(endpoint.id)
    flash(_("The secret is replaced. Copy the new one now: it will not be shown again."), "success")
    return _detail_page(endpoint, new_secret=endpoint.secret)


@bp.post("/organisation/webhooks/<endpoint_id>/delete")
@roles_required(Role.CLIENT)
def delete_endpoint(endpoint_id: str) -> ResponseReturnValue:
    _check_csrf()
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    service.delete_endpoint(endpoint.id)
    flash(_("The endpoint is deleted."), "success")
    return redirect(url_for("webhooks.list_endpoints"), 303)


@bp.post("/organisation/webhooks/<endpoint_id>/test")
@roles_required(Role.CLIENT)
def test_endpoint(endpoint_id: str) -> ResponseReturnValue:
    _check_csrf()
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    ping = service.send_test(endpoint.id)
    if ping.outcome.ok:
        flash(_("The test was delivered (HTTP %(status)s).", status=ping.outcome.status), "success")
    elif ping.outcome.status is not None:
        flash(_("The receiver answered HTTP %(status)s.", status=ping.outcome.status), "error")
    else:
        flash(_("The receiver could not be reached: %(error)s", error=ping.outcome.error), "error")
    return _back_to(endpoint)


@bp.post("/organisation/webhooks/<endpoint_id>/messages/<message_id>/redeliver")
@roles_required(Role.CLIENT)
def redeliver(endpoint_id: str, message_id: str) -> ResponseReturnValue:
    _check_csrf()
    endpoint = service.visible_endpoint(page_principal(), endpoint_id)
    try:
        service.redeliver(endpoint.id, message_id)
    except DomainError as exc:
        if status_of(exc) != 409:
            raise
        flash(exc.message, "error")
        return _back_to(endpoint)
    service.kick()
    flash(_("The message will be sent again in a moment."), "success")
    return _back_to(endpoint)
