"""Synthetic geography for the demo: an outline around 鹰潭's real extent, tiled into districts,
townships, villages and grids that nest exactly and never overlap (DOMAIN.md §7.2: a grid is a closed
polygon inside one village, grids do not overlap, sequences run west→east, north→south).

Pure: no database. The same seed gives the same codes, names and coordinates. Each level is a Voronoi
diagram of seeded points clipped to its parent; at the end all grid edges are snapped together onto
a 1e-6° lattice, so neighbours share identical vertices and rounding cannot open overlaps."""

import csv
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from safeloop.core.geo import polygon_from_geojson
from safeloop.orgs.choices import DivisionLevel, GridType
from safeloop.orgs.demo import names
from safeloop.orgs.reference import CITY_CODE, DATA

DEFAULT_SEED = 2026
DECIMALS = 6
GRID_SIZE = 10.0**-DECIMALS

Point = tuple[float, float]

# Township kinds, from the GB/T 2260 township code range and the name (DOMAIN.md §9.1).
STREET, TOWN, TOWNSHIP, PARK, FARM = "street", "town", "township", "park", "farm"
COMMUNITY, VILLAGE = "community", "village"

CITY_CENTRE = (117.12, 28.22)
CITY_RADII = (0.42, 0.30)
CITY_BOX = (116.70, 27.90, 117.60, 28.60)

# District seats (real) first, then helper seeds that give 余江 the west, 贵溪 the east and the south
# (龙虎山), so 月湖 stays the small central district it is.
DISTRICT_SEEDS: dict[str, tuple[Point, ...]] = {
    "360602": ((117.03, 28.23),),
    "360603": ((116.82, 28.20), (116.89, 28.04), (116.91, 28.385)),
    "360681": ((117.21, 28.29), (117.37, 28.115), (117.38, 28.31), (117.16, 28.42), (117.057, 28.034)),
}

# The synthetic province for benchmarks lies west of 鹰潭, so the two never overlap.
PROVINCE_CENTRE = (115.05, 27.10)
PROVINCE_RADII = (1.35, 2.35)
PROVINCE_BOX = (113.60, 24.60, 116.50, 29.60)


class GeographyError(RuntimeError):
    """The generator produced a tiling that breaks its own promises (a bug, never bad input)."""


@dataclass(frozen=True)
class Layout:
    """How many villages a township and how many grids a village get, by township kind."""

    villages: dict[str, tuple[int, int]]
    grids: dict[str, tuple[int, int]]


CITY_LAYOUT = Layout(
    villages={STREET: (3, 6), TOWN: (3, 5), TOWNSHIP: (3, 4), PARK: (3, 4), FARM: (3, 3)},
    grids={STREET: (1, 3), TOWN: (1, 1), TOWNSHIP: (1, 1), PARK: (1, 2), FARM: (1, 1)},
)
PROVINCE_LAYOUT = Layout(
    villages={STREET: (4, 6), TOWN: (4, 6), TOWNSHIP: (4, 6), PARK: (4, 6), FARM: (4, 6)},
    grids={STREET: (2, 2), TOWN: (2, 2), TOWNSHIP: (2, 2), PARK: (2, 2), FARM: (2, 2)},
)


@dataclass(frozen=True)
class Place:
    """A division with its synthetic outline (before the final snap; grids are the stored truth)."""

    code: str
    name: str
    parent_code: str
    level: int
    kind: str
    polygon: BaseGeometry
    synthetic: bool


@dataclass(frozen=True)
class GridShape:
    code: str
    name: str
    village_code: str
    grid_type: str
    geojson: dict[str, Any]
    polygon: BaseGeometry  # built from `geojson`, i.e. exactly what is stored


@dataclass(frozen=True)
class Geography:
    seed: int
    places: tuple[Place, ...]  # parents before children
    grids: tuple[GridShape, ...]

    def level(self, level: int) -> list[Place]:
        return [p for p in self.places if p.level == level]

    def place(self, code: str) -> Place:
        return self._by_code()[code]

    def _by_code(self) -> dict[str, Place]:
        cached: dict[str, Place] | None = self.__dict__.get("_places_by_code")
        if cached is None:
            cached = {p.code: p for p in self.places}
            object.__setattr__(self, "_places_by_code", cached)
        return cached

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        minx, miny, maxx, maxy = shapely.total_bounds(np.array([g.polygon for g in self.grids]))
        return float(minx), float(miny), float(maxx), float(maxy)


