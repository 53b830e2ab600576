from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.IntegerChoices):
    """GB/T 2260 levels; the number is the length of the code at that level."""

    PROVINCE = 2, _("Province")
    CITY = 4, _("City")
    COUNTY = 6, _("District/county")
    TOWNSHIP = 9, _("Township/street")
    VILLAGE = 12, _("Village/community")


class ZoneKind(models.TextChoices):
    HIGH_TECH = "high_tech", _("High-tech zone")
    SCENIC = "scenic", _("Scenic area")
    NEW_AREA = "new_area", _("New area")
    PARK = "park", _("Industrial park")


class ZoneRelation(models.TextChoices):
    ENTRUSTED = "entrusted", _("Entrusted (托管)")
    ACTING = "acting", _("Acting (代管)")
    PLANNED = "planned", _("Planning area (规划范围)")


class GridType(models.TextChoices):
    BASIC = "basic", _("Basic grid")
    DEDICATED = "dedicated", _("Dedicated grid")


class AdminLevel(models.TextChoices):
    """The government level a department or a responsibility rule belongs to."""

    CITY = "city", _("City")
    COUNTY = "county", _("District/county")


class EnterpriseScale(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class Confidence(models.TextChoices):
    """DOMAIN.md §0 confidence marks, kept on seeded rules so reviewers know what to check."""

    VERIFIED = "V", _("Verified")
    SECONDARY = "S", _("Secondary source")
    UNVERIFIED = "U", _("Unverified")


class EnterpriseFlag(models.TextChoices):
    MAJOR_HAZARD_SOURCE = "major_hazard_source", _("Major hazard installation (重大危险源)")
    CROWDED_PLACE = "crowded_place", _("Crowded place (人员密集场所)")
    CONFINED_SPACE = "confined_space", _("Confined-space work (有限空间)")
    DUST_EXPLOSION = "dust_explosion", _("Combustible dust (粉尘涉爆)")
    LIQUID_AMMONIA = "liquid_ammonia", _("Ammonia refrigeration (涉氨制冷)")
    KEY_FIRE_UNIT = "key_fire_unit", _("Key fire-safety unit (消防安全重点单位)")
