"""The risk register (风险分级管控, DOMAIN.md §4): band tables, risk points, their assessments,
control measures, the recurring checks those measures generate, the hazards checks found, and the
enterprise site plan the 四色图 draws on."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import PublicModel
from safeloop.hazards.models import CriteriaItem, Hazard
from safeloop.orgs.choices import Confidence
from safeloop.orgs.models import Division, Enterprise, Grid, Sector
from safeloop.risks import config
from safeloop.risks.choices import (
    LEVEL_ORDER,
    CheckStatus,
    Frequency,
    MeasureKind,
    Method,
    PointKind,
    ReassessReason,
    RiskLevel,
)


class RiskBandTable(models.Model):
    """Score → level with closed lower bounds: score ≥ major_from → major, ≥ significant_from →
    significant, ≥ general_from → general, else low (DOMAIN.md §4.2 implementation notes, §4.3)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    title = models.CharField(_("title"), max_length=80)
    major_from = models.DecimalField(_("major from"), max_digits=8, decimal_places=2)
    significant_from = models.DecimalField(_("significant from"), max_digits=8, decimal_places=2)
    general_from = models.DecimalField(_("general from"), max_digits=8, decimal_places=2)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["method", "code"]
        verbose_name = _("score band table")
        verbose_name_plural = _("score band tables")

    def __str__(self) -> str:
        return self.title

    def level_for(self, score: object) -> str:
        if score >= self.major_from:  # type: ignore[operator]
            return RiskLevel.MAJOR
        if score >= self.significant_from:  # type: ignore[operator]
            return RiskLevel.SIGNIFICANT
        if score >= self.general_from:  # type: ignore[operator]
            return RiskLevel.GENERAL
        return RiskLevel.LOW


class RiskMethodSetting(models.Model):
    """Which band table a method uses, for one sector or (sector empty) for every other sector."""

    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    sector = models.ForeignKey(
        Sector, to_field="code", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    table = models.ForeignKey(RiskBandTable, on_delete=models.PROTECT, related_name="settings")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["method", "sector"], name="unique_risk_method_sector"),
            models.UniqueConstraint(
                fields=["method"], condition=models.Q(sector__isnull=True), name="unique_risk_method_default"
            ),
        ]
        verbose_name = _("band table in use")
        verbose_name_plural = _("band tables in use")

    def __str__(self) -> str:
        return f"{self.method}/{self.sector_id or '*'} → {self.table_id}"


def map_order() -> models.Case:
    """0 for major … 3 for low, 4 when not assessed: the 四色图's order, the same expression as
    `maps.level_rank()` (the index below serves only a query that repeats it exactly)."""
    return models.Case(
        *(models.When(current_level=level, then=models.Value(rank)) for rank, level in enumerate(LEVEL_ORDER)),
        default=models.Value(len(LEVEL_ORDER)),
        output_field=models.IntegerField(),
    )


