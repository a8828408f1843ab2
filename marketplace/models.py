"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from marketplace.accounts.models import ApiToken, LanguageSkill, User, UserRole
from marketplace.agreement.models import AgreementStats, ItemAgreement
from marketplace.db import Base
from marketplace.events import ClientEvent
from marketplace.payments.models import (
    ConnectedAccount,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutRun,
    ProjectFunding,
    RateCard,
    StripeEvent,
)
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
from marketplace.qualification.models import ExamAttempt, GoldAnswer, GoldScore, GoldSeen, Qualification
from marketplace.reports.models import Delivery, DeliveryItem, WebhookEndpoint, WebhookMessage
from marketplace.review.models import (
    ReviewAppeal,
    ReviewerLanguage,
    ReviewOutcome,
    ReviewStratum,
    ReviewTask,
)
from marketplace.routing.models import Assignment, RoutingEvent

__all__ = [
    "AgreementStats",
    "ApiToken",
    "Assignment",
    "Base",
    "Batch",
    "ClientEvent",
    "ConnectedAccount",
    "Delivery",
    "DeliveryItem",
    "ExamAttempt",
    "GoldAnswer",
    "GoldScore",
    "GoldSeen",
    "Guideline",
    "Item",
    "ItemAgreement",
    "ItemImport",
    "LanguageSkill",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerTransaction",
    "OntologyVersion",
    "Organisation",
    "OrganisationMember",
    "Payout",
    "PayoutRun",
    "Project",
    "ProjectFunding",
    "ProjectLanguage",
    "Qualification",
    "RateCard",
    "ReviewAppeal",
    "ReviewOutcome",
    "ReviewStratum",
    "ReviewTask",
    "ReviewerLanguage",
    "RoutingEvent",
    "StripeEvent",
    "User",
    "UserRole",
    "WebhookEndpoint",
    "WebhookMessage",
]
