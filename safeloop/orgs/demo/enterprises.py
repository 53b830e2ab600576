"""Synthetic enterprises for the demo city: believable trades in all 12 sectors, placed where such
businesses are (shops and schools in town streets, factories in industrial parks, quarries in the
hills, scenic areas in 龙虎山), each at a point inside its grid. Pure and seeded like the geography."""

import csv
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from safeloop.orgs.choices import EnterpriseFlag, EnterpriseScale
from safeloop.orgs.demo import names
from safeloop.orgs.demo.geography import FARM, PARK, STREET, TOWN, TOWNSHIP, Geography, GridShape
from safeloop.orgs.reference import DATA

F = EnterpriseFlag
SCALES = (EnterpriseScale.LARGE, EnterpriseScale.MEDIUM, EnterpriseScale.SMALL, EnterpriseScale.MICRO)
EMPLOYEES = {
    EnterpriseScale.LARGE: (1000, 3000),
    EnterpriseScale.MEDIUM: (100, 999),
    EnterpriseScale.SMALL: (10, 99),
    EnterpriseScale.MICRO: (2, 9),
}
SCENIC = "scenic"
HIGH_TECH = "high_tech"
# 安全生产法 Art. 24: these sectors must staff safety management whatever their size.
STAFFED_SECTORS = frozenset({"mining", "hazchem", "construction", "road", "fireworks", "gas", "industry"})


@dataclass(frozen=True)
class Trade:
    """A kind of business: its sector(s), how its name is formed and what it usually is."""

    sector: str
    template: str  # {city} 鹰潭, {county} 月湖区, {place} a village or town, {brand} a trade name, {nth} 第n
    weight: float = 1.0
    registration: str = "91"  # GB 32100: 91 enterprise, 92 sole trader, 12 public institution, 52 private non-profit
    also: tuple[str, ...] = ()
    flags: tuple[tuple[str, float], ...] = ()
    scales: tuple[float, float, float, float] = (0.02, 0.13, 0.5, 0.35)  # large, medium, small, micro
    fallback: str = ""  # when the plain name is taken nearby ({school}, {water}: school and reservoir words)


