"""Rate cards: what one accepted judgment pays in each language of a project.

A project's cards share one currency (its budget is funded in it, and routing compares the two),
and their task type is the project's. The rate in force is copied onto an assignment when it is
claimed (routing does that through ``pricing.project_prices``), so editing a card here never
reprices work already handed out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from babel.core import get_global
from babel.numbers import get_territory_currencies
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.payments.models import AccountKind, LedgerAccount, LedgerEntry, RateCard
from marketplace.projects.models import Project
from marketplace.routing.models import Assignment
from marketplace.validation import FieldError, InvalidInput, format_number, join_path

#: The highest rate one judgment may pay, in minor units (100,000.00 in a two-decimal currency).
#: Why a cap at all: a slip of the keyboard (an extra three zeros) would otherwise drain a budget
#: in a handful of judgments, and sums of many rates must stay far from 64-bit limits.
MAX_RATE_MINOR = 10_000_000


@dataclass(frozen=True)
class RateInput:
    """One card as a caller asks for it (validated by :func:`replace_rate_cards`)."""

    language: str
    currency: str
    amount_minor: int


@cache
def known_currencies() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today (CLDR via Babel).

    Why not ``babel.numbers.list_currencies()``: it also lists withdrawn currencies (DEM, FRF)
    and codes that are not money (XXX, XTS, XAU), none of which a client can fund a project in.
    """
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory))
    return frozenset(codes)


def list_rate_cards(project_id: int) -> list[RateCard]:
    """The project's cards for its task type, by language."""
    session = get_session()
    project = _project(session, project_id)
    return _cards(session, project)


def project_currency(project_id: int) -> str | None:
    """The currency of the project's rate cards; None while it has none (unpriced)."""
    cards = list_rate_cards(project_id)
    return cards[0].currency if cards else None


def set_rate_card(
    project_id: int, language: str, currency: str, amount_minor: int, by_user_id: int | None
) -> RateCard:
    """Create or update the card of one language; 422 with field errors when a rule is broken."""
    session = get_session()
    project = _project(session, project_id, lock=True)
    existing = {card.language: card for card in _cards(session, project)}
    problems: list[FieldError] = []
    wanted = _check_card(session, project, RateInput(language, currency, amount_minor), "", problems)
    if wanted is not None:
        others = {card.currency for lang, card in existing.items() if lang != wanted.language}
        if others and wanted.currency not in others:
            problems.append(_mixed_currency("currency", next(iter(others))))
    if problems or wanted is None:
        session.rollback()
        raise InvalidInput(problems, status=422)
    card = _upsert(session, project, existing.get(wanted.language), wanted, by_user_id)
    session.commit()
    return card


def replace_rate_cards(project_id: int, rates: Sequence[RateInput], by_user_id: int | None) -> list[RateCard]:
    """Make ``rates`` the project's whole rate card: languages left out lose their card.

    All or nothing: one broken rule refuses the whole request with every problem listed
    (paths ``rates[i].language``, ``rates[i].currency``, ``rates[i].amount_minor``).
    """
    session = get_session()
    project = _project(session, project_id, lock=True)
    problems: list[FieldError] = []
    wanted: dict[str, RateInput] = {}
    currency: str | None = None
    for index, rate in enumerate(rates):
        path = join_path("rates", index)
        checked = _check_card(session, project, rate, path, problems)
        if checked is None:
            continue
        if checked.language in wanted:
            problems.append(
                FieldError(
                    join_path(path, "language"),
                    "duplicate",
                    _("This language has two rates; give each language once."),
                )
            )
            continue
        if currency is not None and checked.currency != currency:
            problems.append(_mixed_currency(join_path(path, "currency"), currency))
            continue
        currency = checked.currency
        wanted[checked.language] = checked
    if problems:
        session.rollback()
        raise InvalidInput(problems, status=422)
    existing = {card.language: card for card in _cards(session, project)}
    if not wanted and existing:
        _refuse_unpricing(session, project)
    for language, card in existing.items():
        if language not in wanted:
            session.delete(card)
    session.flush()
    for language, rate in wanted.items():
        _upsert(session, project, existing.get(language), rate, by_user_id)
    session.commit()
    return _cards(session, project)


def delete_rate_card(project_id: int, language: str, by_user_id: int | None) -> None:
    """Remove one language's card (its items are no longer routed); 404 when it has none.

    ``by_user_id`` is accepted for symmetry with the writes that record it; a deleted row has
    nowhere to keep it.
    """
    session = get_session()
    project = _project(session, project_id, lock=True)
    cards = {card.language: card for card in _cards(session, project)}
    try:
        code = normalize_language(language)
    except UnknownLanguage:
        code = language
    card = cards.get(code)
    if card is None:
        session.rollback()
        raise NotFound(_("This project has no rate for that language."))
    if len(cards) == 1:
        _refuse_unpricing(session, project)
    session.delete(card)
    session.commit()


