"""Payment pages: the annotator's earnings, ops' owed-and-paid summary, and a project's rate card
and budget for its client.

Amounts are stored in minor units and shown in the reader's locale (``12,50 €`` in Spanish,
``€1,23,456.00`` in Hindi). Rates are typed in major units as the reader writes numbers
(``0,15`` or ``0.15``) and converted exactly, never through floats.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import (
    NumberFormatError,
    get_currency_name,
    get_currency_precision,
    get_decimal_symbol,
    parse_decimal,
)
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace.accounts.models import Role
from marketplace.errors import DomainError
from marketplace.payments import budget as budgets
from marketplace.payments import earnings as earnings_service
from marketplace.payments import pricing, rates
from marketplace.payments.models import PayoutState, RateCard
from marketplace.payments.money import to_major
from marketplace.projects import service as projects
from marketplace.projects.models import Project
from marketplace.validation import InvalidInput
from marketplace.web.auth import page_principal, roles_required

bp = Blueprint("payments", __name__)

#: Where annotators set up how they are paid (``payouts.connect_page``, another module's page);
#: linked by URL so this page does not depend on that blueprint being registered.
CONNECT_URL = "/payouts/connect"

#: The currency offered first on a project that has no rate yet.
DEFAULT_CURRENCY = "EUR"

PAYOUT_STATE_NAMES = {
    PayoutState.PENDING.value: _l("being sent"),
    PayoutState.DUE.value: _l("due"),
    PayoutState.PAID.value: _l("paid"),
    PayoutState.FAILED.value: _l("failed"),
    PayoutState.REVERSED.value: _l("reversed"),
}


# --- money in the reader's locale ------------------------------------------------------------


def _locale() -> Locale:
    locale = get_locale()
    return locale if isinstance(locale, Locale) else Locale("en")


def format_money(amount_minor: int | None, currency: str | None) -> str:
    """An amount in minor units as the reader's locale writes money; an em dash for none."""
    if amount_minor is None or currency is None:
        return "—"
    return str(format_currency(to_major(amount_minor, currency), currency))


@bp.app_template_filter("money")
def _money_filter(amount_minor: int | None, currency: str | None) -> str:
    return format_money(amount_minor, currency)


def amount_input_value(amount_minor: int, currency: str) -> str:
    """A rate as the form shows it: the locale's decimal sign, no grouping (``0,15``)."""
    return str(to_major(amount_minor, currency)).replace(".", get_decimal_symbol(_locale()))


def parse_amount(text: str, currency: str) -> int:
    """A typed amount in major units → minor units; ValueError with a message for the reader."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    value: Decimal | None
    try:
        value = parse_decimal(cleaned, locale=_locale(), strict=True)
    except NumberFormatError:
        value = None
    if value is None:
        # ``0.15`` typed in a locale whose decimal sign is a comma: read the dot as a decimal point.
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(_("Write the amount as a number, such as 0.15.")) from None
    if not value.is_finite():
        raise ValueError(_("Write the amount as a number, such as 0.15."))
    precision = get_currency_precision(currency) if currency in rates.known_currencies() else 2
    minor = value.scaleb(precision)
    if minor != minor.to_integral_value():
        raise ValueError(
            _(
                "%(currency)s has %(digits)s decimal places; use no more than that.",
                currency=currency,
                digits=precision,
            )
        )
    return int(minor)


# --- annotators ------------------------------------------------------------------------------


@bp.get("/earnings")
@roles_required(Role.ANNOTATOR)
def earnings() -> ResponseReturnValue:
    return render_template(
        "payments/earnings.html",
        earned=earnings_service.annotator_earnings(current_user.id),
        connect_url=CONNECT_URL,
        payout_state_names=PAYOUT_STATE_NAMES,
    )


# --- ops -------------------------------------------------------------------------------------


@bp.get("/ops/payments")
@roles_required(Role.OPS)
def ops_payments() -> ResponseReturnValue:
    return render_template("payments/ops.html", summary=earnings_service.ops_payments_summary())


# --- a project's rate card and budget (its client, or ops) -----------------------------------


@dataclass
class RateRow:
    """One language's line of the rate card form."""

    language: str
    #: What the input shows: the saved rate, or what was typed when the form came back with errors.
    value: str
    #: The saved card: rate, fee and cost per accepted judgment (None while the language has none).
    rate_minor: int | None
    fee_minor: int | None
    currency: str | None
    errors: list[str]

    @property
    def unit_cost_minor(self) -> int | None:
        return None if self.rate_minor is None else self.rate_minor + (self.fee_minor or 0)


