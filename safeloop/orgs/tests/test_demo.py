"""The demo city: deterministic by seed, grids that tile their townships, enterprises inside their
grids with valid codes, the demo logins with the right scope, and `--if-empty` keeping the data."""

import io
from collections import Counter
from functools import cache

import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.accounts.models import User
from safeloop.core.audit import verify_chain
from safeloop.core.geo import PolygonIndex, polygon_from_geojson
from safeloop.core.models import AuditEvent
from safeloop.orgs.choices import DivisionLevel, EnterpriseFlag
from safeloop.orgs.demo.city import load_demo
from safeloop.orgs.demo.enterprises import generate_enterprises
from safeloop.orgs.demo.geography import city_geography, province_geography
from safeloop.orgs.models import Division, Enterprise, Grid, Sector
from safeloop.orgs.reference import DATA
from safeloop.orgs.selectors import enterprise_list, grid_for_point
from safeloop.orgs.validators import validate_uscc

SECTORS = {line.split(",")[0] for line in (DATA / "sectors.csv").read_text(encoding="utf-8").splitlines()[1:]}

geography = cache(city_geography)


@cache
def enterprises(seed: int, count: int = 2000):
    return generate_enterprises(geography(seed), count, seed)


# ---- the generator, without a database ------------------------------------------------------------


def test_same_seed_gives_the_same_city_and_another_seed_a_different_one():
    again = city_geography(7)
    assert [(g.code, g.name, g.geojson) for g in again.grids] == [
        (g.code, g.name, g.geojson) for g in geography(7).grids
    ]
    assert [(p.code, p.name) for p in again.places] == [(p.code, p.name) for p in geography(7).places]
    assert [g.geojson for g in geography(8).grids] != [g.geojson for g in geography(7).grids]

    first = generate_enterprises(geography(7), 300, 7)
    assert first == generate_enterprises(city_geography(7), 300, 7)
    other = generate_enterprises(geography(8), 300, 8)
    assert {e.uscc for e in first}.isdisjoint({e.uscc for e in other})


def test_city_has_villages_under_every_real_township_and_about_300_grids():
    city = geography(7)
    townships = city.level(DivisionLevel.TOWNSHIP)
    assert len(townships) == 59 and not any(t.synthetic for t in townships)
    villages = Counter(v.parent_code for v in city.level(DivisionLevel.VILLAGE))
    assert set(villages) == {t.code for t in townships}
    assert all(3 <= n <= 8 for n in villages.values())
    assert 250 <= len(city.grids) <= 380
    for village in city.level(DivisionLevel.VILLAGE):
        assert village.synthetic and len(village.code) == 12
        assert village.name.endswith(("社区", "村", "分场"))
    for grid in city.grids:
        assert grid.code[:12] == grid.village_code and len(grid.code) == 15 and grid.code[12:] != "000"


def test_grids_tile_each_township_without_overlaps_or_gaps():
    city = geography(7)
    for township in city.level(DivisionLevel.TOWNSHIP):
        grids = [g.polygon for g in city.grids if g.code.startswith(township.code)]
        tree = shapely.STRtree(grids)
        left, right = tree.query(grids, predicate="intersects")
        for a, b in zip(left, right, strict=True):
            if a != b:
                assert grids[a].intersection(grids[b]).area < 1e-13, township.name
        outline = township.polygon.buffer(2e-6)
        assert all(g.within(outline) for g in grids), township.name
        assert sum(g.area for g in grids) == pytest.approx(township.polygon.area, rel=1e-4)
    whole = shapely.union_all([g.polygon for g in city.grids])
    assert whole.geom_type == "Polygon" and not whole.interiors  # no point of the city lies outside every grid


def test_grid_boundaries_are_valid_rounded_geojson_inside_china():
    for grid in geography(7).grids:
        polygon_from_geojson(grid.geojson)
        for lon, lat in grid.geojson["coordinates"][0]:
            assert round(lon, 6) == lon and round(lat, 6) == lat
            assert 116.6 < lon < 117.7 and 27.8 < lat < 28.7


def test_province_scale_nests_synthetic_counties_without_overlapping_the_city():
    province = province_geography(3, cities=1, counties_per_city=2)
    counties = [p for p in province.level(DivisionLevel.COUNTY) if p.synthetic]
    assert [c.code for c in counties] == ["369001", "369002"] and all(c.parent_code == "369000" for c in counties)
    codes = {p.code for p in province.places}
    assert all(p.parent_code in codes | {"360000", "360600"} for p in province.places)
    index = PolygonIndex((g.code, g.geojson) for g in province.grids)
    assert index.locate(117.03, 28.23).startswith("360602")  # 鹰潭 is still where it was


