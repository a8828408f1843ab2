"""Routing use-cases: hand out assignments and let leases go (answers: ``submission.py``).

Invariants, each enforced where it cannot be bypassed:

- one assignment per (item, annotator): a unique constraint;
- at most ``required`` assignments hold a slot of an item (submitted, or leased and unexpired):
  a claim locks the item rows it takes (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
  serialises writers) and recounts the slots with a fresh statement after the lock, so it sees
  every claim that committed before it;
- an expired lease holds no slot even before the sweeper marks it expired (lazy expiry).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts import service as accounts
from marketplace.db import get_session, utcnow
from marketplace.errors import Conflict, NotFound
from marketplace.languages.codes import UnknownLanguage, normalize_language
from marketplace.projects import item_lifecycle
from marketplace.projects.models import Batch, Item, ItemState, Project, ProjectLanguage, ProjectState
from marketplace.projects.readers import targets_in_languages
from marketplace.projects.settings.qualification import QualificationSettings
from marketplace.qualification import service as qualification
from marketplace.qualification.gold_seen import gold_seen_by
from marketplace.routing.assignment_lifecycle import move_assignment, record_event
from marketplace.routing.budget import Price, claim_budget
from marketplace.routing.eligibility import allowed_targets
from marketplace.routing.models import (
    Assignment,
    AssignmentState,
    RoutingEventKind,
)
from marketplace.validation import FieldError, InvalidInput

#: Live leases one annotator may hold at once (a page prefetches a few; more would hoard work).
MAX_LEASES_PER_ANNOTATOR = 5

_rng = random.Random()


def holds_slot(now: datetime) -> Any:
    """SQL condition: this assignment occupies one of its item's judgment slots."""
    return or_(
        Assignment.state == AssignmentState.SUBMITTED,
        and_(Assignment.state == AssignmentState.LEASED, Assignment.lease_expires_at > now),
    )


# --- claiming ---------------------------------------------------------------------------------


def _candidate_projects(
    annotator_id: int, project_public_id: str | None
) -> list[tuple[Project, list[list[str]], QualificationSettings]]:
    """Active projects the annotator may work on, each with the languages allowed there, in groups
    to offer in turn (the annotator's own region first; :func:`~marketplace.routing.eligibility.
    allowed_targets`). Ordered by priority, then nearest batch deadline; ties shuffled so that
    projects of equal standing share the workforce."""
    session = get_session()
    native = accounts.native_languages(annotator_id)
    qualified = qualification.qualified_pairs(annotator_id)
    if not native and not qualified:
        return []
    nearest_deadline = (
        select(func.min(Batch.deadline))
        .where(Batch.project_id == Project.id, Batch.kind == "work")
        .correlate(Project)
        .scalar_subquery()
    )
    query = (
        select(Project, nearest_deadline)
        .options(selectinload(Project.languages))
        .where(
            Project.state == ProjectState.ACTIVE,
            or_(
                Project.id.in_(list(qualified)),
                exists().where(ProjectLanguage.project_id == Project.id, targets_in_languages(native)),
            ),
        )
    )
    if project_public_id is not None:
        query = query.where(Project.public_id == project_public_id)
    rows = []
    for project, deadline in session.execute(query):
        settings = QualificationSettings.of(project.settings)
        groups = allowed_targets(
            native, project, qualified=qualified.get(project.id, []) if settings.required else None
        )
        if groups:
            rows.append((project, groups, settings, deadline))
    far_future = datetime.max.replace(tzinfo=UTC)
    shuffled = _rng.sample(rows, len(rows))
    ordered = sorted(shuffled, key=lambda row: (-row[0].priority, row[3] or far_future))
    return [(project, groups, settings) for project, groups, settings, _deadline in ordered]


