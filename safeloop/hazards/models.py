"""Hazards (隐患) and what hangs off them: events, governance plans, photos, extensions, penalties, and
the reference tables the loop reads (判定标准 catalogue, default deadlines). DOMAIN.md §3, §5."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import ImportJob, PublicModel
from safeloop.hazards.choices import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    CriteriaStatus,
    EscalationTier,
    ExtensionStatus,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardStatus,
    JudgementType,
    ListingLevel,
    PhotoKind,
)
from safeloop.orgs.choices import Confidence
from safeloop.orgs.models import Department, Division, Enterprise, FunctionalZone, Grid, Sector


class CriteriaDocument(models.Model):
    """A sector's 重大事故隐患判定标准 (DOMAIN.md §5.1)."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.PROTECT, related_name="criteria_documents")
    title = models.CharField(_("title"), max_length=128)
    number = models.CharField(_("document number"), max_length=64, blank=True)
    issuer = models.CharField(_("issuer"), max_length=64, blank=True)
    effective_on = models.DateField(_("in force from"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CriteriaStatus.choices, default=CriteriaStatus.IN_FORCE
    )
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["sector__position", "code"]
        verbose_name = _("criteria document")
        verbose_name_plural = _("criteria documents")

    def __str__(self) -> str:
        return self.title


class CriteriaItem(models.Model):
    """One situation that, when matched, is judged a major hazard (direct) or counts toward it
    (composite). Text is our own wording of the source, with its confidence (DOMAIN.md §5)."""

    code = models.SlugField(_("code"), max_length=48, unique=True)
    document = models.ForeignKey(CriteriaDocument, on_delete=models.CASCADE, related_name="items")
    article = models.CharField(_("article"), max_length=32, blank=True)
    judgement = models.CharField(_("judgement"), max_length=12, choices=JudgementType.choices)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices)

    class Meta:
        ordering = ["document", "code"]
        verbose_name = _("criteria item")
        verbose_name_plural = _("criteria items")

    def __str__(self) -> str:
        return f"{self.article} {self.text_zh[:40]}"


class DeadlinePolicy(models.Model):
    """Default rectification deadline per level, optionally per sector (configurable table)."""

    level = models.CharField(_("level"), max_length=8, choices=HazardLevel.choices)
    sector = models.ForeignKey(
        Sector, to_field="code", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("days"))
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=1, choices=Confidence.choices, default=Confidence.UNVERIFIED
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "sector"], name="unique_deadline_policy")]
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")

    def __str__(self) -> str:
        return f"{self.level}/{self.sector_id or '*'}: {self.days}"


class HazardSequence(models.Model):
    """Per (city, district, year) counter behind readable codes such as YT-YH-2026-000123."""

    prefix = models.CharField(max_length=24, unique=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.value}"