def test_enterprises_sit_inside_their_grids_with_valid_codes():
    city = geography(7)
    grids = {g.code: g.polygon for g in city.grids}
    specs = enterprises(7)
    assert len({e.uscc for e in specs}) == len(specs) == 2000
    assert len({e.name for e in specs}) == len(specs)
    for spec in specs:
        validate_uscc(spec.uscc)
        assert spec.uscc[2:8] == spec.grid_code[:6]  # registered in its county
        assert shapely.contains_xy(grids[spec.grid_code], spec.lon, spec.lat)
        assert set(spec.sectors) <= SECTORS
        assert set(spec.flags) <= set(EnterpriseFlag.values)
        assert spec.principal_name and len(spec.principal_phone) == 11
    index = PolygonIndex((g.code, g.geojson) for g in city.grids)
    assert index.locate_many([e.lon for e in specs], [e.lat for e in specs]) == [e.grid_code for e in specs]
    assert {s for e in specs for s in e.sectors} == SECTORS


def test_enterprises_are_where_such_businesses_are():
    specs = enterprises(7)
    scenic = {"360681190", "360681191"}  # 龙虎山风景名胜区
    tourism = [e for e in specs if e.sectors[0] == "tourism"]
    assert sum(e.grid_code[:9] in scenic for e in tourism) > len(tourism) / 3
    assert not any(e.grid_code[6:9] < "100" for e in specs if e.sectors[0] == "mining")  # no quarry in town
    ent1 = specs[0]
    assert ent1.sectors == ("gas",) and ent1.grid_code.startswith("360602")


# ---- loading into the database ---------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_command_loads_the_city_once_and_if_empty_keeps_it():
    out = io.StringIO()
    call_command("demo", "--seed", "7", "--enterprises", "40", stdout=out)
    assert "40" in out.getvalue()
    assert Grid.objects.count() == len(geography(7).grids)
    assert Division.objects.filter(synthetic=True, level=DivisionLevel.VILLAGE).count() == len(
        geography(7).level(DivisionLevel.VILLAGE)
    )
    assert Enterprise.objects.count() == 40
    loaded = sorted(Enterprise.objects.values_list("uuid", "uscc", "grid_id"))
    audit_rows = AuditEvent.objects.count()

    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert out.getvalue().strip()  # says it is already loaded
    assert sorted(Enterprise.objects.values_list("uuid", "uscc", "grid_id")) == loaded
    assert AuditEvent.objects.count() == audit_rows

    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())
    assert Enterprise.objects.count() == 40

    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    logins = {line.split()[0] for line in lines if line.strip()}
    assert {"admin", "city", "yuehu", "guixi", "yingji", "jiaoyu", "ent1", "grid1", "verifier", "outsider"} <= logins
    assert any(line.startswith("yuehu ") and "月湖区 (360602)" in line for line in lines)
    assert DEMO_PASSWORD in out.getvalue() and "http://127.0.0.1:8000/" in out.getvalue()


@pytest.mark.django_db
def test_demo_logins_see_what_their_membership_gives_and_enterprises_route_to_their_grids():
    load_demo(seed=7, enterprises=120)
    users = {u.username: u for u in User.objects.all()}
    yuehu = list(enterprise_list(actor=users["yuehu"]).values_list("division_id", flat=True))
    assert yuehu and all(code.startswith("360602") for code in yuehu)
    assert len(yuehu) < Enterprise.objects.count()
    guixi = enterprise_list(actor=users["guixi"]).values_list("division_id", flat=True)
    assert guixi and all(code.startswith("360681") for code in guixi)

    (own,) = enterprise_list(actor=users["ent1"])
    assert own.division_id.startswith("360602") and list(own.sectors.values_list("code", flat=True)) == ["gas"]
    assert users["grid1"].memberships.get().grid_id == own.grid_id
    assert not enterprise_list(actor=users["outsider"]).exists()
    assert users["yuehu"].check_password(DEMO_PASSWORD)

    for enterprise in Enterprise.objects.select_related("grid").prefetch_related("sectors")[:40]:
        assert grid_for_point(enterprise.lon, enterprise.lat) == enterprise.grid
        assert enterprise.division_id == enterprise.grid.village_id
        assert enterprise.sectors.all()
    assert verify_chain() is None
    bulk = set(AuditEvent.objects.filter(verb="bulk_create").values_list("object_type", flat=True))
    assert {"orgs.grid", "orgs.enterprise"} <= bulk
    villages = AuditEvent.objects.filter(verb="create", object_type="orgs.division").count()
    assert villages == len(geography(7).level(DivisionLevel.VILLAGE))


@pytest.mark.django_db
def test_province_scale_bulk_loads_synthetic_counties():
    summary = load_demo(scale="province", seed=5, enterprises=300, province_shape=(1, 2))
    assert Division.objects.filter(code="369001", synthetic=True, level=DivisionLevel.COUNTY).exists()
    assert Grid.objects.filter(code__startswith="369002").exists()
    assert Grid.objects.count() == summary.grids
    assert Enterprise.objects.count() == 300
    assert Sector.objects.filter(enterprises__isnull=False).distinct().count() >= 6
    assert verify_chain() is None
