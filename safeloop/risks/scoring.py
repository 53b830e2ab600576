"""Scores and levels (DOMAIN.md §4.2–4.3): D = L × E × C with the discrete Graham–Kinney values, and
R = L × S on 1–5. The band table comes from the database per (method, sector), so the city office
changes an outcome by editing a table, not code. Bad factors are refused per field."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from safeloop.core.errors import FieldErrors
from safeloop.risks import config
from safeloop.risks.choices import Method
from safeloop.risks.models import RiskBandTable, RiskMethodSetting

FACTORS: dict[str, tuple[str, ...]] = {Method.LEC: ("l", "e", "c"), Method.LS: ("l", "s")}


@dataclass(frozen=True)
class Evaluation:
    method: str
    factors: dict[str, str]
    score: Decimal
    level: str
    table: RiskBandTable


def band_table(method: str, sector: str = "") -> RiskBandTable:
    """The table in use for a sector, else the method's default (one query)."""
    rows = RiskMethodSetting.objects.select_related("table").filter(method=method)
    rows = rows.filter(Q(sector__isnull=True) | Q(sector_id=sector)) if sector else rows.filter(sector__isnull=True)
    chosen = min(rows, key=lambda row: row.sector_id is None, default=None)  # the sector's own row first
    if chosen is None:
        raise FieldErrors.single("method", _("No score band table is configured for this method."))
    return chosen.table


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def clean_factors(method: Any, data: dict[str, Any], errors: FieldErrors, *, prefix: str = "") -> dict[str, Decimal]:
    """The factors of `method` from `data`, each checked against its allowed values."""
    if method not in FACTORS:
        errors.add(prefix + "method", _("Choose “lec” or “ls”."))
        return {}
    clean: dict[str, Decimal] = {}
    for name in FACTORS[method]:
        field = prefix + name
        raw = data.get(name)
        number = _decimal(raw)
        if raw is None or str(raw).strip() == "":
            errors.add(field, _("This field is required."))
        elif number is None:
            errors.add(field, _("Enter a number."))
        elif method == Method.LEC and number not in config.lec_values(name):
            allowed = "、".join(_plain(v) for v in sorted(config.lec_values(name)))
            errors.add(
                field, _("%(factor)s must be one of %(allowed)s.") % {"factor": name.upper(), "allowed": allowed}
            )
        elif method == Method.LS and not _in_ls_range(number):
            low, high = config.get("ls_range")
            errors.add(
                field,
                _("%(factor)s must be a whole number from %(low)s to %(high)s.")
                % {"factor": name.upper(), "low": low, "high": high},
            )
        else:
            clean[name] = number
    return clean


def _in_ls_range(number: Decimal) -> bool:
    low, high = config.get("ls_range")
    return number == number.to_integral_value() and low <= number <= high


def score_of(factors: dict[str, Decimal]) -> Decimal:
    score = Decimal(1)
    for value in factors.values():
        score *= value
    return score.quantize(Decimal("0.01"))


def evaluate(*, method: Any, sector: str = "", data: dict[str, Any], prefix: str = "") -> Evaluation:
    """Score and level of one set of factors, or FieldErrors naming every bad one."""
    errors = FieldErrors()
    factors = clean_factors(method, data, errors, prefix=prefix)
    errors.raise_if_any()
    table = band_table(method, sector)
    score = score_of(factors)
    return Evaluation(
        method=method,
        factors={name: _plain(value) for name, value in factors.items()},
        score=score,
        level=table.level_for(score),
        table=table,
    )
