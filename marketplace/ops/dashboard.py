"""Figures of the ops dashboard, per item language: people, backlog, throughput, quality, money.

One function per figure, each a read-only query returning plain dataclasses, so the page (and its
tests) can ask for exactly what it shows. Daily series are bucketed in Python by UTC day: the
timestamps are timezone-aware on every backend, and SQL date functions differ between SQLite and
PostgreSQL. The windows are short (at most :data:`PERIODS` days), so the rows read stay few.

Agreement over time is the per-day mean of :class:`ItemAgreement.agreement` (the mean pairwise
agreement of each item's answers, on the day the item was last settled), not Krippendorff's α per
day: α needs the coincidence matrices, which are stored per batch, not per day, and rebuilding them
per day would mean reading every answer again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from marketplace.agreement.models import ItemAgreement
from marketplace.db import get_session, utcnow
from marketplace.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from marketplace.projects.models import Batch, Item, ItemState
from marketplace.qualification.models import GoldScore, Qualification, QualificationState
from marketplace.review.stats import queue_summary
from marketplace.routing.models import Assignment, AssignmentState

#: The periods (in days) the dashboard offers; the first is the default.
PERIODS = (14, 7, 30)
#: An annotator is active when they submitted a judgment within this many days.
ACTIVE_DAYS = 7
#: Assignment states that were a submitted judgment (a rejected one was submitted first).
SUBMITTED_STATES = (AssignmentState.SUBMITTED, AssignmentState.REJECTED)


@dataclass(frozen=True)
class People:
    language: str
    qualified: int = 0
    #: Distinct annotators with a judgment submitted in the last :data:`ACTIVE_DAYS` days.
    active: int = 0
    suspended: int = 0


@dataclass(frozen=True)
class Backlog:
    language: str
    #: Work items ready to be handed out (gold items excluded).
    ready_items: int = 0
    triage_items: int = 0
    #: Review tasks nobody holds yet.
    review_waiting: int = 0


@dataclass(frozen=True)
class DailyCount:
    day: date
    count: int


@dataclass(frozen=True)
class DailyRate:
    day: date
    #: The day's mean, None on a day without data (a gap in the line, not a zero).
    value: float | None
    #: How many observations the mean is over.
    count: int


@dataclass(frozen=True)
class Cost:
    """What accepted work of one language cost the clients in one currency over the period."""

    language: str
    currency: str
    #: Rates plus the platform's fee, in minor units.
    spent_minor: int
    accepted_items: int

    @property
    def per_item_minor(self) -> int | None:
        """Rounded half up, as the client's budget page rounds."""
        if not self.accepted_items:
            return None
        return (2 * self.spent_minor + self.accepted_items) // (2 * self.accepted_items)


@dataclass(frozen=True)
class Acceptance:
    language: str
    decided: int
    rate: float | None


@dataclass
class LanguageDashboard:
    """Everything the page shows for one language."""

    language: str
    people: People
    backlog: Backlog
    throughput: list[DailyCount]
    agreement: list[DailyRate]
    gold_accuracy: list[DailyRate]
    acceptance: Acceptance
    costs: list[Cost] = field(default_factory=list)