def _open_batches(session: Session, project_id: int, languages: Sequence[str]) -> list[int]:
    """The project's batches that have ready items in these languages, nearest deadline first."""
    has_ready = exists().where(
        Item.batch_id == Batch.id, Item.state == ItemState.READY, Item.language.in_(languages)
    )
    return list(
        session.scalars(
            select(Batch.id)
            .where(Batch.project_id == project_id, Batch.kind == "work", has_ready)
            .order_by(Batch.deadline.asc().nulls_last(), Batch.id)
        )
    )


def _claim_in_batch(
    session: Session,
    project: Project,
    batch_id: int,
    annotator_id: int,
    languages: Sequence[str],
    wanted: int,
    now: datetime,
    prices: dict[str, Price] | None,
) -> list[Assignment]:
    occupied = (
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.item_id == Item.id, holds_slot(now))
        .scalar_subquery()
    )
    had_it = exists().where(Assignment.item_id == Item.id, Assignment.annotator_id == annotator_id)
    required = func.coalesce(Item.judgments_required, project.overlap)
    rows = session.execute(
        select(Item.id, Item.language, required)
        .where(
            Item.batch_id == batch_id,
            Item.state == ItemState.READY,
            Item.language.in_(languages),
            ~had_it,
            occupied < required,
        )
        .order_by(Item.id)
        .limit(wanted)
        .with_for_update(of=Item, skip_locked=True, key_share=True)
    ).all()
    if not rows:
        return []
    # Recount in a new statement: it sees every claim committed before we got the row locks.
    ids = [row[0] for row in rows]
    taken: dict[int, int] = {}
    mine: set[int] = set()
    for item_id, slot_held, holder in session.execute(
        select(Assignment.item_id, holds_slot(now), Assignment.annotator_id).where(
            Assignment.item_id.in_(ids)
        )
    ):
        taken[item_id] = taken.get(item_id, 0) + (1 if slot_held else 0)
        if holder == annotator_id:
            mine.add(item_id)
    free = [
        (item_id, language)
        for item_id, language, item_required in rows
        if item_id not in mine and taken.get(item_id, 0) < item_required and language is not None
    ]
    return _lease(session, project, annotator_id, free, now, prices)


def _lease(
    session: Session,
    project: Project,
    annotator_id: int,
    items: Sequence[tuple[int, str]],
    now: datetime,
    prices: dict[str, Price] | None,
) -> list[Assignment]:
    """Create leased assignments of ``(item id, language)`` pairs, with their claim events. The
    rate in force is fixed on each assignment now, so a later rate change never reprices it."""
    expires = now + timedelta(minutes=project.lease_minutes)
    claimed = []
    for item_id, language in items:
        price = prices.get(language) if prices is not None else None
        claimed.append(
            Assignment(
                item_id=item_id,
                project_id=project.id,
                annotator_id=annotator_id,
                language=language,
                state=AssignmentState.LEASED,
                claimed_at=now,
                lease_expires_at=expires,
                rate_minor=price.rate_minor if price else None,
                fee_minor=price.fee_minor if price else None,
                rate_currency=price.currency if price else None,
            )
        )
    session.add_all(claimed)
    session.flush()
    for assignment in claimed:
        record_event(session, assignment, RoutingEventKind.CLAIMED, now, lease_expires_at=expires.isoformat())
    return claimed


def live_leases(annotator_id: int, now: datetime | None = None) -> list[Assignment]:
    now = now or utcnow()
    return list(
        get_session().scalars(
            select(Assignment)
            .where(
                Assignment.annotator_id == annotator_id,
                Assignment.state == AssignmentState.LEASED,
                Assignment.lease_expires_at > now,
            )
            .order_by(Assignment.claimed_at, Assignment.id)
        )
    )