# fmt: off
TRADES = (
    Trade("fire", "{place}{brand}购物广场", 1, flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 0.8)),
          scales=(0.05, 0.4, 0.5, 0.05)),
    Trade("fire", "{place}{brand}宾馆", 2, flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 0.3))),
    Trade("fire", "{place}{brand}KTV", 1, registration="92", flags=((F.CROWDED_PLACE, 1),)),
    Trade("fire", "{place}{brand}网吧", 1, registration="92", flags=((F.CROWDED_PLACE, 0.6),),
          scales=(0, 0, 0.3, 0.7)),
    Trade("fire", "{place}{brand}超市", 3, registration="92", scales=(0, 0.05, 0.45, 0.5)),
    Trade("fire", "{place}{brand}酒楼", 2, registration="92", flags=((F.CROWDED_PLACE, 0.5),)),
    Trade("fire", "{county}{brand}养老院", 0.5, registration="52", flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 1))),
    Trade("campus", "{place}小学", 3, registration="12", also=("fire",), flags=((F.CROWDED_PLACE, 1),),
          scales=(0, 0.3, 0.6, 0.1), fallback="{place}{school}小学"),
    Trade("campus", "{county}第{nth}小学", 2, registration="12", also=("fire",), flags=((F.CROWDED_PLACE, 1),),
          scales=(0, 0.4, 0.6, 0), fallback="{county}{school}小学"),
    Trade("campus", "{place}中学", 1, registration="12", also=("fire",),
          flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 0.7)), scales=(0.05, 0.6, 0.35, 0),
          fallback="{place}{school}中学"),
    Trade("campus", "{city}市第{nth}中学", 0.5, registration="12", also=("fire",),
          flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 1)), scales=(0.2, 0.7, 0.1, 0),
          fallback="{city}市{school}中学"),
    Trade("campus", "{place}{brand}幼儿园", 3, registration="52", also=("fire",), flags=((F.CROWDED_PLACE, 1),),
          scales=(0, 0.05, 0.6, 0.35)),
    Trade("campus", "{city}{brand}职业技术学校", 0.5, registration="52", also=("fire",),
          flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 1)), scales=(0.1, 0.6, 0.3, 0)),
    Trade("flood", "{place}水库管理站", 2, registration="12", scales=(0, 0, 0.3, 0.7), fallback="{water}水库管理站"),
    Trade("flood", "{place}排涝泵站", 1, registration="12", also=("special_equipment",), scales=(0, 0, 0.2, 0.8),
          fallback="{place}{water}排涝泵站"),
    Trade("flood", "{place}圩堤管理所", 1, registration="12", scales=(0, 0, 0.2, 0.8), fallback="{water}圩堤管理所"),
    Trade("fireworks", "{county}{brand}烟花爆竹批发有限公司", 1, flags=((F.MAJOR_HAZARD_SOURCE, 0.3),),
          scales=(0, 0.1, 0.7, 0.2)),
    Trade("fireworks", "{place}{brand}烟花爆竹零售点", 6, registration="92", scales=(0, 0, 0, 1)),
    Trade("road", "{city}{brand}运输有限公司", 2, scales=(0.02, 0.2, 0.5, 0.28)),
    Trade("road", "{place}汽车客运站", 1, flags=((F.CROWDED_PLACE, 1),), scales=(0, 0.3, 0.6, 0.1),
          fallback="{place}{brand}客运站"),
    Trade("road", "{city}{brand}驾驶员培训有限公司", 1, scales=(0, 0.2, 0.7, 0.1)),
    Trade("road", "{city}{brand}物流有限公司", 2),
    Trade("road", "{city}{brand}危险货物运输有限公司", 0.5, also=("hazchem",), scales=(0, 0.2, 0.7, 0.1)),
    Trade("gas", "{city}{brand}燃气有限公司", 1, flags=((F.MAJOR_HAZARD_SOURCE, 0.3), (F.CONFINED_SPACE, 0.5)),
          scales=(0.1, 0.5, 0.4, 0)),
    Trade("gas", "{place}{brand}液化气供应站", 3, scales=(0, 0, 0.4, 0.6)),
    Trade("gas", "{place}瓶装液化气供应点", 2, registration="92", scales=(0, 0, 0, 1),
          fallback="{place}{brand}瓶装液化气供应点"),
    Trade("gas", "{place}{brand}餐饮燃气用户", 0.5, registration="92", also=("fire",), scales=(0, 0, 0.3, 0.7)),
    Trade("tourism", "{place}{brand}景区", 1, also=("fire",), flags=((F.CROWDED_PLACE, 1),),
          scales=(0.05, 0.3, 0.5, 0.15)),
    Trade("tourism", "{place}{brand}大酒店", 2, also=("fire",), flags=((F.CROWDED_PLACE, 1), (F.KEY_FIRE_UNIT, 0.6))),
    Trade("tourism", "{place}{brand}农家乐", 2, registration="92", scales=(0, 0, 0.2, 0.8)),
    Trade("tourism", "{city}{brand}旅行社有限公司", 1, scales=(0, 0.1, 0.5, 0.4)),
    Trade("hazchem", "中国石化销售股份有限公司江西{city}{place}加油站", 2, scales=(0, 0.1, 0.6, 0.3),
          fallback="中国石化销售股份有限公司江西{city}{place}第{nth}加油站"),
    Trade("hazchem", "中国石油天然气股份有限公司江西{city}{place}加油站", 1, scales=(0, 0.1, 0.6, 0.3),
          fallback="中国石油天然气股份有限公司江西{city}{place}第{nth}加油站"),
    Trade("hazchem", "{city}{brand}化工有限公司", 2,
          flags=((F.MAJOR_HAZARD_SOURCE, 0.4), (F.CONFINED_SPACE, 0.6)), scales=(0.05, 0.35, 0.5, 0.1)),
    Trade("hazchem", "{place}{brand}危险化学品经营部", 1, registration="92", scales=(0, 0, 0.3, 0.7)),
    Trade("industry", "江西{brand}铜业有限公司", 2, flags=((F.CONFINED_SPACE, 0.5), (F.DUST_EXPLOSION, 0.2)),
          scales=(0.1, 0.35, 0.45, 0.1)),
    Trade("industry", "{city}{brand}铜材加工有限公司", 3, flags=((F.DUST_EXPLOSION, 0.2),)),
    Trade("industry", "{city}{brand}机械制造有限公司", 2, flags=((F.CONFINED_SPACE, 0.2),)),
    Trade("industry", "{place}{brand}食品有限公司", 2, flags=((F.LIQUID_AMMONIA, 0.25), (F.CONFINED_SPACE, 0.3))),
    Trade("industry", "{place}{brand}木业有限公司", 1.5, flags=((F.DUST_EXPLOSION, 0.6),)),
    Trade("industry", "{place}{brand}饲料有限公司", 1, flags=((F.DUST_EXPLOSION, 0.5), (F.CONFINED_SPACE, 0.3))),
    Trade("industry", "{city}{brand}新型建材有限公司", 1.5, flags=((F.DUST_EXPLOSION, 0.1),)),
    Trade("industry", "{place}{brand}纺织有限公司", 1, flags=((F.DUST_EXPLOSION, 0.2),)),
    Trade("industry", "{city}{brand}水务有限公司", 0.3, flags=((F.CONFINED_SPACE, 1),), scales=(0, 0.5, 0.5, 0)),
    Trade("construction", "江西{brand}建设工程有限公司", 3, also=("special_equipment",), scales=(0.05, 0.3, 0.55, 0.1)),
    Trade("construction", "{city}{brand}建筑工程有限公司", 3),
    Trade("construction", "{brand}建设集团{place}安置房项目部", 1, also=("special_equipment",),
          scales=(0, 0.3, 0.7, 0)),
    Trade("special_equipment", "{city}{brand}电梯工程有限公司", 2),
    Trade("special_equipment", "{city}{brand}起重设备安装有限公司", 1),
    Trade("special_equipment", "{place}{brand}锅炉供热站", 1, flags=((F.CONFINED_SPACE, 0.3),)),
    Trade("special_equipment", "{place}{brand}气瓶充装站", 1, also=("gas",), scales=(0, 0.1, 0.6, 0.3)),
    Trade("special_equipment", "{place}{brand}游乐园", 0.5, also=("tourism", "fire"), flags=((F.CROWDED_PLACE, 1),)),
    Trade("mining", "{place}{brand}采石场", 3, scales=(0, 0.1, 0.6, 0.3)),
    Trade("mining", "{city}{brand}矿业有限公司", 1, scales=(0.05, 0.3, 0.6, 0.05)),
    Trade("mining", "{place}{brand}砂石场", 2, scales=(0, 0.05, 0.5, 0.45)),
)
# fmt: on
TRADES_BY_SECTOR: dict[str, list[Trade]] = defaultdict(list)
for _trade in TRADES:
    TRADES_BY_SECTOR[_trade.sector].append(_trade)