# --- rules -------------------------------------------------------------------------------------


def _project(session: Session, project_id: int, *, lock: bool = False) -> Project:
    """The project; locked for the transaction when its cards are about to change, so two
    concurrent edits cannot both insert the same language's card."""
    query = select(Project).where(Project.id == project_id)
    if lock:
        query = query.with_for_update()
    project = session.scalar(query)
    if project is None:
        raise NotFound(_("There is no such project."))
    return project


def _cards(session: Session, project: Project) -> list[RateCard]:
    return list(
        session.scalars(
            select(RateCard)
            .where(RateCard.project_id == project.id, RateCard.task_type == project.task_type)
            .order_by(RateCard.language)
        )
    )


def _check_card(
    session: Session, project: Project, rate: RateInput, path: str, problems: list[FieldError]
) -> RateInput | None:
    """The card normalised (language tag, upper-case currency), or None after adding problems."""
    start = len(problems)
    language = _check_language(project, rate.language, join_path(path, "language"), problems)
    currency = _check_currency(session, project, rate.currency, join_path(path, "currency"), problems)
    _check_amount(rate.amount_minor, join_path(path, "amount_minor"), problems)
    if len(problems) > start or language is None or currency is None:
        return None
    return RateInput(language, currency, rate.amount_minor)


def _check_language(project: Project, value: object, path: str, problems: list[FieldError]) -> str | None:
    code: str | None = None
    if isinstance(value, str):
        try:
            code = normalize_language(value)
        except UnknownLanguage:
            code = None
    if code is None or code not in project.language_codes:
        problems.append(
            FieldError(
                path,
                "not_a_project_language",
                _(
                    "“%(code)s” is not one of the project's languages (%(languages)s).",
                    code=str(value),
                    languages=", ".join(project.language_codes),
                ),
            )
        )
        return None
    return code


def _check_currency(
    session: Session, project: Project, value: object, path: str, problems: list[FieldError]
) -> str | None:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in known_currencies():
        problems.append(
            FieldError(
                path,
                "unknown_currency",
                _("“%(code)s” is not a currency code in use (ISO 4217, such as EUR).", code=str(value)),
            )
        )
        return None
    funded = _escrow_currencies(session, project.id) - {code}
    if funded:
        # The budget is held in another currency: routing could never spend it at these rates.
        problems.append(
            FieldError(
                path,
                "budget_currency",
                _(
                    "This project's budget is in %(currency)s, so its rates must be in %(currency)s too.",
                    currency=", ".join(sorted(funded)),
                ),
            )
        )
        return None
    return code


def _check_amount(value: object, path: str, problems: list[FieldError]) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(
            FieldError(path, "type", _("The amount must be a whole number of the currency's smallest unit."))
        )
    elif value < 0:
        problems.append(FieldError(path, "minimum", _("The amount cannot be negative.")))
    elif value > MAX_RATE_MINOR:
        problems.append(
            FieldError(
                path,
                "maximum",
                _(
                    "The amount is too large: a judgment can pay at most %(max)s in the smallest unit.",
                    max=format_number(MAX_RATE_MINOR),
                ),
            )
        )


def _mixed_currency(path: str, currency: str) -> FieldError:
    return FieldError(
        path,
        "mixed_currency",
        _("All rates of a project are in one currency: use %(currency)s here too.", currency=currency),
    )


def _escrow_currencies(session: Session, project_id: int) -> set[str]:
    """Currencies in which the project's escrow has ever moved (it was funded in them)."""
    rows = session.scalars(
        select(LedgerAccount.currency)
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind == AccountKind.ESCROW, LedgerAccount.project_id == project_id)
        .distinct()
    )
    return set(rows)


def _refuse_unpricing(session: Session, project: Project) -> None:
    """A project with no card is routed as unpaid work; refuse that once it has been funded or
    has priced work, since annotators would then work for nothing without noticing."""
    priced_work = session.scalar(
        select(Assignment.id)
        .where(Assignment.project_id == project.id, Assignment.rate_currency.is_not(None))
        .limit(1)
    )
    if priced_work is not None or _escrow_currencies(session, project.id):
        session.rollback()
        raise Conflict(
            _("A funded or paid project keeps at least one rate. To stop work, pause the project instead."),
            field="rates",
        )


def _upsert(
    session: Session, project: Project, card: RateCard | None, rate: RateInput, by_user_id: int | None
) -> RateCard:
    if card is None:
        card = RateCard(project_id=project.id, task_type=project.task_type, language=rate.language)
        session.add(card)
    elif card.currency == rate.currency and card.amount_minor == rate.amount_minor:
        return card
    card.currency = rate.currency
    card.amount_minor = rate.amount_minor
    card.updated_by_id = by_user_id
    card.updated_at = utcnow()
    session.flush()
    return card