class Hazard(PublicModel):
    code = models.CharField(_("hazard code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    sector = models.ForeignKey(
        Sector, to_field="code", on_delete=models.PROTECT, related_name="hazards", db_index=False
    )
    category = models.CharField(
        _("category"), max_length=12, choices=HazardCategory.choices, default=HazardCategory.THING
    )
    level = models.CharField(_("level"), max_length=8, choices=HazardLevel.choices, default=HazardLevel.GENERAL)
    level_reason = models.CharField(_("reason for the level"), max_length=200, blank=True)
    criteria_item = models.ForeignKey(
        CriteriaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards", db_index=False
    )
    source = models.CharField(_("source"), max_length=24, choices=HazardSource.choices)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards")
    # Routing, derived at intake (DOMAIN.md §2.1): where it is, who answers for the territory and the sector.
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="hazards")
    county_code = models.CharField(_("district/county"), max_length=6, editable=False)
    # Grids are matched by equality only: a plain index (Meta), not the extra LIKE index of a char FK.
    grid = models.ForeignKey(
        Grid, to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="hazards", db_index=False
    )
    territorial_division = models.ForeignKey(
        Division, to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    territorial_zone = models.ForeignKey(
        FunctionalZone, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards", db_index=False
    )
    territorial_unit = models.CharField(_("territorial unit"), max_length=64, blank=True)
    industry_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="hazards"
    )
    rectifier_name = models.CharField(_("rectification subject"), max_length=128, blank=True)
    responsible_person = models.CharField(_("person responsible"), max_length=64, blank=True)
    responsible_phone = models.CharField(_("phone of the person responsible"), max_length=20, blank=True)
    measures = models.TextField(_("rectification measures"), blank=True)
    # The org unit doing the work ("enterprise:12", "division:360602001"): it may not verify itself.
    rectifying_unit = models.CharField(max_length=48, blank=True, editable=False)

    status = models.CharField(_("status"), max_length=20, choices=HazardStatus.choices, default=HazardStatus.REPORTED)
    # Compare-and-set token: every accepted action bumps it, so of two racing actions only one lands.
    version = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("found at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")
    invalid_reason = models.CharField(_("why invalid"), max_length=200, blank=True)
    escalation_tier = models.PositiveSmallIntegerField(
        _("escalated to"), choices=EscalationTier.choices, default=EscalationTier.NONE
    )
    reminded_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    # Major hazards (16号令 Art. 14–18, DOMAIN.md §3.5).
    reported_to_regulator_at = models.DateTimeField(_("reported to the regulator at"), null=True, blank=True)
    suspended = models.BooleanField(_("production suspended"), default=False)
    listing_level = models.CharField(_("listing level"), max_length=8, choices=ListingLevel.choices, blank=True)
    supervising_unit = models.CharField(_("supervising unit"), max_length=64, blank=True)
    listing_deadline = models.DateField(_("listing deadline"), null=True, blank=True)
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    evaluation_report = models.TextField(_("evaluation report"), blank=True)
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    resume_application = models.TextField(_("application for acceptance"), blank=True)
    acceptance_requested_at = models.DateTimeField(_("acceptance requested at"), null=True, blank=True)
    acceptance_due_at = models.DateTimeField(_("on-site review due"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        indexes = [
            models.Index(fields=["status", "due_at"], name="hazard_status_due"),
            models.Index(fields=["grid"], name="hazard_grid"),
            models.Index(fields=["sector"], name="hazard_sector"),
            models.Index(fields=["-reported_at", "-id"], name="hazard_recent"),
            # The overview scans open hazards only (final ones are tallied): a small covering index.
            models.Index(
                fields=[
                    "county_code",
                    "sector",
                    "status",
                    "level",
                    "escalation_tier",
                    "due_at",
                    "division",
                    "reported_by",
                ],
                name="hazard_open_rollup",
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # Duplicate suggestions look for open hazards of a sector near a latitude.
            models.Index(
                fields=["sector", "lat"], name="hazard_sector_lat", condition=models.Q(status__in=OPEN_STATUSES)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES

    @property
    def overdue(self) -> bool:
        return bool(self.is_open and self.due_at and self.due_at < timezone.now())


class HazardEvent(models.Model):
    """The hazard's timeline: one row per accepted action, escalation, reminder or note."""

    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hazard", "at"], name="hazard_event_timeline")]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action} {self.from_status}→{self.to_status}"


class GovernancePlan(models.Model):
    """治理方案 of a major hazard: the six parts of 16号令 Art. 15 plus the report to the regulator
    (Art. 14: 现状及原因, 危害程度与整改难易分析). DOMAIN.md §3.5 rules 1–2."""

    SIX_PARTS = (
        "goals",
        "methods",
        "funding",
        "organisation",
        "timeline",
        "safety_measures",
    )
    REPORT_PARTS = ("situation", "severity")

    hazard = models.OneToOneField(Hazard, on_delete=models.CASCADE, related_name="plan")
    goals = models.TextField(_("goals and tasks"), blank=True)
    methods = models.TextField(_("methods and measures"), blank=True)
    funding = models.TextField(_("funds and materials"), blank=True)
    organisation = models.TextField(_("organisation and people responsible"), blank=True)
    timeline = models.TextField(_("time limit and requirements"), blank=True)
    safety_measures = models.TextField(_("safety measures and emergency plan"), blank=True)
    situation = models.TextField(_("current situation and causes"), blank=True)
    severity = models.TextField(_("severity and difficulty of rectification"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by_name = models.CharField(_("approved by (principal)"), max_length=64, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    def __str__(self) -> str:
        return f"plan of {self.hazard_id}"

    def missing_parts(self) -> list[str]:
        return [name for name in self.SIX_PARTS if not getattr(self, name).strip()]


def photo_path(instance: "HazardPhoto", filename: str) -> str:
    # Random names: a URL or a file listing reveals nothing about the hazard or the uploader.
    return f"hazards/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class HazardPhoto(PublicModel):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=8, choices=PhotoKind.choices)
    file = models.FileField(upload_to=photo_path)
    content_type = models.CharField(max_length=16)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} photo of {self.hazard_id}"


class DeadlineExtension(PublicModel):
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    old_due_at = models.DateTimeField(null=True, blank=True)
    requested_due_at = models.DateTimeField(_("requested due date"))
    status = models.CharField(max_length=8, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"extension of {self.hazard_id} to {self.requested_due_at:%Y-%m-%d}"


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` seen on a create: same key and body → the same hazard; another body → 409."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    body_hash = models.CharField(max_length=64)
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key


class EnterprisePenalty(PublicModel):
    """An administrative penalty decision on an enterprise; counted for 安全生产法 Art. 113(一)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="penalties")
    decided_on = models.DateField(_("decided on"))
    decision_no = models.CharField(_("decision number"), max_length=64)
    authority = models.CharField(_("authority"), max_length=64)
    amount = models.DecimalField(_("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decided_on"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "decision_no"], name="unique_penalty_decision")]

    def __str__(self) -> str:
        return f"{self.decision_no} ({self.decided_on})"


class HazardImport(ImportJob):
    """One upload of a historical 隐患台账 (xlsx) and its progress; safeloop/hazards/ledger.py does the work."""

    created_count = models.PositiveIntegerField(_("hazards created"), default=0)
    closed_count = models.PositiveIntegerField(_("of which closed"), default=0)

    class Meta(ImportJob.Meta):
        verbose_name = _("hazard ledger import")
        verbose_name_plural = _("hazard ledger imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="hazard_import_by_user")]


class HazardTally(models.Model):
    """Counts of hazards in the final statuses (closed, invalid, duplicate) per township, sector,
    level and industry department, kept in step by every move into or out of those statuses
    (tally.py). Final hazards are ~95% of a city's history and never overdue, so the overview reads
    them from here and scans only the open ones (issue 3: the overview at 1M hazards in ≤ 100 ms)."""

    township_code = models.CharField(max_length=9)
    county_code = models.CharField(max_length=6)
    sector = models.ForeignKey(Sector, to_field="code", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=8, choices=HazardLevel.choices)
    status = models.CharField(max_length=20, choices=HazardStatus.choices)
    # The department's key, 0 for none: a plain column, so the unique key needs no NULL semantics.
    department_key = models.IntegerField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["township_code", "sector", "level", "status", "department_key"], name="unique_hazard_tally"
            )
        ]

    def __str__(self) -> str:
        return f"{self.township_code}/{self.sector_id}/{self.level}/{self.status}: {self.count}"