# About how many of every 2,000 enterprises each sector has.
# fmt: off
SECTOR_SHARE = {
    "fire": 300, "campus": 150, "flood": 60, "fireworks": 80, "road": 120, "gas": 80, "tourism": 90,
    "hazchem": 150, "industry": 600, "construction": 200, "special_equipment": 100, "mining": 70,
}
# fmt: on

# Where a sector's businesses are, by the kind of township (scenic and high-tech zones by membership).
PLACE_WEIGHT: dict[str, dict[str, float]] = {
    "fire": {STREET: 6, TOWN: 2, TOWNSHIP: 1, PARK: 1, FARM: 0.2, SCENIC: 3, HIGH_TECH: 1},
    "campus": {STREET: 3, TOWN: 2, TOWNSHIP: 1.5, PARK: 0.3, FARM: 0.3, SCENIC: 1, HIGH_TECH: 0.5},
    "flood": {STREET: 0.3, TOWN: 2, TOWNSHIP: 2, PARK: 0.3, FARM: 2, SCENIC: 2, HIGH_TECH: 0.3},
    "fireworks": {STREET: 1.5, TOWN: 2, TOWNSHIP: 1.5, PARK: 0.5, FARM: 0.2, SCENIC: 0.2, HIGH_TECH: 0.5},
    "road": {STREET: 3, TOWN: 1.5, TOWNSHIP: 0.5, PARK: 2, FARM: 0.2, SCENIC: 1, HIGH_TECH: 2},
    "gas": {STREET: 4, TOWN: 1.5, TOWNSHIP: 0.5, PARK: 2, FARM: 0.2, SCENIC: 1, HIGH_TECH: 2},
    "tourism": {STREET: 2, TOWN: 0.5, TOWNSHIP: 0.5, PARK: 0.1, FARM: 0.5, SCENIC: 30, HIGH_TECH: 0.1},
    "hazchem": {STREET: 0.5, TOWN: 1.5, TOWNSHIP: 0.5, PARK: 8, FARM: 0.2, SCENIC: 0.2, HIGH_TECH: 6},
    "industry": {STREET: 0.5, TOWN: 2, TOWNSHIP: 0.5, PARK: 12, FARM: 0.3, SCENIC: 0.1, HIGH_TECH: 10},
    "construction": {STREET: 5, TOWN: 1.5, TOWNSHIP: 0.5, PARK: 2, FARM: 0.2, SCENIC: 1, HIGH_TECH: 3},
    "special_equipment": {STREET: 4, TOWN: 1, TOWNSHIP: 0.3, PARK: 3, FARM: 0.2, SCENIC: 2, HIGH_TECH: 3},
    "mining": {STREET: 0, TOWN: 1, TOWNSHIP: 3, PARK: 0, FARM: 4, SCENIC: 0, HIGH_TECH: 0},
}