@bp.route("/projects/<project_id>/payments", methods=["GET", "POST"])
@roles_required(Role.CLIENT)
def project_payments(project_id: str) -> ResponseReturnValue:
    project = projects.visible_project(page_principal(), project_id)
    cards = {card.language: card for card in rates.list_rate_cards(project.id)}
    currency = next(iter(cards.values())).currency if cards else DEFAULT_CURRENCY
    values = {lang: amount_input_value(card.amount_minor, card.currency) for lang, card in cards.items()}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        currency = request.form.get("currency", "").strip().upper()
        values = {lang: request.form.get(f"rate-{lang}", "").strip() for lang in project.language_codes}
        errors = _save_rates(project, currency, values)
        if not errors:
            flash(_("The rates are saved."), "success")
            return redirect(url_for("payments.project_payments", project_id=project.public_id), code=303)
    return render_template(
        "payments/project.html",
        project=project,
        rows=_rate_rows(project, cards, values, errors),
        currency=currency,
        currencies=_currency_choices(),
        fee_bps=pricing.fee_bps(project),
        budget=budgets.project_budget(project.id),
        errors=errors,
    ), (422 if errors else 200)


def _save_rates(project: Project, currency: str, values: dict[str, str]) -> dict[str, list[str]]:
    """Save the typed rates (empty: no rate for that language); the problems per field if any."""
    errors: dict[str, list[str]] = {}
    wanted: list[rates.RateInput] = []
    for language, text in values.items():
        if not text:
            continue
        try:
            wanted.append(rates.RateInput(language, currency, parse_amount(text, currency)))
        except ValueError as exc:
            errors.setdefault(language, []).append(str(exc))
    if errors:
        return errors
    user_id = current_user.id if current_user.is_authenticated else None
    try:
        rates.replace_rate_cards(project.id, wanted, user_id)
    except InvalidInput as exc:
        for problem in exc.errors:
            errors.setdefault(_form_key(problem.field, wanted), []).append(problem.message)
    except DomainError as exc:
        errors.setdefault("rates", []).append(exc.message)
    return errors


def _form_key(path: str, wanted: list[rates.RateInput]) -> str:
    """The form field a service error belongs to: ``rates[2].amount_minor`` → that row's language."""
    if path.endswith(".currency"):
        return "currency"
    if path.startswith("rates[") and "]" in path:
        index = int(path[len("rates[") : path.index("]")])
        return wanted[index].language
    return "rates"


def _rate_rows(
    project: Project, cards: dict[str, RateCard], values: dict[str, str], errors: dict[str, list[str]]
) -> list[RateRow]:
    bps = pricing.fee_bps(project)
    rows = []
    for lang in project.language_codes:
        card = cards.get(lang)
        rows.append(
            RateRow(
                language=lang,
                value=values.get(lang, ""),
                rate_minor=card.amount_minor if card else None,
                fee_minor=pricing.fee_for(card.amount_minor, bps) if card else None,
                currency=card.currency if card else None,
                errors=errors.get(lang, []),
            )
        )
    return rows


def _currency_choices() -> list[tuple[str, str]]:
    locale = _locale()
    return sorted(
        ((code, f"{code} — {get_currency_name(code, locale=locale)}") for code in rates.known_currencies()),
        key=lambda choice: choice[0],
    )