def township_kind(code: str, name: str) -> str:
    number = int(code[6:9])
    if name.endswith("街道"):
        return STREET
    if number >= 500:
        return FARM
    if number >= 400:
        return PARK
    if number >= 200:
        return TOWNSHIP
    return TOWN


def city_geography(seed: int = DEFAULT_SEED, layout: Layout = CITY_LAYOUT) -> Geography:
    """鹰潭: the real districts and townships (reference data), synthetic villages and grids."""
    builder = _Builder(seed, layout)
    builder.add_city()
    return builder.finish()


def province_geography(seed: int = DEFAULT_SEED, *, cities: int = 10, counties_per_city: int = 10) -> Geography:
    """鹰潭 as in `city_geography`, plus synthetic cities of 10-township counties for benchmarks."""
    builder = _Builder(seed, CITY_LAYOUT)
    builder.add_city()
    builder.layout = PROVINCE_LAYOUT
    builder.add_synthetic_province(cities=cities, counties_per_city=counties_per_city)
    return builder.finish()


# ---- building ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawGrid:
    code: str
    name: str
    village_code: str
    grid_type: str
    polygon: BaseGeometry


def _reference_divisions() -> list[dict[str, str]]:
    with (DATA / "divisions.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


class _Builder:
    def __init__(self, seed: int, layout: Layout) -> None:
        self.seed = seed
        self.layout = layout
        self.rng = np.random.default_rng([seed, 1])
        self.names = random.Random(f"{seed}:place-names")
        self.places: list[Place] = []
        self.grids: list[_RawGrid] = []

    def add_city(self) -> None:
        rows = _reference_divisions()
        counties = [r for r in rows if r["parent"] == CITY_CODE]
        outline = _outline(self.rng, CITY_CENTRE, CITY_RADII, CITY_BOX)
        seeds = [
            [self._jitter(p, 0.0 if i == 0 else 0.015) for i, p in enumerate(DISTRICT_SEEDS[c["code"]])]
            for c in counties
        ]
        for county, polygon, county_seeds in zip(counties, _tile(outline, seeds), seeds, strict=True):
            self.places.append(
                Place(county["code"], county["name"], CITY_CODE, DivisionLevel.COUNTY, "", polygon, False)
            )
            townships = [
                (r["code"], r["name"], township_kind(r["code"], r["name"]))
                for r in rows
                if r["parent"] == county["code"]
            ]
            self._add_townships(county["code"], polygon, county_seeds[0], townships, synthetic=False)

    def add_synthetic_province(self, *, cities: int, counties_per_city: int) -> None:
        """Synthetic cities 3690–36(90+n) with counties of 2 streets, 6 towns and 2 townships each."""
        region = _outline(self.rng, PROVINCE_CENTRE, PROVINCE_RADII, PROVINCE_BOX)
        taken: set[str] = set()
        city_seeds = _relax(region, _sample(self.rng, region, cities), rounds=2)
        for i, city_polygon in enumerate(_ordered(_tile(region, [[s] for s in city_seeds]))):
            city_code = f"36{90 + i}00"
            root = names.place_root(self.names, taken)
            self.places.append(Place(city_code, f"{root}市", "360000", DivisionLevel.CITY, "", city_polygon, True))
            county_seeds = _relax(city_polygon, _sample(self.rng, city_polygon, counties_per_city), rounds=2)
            counties = _ordered(_tile(city_polygon, [[s] for s in county_seeds]))
            for j, county_polygon in enumerate(counties, start=1):
                county_code = f"{city_code[:4]}{j:02d}"
                county_root = names.place_root(self.names, taken)
                suffix = "区" if j == 1 else "县"
                self.places.append(
                    Place(county_code, county_root + suffix, city_code, DivisionLevel.COUNTY, "", county_polygon, True)
                )
                townships = [(f"{county_code}{n:03d}", "", kind) for n, kind in _SYNTHETIC_TOWNSHIPS]
                townships = [
                    (code, names.place_root(self.names, taken) + _TOWNSHIP_SUFFIX[kind], kind)
                    for code, _, kind in townships
                ]
                seat = county_polygon.point_on_surface()
                self._add_townships(county_code, county_polygon, (seat.x, seat.y), townships, synthetic=True)

    def _add_townships(
        self,
        county_code: str,
        polygon: BaseGeometry,
        seat: Point,
        townships: list[tuple[str, str, str]],
        *,
        synthetic: bool,
    ) -> None:
        # Urban streets cluster round the county seat; towns and townships spread over the rest.
        streets = [t for t in townships if t[2] == STREET]
        spacing = 0.5 * math.sqrt(polygon.area / max(len(townships), 1))
        street_seeds = _sample(self.rng, polygon, len(streets), near=seat, sigma=0.03, spacing=spacing / 3)
        rural = [t for t in townships if t[2] != STREET]
        rural_seeds = _sample(self.rng, polygon, len(rural), spacing=spacing, avoid=street_seeds)
        seeds = dict(zip([t[0] for t in streets], street_seeds, strict=True)) | dict(
            zip([t[0] for t in rural], rural_seeds, strict=True)
        )
        pieces = _tile(polygon, [[seeds[code]] for code, _, _ in townships])
        for (code, name, kind), piece in zip(townships, pieces, strict=True):
            township = Place(code, name, county_code, DivisionLevel.TOWNSHIP, kind, piece, synthetic)
            self.places.append(township)
            self._add_villages(township)

    def _add_villages(self, township: Place) -> None:
        low, high = self.layout.villages[township.kind]
        count = int(self.rng.integers(low, high + 1))
        pieces = _ordered(_split(self.rng, township.polygon, count))
        taken: set[str] = set()
        next_number = {COMMUNITY: 1, VILLAGE: 201}  # 居委会 001–199, 村委会 200–399 (统计用区划代码)
        for index, piece in enumerate(pieces):
            # A town's seat is a 社区; the rest of a town or township are 村.
            kind = COMMUNITY if township.kind in (STREET, PARK) or index == 0 else VILLAGE
            code = f"{township.code}{next_number[kind]:03d}"
            next_number[kind] += 1
            if kind == COMMUNITY:
                name = names.community_name(self.names, taken)
            else:
                name = names.village_name(self.names, taken, "分场" if township.kind == FARM else "村")
            village = Place(code, name, township.code, DivisionLevel.VILLAGE, kind, piece, True)
            self.places.append(village)
            self._add_grids(village, township.kind)

    def _add_grids(self, village: Place, township_kind: str) -> None:
        low, high = self.layout.grids[township_kind]
        count = int(self.rng.integers(low, high + 1))
        dedicated = township_kind == PARK  # an industrial park's grids are 专属网格 (DOMAIN.md §7.2)
        for sequence, piece in enumerate(_ordered(_split(self.rng, village.polygon, count)), start=1):
            label = "专属网格" if dedicated else "网格"
            self.grids.append(
                _RawGrid(
                    code=f"{village.code}{sequence:03d}",
                    name=f"{village.name}第{sequence}{label}",
                    village_code=village.code,
                    grid_type=GridType.DEDICATED if dedicated else GridType.BASIC,
                    polygon=piece,
                )
            )

    def _jitter(self, point: Point, amount: float) -> Point:
        dx, dy = self.rng.uniform(-amount, amount, size=2) if amount else (0.0, 0.0)
        return (point[0] + float(dx), point[1] + float(dy))

    def finish(self) -> Geography:
        snapped = _snap([g.polygon for g in self.grids])
        grids = tuple(_grid_shape(raw, polygon) for raw, polygon in zip(self.grids, snapped, strict=True))
        _check_no_overlaps(grids)
        return Geography(seed=self.seed, places=tuple(self.places), grids=grids)


_SYNTHETIC_TOWNSHIPS = (
    (1, STREET),
    (2, STREET),
    *((100 + n, TOWN) for n in range(1, 7)),
    (201, TOWNSHIP),
    (202, TOWNSHIP),
)
_TOWNSHIP_SUFFIX = {STREET: "街道", TOWN: "镇", TOWNSHIP: "乡"}


# ---- geometry helpers ----------------------------------------------------------------------------


def _outline(
    rng: np.random.Generator, centre: Point, radii: Point, box: tuple[float, float, float, float]
) -> BaseGeometry:
    """A smooth, irregular outline: an ellipse whose radius wobbles with a few seeded harmonics."""
    angles = np.linspace(0.0, 2 * math.pi, 120, endpoint=False)
    wobble = np.ones_like(angles)
    for harmonic in range(2, 6):
        wobble += rng.uniform(0.01, 0.035) * np.sin(harmonic * angles + rng.uniform(0, 2 * math.pi))
    xs = centre[0] + radii[0] * wobble * np.cos(angles)
    ys = centre[1] + radii[1] * wobble * np.sin(angles)
    return shapely.intersection(shapely.Polygon(np.column_stack([xs, ys])), shapely.box(*box))


def _sample(
    rng: np.random.Generator,
    polygon: BaseGeometry,
    count: int,
    *,
    spacing: float | None = None,
    near: Point | None = None,
    sigma: float = 0.0,
    avoid: Sequence[Point] = (),
) -> list[Point]:
    """`count` seeded points inside `polygon`, at least `spacing` apart (relaxed if it cannot be met)."""
    if spacing is None:
        spacing = 0.5 * math.sqrt(polygon.area / max(count, 1))
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    placed: list[Point] = list(avoid)
    chosen: list[Point] = []
    misses = 0
    while len(chosen) < count:
        if near is None:
            x, y = float(rng.uniform(minx, maxx)), float(rng.uniform(miny, maxy))
        else:
            x, y = float(rng.normal(near[0], sigma)), float(rng.normal(near[1], sigma))
        too_close = any((x - a) ** 2 + (y - b) ** 2 < spacing**2 for a, b in placed)
        if too_close or not shapely.contains_xy(polygon, x, y):
            misses += 1
            if misses > 100:
                spacing, sigma, misses = spacing * 0.7, sigma * 1.3, 0
            continue
        placed.append((x, y))
        chosen.append((x, y))
    return chosen


def _voronoi_pieces(parent: BaseGeometry, seeds: Sequence[Point]) -> np.ndarray:
    cells = shapely.voronoi_polygons(shapely.multipoints(list(seeds)), extend_to=parent, ordered=True)
    return shapely.intersection(shapely.get_parts(cells), parent)


def _relax(parent: BaseGeometry, seeds: list[Point], rounds: int) -> list[Point]:
    """Lloyd relaxation: move each seed to the centre of its cell, for evenly sized children."""
    if len(seeds) < 2:
        return seeds
    for _round in range(rounds):
        moved: list[Point] = []
        for piece in _voronoi_pieces(parent, seeds):
            centre = piece.centroid
            if not parent.contains(centre):
                centre = piece.point_on_surface()
            moved.append((centre.x, centre.y))
        seeds = moved
    return seeds


def _split(rng: np.random.Generator, parent: BaseGeometry, count: int) -> list[BaseGeometry]:
    if count <= 1:
        return [_largest(parent)]
    return _tile(parent, [[s] for s in _relax(parent, _sample(rng, parent, count), rounds=1)])


def _tile(parent: BaseGeometry, seeds_per_child: Sequence[Sequence[Point]]) -> list[BaseGeometry]:
    """Split `parent` into one polygon per child, each the union of its seeds' Voronoi cells.
    A clipped cell can fall apart where the parent is concave; stray parts join the sibling they
    share the longest border with, so every child is a single polygon and the tiling stays exact."""
    if len(seeds_per_child) == 1:
        return [_largest(parent)]
    flat = [point for seeds in seeds_per_child for point in seeds]
    owner = np.array([i for i, seeds in enumerate(seeds_per_child) for _ in seeds])
    clipped = _voronoi_pieces(parent, flat)
    pieces = [shapely.union_all(clipped[owner == i]) for i in range(len(seeds_per_child))]
    return _merge_strays(pieces)


def _polygons(geometry: BaseGeometry) -> list[BaseGeometry]:
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    return sorted(parts, key=lambda p: -p.area)


def _largest(geometry: BaseGeometry) -> BaseGeometry:
    return _polygons(geometry)[0]


def _merge_strays(pieces: list[BaseGeometry]) -> list[BaseGeometry]:
    kept: list[BaseGeometry] = []
    strays: list[tuple[int, BaseGeometry]] = []
    for index, piece in enumerate(pieces):
        parts = _polygons(piece)
        if not parts:
            raise GeographyError("a child of the tiling is empty")
        kept.append(parts[0])
        strays.extend((index, part) for part in parts[1:])
    while strays:
        left: list[tuple[int, BaseGeometry]] = []
        for origin, stray in strays:
            reach = stray.buffer(GRID_SIZE)
            border, target = max((reach.intersection(k.boundary).length, j) for j, k in enumerate(kept) if j != origin)
            merged = shapely.union(kept[target], stray) if border > 10 * GRID_SIZE else None
            if merged is not None and merged.geom_type == "Polygon":
                kept[target] = merged
            else:
                left.append((origin, stray))
        if len(left) == len(strays):
            raise GeographyError("a stray part of a tiling touches no sibling")
        strays = left
    return kept


def _ordered(polygons: Iterable[BaseGeometry]) -> list[BaseGeometry]:
    """West→east within rows, rows north→south (DOMAIN.md §7.2 grid sequence)."""
    polygons = list(polygons)
    if len(polygons) < 2:
        return polygons
    band = math.sqrt(shapely.union_all(polygons).area / len(polygons))

    def key(polygon: BaseGeometry) -> tuple[int, float]:
        point = polygon.point_on_surface()
        return (-math.floor(point.y / band), point.x)

    return sorted(polygons, key=key)


def _snap(polygons: list[BaseGeometry]) -> list[BaseGeometry]:
    """Node every grid edge together on the 1e-6° lattice, then rebuild each grid from the faces
    that lie in it: neighbours end up with identical shared vertices, so no gap or overlap appears."""
    originals = np.array(polygons, dtype=object)
    lines = shapely.union_all(shapely.boundary(originals), grid_size=GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(originals)
    owners = np.full(len(faces), -1)
    face_idx, poly_idx = tree.query(shapely.point_on_surface(faces), predicate="within")
    owners[face_idx] = poly_idx
    for i in np.flatnonzero(owners < 0):  # slivers thinner than the lattice: largest overlap wins
        candidates = tree.query(faces[i])
        if len(candidates):
            areas = shapely.area(shapely.intersection(originals[candidates], faces[i]))
            owners[i] = candidates[int(np.argmax(areas))]
    grouped: dict[int, list[BaseGeometry]] = defaultdict(list)
    for face, owner in zip(faces, owners, strict=True):
        grouped[int(owner)].append(face)
    out: list[BaseGeometry] = []
    for index in range(len(polygons)):
        merged = shapely.union_all(grouped.get(index, []), grid_size=GRID_SIZE)
        if merged.geom_type != "Polygon":
            raise GeographyError(f"grid #{index} became {merged.geom_type} when snapped")
        out.append(merged)
    return out


def _rounded(value: Any) -> Any:
    if isinstance(value, list | tuple):
        if value and isinstance(value[0], float | int):
            return [round(float(v), DECIMALS) for v in value]
        return [_rounded(v) for v in value]
    return value


def _grid_shape(raw: _RawGrid, polygon: BaseGeometry) -> GridShape:
    oriented = shapely.orient_polygons(polygon)  # RFC 7946: exterior rings counter-clockwise
    geojson = {"type": "Polygon", "coordinates": _rounded(mapping(oriented)["coordinates"])}
    stored = polygon_from_geojson(geojson)  # valid and inside China, exactly as the service demands
    return GridShape(raw.code, raw.name, raw.village_code, raw.grid_type, geojson, stored)


def _check_no_overlaps(grids: Sequence[GridShape]) -> None:
    polygons = np.array([g.polygon for g in grids], dtype=object)
    tree = shapely.STRtree(polygons)
    for predicate in ("overlaps", "contains"):
        left, right = tree.query(polygons, predicate=predicate)
        clash = left != right
        if clash.any():
            a, b = grids[int(left[clash][0])].code, grids[int(right[clash][0])].code
            raise GeographyError(f"grids {a} and {b} overlap")
