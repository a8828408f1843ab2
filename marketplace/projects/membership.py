"""Which organisations a person belongs to; the accounts side asks this to scope what a client sees."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from marketplace.db import get_session
from marketplace.projects.models import Organisation, OrganisationMember


def organisation_ids_of(user_id: int) -> list[int]:
    return list(
        get_session().scalars(
            select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == user_id)
        )
    )


def organisations_by_ids(organisation_ids: Sequence[int]) -> list[Organisation]:
    if not organisation_ids:
        return []
    return list(
        get_session().scalars(
            select(Organisation).where(Organisation.id.in_(organisation_ids)).order_by(Organisation.id)
        )
    )
