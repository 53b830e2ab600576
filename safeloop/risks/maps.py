"""Reads behind the 四色图 (DOMAIN.md §4.5): the scoped risk points as GeoJSON coloured by their current
level, and the aggregate per division or grid — highest level and counts per level — computed in the
database with one GROUP BY over the queryset the caller passes in (already scoped and filtered)."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Min, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse

from safeloop.orgs.depths import DEPTHS, GRID
from safeloop.orgs.models import Division, Grid
from safeloop.risks import config
from safeloop.risks.choices import LEVEL_ORDER
from safeloop.risks.models import RiskPoint, map_order

MAP_LIMIT = 5000
# Division code prefix lengths (GB/T 2260): district/county, township/street, village/community.
UNRANKED = len(LEVEL_ORDER)  # points not yet assessed
_PLACEHOLDER = uuid.UUID(int=0)


def level_rank() -> Case:
    """0 for major … 3 for low, 4 when not assessed: MIN over it is the highest level. The same
    expression as the partial index `risk_point_map_order`, which serves only this exact one."""
    return map_order()


# ---- the points --------------------------------------------------------------------------------------


def _geometry(row: Any) -> dict[str, Any]:
    polygon = row["polygon"]
    if isinstance(polygon, dict) and polygon.get("type") == "Feature":
        polygon = polygon.get("geometry")
    if isinstance(polygon, dict) and polygon.get("type") in {"Polygon", "MultiPolygon"}:
        return {"type": polygon["type"], "coordinates": polygon.get("coordinates")}
    return {"type": "Point", "coordinates": [row["lon"], row["lat"]]}


def point_features(queryset: QuerySet[RiskPoint], *, limit: int = MAP_LIMIT) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the points, highest level first, at most `limit`; `truncated`
    says when there were more. A point with an area is its polygon, else its position."""
    rows = list(
        queryset.order_by(level_rank(), "code").values(
            "uuid", "code", "name", "current_level", "lon", "lat", "polygon"
        )[: limit + 1]
    )
    # One reverse, not one per feature (5,000 reverses were most of the read's time).
    head, _, tail = reverse("risks:detail", args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    features = [
        {
            "type": "Feature",
            "geometry": _geometry(row),
            "properties": {
                "code": row["code"],
                "name": row["name"],
                "level": row["current_level"],
                "colour": config.colour(row["current_level"]),
                "url": f"{head}{row['uuid']}{tail}",
            },
        }
        for row in rows[:limit]
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}


# ---- the aggregate -----------------------------------------------------------------------------------


@dataclass
class SummaryRow:
    code: str  # division code, grid code, or "" for points outside every grid
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # level → points
    unassessed: int = 0
    highest: str = ""  # the highest current level of the unit's points ("" when none is assessed)
    link: str = ""  # where a click on the row leads (set by the page)

    @property
    def colour(self) -> str:
        return config.colour(self.highest) if self.highest else ""

    @property
    def cells(self) -> list[int]:
        """Counts in LEVEL_ORDER, for a table."""
        return [self.counts.get(level, 0) for level in LEVEL_ORDER]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "highest": self.highest,
            "colour": self.colour,
            "counts": {level: self.counts.get(level, 0) for level in LEVEL_ORDER},
            "unassessed": self.unassessed,
            "total": self.total,
        }


def level_summary(queryset: QuerySet[RiskPoint], depth: int | str) -> list[SummaryRow]:
    """Per unit at `depth` (division code prefix length 6, 9 or 12, or "grid"): points per level,
    not assessed, total and the highest level — one GROUP BY, plus one query for the units' names."""
    if depth == GRID:
        unit: Any = F("grid_id")
    elif depth in DEPTHS:
        unit = Substr("division_id", 1, int(depth))
    else:
        raise ValueError(f"unknown depth {depth!r}")
    counts = {level: Count("pk", filter=Q(current_level=level)) for level in LEVEL_ORDER}
    grouped: Any = (  # keys named by the caller's levels: a plain dict for the type checker
        queryset.order_by()
        .annotate(unit=unit)
        .values("unit")
        .annotate(total=Count("pk"), top=Min(level_rank()), **counts)
        .order_by("unit")
    )
    rows: list[SummaryRow] = []
    for entry in grouped:
        level_counts = {level: entry[level] for level in LEVEL_ORDER}
        rows.append(
            SummaryRow(
                code=entry["unit"] or "",
                name="",
                total=entry["total"],
                counts=level_counts,
                unassessed=entry["total"] - sum(level_counts.values()),
                highest=LEVEL_ORDER[entry["top"]] if entry["top"] < UNRANKED else "",
            )
        )
    codes = [row.code for row in rows if row.code]
    model: Any = Grid if depth == GRID else Division
    names = dict(model.objects.filter(code__in=codes).values_list("code", "name"))
    for row in rows:
        row.name = names.get(row.code, row.code)
    return rows


def summary_total(rows: list[SummaryRow]) -> SummaryRow:
    total = SummaryRow(code="", name="")
    for row in rows:
        total.total += row.total
        total.unassessed += row.unassessed
        for level in LEVEL_ORDER:
            total.counts[level] = total.counts.get(level, 0) + row.counts.get(level, 0)
    total.highest = next((level for level in LEVEL_ORDER if total.counts.get(level)), "")
    return total


def grid_features(rows: list[SummaryRow]) -> dict[str, Any]:
    """The grids of a grid-depth summary as GeoJSON, each coloured by its highest level."""
    by_code = {row.code: row for row in rows if row.code and row.highest}
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {
                "code": code,
                "name": name,
                "level": by_code[code].highest,
                "colour": by_code[code].colour,
                "total": by_code[code].total,
            },
        }
        for code, name, geometry in Grid.objects.filter(code__in=list(by_code)).values_list("code", "name", "geometry")
    ]
    return {"type": "FeatureCollection", "features": features}
