"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from marketplace.accounts.models import ApiToken, LanguageSkill, User, UserRole
from marketplace.agreement.models import AgreementStats, ItemAgreement
from marketplace.db import Base
from marketplace.projects.models import (
    Batch,
    Guideline,
    Item,
    ItemImport,
    OntologyVersion,
    Organisation,
    OrganisationMember,
    Project,
    ProjectLanguage,
)
from marketplace.qualification.models import ExamAttempt, GoldAnswer, GoldScore, Qualification
from marketplace.routing.models import Assignment, RoutingEvent

__all__ = [
    "AgreementStats",
    "ApiToken",
    "Assignment",
    "Base",
    "Batch",
    "ExamAttempt",
    "GoldAnswer",
    "GoldScore",
    "Guideline",
    "Item",
    "ItemAgreement",
    "ItemImport",
    "LanguageSkill",
    "OntologyVersion",
    "Organisation",
    "OrganisationMember",
    "Project",
    "ProjectLanguage",
    "Qualification",
    "RoutingEvent",
    "User",
    "UserRole",
]
