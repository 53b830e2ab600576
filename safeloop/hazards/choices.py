"""Hazard vocabularies (DOMAIN.md §3.2, §3.5). Stored values are lower-case English names (DESIGN.md
"Contracts": statuses are lower-case); labels are translated; `BADGE` gives each status its colour."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    INVALID = "invalid", _("Invalid")
    DUPLICATE = "duplicate", _("Duplicate")
    RECTIFYING = "rectifying", _("Rectifying")
    SUBMITTED = "submitted", _("Awaiting verification")
    PLAN_REQUIRED = "plan_required", _("Governance plan required")
    LISTED = "listed", _("Listed for supervision")
    GOVERNING = "governing", _("Under governance")
    EVALUATED = "evaluated", _("Evaluated")
    ACCEPTANCE_PENDING = "acceptance_pending", _("Awaiting on-site acceptance")
    CLOSED = "closed", _("Closed")


# Statuses that end the loop; every other status is "open" and can go overdue.
FINAL_STATUSES = frozenset({HazardStatus.CLOSED, HazardStatus.INVALID, HazardStatus.DUPLICATE})
OPEN_STATUSES = tuple(s for s in HazardStatus.values if s not in FINAL_STATUSES)

BADGE = {
    HazardStatus.REPORTED: "blue",
    HazardStatus.CONFIRMED: "azure",
    HazardStatus.INVALID: "secondary",
    HazardStatus.DUPLICATE: "secondary",
    HazardStatus.RECTIFYING: "yellow",
    HazardStatus.SUBMITTED: "lime",
    HazardStatus.PLAN_REQUIRED: "orange",
    HazardStatus.LISTED: "red",
    HazardStatus.GOVERNING: "orange",
    HazardStatus.EVALUATED: "teal",
    HazardStatus.ACCEPTANCE_PENDING: "teal",
    HazardStatus.CLOSED: "green",
}


class HazardLevel(models.TextChoices):
    """16号令 Art. 3: two levels only (DOMAIN.md §3.2)."""

    GENERAL = "general", _("General hazard")
    MAJOR = "major", _("Major hazard")


class HazardSource(models.TextChoices):
    GRID_PATROL = "grid_patrol", _("Grid patrol")
    SELF_CHECK = "self_check", _("Enterprise self-check")
    DEPARTMENT_INSPECTION = "department_inspection", _("Department inspection")
    SUPERVISION = "supervision", _("Supervision")
    PUBLIC_REPORT = "public_report", _("Public report")
    CAMPAIGN = "campaign", _("Campaign")
    SENSOR = "sensor", _("Sensor")


class HazardCategory(models.TextChoices):
    """16号令 Art. 3: the three natures of a hazard; some local rules add environment [U]."""

    THING = "thing", _("Unsafe condition of things")
    ACT = "act", _("Unsafe act")
    MANAGEMENT = "management", _("Management defect")
    ENVIRONMENT = "environment", _("Environment")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before rectification")
    AFTER = "after", _("After rectification")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ListingLevel(models.TextChoices):
    """挂牌督办 level: who lists the hazard (Jiangxi practice, DOMAIN.md §3.1)."""

    PROVINCE = "province", _("Provincial")
    CITY = "city", _("City")
    COUNTY = "county", _("District/county")


class JudgementType(models.TextChoices):
    DIRECT = "direct", _("Direct judgement")
    COMPOSITE = "composite", _("Composite judgement")


class CriteriaStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    DRAFT = "draft", _("Draft")


class EscalationTier(models.IntegerChoices):
    """The ladder an overdue hazard climbs (township → district → city 安委办)."""

    NONE = 0, _("Not escalated")
    TOWNSHIP = 1, _("Township/street")
    COUNTY = 2, _("District/county")
    CITY = 3, _("City Safety Committee Office")
