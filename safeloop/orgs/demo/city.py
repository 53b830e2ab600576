"""Loading the demo city into the database (`safeloop demo`), in one transaction.

Villages of the city scale go through `division_create`, one audited row each. Grids and enterprises
are bulk-inserted in batches with one audit row per batch: measured on SQLite here, `enterprise_create`
took about 25 ms a row (2,000 rows ≈ 50 s) and `grid_save` rebuilds the grid index on every call
(300 grids ≈ 10 s), too slow for `make run`. The checks those services make are made here in bulk:
the generator validates every polygon and proves no two overlap, and every enterprise point is routed
with one `PolygonIndex.locate_many` and must land in its grid. The province scale (benchmarks: ~10k
grids, ~200k enterprises) bulk-inserts its divisions as well."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.accounts.demo_people import create_demo_people
from safeloop.core import audit
from safeloop.core.actors import DEMO
from safeloop.core.geo import PolygonIndex
from safeloop.orgs import services
from safeloop.orgs.demo.enterprises import EnterpriseSpec, generate_enterprises
from safeloop.orgs.demo.geography import DEFAULT_SEED, Geography, city_geography, province_geography
from safeloop.orgs.models import Division, Enterprise, Grid, Sector

SCALES = ("city", "province")
ENTERPRISES = {"city": 2000, "province": 200_000}
BATCH = 2000


class DemoError(RuntimeError):
    """The demo cannot be loaded into this database (the message says why)."""


@dataclass(frozen=True)
class DemoSummary:
    scale: str
    seed: int
    divisions: int
    grids: int
    enterprises: int
    people: int
    seconds: float


def demo_loaded() -> bool:
    """`safeloop demo --if-empty` loads nothing once any enterprise exists."""
    return Enterprise.objects.exists()


def load_demo(
    *,
    actor: Any = DEMO,
    scale: str = "city",
    seed: int = DEFAULT_SEED,
    enterprises: int | None = None,
    province_shape: tuple[int, int] = (10, 10),
) -> DemoSummary:
    """Load 鹰潭 (or the synthetic province) for `seed`: villages, grids, enterprises, demo logins.
    `province_shape` is the synthetic province's cities and counties per city (tests use fewer)."""
    if scale not in SCALES:
        raise DemoError(_("Unknown scale %(scale)s; use city or province.") % {"scale": scale})
    started = time.perf_counter()
    _check_empty()
    if scale == "city":
        geography = city_geography(seed)
    else:
        geography = province_geography(seed, cities=province_shape[0], counties_per_city=province_shape[1])
    specs = generate_enterprises(geography, ENTERPRISES[scale] if enterprises is None else max(enterprises, 1), seed)
    with transaction.atomic():
        if scale == "city":
            divisions = _divisions_through_services(actor, geography)
        else:
            divisions = _bulk_divisions(actor, geography, seed)
        _bulk_grids(actor, geography, seed)
        anchor = _bulk_enterprises(actor, geography, specs, seed)
        people = create_demo_people(enterprise=anchor, actor=actor)
    return DemoSummary(
        scale=scale,
        seed=seed,
        divisions=divisions,
        grids=len(geography.grids),
        enterprises=len(specs),
        people=len(people),
        seconds=time.perf_counter() - started,
    )


def _check_empty() -> None:
    if not Division.objects.filter(code="360602").exists():
        raise DemoError(_("The division tree of 鹰潭市 is missing; run `safeloop migrate` first."))
    if Grid.objects.exists() or Division.objects.filter(synthetic=True).exists():
        raise DemoError(_("This database already holds grids or synthetic villages; load the demo into a fresh one."))


def _divisions_through_services(actor: Any, geography: Geography) -> int:
    created = [p for p in geography.places if p.synthetic]
    for place in created:
        services.division_create(
            actor=actor, code=place.code, name=place.name, parent_code=place.parent_code, synthetic=True
        )
    return len(created)