def period_days(end: date, days: int) -> list[date]:
    """The ``days`` UTC days ending with ``end``, oldest first."""
    return [end - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _since(now: datetime, days: int) -> datetime:
    """Midnight UTC at the start of the first day of the period."""
    first = now.date() - timedelta(days=days - 1)
    return datetime(first.year, first.month, first.day, tzinfo=now.tzinfo)


def dashboard_languages() -> list[str]:
    """Every language that has work items, qualifications or review tasks, sorted."""
    session = get_session()
    found: set[str] = set()
    found.update(session.scalars(select(Item.language).where(Item.language.is_not(None)).distinct()))
    found.update(session.scalars(select(Qualification.language).distinct()))
    found.update(session.scalars(select(Assignment.language).distinct()))
    return sorted(code for code in found if code)


def people(languages: Sequence[str], now: datetime | None = None) -> dict[str, People]:
    """Qualified, active and suspended annotators per language (each person counted once per
    language however many projects they are qualified on)."""
    session = get_session()
    now = now or utcnow()
    states: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = session.execute(
        select(Qualification.language, Qualification.state, Qualification.user_id).where(
            Qualification.language.in_(list(languages)),
            Qualification.state.in_([QualificationState.QUALIFIED, QualificationState.SUSPENDED]),
        )
    )
    for language, state, user_id in rows:
        states[language][state].add(user_id)
    active: dict[str, set[int]] = defaultdict(set)
    submitted = session.execute(
        select(Assignment.language, Assignment.annotator_id).where(
            Assignment.language.in_(list(languages)),
            Assignment.state.in_(SUBMITTED_STATES),
            Assignment.finished_at >= now - timedelta(days=ACTIVE_DAYS),
        )
    )
    for language, user_id in submitted:
        active[language].add(user_id)
    return {
        language: People(
            language,
            qualified=len(states[language][QualificationState.QUALIFIED]),
            active=len(active[language]),
            suspended=len(states[language][QualificationState.SUSPENDED]),
        )
        for language in languages
    }


def backlog(languages: Sequence[str]) -> dict[str, Backlog]:
    """Ready work items, items in language triage and open review tasks per language.

    An item in triage has no decided language yet: it is counted under its declared language, or
    the detected one when none was declared."""
    session = get_session()
    ready: dict[str | None, int] = {
        key: count
        for key, count in session.execute(
            select(Item.language, func.count())
            .join(Batch, Batch.id == Item.batch_id)
            .where(Item.state == ItemState.READY, Batch.kind != "gold", Item.language.in_(list(languages)))
            .group_by(Item.language)
        )
    }
    triage_language = func.coalesce(Item.declared_language, Item.detected_language)
    triage: dict[str | None, int] = {
        key: count
        for key, count in session.execute(
            select(triage_language, func.count())
            .where(Item.state == ItemState.TRIAGE, triage_language.in_(list(languages)))
            .group_by(triage_language)
        )
    }
    review = {queue.language: queue.open for queue in queue_summary(languages)}
    return {
        language: Backlog(
            language,
            ready_items=int(ready.get(language, 0)),
            triage_items=int(triage.get(language, 0)),
            review_waiting=review.get(language, 0),
        )
        for language in languages
    }


def throughput(
    languages: Sequence[str], days: int, now: datetime | None = None
) -> dict[str, list[DailyCount]]:
    """Judgments submitted per UTC day over the period, per language (zero days included)."""
    now = now or utcnow()
    rows = get_session().execute(
        select(Assignment.language, Assignment.finished_at).where(
            Assignment.language.in_(list(languages)),
            Assignment.state.in_(SUBMITTED_STATES),
            Assignment.finished_at >= _since(now, days),
        )
    )
    counts: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for language, finished_at in rows:
        if finished_at is not None:  # always, given the filter; said for the type checker
            counts[language][finished_at.date()] += 1
    calendar = period_days(now.date(), days)
    return {
        language: [DailyCount(day, counts[language].get(day, 0)) for day in calendar]
        for language in languages
    }


def _daily_means(
    rows: Iterable[tuple[str | None, datetime, float | None]], languages: Sequence[str], calendar: list[date]
) -> dict[str, list[DailyRate]]:
    sums: dict[tuple[str | None, date], list[float]] = defaultdict(list)
    for language, at, value in rows:
        if value is not None:
            sums[(language, at.date())].append(float(value))
    result: dict[str, list[DailyRate]] = {}
    for language in languages:
        series = []
        for day in calendar:
            values = sums.get((language, day), [])
            series.append(DailyRate(day, sum(values) / len(values) if values else None, len(values)))
        result[language] = series
    return result


def agreement_by_day(
    languages: Sequence[str], days: int, now: datetime | None = None
) -> dict[str, list[DailyRate]]:
    """Mean item agreement per UTC day (see the module docstring for why not α per day)."""
    now = now or utcnow()
    rows = get_session().execute(
        select(Item.language, ItemAgreement.updated_at, ItemAgreement.agreement)
        .join(Item, Item.id == ItemAgreement.item_id)
        .where(
            Item.language.in_(list(languages)),
            ItemAgreement.agreement.is_not(None),
            ItemAgreement.updated_at >= _since(now, days),
        )
    )
    return _daily_means(
        ((lang, at, value) for lang, at, value in rows), languages, period_days(now.date(), days)
    )


def gold_accuracy_by_day(
    languages: Sequence[str], days: int, now: datetime | None = None
) -> dict[str, list[DailyRate]]:
    """Share of hidden-gold answers that were correct, per UTC day (as rolling accuracy counts)."""
    now = now or utcnow()
    rows = get_session().execute(
        select(GoldScore.language, GoldScore.scored_at, GoldScore.correct).where(
            GoldScore.language.in_(list(languages)), GoldScore.scored_at >= _since(now, days)
        )
    )
    as_rates = ((language, at, 1.0 if correct else 0.0) for language, at, correct in rows)
    return _daily_means(as_rates, languages, period_days(now.date(), days))


def review_acceptance(languages: Sequence[str]) -> dict[str, Acceptance]:
    """Accepted (as is or fixed) among decided review tasks, per language, over all time."""
    queues = {queue.language: queue for queue in queue_summary(languages)}
    result = {}
    for language in languages:
        queue = queues.get(language)
        decided = sum(queue.decisions.values()) if queue else 0
        result[language] = Acceptance(language, decided, queue.acceptance_rate if queue else None)
    return result


def cost_per_accepted_item(
    languages: Sequence[str], days: int, now: datetime | None = None
) -> dict[str, list[Cost]]:
    """What the ACCRUAL transactions booked in the period took out of projects' escrow (rates plus
    fees), and over how many distinct items, per language and currency."""
    now = now or utcnow()
    rows = get_session().execute(
        select(
            LedgerTransaction.language,
            LedgerEntry.currency,
            func.sum(LedgerEntry.amount_minor),
            func.count(func.distinct(Assignment.item_id)),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(Assignment, Assignment.id == LedgerTransaction.assignment_id)
        .where(
            LedgerTransaction.kind == TransactionKind.ACCRUAL,
            LedgerAccount.kind == AccountKind.ESCROW,
            LedgerTransaction.language.in_(list(languages)),
            LedgerTransaction.created_at >= _since(now, days),
        )
        .group_by(LedgerTransaction.language, LedgerEntry.currency)
        .order_by(LedgerEntry.currency)
    )
    result: dict[str, list[Cost]] = {language: [] for language in languages}
    for language, currency, spent, items in rows:
        if language in result:
            result[language].append(Cost(language, currency, int(spent), int(items)))
    return result


def language_dashboards(
    language: str | None, days: int, now: datetime | None = None
) -> list[LanguageDashboard]:
    """The whole dashboard: every known language, or only ``language``."""
    now = now or utcnow()
    known = dashboard_languages()
    languages = [code for code in known if language is None or code == language]
    if not languages:
        return []
    staff = people(languages, now)
    queues = backlog(languages)
    counts = throughput(languages, days, now)
    agreement = agreement_by_day(languages, days, now)
    gold = gold_accuracy_by_day(languages, days, now)
    acceptance = review_acceptance(languages)
    costs = cost_per_accepted_item(languages, days, now)
    return [
        LanguageDashboard(
            language=code,
            people=staff[code],
            backlog=queues[code],
            throughput=counts[code],
            agreement=agreement[code],
            gold_accuracy=gold[code],
            acceptance=acceptance[code],
            costs=costs[code],
        )
        for code in languages
    ]
