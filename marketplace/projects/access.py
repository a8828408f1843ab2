"""The caller of a use-case, and which organisations it may act for.

Here, not in the web layer, because access rules are domain rules: services take an ``Actor`` (or
plain ids) and decide; the web layer only says who is calling.
"""

from __future__ import annotations

from functools import cached_property

from marketplace.accounts.models import ApiToken, Role, User
from marketplace.projects import membership


class Actor:
    """Who a use-case acts for: an organisation's API token or a signed-in person.

    The web layer builds one per request; services check access with it and never see the request.
    """

    def __init__(
        self, user: User | None, token: ApiToken | None, organisation_ids: frozenset[int] | None = None
    ) -> None:
        self.user = user
        self.token = token
        if organisation_ids is not None:  # known already: skip the lookup
            self.__dict__["organisation_ids"] = organisation_ids

    @cached_property
    def organisation_ids(self) -> frozenset[int]:
        """Organisations the caller acts for; looked up only by endpoints that need it."""
        if self.token is not None:
            return frozenset({self.token.organisation_id})
        if self.user is not None:
            return frozenset(membership.organisation_ids_of(self.user.id))
        return frozenset()

    @property
    def is_ops(self) -> bool:
        return self.user is not None and self.user.has_role(Role.OPS)

    def has_role(self, role: Role) -> bool:
        return self.user is not None and (self.user.has_role(role) or self.is_ops)

    def can_act_for(self, organisation_id: int) -> bool:
        return self.is_ops or organisation_id in self.organisation_ids