def claim_next_assignments(
    annotator_id: int, count: int = 1, project_public_id: str | None = None
) -> list[Assignment]:
    """Give the annotator up to ``count`` assignments, starting with the live leases they hold.

    One short transaction. Returns an empty list when there is no work in their languages.
    """
    if not 1 <= count <= MAX_LEASES_PER_ANNOTATOR:
        raise InvalidInput(
            [
                FieldError(
                    "count",
                    "invalid",
                    _("Ask for 1 to %(max)s items at a time.", max=MAX_LEASES_PER_ANNOTATOR),
                )
            ]
        )
    session = get_session()
    now = utcnow()
    leases = live_leases(annotator_id, now)
    held = [
        a
        for a in leases
        if project_public_id is None or _project_public_id(a.project_id) == project_public_id
    ]
    result = held[:count]
    room = min(count - len(result), MAX_LEASES_PER_ANNOTATOR - len(leases))
    if room > 0:
        try:
            result += _claim(session, annotator_id, room, project_public_id, now)
            session.commit()
        except IntegrityError:
            # Two claims by the same person at once (two tabs): the unique constraint stopped one.
            session.rollback()
            return live_leases(annotator_id)[:count]
    else:
        session.commit()
    return result


def _claim(
    session: Session,
    annotator_id: int,
    wanted: int,
    project_public_id: str | None,
    now: datetime,
) -> list[Assignment]:
    claimed: list[Assignment] = []
    for project, groups, settings in _candidate_projects(annotator_id, project_public_id):
        for allowed in groups:
            claimed += _claim_in_project(
                session, project, settings, annotator_id, allowed, wanted - len(claimed), now
            )
            if len(claimed) >= wanted:
                return claimed
    return claimed


def _claim_in_project(
    session: Session,
    project: Project,
    settings: QualificationSettings,
    annotator_id: int,
    allowed: Sequence[str],
    wanted: int,
    now: datetime,
) -> list[Assignment]:
    languages, need, prices = _within_budget(session, project, allowed, wanted, now)
    if not languages or need <= 0:
        return []
    # Each slot is hidden gold with the project's rate, but only while real work remains:
    # a queue of nothing but gold would give the gold away.
    n_gold = sum(1 for _ in range(need) if _rng.random() < settings.hidden_gold_rate)
    batches = _open_batches(session, project.id, languages)
    regular = _claim_regular(session, project, batches, annotator_id, languages, need - n_gold, now, prices)
    if n_gold and batches:
        gold = _claim_gold(session, project, annotator_id, languages, n_gold, now, prices)
        regular += _claim_regular(
            session, project, batches, annotator_id, languages, n_gold - len(gold), now, prices
        )
        return gold + regular
    return regular


def _within_budget(
    session: Session, project: Project, languages: Sequence[str], wanted: int, now: datetime
) -> tuple[list[str], int, dict[str, Price] | None]:
    """The languages a priced project pays for, and how many judgments its budget still covers
    (at the dearest of those languages' prices, so the bound is safe). Unpriced projects pass."""
    budget = claim_budget()
    prices = budget.project_prices(session, project)
    if prices is None:
        return list(languages), wanted, None
    priced = [language for language in languages if language in prices]
    if not priced:
        return [], 0, prices
    dearest = max((prices[language] for language in priced), key=lambda price: price.unit_cost)
    return priced, budget.affordable(session, project.id, dearest, wanted, now), prices


def _claim_regular(
    session: Session,
    project: Project,
    batches: Sequence[int],
    annotator_id: int,
    languages: Sequence[str],
    wanted: int,
    now: datetime,
    prices: dict[str, Price] | None,
) -> list[Assignment]:
    claimed: list[Assignment] = []
    for batch_id in batches:
        if len(claimed) >= wanted:
            break
        claimed += _claim_in_batch(
            session, project, batch_id, annotator_id, languages, wanted - len(claimed), now, prices
        )
    return claimed