def _enterprise_data(spec: EnterpriseSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "uscc": spec.uscc,
        "sectors": list(spec.sectors),
        "address": spec.address,
        "lon": spec.lon,
        "lat": spec.lat,
        "principal_name": spec.principal_name,
        "principal_phone": spec.principal_phone,
        "safety_officer_name": spec.safety_officer_name,
        "safety_officer_phone": spec.safety_officer_phone,
        "scale": spec.scale,
        "employees": spec.employees,
        "flags": list(spec.flags),
    }


def _insert(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows given by attname with one executemany. Measured here, bulk_create spent about 1 ms
    a row building instances and compiling SQL (200k enterprises ≈ 4 min); this fills defaults and
    prepares values as the ORM does (get_default, auto_now, get_db_prep_save) at a fraction of that."""
    connection = connections[router.db_for_write(model)]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.column]
    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = quote(str(model._meta.db_table))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names come from _meta
    params = []
    for row in rows:
        values = []
        for field in fields:
            if field.attname in row:
                value = row[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            values.append(field.get_db_prep_save(value, connection))
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _in_batches(actor: Any, model: type[models.Model], rows: Sequence[dict[str, Any]], key: str, seed: int) -> None:
    """Insert in batches, each with one audit row naming its size and its first and last keys."""
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        _insert(model, batch)
        audit.record(
            actor=actor,
            verb="bulk_create",
            object_type=model._meta.label_lower,
            object_repr=f"{len(batch)} × {model._meta.verbose_name} (demo seed {seed})",
            after={"count": len(batch), "first": batch[0][key], "last": batch[-1][key], "seed": seed},
        )


def _bulk_divisions(actor: Any, geography: Geography, seed: int) -> int:
    rows = [
        {"code": p.code, "name": p.name, "level": p.level, "parent_id": p.parent_code, "synthetic": True}
        for p in geography.places
        if p.synthetic
    ]
    _in_batches(actor, Division, rows, "code", seed)
    return len(rows)


def _bulk_grids(actor: Any, geography: Geography, seed: int) -> None:
    # The generator has validated every polygon with core.geo.polygon_from_geojson and proved that no
    # two overlap: what grid_save checks one at a time.
    rows = []
    for g in geography.grids:
        minx, miny, maxx, maxy = g.polygon.bounds
        rows.append(
            {"code": g.code, "name": g.name, "village_id": g.village_code, "grid_type": g.grid_type,
             "geometry": g.geojson, "min_lon": minx, "min_lat": miny, "max_lon": maxx, "max_lat": maxy}
        )  # fmt: skip
    _in_batches(actor, Grid, rows, "code", seed)


def _bulk_enterprises(actor: Any, geography: Geography, specs: Sequence[EnterpriseSpec], seed: int) -> Enterprise:
    # Route every point at once, as enterprise_create does one at a time, and refuse a mismatch.
    index = PolygonIndex((g.code, g.geojson) for g in geography.grids)
    routed = index.locate_many([s.lon for s in specs], [s.lat for s in specs])
    for spec, grid_code in zip(specs, routed, strict=True):
        if grid_code != spec.grid_code:
            raise DemoError(f"{spec.name} lies in grid {grid_code}, not {spec.grid_code}")
    rows = [_model_fields(s) for s in specs]
    _in_batches(actor, Enterprise, rows, "uscc", seed)
    ids = dict(Enterprise.objects.values_list("uscc", "pk"))
    sector_ids = dict(Sector.objects.values_list("code", "pk"))
    links = [
        {"enterprise_id": ids[spec.uscc], "sector_id": sector_ids[code]} for spec in specs for code in spec.sectors
    ]
    _insert(Enterprise.sectors.through, links)
    return Enterprise.objects.get(uscc=specs[0].uscc)


def _model_fields(spec: EnterpriseSpec) -> dict[str, Any]:
    data = _enterprise_data(spec)
    del data["sectors"]
    return data | {"division_id": spec.village_code, "grid_id": spec.grid_code}
