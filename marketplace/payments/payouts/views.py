"""Payout pages: connecting a Stripe account (annotators), payout runs and manual payment (ops)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.accounts.models import Role
from marketplace.errors import DomainError
from marketplace.payments import connect
from marketplace.payments.gateway import payments_mode
from marketplace.payments.payouts import manual, queries, service
from marketplace.payments.payouts.api import public_url
from marketplace.validation import InvalidInput
from marketplace.web.auth import roles_required

bp = Blueprint("payouts", __name__)


def _check_csrf() -> None:
    if not FlaskForm().validate_on_submit():
        abort(400)


def _connect_page(notice: str | None = None) -> ResponseReturnValue:
    return render_template(
        "payouts/connect.html",
        status=connect.account_status(current_user.id),
        payouts=queries.user_payouts(current_user.id),
        notice=notice,
    )


@bp.get("/payouts/connect")
@roles_required(Role.ANNOTATOR)
def connect_page() -> ResponseReturnValue:
    return _connect_page()


@bp.post("/payouts/connect")
@roles_required(Role.ANNOTATOR)
def connect_start() -> ResponseReturnValue:
    """Send the annotator to Stripe's onboarding (a fresh link each time)."""
    _check_csrf()
    if not current_user.has_role(Role.ANNOTATOR):
        abort(403)
    try:
        url = connect.start_onboarding(
            current_user.id,
            return_url=public_url("payouts.connect_return"),
            refresh_url=public_url("payouts.connect_refresh"),
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("payouts.connect_page"), code=303)
    return redirect(url, code=303)


@bp.get("/payouts/connect/return")
@roles_required(Role.ANNOTATOR)
def connect_return() -> ResponseReturnValue:
    """Where Stripe sends the annotator back: ask Stripe for the account's state right away."""
    connect.refresh_account(current_user.id)
    return _connect_page(_("Welcome back. Here is the state of your payout account."))


@bp.get("/payouts/connect/refresh")
@roles_required(Role.ANNOTATOR)
def connect_refresh() -> ResponseReturnValue:
    """Where Stripe sends the annotator when the onboarding link expired or was used."""
    return _connect_page(_("That link has expired. Press the button to continue setting up your account."))


# --- ops ---------------------------------------------------------------------------------------------


@bp.get("/ops/payouts")
@roles_required(Role.OPS)
def ops_payouts() -> ResponseReturnValue:
    state = request.args.get("state") or None
    try:
        page = queries.list_payouts(state, request.args.get("cursor"), 100)
    except InvalidInput:
        abort(400)
    return render_template(
        "payouts/ops.html",
        mode=payments_mode(),
        rows=page.items,
        next_cursor=page.next_cursor,
        state=state,
        states=queries.PAYOUT_STATES,
        runs=queries.recent_runs(),
    )


@bp.post("/ops/payouts/run")
@roles_required(Role.OPS)
def ops_run() -> ResponseReturnValue:
    _check_csrf()
    service.queue_payout_run(current_user.id)
    flash(_("The payout run has started. Refresh this page to see its results."), "success")
    return redirect(url_for("payouts.ops_payouts"), code=303)


@bp.post("/ops/payouts/<payout_id>/mark-paid")
@roles_required(Role.OPS)
def ops_mark_paid(payout_id: str) -> ResponseReturnValue:
    _check_csrf()
    try:
        manual.mark_payout_paid(payout_id, request.form.get("reference", ""), current_user.id)
        flash(_("The payout is marked paid."), "success")
    except InvalidInput as exc:
        flash(exc.errors[0].message, "error")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("payouts.ops_payouts", state=request.args.get("state")), code=303)
