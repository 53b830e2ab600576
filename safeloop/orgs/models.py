"""Organisation: divisions (GB/T 2260), functional zones, grids, departments, sectors, the 三管三必须
responsibility map and enterprises. Division and grid foreign keys point at their codes, so a
record's stored `division_id` is the code and a territory is a code prefix (cheap, indexable scoping)."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from safeloop.core.models import ImportJob, PublicModel
from safeloop.orgs import validators
from safeloop.orgs.choices import (
    AdminLevel,
    Confidence,
    DivisionLevel,
    EnterpriseScale,
    GridType,
    ZoneKind,
    ZoneRelation,
)


class Division(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, validators=[validators.validate_division_code])
    name = models.CharField(_("name"), max_length=64)
    level = models.PositiveSmallIntegerField(_("level"), choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self", to_field="code", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The leading digits every code inside this division shares."""
        return self.code[: self.level]


class FunctionalZone(models.Model):
    """高新区/风景区/新区: not in GB/T 2260; territorial responsibility for member townships moves
    to the zone's managing body (DOMAIN.md §9.1)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ZoneKind.choices)
    managing_body = models.CharField(_("managing body"), max_length=64)
    parent_division = models.ForeignKey(
        Division, to_field="code", on_delete=models.PROTECT, related_name="+", verbose_name=_("within")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("functional zone")
        verbose_name_plural = _("functional zones")

    def __str__(self) -> str:
        return self.name


class ZoneMembership(models.Model):
    zone = models.ForeignKey(FunctionalZone, on_delete=models.CASCADE, related_name="memberships")
    division = models.ForeignKey(Division, to_field="code", on_delete=models.PROTECT, related_name="zone_memberships")
    relation = models.CharField(_("relation"), max_length=16, choices=ZoneRelation.choices)
    verified = models.BooleanField(
        _("verified"), default=False, help_text=_("Unverified memberships (DOMAIN.md [U]) need review.")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)

    class Meta:
        verbose_name = _("zone membership")
        constraints = [models.UniqueConstraint(fields=["zone", "division"], name="unique_zone_division")]

    def __str__(self) -> str:
        return f"{self.zone} ⊃ {self.division}"


class Sector(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=32)
    name_en = models.CharField(_("English name"), max_length=64)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class Department(PublicModel):
    """A government department at city or district level. `function` says what kind of bureau it
    is, so the responsibility map can name a function and find the right bureau in any district."""

    name = models.CharField(_("name"), max_length=64)
    function = models.SlugField(_("function"), max_length=32)
    level = models.CharField(_("level"), max_length=8, choices=AdminLevel.choices)
    division = models.ForeignKey(
        Division, to_field="code", on_delete=models.PROTECT, related_name="departments", verbose_name=_("territory")
    )
    sectors = models.ManyToManyField(Sector, blank=True, related_name="departments", verbose_name=_("sectors"))

    class Meta:
        ordering = ["division_id", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["division", "function"], name="unique_department_function")]

    def __str__(self) -> str:
        return self.name


class ResponsibilityRule(models.Model):
    """三管三必须: (sector, level) → lead department function + co-department functions (DOMAIN.md §9.3)."""

    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="responsibility_rules")
    level = models.CharField(_("level"), max_length=8, choices=AdminLevel.choices)
    lead_function = models.SlugField(_("lead department"), max_length=32)
    co_functions = models.JSONField(_("co-departments"), default=list, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=1, choices=Confidence.choices, default=Confidence.UNVERIFIED
    )

    class Meta:
        ordering = ["sector__position", "level"]
        verbose_name = _("responsibility rule")
        verbose_name_plural = _("responsibility map")
        constraints = [models.UniqueConstraint(fields=["sector", "level"], name="unique_sector_level")]

    def __str__(self) -> str:
        return f"{self.sector} / {self.get_level_display()} → {self.lead_function}"


class Grid(models.Model):
    code = models.CharField(_("grid code"), max_length=15, unique=True, validators=[validators.validate_grid_code])
    name = models.CharField(_("name"), max_length=64)
    village = models.ForeignKey(
        Division, to_field="code", on_delete=models.PROTECT, related_name="grids", verbose_name=_("village/community")
    )
    grid_type = models.CharField(_("grid type"), max_length=16, choices=GridType.choices, default=GridType.BASIC)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS-84)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Enterprise(PublicModel):
    name = models.CharField(_("name"), max_length=128)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validators.validate_uscc]
    )
    sectors = models.ManyToManyField(Sector, related_name="enterprises", verbose_name=_("sectors"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    division = models.ForeignKey(
        Division, to_field="code", on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("division")
    )
    grid = models.ForeignKey(
        Grid,
        to_field="code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("grid"),
    )
    grid_override_reason = models.CharField(_("reason for overriding the grid"), max_length=200, blank=True)
    principal_name = models.CharField(_("principal"), max_length=64, blank=True)
    principal_phone = models.CharField(_("principal's phone"), max_length=20, blank=True)
    safety_officer_name = models.CharField(_("safety officer"), max_length=64, blank=True)
    safety_officer_phone = models.CharField(_("safety officer's phone"), max_length=20, blank=True)
    scale = models.CharField(_("scale"), max_length=8, choices=EnterpriseScale.choices, default=EnterpriseScale.SMALL)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["division", "name"])]

    def __str__(self) -> str:
        return self.name


class EnterpriseImport(ImportJob):
    """One upload of the enterprise xlsx template and its progress (safeloop/orgs/imports.py)."""

    created_count = models.PositiveIntegerField(_("enterprises created"), default=0)

    class Meta(ImportJob.Meta):
        verbose_name = _("enterprise import")
        verbose_name_plural = _("enterprise imports")
        indexes = [models.Index(fields=["created_by", "-created_at"])]
