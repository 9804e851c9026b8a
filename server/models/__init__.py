"""Tables. Import from here so that every model is registered on the metadata."""

from server.models.area import Area
from server.models.branch import LOCALES, Branch
from server.models.form import FormVersion
from server.models.review import (
    Assignment,
    AuditLogEntry,
    ReviewDecision,
    VisitPlan,
    VisitRevision,
)
from server.models.rollup import (
    MonthlyScore,
    MonthlySectionScore,
    PeriodScore,
    PeriodSectionScore,
)
from server.models.user import NETWORK_ROLES, ApiToken, Role, User, user_areas, user_branches
from server.models.visit import (
    Completeness,
    Photo,
    PhotoStatus,
    Visit,
    VisitAnswer,
    VisitSectionScore,
    VisitStatus,
)

__all__ = [
    "Assignment",
    "AuditLogEntry",
    "ReviewDecision",
    "VisitPlan",
    "VisitRevision",
    "MonthlyScore",
    "MonthlySectionScore",
    "PeriodScore",
    "PeriodSectionScore",
    "Completeness",
    "Photo",
    "PhotoStatus",
    "Visit",
    "VisitAnswer",
    "VisitSectionScore",
    "VisitStatus",
    "LOCALES",
    "NETWORK_ROLES",
    "ApiToken",
    "Area",
    "Branch",
    "FormVersion",
    "Role",
    "User",
    "user_areas",
    "user_branches",
]
