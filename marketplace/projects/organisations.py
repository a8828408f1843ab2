"""Client organisations: creating them, their members, and who may call the client endpoints.

Why apart from projects: an organisation is the owner every project, token and member hangs
off, and "may this caller act for it" is asked by every client use-case before any project is
looked at. Who belongs where is read in ``membership.py``; the caller itself is ``access.Actor``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.db import get_session
from marketplace.errors import Forbidden, NotFound
from marketplace.projects import schemas
from marketplace.projects.models import Organisation, OrganisationMember
from marketplace.validation import FieldError, InvalidInput

if TYPE_CHECKING:
    from marketplace.projects.access import Actor


# --- organisations ---------------------------------------------------------------------------------


def create_organisation(name: str, owner_user_id: int | None = None) -> Organisation:
    """Create a client organisation; its owner (if given) becomes a member with ``is_owner``."""
    name = name.strip()
    if not name:
        raise InvalidInput([FieldError("name", "required", _("This field is required."))])
    session = get_session()
    organisation = Organisation(name=name[: schemas.MAX_NAME_CHARS])
    if owner_user_id is not None:
        organisation.members.append(OrganisationMember(user_id=owner_user_id, is_owner=True))
    session.add(organisation)
    session.commit()
    return organisation


def add_member(organisation_id: int, user_id: int, is_owner: bool = False) -> OrganisationMember:
    """Make ``user_id`` a member (idempotent; an existing membership takes the new ``is_owner``)."""
    session = get_session()
    member = session.get(OrganisationMember, (organisation_id, user_id))
    if member is None:
        if session.get(Organisation, organisation_id) is None:
            raise NotFound()
        member = OrganisationMember(organisation_id=organisation_id, user_id=user_id, is_owner=is_owner)
        session.add(member)
    else:
        member.is_owner = is_owner
    session.commit()
    return member


def organisation_public_ids(organisation_ids: Iterable[int]) -> dict[int, str]:
    """Public ids of organisations, for serialising projects without one query per project."""
    wanted = set(organisation_ids)
    if not wanted:
        return {}
    rows = get_session().execute(
        select(Organisation.id, Organisation.public_id).where(Organisation.id.in_(wanted))
    )
    return {row.id: row.public_id for row in rows}


# --- who may call ----------------------------------------------------------------------------------


def require_client_access(principal: Actor) -> None:
    """403 for callers who are not clients at all (annotators, reviewers without membership).

    Why before the 404 of a hidden project: an annotator has no business with any client endpoint,
    and telling them so plainly is more useful than pretending every project is missing.
    """
    if principal.token is not None or principal.is_ops or principal.organisation_ids:
        return
    if principal.has_role(Role.CLIENT):
        return
    raise Forbidden()


def resolve_organisation(principal: Actor, organisation_public_id: str | None) -> int:
    """The organisation a new project belongs to.

    A token acts for its own organisation. A person names one with ``organisation`` or, with
    exactly one membership, gets that one. Ops must always name it. An organisation the caller
    can't act for is reported as missing (404), like any hidden resource.
    """
    require_client_access(principal)
    if organisation_public_id is not None:
        organisation_id = get_session().scalar(
            select(Organisation.id).where(Organisation.public_id == organisation_public_id)
        )
        if organisation_id is None or not principal.can_act_for(organisation_id):
            raise NotFound(_("There is no such organisation."))
        return organisation_id
    if principal.token is not None:
        return principal.token.organisation_id
    if len(principal.organisation_ids) == 1:
        return next(iter(principal.organisation_ids))
    if not principal.organisation_ids and not principal.is_ops:
        raise Forbidden(_("You are not a member of any client organisation."))
    raise InvalidInput(
        [FieldError("organisation", "required", _("Say which organisation the project is for."))], status=422
    )