class RiskPoint(PublicModel):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("type"), max_length=12, choices=PointKind.choices)
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.PROTECT, related_name="risk_points")
    description = models.TextField(_("description"), blank=True)
    accident_types = models.CharField(_("possible accidents"), max_length=200, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="risk_points"
    )
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    polygon = models.JSONField(_("area (GeoJSON, WGS-84)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="risk_points")
    grid = models.ForeignKey(
        Grid, to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="risk_points"
    )
    # [{"tier": ResponsibleTier, "name": "…", "phone": "…"}], one per tier at most.
    responsible = models.JSONField(_("people responsible"), default=list, blank=True)

    # The latest assessment, copied here for lists and the map (the history is RiskAssessment).
    method = models.CharField(_("method"), max_length=4, choices=Method.choices, blank=True)
    inherent_score = models.DecimalField(_("inherent score"), max_digits=8, decimal_places=2, null=True, blank=True)
    inherent_level = models.CharField(_("inherent level"), max_length=12, choices=RiskLevel.choices, blank=True)
    residual_score = models.DecimalField(_("residual score"), max_digits=8, decimal_places=2, null=True, blank=True)
    residual_level = models.CharField(_("residual level"), max_length=12, choices=RiskLevel.choices, blank=True)
    assessed_level = models.CharField(_("assessed level"), max_length=12, choices=RiskLevel.choices, blank=True)
    override_reason = models.CharField(_("reason for direct judgement"), max_length=200, blank=True)
    # The level the map shows: the assessed level, raised while a hazard found here is open.
    current_level = models.CharField(_("current level"), max_length=12, choices=RiskLevel.choices, blank=True)
    raised_reason = models.CharField(_("why raised"), max_length=200, blank=True)
    control_level = models.CharField(_("control level"), max_length=12, blank=True)
    last_assessed_at = models.DateTimeField(_("last assessed"), null=True, blank=True)
    next_review_at = models.DateField(_("next review"), null=True, blank=True)
    reassess_reason = models.CharField(
        _("re-assessment needed"), max_length=16, choices=ReassessReason.choices, blank=True
    )
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    # Position on the enterprise's site plan, as fractions of its width and height.
    plan_x = models.FloatField(null=True, blank=True)
    plan_y = models.FloatField(null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")
        indexes = [
            models.Index(fields=["enterprise"], name="risk_point_enterprise"),
            models.Index(fields=["next_review_at"], name="risk_point_review"),
            # The 四色图 (maps.py): the highest-level points first, read from the index instead of sorting
            # the whole scope; the summary's GROUP BY as an index-only scan of the active points.
            models.Index(map_order(), models.F("code"), condition=models.Q(active=True), name="risk_point_map_order"),
            models.Index(
                fields=["division", "current_level", "id"],
                condition=models.Q(active=True),
                name="risk_point_map_summary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def colour(self) -> str:
        return config.colour(self.current_level)

    @property
    def numeral(self) -> str:
        return config.numeral(self.current_level)


class RiskAssessment(models.Model):
    """One assessment of a point, kept forever: who, when, method, inputs, result."""

    point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="assessments")
    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    table = models.ForeignKey(RiskBandTable, on_delete=models.PROTECT, related_name="+")
    inherent_factors = models.JSONField(_("inherent factors"))
    inherent_score = models.DecimalField(_("inherent score"), max_digits=8, decimal_places=2)
    inherent_level = models.CharField(_("inherent level"), max_length=12, choices=RiskLevel.choices)
    residual_factors = models.JSONField(_("residual factors"), null=True, blank=True)
    residual_score = models.DecimalField(_("residual score"), max_digits=8, decimal_places=2, null=True, blank=True)
    residual_level = models.CharField(_("residual level"), max_length=12, choices=RiskLevel.choices, blank=True)
    criteria_item = models.ForeignKey(CriteriaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    major_hazard_source = models.BooleanField(_("involves a major hazard installation"), default=False)
    override_reason = models.CharField(_("reason for direct judgement"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=RiskLevel.choices)
    note = models.TextField(_("note"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_by_name = models.CharField(max_length=150, blank=True)
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")

    def __str__(self) -> str:
        return f"{self.point_id} {self.method} {self.level}"


class ControlMeasure(PublicModel):
    point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("kind"), max_length=12, choices=MeasureKind.choices)
    description = models.TextField(_("measure"))
    responsible_post = models.CharField(_("responsible post"), max_length=64)
    responsible_name = models.CharField(_("person responsible"), max_length=64, blank=True)
    frequency = models.CharField(_("check frequency"), max_length=10, choices=Frequency.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["point", "kind", "id"]
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"


class CheckTask(PublicModel):
    """排查任务: one due check of one measure. Failing it reports a hazard linked to the point."""

    measure = models.ForeignKey(ControlMeasure, on_delete=models.CASCADE, related_name="checks")
    point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="checks")
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=CheckStatus.choices, default=CheckStatus.OPEN)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    hazard = models.ForeignKey(Hazard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("check task")
        verbose_name_plural = _("check tasks")
        constraints = [models.UniqueConstraint(fields=["measure", "due_on"], name="unique_check_per_due_date")]
        indexes = [models.Index(fields=["status", "due_on"], name="check_status_due")]

    def __str__(self) -> str:
        return f"{self.measure_id} @ {self.due_on}: {self.status}"


class RiskPointHazard(models.Model):
    """A hazard found at a risk point: while it is open, the point's current level is raised."""

    point = models.ForeignKey(RiskPoint, on_delete=models.CASCADE, related_name="hazard_links")
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="risk_point_links")
    check_task = models.ForeignKey(CheckTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["point", "hazard"], name="unique_point_hazard")]

    def __str__(self) -> str:
        return f"{self.point_id} ← {self.hazard_id}"


def plan_path(instance: "SitePlan", filename: str) -> str:
    return f"site-plans/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class SitePlan(PublicModel):
    """The enterprise's site plan (平面图) on which its 四色图 places its points."""

    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="site_plan")
    file = models.FileField(upload_to=plan_path)
    content_type = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"site plan of {self.enterprise_id}"


from safeloop.risks.models_io import RiskImport as RiskImport  # noqa: E402 - the xlsx import's model
