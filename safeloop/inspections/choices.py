"""Enumerations of inspections, campaigns and grid patrols (issue 5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / not applicable")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")
    PHOTO = "photo", _("Photo")


class YesNo(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_APPLICABLE = "na", _("Not applicable")


class InspectionKind(models.TextChoices):
    DEPARTMENT = "department", _("Department inspection")
    SELF_CHECK = "self_check", _("Enterprise self-check")
    GRID_PATROL = "grid_patrol", _("Grid patrol check")
    SUPERVISION = "supervision", _("Supervision check")


# The hazard source a finding of each kind of inspection is reported with (hazards.choices.HazardSource);
# an inspection done for a campaign reports with "campaign".
HAZARD_SOURCE = {
    InspectionKind.DEPARTMENT: "department_inspection",
    InspectionKind.SELF_CHECK: "self_check",
    InspectionKind.GRID_PATROL: "grid_patrol",
    InspectionKind.SUPERVISION: "supervision",
}


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    SUBMITTED = "submitted", _("Submitted")


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
