"""Enumerations of the risk register (DOMAIN.md §4). Levels are an enum, never a bare numeral: the
numerals and colours a screen shows come from configuration (`risks.config`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    MAJOR = "major", _("Major risk")
    SIGNIFICANT = "significant", _("Significant risk")
    GENERAL = "general", _("General risk")
    LOW = "low", _("Low risk")


# Highest first: "raise by one level" moves one step to the left.
LEVEL_ORDER: tuple[str, ...] = (RiskLevel.MAJOR, RiskLevel.SIGNIFICANT, RiskLevel.GENERAL, RiskLevel.LOW)


def level_rank(level: str) -> int:
    """0 for major … 3 for low; unknown levels rank below low."""
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def highest(levels: "list[str] | tuple[str, ...]") -> str:
    known = [level for level in levels if level in LEVEL_ORDER]
    return min(known, key=level_rank) if known else ""


def raised(level: str, steps: int) -> str:
    return LEVEL_ORDER[max(0, level_rank(level) - steps)] if level in LEVEL_ORDER else level


class Method(models.TextChoices):
    LEC = "lec", _("LEC (D = L × E × C)")
    LS = "ls", _("Risk matrix (R = L × S)")


class PointKind(models.TextChoices):
    FACILITY = "facility", _("Facility or equipment")
    PART = "part", _("Part")
    PLACE = "place", _("Place")
    AREA = "area", _("Area")
    ACTIVITY = "activity", _("Work activity")


class MeasureKind(models.TextChoices):
    ENGINEERING = "engineering", _("Engineering")
    MANAGEMENT = "management", _("Management")
    TRAINING = "training", _("Training and education")
    PROTECTIVE = "protective", _("Personal protective equipment")
    EMERGENCY = "emergency", _("Emergency response")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


FREQUENCY_DAYS: dict[str, int] = {
    Frequency.DAILY: 1,
    Frequency.WEEKLY: 7,
    Frequency.MONTHLY: 30,
    Frequency.QUARTERLY: 91,
    Frequency.YEARLY: 365,
}


class CheckStatus(models.TextChoices):
    OPEN = "open", _("To check")
    PASSED = "passed", _("Control effective")
    FAILED = "failed", _("Control failing")
    MISSED = "missed", _("Missed")


class ResponsibleTier(models.TextChoices):
    """The enterprise's four tiers (公司、部门/车间、班组、岗位) and, for public areas, the government's."""

    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department or workshop")
    TEAM = "team", _("Team")
    POST = "post", _("Post")
    COUNTY = "county", _("District/county")
    TOWNSHIP = "township", _("Township/street")
    VILLAGE = "village", _("Village/community")
    GRID = "grid", _("Grid")


class ReassessReason(models.TextChoices):
    REVIEW_CYCLE = "review_cycle", _("Periodic review due")
    OPEN_HAZARD = "open_hazard", _("A linked hazard is open")
    MAJOR_HAZARD = "major_hazard", _("A linked major hazard")
    ACCIDENT = "accident", _("A linked accident")
    CHANGE = "change", _("Process, equipment or people changed")
