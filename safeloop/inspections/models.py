"""Checklists (versioned templates), inspections and their answers, the 大排查大整治 campaign with its
targets and tasks, and grid patrols (plans and check-ins). DOMAIN.md §5, §7."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import PublicModel
from safeloop.hazards.choices import HazardCategory, HazardLevel
from safeloop.hazards.models import CriteriaItem, Hazard, HazardPhoto
from safeloop.inspections.choices import (
    AnswerType,
    CampaignStatus,
    InspectionKind,
    InspectionStatus,
    TaskStatus,
)
from safeloop.orgs.models import Department, Division, Enterprise, Grid, Sector

# ---- checklists ------------------------------------------------------------------------------------


class ChecklistTemplate(PublicModel):
    """One version of a sector's checklist. Editing a template that has been used makes a new version;
    an inspection keeps the version it was done with, so its answers always render as they were."""

    code = models.SlugField(_("code"), max_length=48)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.PROTECT, related_name="checklists")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["sector__position", "code", "-version"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_checklist_version"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_current=True), name="one_current_checklist_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("item"), max_length=300)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    answer_type = models.CharField(_("answer type"), max_length=8, choices=AnswerType.choices)
    required = models.BooleanField(_("required"), default=True)
    # A "no" (yes/no items) or a number outside [min_value, max_value] is a finding.
    min_value = models.FloatField(_("lowest acceptable"), null=True, blank=True)
    max_value = models.FloatField(_("highest acceptable"), null=True, blank=True)
    finding_needs_photo = models.BooleanField(_("a finding needs a photo"), default=False)
    finding_creates_hazard = models.BooleanField(_("a finding creates a draft hazard"), default=True)
    hazard_level = models.CharField(
        _("default hazard level"), max_length=8, choices=HazardLevel.choices, default=HazardLevel.GENERAL
    )
    hazard_category = models.CharField(
        _("default hazard category"), max_length=12, choices=HazardCategory.choices, default=HazardCategory.THING
    )
    criteria_item = models.ForeignKey(CriteriaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "position"], name="unique_item_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:40]}"


# ---- campaigns -------------------------------------------------------------------------------------


class Campaign(PublicModel):
    """大排查大整治: a period, a scope (sectors, divisions), target sites, templates, tasks."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(_("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED)
    # The division the campaign was launched for (its code prefix is the campaign's territory).
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="campaigns")
    sectors = models.ManyToManyField(Sector, related_name="campaigns", verbose_name=_("sectors"))
    templates = models.ManyToManyField(ChecklistTemplate, blank=True, related_name="campaigns")
    # The filter the targets were chosen by (enterprise FilterSet parameters), kept for the record.
    target_filter = models.JSONField(_("target filter"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class CampaignTask(PublicModel):
    """Work handed to a unit (a division or a department) and optionally a person, with a deadline."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    division = models.ForeignKey(
        Division, to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")

    def __str__(self) -> str:
        return self.title


class CampaignTarget(models.Model):
    """A site the campaign must inspect; `division`, `grid` and `sector` are copied for progress counts."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="campaign_targets")
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(CampaignTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets")
    first_inspected_at = models.DateTimeField(_("first inspected"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "enterprise"], name="unique_campaign_target")]
        indexes = [models.Index(fields=["campaign", "division"], name="campaign_target_division")]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.enterprise_id}"


# ---- inspections -----------------------------------------------------------------------------------


class Inspection(PublicModel):
    kind = models.CharField(_("kind"), max_length=12, choices=InspectionKind.choices)
    # 四不两直: not announced, no greeting, no report asked for, no escort; straight to the site.
    unannounced = models.BooleanField(_("unannounced (四不两直)"), default=False)
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections")
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="inspections")
    grid = models.ForeignKey(
        Grid, to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.PROTECT, related_name="inspections")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspectors = models.CharField(_("inspectors"), max_length=200, blank=True)
    # 安全生产法 Art. 68: the inspected unit's principal signs; a refusal is recorded.
    signed_by = models.CharField(_("signed by (inspected unit)"), max_length=64, blank=True)
    refused_to_sign = models.BooleanField(_("the inspected unit refused to sign"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes = [
            models.Index(fields=["campaign", "division"], name="inspection_campaign_division"),
            models.Index(fields=["enterprise", "-started_at"], name="inspection_enterprise_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d}"


class InspectionAnswer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    choice = models.CharField(_("answer"), max_length=3, blank=True)  # YesNo
    number = models.FloatField(_("number"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_finding = models.BooleanField(_("finding"), default=False)
    photo = models.ForeignKey(HazardPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    photo_file = models.FileField(upload_to="inspections/%Y/%m", blank=True)
    hazard = models.ForeignKey(Hazard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="unique_answer_per_item")]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}"


class CampaignHazard(models.Model):
    """A hazard found during a campaign (for its progress counts)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="hazard_links")
    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="campaign_link")
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="+")
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.campaign_id} ← {self.hazard_id}"


# ---- grid patrols ----------------------------------------------------------------------------------


class PatrolPlan(models.Model):
    grid = models.OneToOneField(Grid, to_field="code", on_delete=models.CASCADE, related_name="patrol_plan")
    every_days = models.PositiveSmallIntegerField(_("patrol every (days)"), default=7)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("patrol plan")
        verbose_name_plural = _("patrol plans")

    def __str__(self) -> str:
        return f"{self.grid_id}: every {self.every_days} d"


class PatrolCheckIn(PublicModel):
    """A grid worker's check-in: where and when, optionally at a site. The uuid can be made by the
    phone (offline queue), which makes a replay a no-op."""

    grid = models.ForeignKey(Grid, to_field="code", on_delete=models.PROTECT, related_name="check_ins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance from the grid (m)"), default=0)
    at = models.DateTimeField(_("checked in at"))
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="patrol_visits"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("patrol check-in")
        verbose_name_plural = _("patrol check-ins")
        indexes = [
            models.Index(fields=["grid", "-at"], name="checkin_grid_recent"),
            models.Index(fields=["enterprise", "-at"], name="checkin_enterprise_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.at:%Y-%m-%d %H:%M}"