ANCHOR_COUNTY = "360602"  # ent1's enterprise: a gas company in 月湖区 (DESIGN.md demo logins)


@dataclass(frozen=True)
class EnterpriseSpec:
    name: str
    uscc: str
    sectors: tuple[str, ...]
    address: str
    lon: float
    lat: float
    village_code: str
    grid_code: str
    principal_name: str
    principal_phone: str
    safety_officer_name: str
    safety_officer_phone: str
    scale: str
    employees: int
    flags: tuple[str, ...]


def _zones() -> dict[str, str]:
    """Township code → zone kind for scenic and high-tech zones (reference data)."""
    with (DATA / "zones.csv").open(encoding="utf-8") as fh:
        return {r["member"]: r["kind"] for r in csv.DictReader(fh) if r["member"] and r["kind"] in (SCENIC, HIGH_TECH)}


def _root(name: str) -> str:
    for suffix in ("畲族乡", "街道", "社区", "分场", "村", "镇", "乡", "市", "区", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class _Context:
    """Names of the places a grid lies in, for enterprise names and addresses."""

    def __init__(self, geography: Geography) -> None:
        self.geography = geography
        zones = _zones()
        self.kind: list[str] = []
        for grid in geography.grids:
            township = geography.place(grid.village_code[:9])
            self.kind.append(zones.get(township.code, township.kind))
        self._names: dict[str, dict[str, str]] = {}

    def names(self, grid: GridShape) -> dict[str, str]:
        cached = self._names.get(grid.village_code)
        if cached is None:
            cached = self._names[grid.village_code] = self._village_names(grid.village_code)
        return cached

    def _village_names(self, village_code: str) -> dict[str, str]:
        village = self.geography.place(village_code)
        township = self.geography.place(village.parent_code)
        county = self.geography.place(township.parent_code)
        city = self.geography.place(county.parent_code) if county.synthetic else None
        return {
            "city": _root(city.name) if city else "鹰潭",
            "county": county.name,
            "county_code": county.code,
            "township": township.name,
            "village": village.name,
            "village_kind": village.kind,
            "village_root": _root(village.name),
            # A park's or farm's own name is long and official; its communities name its businesses.
            "township_root": _root(village.name if township.kind in (PARK, FARM) else township.name),
        }


def generate_enterprises(geography: Geography, count: int, seed: int) -> list[EnterpriseSpec]:
    """`count` enterprises; the first is ent1's gas company in 月湖区."""
    rng = np.random.default_rng([seed, 2])
    text = random.Random(f"{seed}:enterprises")
    context = _Context(geography)
    sectors = list(SECTOR_SHARE)
    shares = np.array([SECTOR_SHARE[s] for s in sectors], dtype=float)
    per_sector = rng.multinomial(max(count - 1, 0), shares / shares.sum())
    anchor_grids = [i for i, g in enumerate(geography.grids) if g.code.startswith(ANCHOR_COUNTY)]
    street_grids = [i for i in anchor_grids if context.kind[i] == STREET] or anchor_grids
    plan: list[tuple[int, Trade]] = [(street_grids[int(rng.integers(len(street_grids)))], TRADES_BY_SECTOR["gas"][0])]
    for sector, n in zip(sectors, per_sector, strict=True):
        weights = np.array([PLACE_WEIGHT[sector][k] for k in context.kind])
        grids = rng.choice(len(geography.grids), size=int(n), p=weights / weights.sum())
        trades = TRADES_BY_SECTOR[sector]
        trade_weights = np.array([t.weight for t in trades])
        picks = rng.choice(len(trades), size=int(n), p=trade_weights / trade_weights.sum())
        plan.extend((int(g), trades[int(t)]) for g, t in zip(grids, picks, strict=True))
    points = _points(rng, geography.grids, [g for g, _ in plan])
    serials = text.sample(range(10**8), len(plan))
    taken: set[str] = set()
    out = []
    for (grid_index, trade), (lon, lat), serial in zip(plan, points, serials, strict=True):
        grid = geography.grids[grid_index]
        out.append(_enterprise(text, context.names(grid), grid, trade, lon, lat, serial, taken))
    return out


def _points(rng: np.random.Generator, grids: Sequence[GridShape], chosen: Sequence[int]) -> list[tuple[float, float]]:
    """A point strictly inside the chosen grid for each entry, rounded as stored (so still inside)."""
    wanted: dict[int, list[int]] = defaultdict(list)
    for position, grid_index in enumerate(chosen):
        wanted[grid_index].append(position)
    out: list[tuple[float, float]] = [(0.0, 0.0)] * len(chosen)
    for grid_index in sorted(wanted):
        positions = wanted[grid_index]
        polygon = grids[grid_index].polygon
        shapely.prepare(polygon)
        minx, miny, maxx, maxy = polygon.bounds
        found: list[tuple[float, float]] = []
        while len(found) < len(positions):
            batch = np.round(rng.uniform((minx, miny), (maxx, maxy), size=(4 * len(positions) + 8, 2)), 6)
            inside = batch[shapely.contains_xy(polygon, batch[:, 0], batch[:, 1])]
            found.extend((float(x), float(y)) for x, y in inside[: len(positions) - len(found)])
        for position, point in zip(positions, found, strict=True):
            out[position] = point
    return out


def _enterprise(
    text: random.Random,
    place: dict[str, str],
    grid: GridShape,
    trade: Trade,
    lon: float,
    lat: float,
    serial: int,
    taken: set[str],
) -> EnterpriseSpec:
    tries = 0

    def make(r: random.Random) -> str:
        nonlocal tries
        tries += 1
        template = trade.fallback if trade.fallback and tries > 10 else trade.template
        # In town, a business takes the name of its community or of its street, as shops there do.
        root = place["village_root"] if r.random() < 0.5 else place["township_root"]
        home = place["village_root"] if place["village_kind"] == "village" else root
        words = {"brand": names.trade_name(r), "nth": names.ordinal(r), "school": r.choice(names.SCHOOL_WORDS),
                 "water": r.choice(names.WATER_WORDS)}  # fmt: skip
        return template.format(place=home, **words, **place)

    name = names.pick_unique(text, taken, make)
    scale = SCALES[_weighted_index(text, trade.scales)]
    low, high = EMPLOYEES[scale]
    flags = tuple(str(flag) for flag, chance in trade.flags if text.random() < chance)
    sectors = (trade.sector, *trade.also)
    # 贵溪市工业园区 already names its county.
    area = place["township"] if place["township"].startswith(place["county"]) else place["county"] + place["township"]
    if place["village_kind"] == "community":
        address = f"{area}{names.street_address(text)}"
    else:
        address = f"{area}{place['village']}{text.randint(1, 12)}组"
    # Some small businesses outside the high-risk sectors have no safety officer: a true finding for
    # the 安全生产法 Art. 24 staffing check.
    unstaffed = scale == EnterpriseScale.MICRO and not STAFFED_SECTORS & set(sectors) and text.random() < 0.3
    return EnterpriseSpec(
        name=name,
        uscc=names.uscc(trade.registration, place["county_code"], serial),
        sectors=sectors,
        address=address,
        lon=lon,
        lat=lat,
        village_code=grid.village_code,
        grid_code=grid.code,
        principal_name=names.person_name(text),
        principal_phone=names.mobile_phone(text),
        safety_officer_name="" if unstaffed else names.person_name(text),
        safety_officer_phone="" if unstaffed else names.mobile_phone(text),
        scale=str(scale),
        employees=text.randint(low, high),
        flags=flags,
    )


def _weighted_index(rng: random.Random, weights: Sequence[float]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]