def _claim_gold(
    session: Session,
    project: Project,
    annotator_id: int,
    languages: Sequence[str],
    wanted: int,
    now: datetime,
    prices: dict[str, Price] | None,
) -> list[Assignment]:
    """Hidden gold: gold items of the project in the annotator's languages that they have never had,
    in work or in an exam, nor seen as a reviewer. Gold items have no overlap limit."""
    seen_in_exams = qualification.exam_item_ids(annotator_id, project.id)
    had_it = exists().where(Assignment.item_id == Item.id, Assignment.annotator_id == annotator_id)
    query = (
        select(Item.id, Item.language)
        .join(Batch, Batch.id == Item.batch_id)
        .where(
            Batch.project_id == project.id,
            Batch.kind == "gold",
            Item.language.in_(languages),
            ~had_it,
            # Gold they reviewed (its expected answer in view) would be recognised as a check.
            Item.id.not_in(gold_seen_by(annotator_id)),
        )
        .order_by(func.random())
        .limit(wanted + len(seen_in_exams))
    )
    picked = [
        (item_id, language)
        for item_id, language in session.execute(query)
        if item_id not in seen_in_exams and language is not None
    ]
    return _lease(session, project, annotator_id, picked[:wanted], now, prices)


def _project_public_id(project_id: int) -> str | None:
    return get_session().scalar(select(Project.public_id).where(Project.id == project_id))


# --- answering and letting go -----------------------------------------------------------------


def own_assignment(annotator_id: int, public_id: str, *, lock: bool = False) -> Assignment:
    """The annotator's assignment; 404 for anyone else's (never reveal it exists)."""
    query = select(Assignment).where(
        Assignment.public_id == public_id, Assignment.annotator_id == annotator_id
    )
    if lock:
        query = query.with_for_update(key_share=True)
    assignment = get_session().scalar(query)
    if assignment is None:
        raise NotFound(_("No such assignment."))
    return assignment


def give_back_assignment(
    annotator_id: int, public_id: str, *, skip: bool, reported_language: str | None = None
) -> Assignment:
    """Release (``skip=False``) or skip an assignment; its slot returns to the pool at once.

    A ``reported_language`` says the item is not in the language it was routed as: the item goes
    to the ops triage queue so nobody else gets it until ops decide.
    """
    session = get_session()
    assignment = own_assignment(annotator_id, public_id, lock=True)
    if assignment.state != AssignmentState.LEASED:
        raise Conflict(_("Only an item you are working on can be given back."))
    reported = None
    if reported_language:
        try:
            reported = normalize_language(reported_language)
        except UnknownLanguage as exc:
            raise InvalidInput(
                [
                    FieldError(
                        "reported_language",
                        "unknown_language",
                        _("“%(code)s” is not a known language code.", code=reported_language),
                    )
                ]
            ) from exc
    now = utcnow()
    assignment.finished_at = now
    assignment.reported_language = reported
    move_assignment(
        session,
        assignment,
        AssignmentState.SKIPPED if skip else AssignmentState.RELEASED,
        RoutingEventKind.SKIPPED if skip else RoutingEventKind.RELEASED,
        now,
        reported_language=reported,
    )
    if reported is not None:
        item = session.scalar(
            select(Item).where(Item.id == assignment.item_id).with_for_update(key_share=True)
        )
        assert item is not None  # the foreign key guarantees it
        item_lifecycle.send_to_triage(item, "reported")
    session.commit()
    return assignment


def expire_leases(now: datetime | None = None) -> int:
    """Mark leases past their expiry as expired (idempotent; their slots were already free)."""
    session = get_session()
    now = now or utcnow()
    stale = list(
        session.scalars(
            select(Assignment)
            .where(Assignment.state == AssignmentState.LEASED, Assignment.lease_expires_at <= now)
            .with_for_update(skip_locked=True, key_share=True)
        )
    )
    for assignment in stale:
        assignment.finished_at = now
        move_assignment(session, assignment, AssignmentState.EXPIRED, RoutingEventKind.EXPIRED, now)
    session.commit()
    return len(stale)


def list_own_assignments(
    annotator_id: int, states: Sequence[str] | None = None, limit: int = 50
) -> list[Assignment]:
    query = select(Assignment).where(Assignment.annotator_id == annotator_id)
    if states:
        query = query.where(Assignment.state.in_(states))
    return list(get_session().scalars(query.order_by(Assignment.id.desc()).limit(limit)))
