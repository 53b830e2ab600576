"""The demo city's risk register (DESIGN.md "Contracts": the demo city is lived in, not empty).

`load_risk_register()` writes the 风险辨识清单 of a sample of enterprises in every district (about one in
four, and every enterprise someone holds an enterprise-officer login for, ent1's among them) and the
public-area points each district keeps (river sections, reservoirs, school gates, geological hazard
points, waterlogging points, crowded squares), then lives a year of it:

- two to six points an enterprise, fitting its sectors and its trade, with their possible accidents
  (GB 6441 types), the people responsible per tier, and LEC (some L×S) assessments whose residual
  risk is below the inherent one. Levels follow a realistic spread (about 5 % major, 15 % significant,
  35 % general, 45 % low), the more dangerous points higher; a 重大危险源 installation of a flagged
  enterprise and a few points matching a 重大事故隐患 criterion are judged major directly;
- one to four control measures a point, of different kinds, with the post that checks them and how
  often; their check tasks recorded over the last months, mostly passed, a few failed — each failure a
  hazard reported through the hazard service and linked to the point. The older ones were rectified and
  verified through `hazard_transition` (the point's level restored, then re-assessed), the recent ones
  are still open, so the 四色图 shows raised points; some checks missed, the next ones open;
- an older assessment and a newer one for some points (history), a few re-assessment requests after an
  accident or a change, some points past their yearly review;
- ent1's enterprise gets a site plan (a drawn PNG) with its points placed, when `risks.services_plan`
  exists.

Everything goes through the real doors (`risks.services`, `hazards.services`, `reminders`), acted by
the demo people: the enterprise's officer (ent1, the 托管 safety officers of the hazard history, or new
ones made here the same way), the district and township officers, the grid worker, the verifier and the
department officers. Notifications are muted: this is history, not news.

Time. The services stamp the real clock; afterwards the simulated moments are written over the
assessments' `assessed_at`, the points' last assessment and next review, the checks' due dates and
check times, and the failure hazards' timeline (as `hazards/demo.py` does). The one row not made by a
service: the past check tasks after a measure's first (made by `measure_add`) are created with their
past due dates, as the worker's `generate_checks` would have made them on those days (the service only
makes today's); they are then recorded through `check_record`. The audit trail is NOT rewritten: it
keeps the real load time and its hash chain.

Seeded and deterministic: the same seed on the same city gives the same codes, names and levels."""

import importlib
import io
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import shapely
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from shapely import affinity
from shapely.geometry import Point, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from safeloop.accounts.choices import Role
from safeloop.accounts.models import Membership, User
from safeloop.core.bulk import rewrite_rows
from safeloop.core.scoping import forget_scope
from safeloop.hazards import routing
from safeloop.hazards.choices import OPEN_STATUSES, HazardLevel, JudgementType, PhotoKind
from safeloop.hazards.demo import Cast
from safeloop.hazards.models import CriteriaItem, Hazard, HazardEvent, HazardPhoto
from safeloop.hazards.services import hazard_transition, photo_add
from safeloop.notifications.services import muted
from safeloop.orgs.demo import names
from safeloop.orgs.models import Division, Enterprise, Grid
from safeloop.orgs.selectors import grid_index
from safeloop.risks import config, reminders, scoring, services
from safeloop.risks import demo_texts as texts
from safeloop.risks.choices import (
    FREQUENCY_DAYS,
    LEVEL_ORDER,
    CheckStatus,
    Method,
    ReassessReason,
    ResponsibleTier,
    RiskLevel,
)
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskBandTable, RiskPoint, RiskPointHazard

MAJOR, SIGNIFICANT, GENERAL, LOW = (level.value for level in RiskLevel)
# The spread of assessed levels over the register (issue 4 demo brief): 5 / 15 / 35 / 45 %.
LEVEL_SHARES = ((MAJOR, 0.05), (SIGNIFICANT, 0.15), (GENERAL, 0.35), (LOW, 0.45))
SHARE = 0.25  # of the enterprises of each district keep a register
POINTS_BY_SCALE = {"large": (4, 6), "medium": (3, 5), "small": (2, 4), "micro": (2, 3)}
PUBLIC_PER_GRID = 0.4
PUBLIC_WEIGHTS = {"river": 3, "reservoir": 1.5, "school_gate": 1.5, "geohazard": 1.5, "waterlogging": 1.5, "square": 1}
ENTERPRISES_PER_AGENT = 100
TOWNSHIP_OFFICERS_PER_COUNTY = 2
LS_SHARE = 0.2
HISTORY_SHARE = 0.2
OVERDUE_REVIEW_SHARE = 0.04
REQUEST_SHARE = 0.015
FAILURE_SHARE = 0.045
MISSED_SHARE = 0.06
CRITERIA_SHARE = 0.15  # of the major points not judged by a 重大危险源
MAX_HISTORY = {"daily": 3, "weekly": 2, "monthly": 2, "quarterly": 1, "yearly": 1}
LS_SEVERITY = {1: 1, 3: 2, 7: 3, 15: 4, 40: 5, 100: 5}
ENTERPRISE_TIERS = (ResponsibleTier.COMPANY, ResponsibleTier.DEPARTMENT, ResponsibleTier.TEAM, ResponsibleTier.POST)
PUBLIC_TIERS = (ResponsibleTier.COUNTY, ResponsibleTier.TOWNSHIP, ResponsibleTier.VILLAGE, ResponsibleTier.GRID)
# From the control level down (DOMAIN.md §4.4: the upper tiers also control what the lower control).
TIERS_FROM = {MAJOR: 0, SIGNIFICANT: 1, GENERAL: 2, LOW: 2}
FAILURE_WINDOW_DAYS = 120
OPEN_FAILURE_DAYS = 12
PLAN_SIZE = (960, 640)


class RegisterError(RuntimeError):
    """The register cannot be loaded into this database (the message says why)."""


@dataclass(frozen=True)
class RiskRegisterSummary:
    points: int
    enterprise_points: int
    public_points: int
    enterprises: int
    assessed: dict[str, int]
    current: dict[str, int]
    raised: int
    assessments: int
    measures: int
    checks: dict[str, int]
    hazards: int
    open_hazards: int
    reassess: int
    review_overdue: int
    plan_placed: int | None  # points placed on ent1's site plan; None without risks.services_plan
    people: int
    seconds: float


@dataclass(kw_only=True)
class CheckPlan:
    on: date
    at: datetime
    failed: bool = False
    fate: str = ""  # closed | reported | confirmed | rectifying | submitted
    major: bool = False
    steps: list[tuple[str, datetime]] = field(default_factory=list)
    task_id: int | None = None
    hazard: Hazard | None = None


@dataclass(kw_only=True)
class MeasurePlan:
    kind: str
    description: str
    post: str
    frequency: str
    failure: str
    checks: list[CheckPlan] = field(default_factory=list)
    missed_on: date | None = None
    measure: ControlMeasure | None = None


@dataclass(kw_only=True)
class AssessmentPlan:
    method: str
    inherent: dict[str, str]
    residual: dict[str, str]
    at: datetime
    actor: Any
    note: str
    major_source: bool = False
    criteria: str = ""
    row: RiskAssessment | None = None


@dataclass(kw_only=True)
class PointPlan:
    order: int
    sector: str
    name: str
    kind: str
    accidents: str
    description: str
    severity: float
    c: tuple[int, ...]
    e: tuple[float, ...]
    county: str
    grid: str
    keeper: User
    checker: User
    measure_texts: list[texts.MeasureText]
    enterprise: Enterprise | None = None
    rectifier: User | None = None  # who rectifies a failure here (None: no failure planned here)
    lon: float | None = None
    lat: float | None = None
    polygon: dict[str, Any] | None = None
    address: str = ""
    source: bool = False  # the 重大危险源 installation of a flagged enterprise
    criteria: str = ""
    level: str = ""
    direct: str = ""  # source | criteria
    overdue: bool = False  # last assessed more than a review cycle ago
    created_at: datetime | None = None
    assessments: list[AssessmentPlan] = field(default_factory=list)
    measures: list[MeasurePlan] = field(default_factory=list)
    responsible: list[dict[str, str]] = field(default_factory=list)
    request: tuple[str, str] | None = None
    point: RiskPoint | None = None

    @property
    def first_at(self) -> datetime:
        return self.assessments[0].at

    @property
    def last_at(self) -> datetime:
        return self.assessments[-1].at


def _office_hours(moment: datetime, rng: random.Random) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0)


def _root(name: str) -> str:
    for suffix in ("畲族乡", "街道", "社区", "分场", "村", "镇", "乡", "市", "区", "县"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _title(point: str, failure: str) -> str:
    """A failed check's hazard title names the point, once."""
    return (failure if point in failure else f"{point}：{failure}")[:120]


def _fixed(name: str) -> Callable[[random.Random], str]:
    return lambda _rng: name


def _jpeg() -> bytes:
    image = Image.new("RGB", (96, 72), (110, 130, 120))
    ImageDraw.Draw(image).rectangle((24, 20, 72, 60), fill=(170, 190, 180))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


class Register:
    def __init__(self, *, seed: int, now: datetime, share: float) -> None:
        self.rng = random.Random(f"{seed}:risks")
        self.now = now
        self.today = timezone.localdate(now)
        self.share = share
        self.cast = Cast(random.Random(f"{seed}:risks-people"))
        self.plans: list[PointPlan] = []
        self._tables: dict[tuple[str, str], RiskBandTable] = {}
        self.photo = _jpeg()

    # -- the city as loaded

    def survey(self) -> None:
        grids = list(Grid.objects.order_by("code").values_list("code", "name", "geometry"))
        if not grids:
            raise RegisterError(_("The city has no grids; load the demo city first."))
        grid_index(fresh=True)
        self.shapes: dict[str, BaseGeometry] = {code: shape(geometry) for code, _name, geometry in grids}
        for polygon in self.shapes.values():
            shapely.prepare(polygon)
        self.grids_by_county: dict[str, list[str]] = defaultdict(list)
        for code, *_rest in grids:
            self.grids_by_county[code[:6]].append(code)
        self.counties = sorted(self.grids_by_county)
        codes = {c[:n] for c, *_rest in grids for n in (6, 9, 12)}
        self.division_names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
        self.criteria = set(CriteriaItem.objects.filter(judgement=JudgementType.DIRECT).values_list("code", flat=True))

    def gather_cast(self) -> None:
        cast = self.cast
        self.officers = {county: cast.county_officer(county) for county in self.counties}
        self.verifiers = {county: cast.county_officer(county, Role.VERIFIER) for county in self.counties}
        self.grid_workers = cast.grid_workers()
        self.departments: list[tuple[User, frozenset[str], str]] = []
        for m in (
            Membership.objects.filter(role=Role.DEPARTMENT_OFFICER)
            .select_related("user", "department__division")
            .prefetch_related("department__sectors")
            .order_by("user_id")
        ):
            assert m.department is not None
            sectors = frozenset(s.code for s in m.department.sectors.all())
            self.departments.append((cast.one(m.user), sectors, m.department.division.prefix))
        # Township officers keep the public areas of their township and rectify what fails there.
        self.townships: dict[str, User] = {}
        for m in (
            Membership.objects.filter(role=Role.DIVISION_OFFICER, division__level=9)
            .select_related("user")
            .order_by("user_id")
        ):
            assert m.division_id is not None
            if m.division_id[:6] in self.grids_by_county:
                self.townships.setdefault(m.division_id, cast.one(m.user))
        for county in self.counties:
            have = [t for t in self.townships if t.startswith(county)]
            candidates = sorted({g[:9] for g in self.grids_by_county[county]} - set(have))
            wanted = max(0, TOWNSHIP_OFFICERS_PER_COUNTY - len(have))
            for township in self.rng.sample(candidates, min(wanted, len(candidates))):
                found = Division.objects.filter(code=township).first()
                if found is not None:
                    self.townships[township] = cast.person(f"officer{township}", Role.DIVISION_OFFICER, division=found)
        self._enterprises()
        # Memberships were added above: every actor's scope is computed afresh from here on.
        actors = [
            *self.officers.values(),
            *self.verifiers.values(),
            *self.townships.values(),
            *self.grid_workers.values(),
            *self.enterprise_officers.values(),
            *(u for u, *_r in self.departments),
        ]
        for user in actors:
            forget_scope(user)

    def _enterprises(self) -> None:
        """Pick the enterprises that keep a register: every one with an officer login, and more of each
        district to about `share`; give the others a 托管 safety officer (one per fifty)."""
        officers: dict[int, User] = {}
        for m in Membership.objects.filter(role=Role.ENTERPRISE_OFFICER).select_related("user").order_by("user_id"):
            assert m.enterprise_id is not None
            officers.setdefault(m.enterprise_id, self.cast.one(m.user))
        rows = list(Enterprise.objects.filter(active=True).order_by("pk").values_list("pk", "division_id"))
        chosen: set[int] = set()
        for county in self.counties:
            ids = [pk for pk, division in rows if str(division).startswith(county)]
            if not ids:
                continue
            have = [pk for pk in ids if pk in officers]
            rest = [pk for pk in ids if pk not in officers]
            wanted = max(1, round(len(ids) * self.share)) - len(have)
            chosen |= set(have) | set(self.rng.sample(rest, max(0, min(wanted, len(rest)))))
        self.enterprises = list(Enterprise.objects.filter(pk__in=chosen).order_by("pk").prefetch_related("sectors"))
        self.sectors_of = {e.pk: sorted(s.code for s in e.sectors.all()) for e in self.enterprises}
        self.enterprises = [e for e in self.enterprises if self.sectors_of[e.pk]]
        self.enterprise_officers: dict[int, User] = {}
        by_county: dict[str, list[Enterprise]] = defaultdict(list)
        for enterprise in self.enterprises:
            if enterprise.pk in officers:
                self.enterprise_officers[enterprise.pk] = officers[enterprise.pk]
            else:
                by_county[enterprise.division_id[:6]].append(enterprise)
        for county in sorted(by_county):
            group = by_county[county]
            for n, start in enumerate(range(0, len(group), ENTERPRISES_PER_AGENT), 1):
                for enterprise in group[start : start + ENTERPRISES_PER_AGENT]:
                    self.enterprise_officers[enterprise.pk] = self.cast.person(
                        f"riskagent{county}{n:02d}", Role.ENTERPRISE_OFFICER, enterprise=enterprise
                    )
        self.campus: dict[str, list[Enterprise]] = defaultdict(list)
        for enterprise in self.enterprises:
            if "campus" in self.sectors_of[enterprise.pk]:
                self.campus[enterprise.division_id[:6]].append(enterprise)

    # -- places

    def _inside(self, grid: str, lon: float, lat: float) -> bool:
        return bool(self.shapes[grid].contains(Point(lon, lat)))

    def _point_in(self, grid: str) -> tuple[float, float]:
        polygon = self.shapes[grid]
        minx, miny, maxx, maxy = polygon.bounds
        for _attempt in range(200):
            lon, lat = round(self.rng.uniform(minx, maxx), 6), round(self.rng.uniform(miny, maxy), 6)
            if self._inside(grid, lon, lat):
                return lon, lat
        centre = polygon.representative_point()
        return round(centre.x, 6), round(centre.y, 6)

    def _near(self, grid: str, lon: float, lat: float, spread: float) -> tuple[float, float]:
        for _attempt in range(10):
            x = round(lon + self.rng.uniform(-spread, spread), 6)
            y = round(lat + self.rng.uniform(-spread, spread), 6)
            if self._inside(grid, x, y):
                return x, y
        return lon, lat

    def _polygon(self, grid: str, lon: float, lat: float, form: str) -> dict[str, Any] | None:
        """A small area inside the grid around (lon, lat): a river section's strip, a blob, a yard."""
        if form == "strip":
            piece = affinity.rotate(box(lon - 0.003, lat - 0.0002, lon + 0.003, lat + 0.0002), self.rng.uniform(0, 180))
        elif form == "blob":
            piece = Point(lon, lat).buffer(self.rng.uniform(0.0008, 0.0016), quad_segs=4)
        else:
            piece = box(lon - 0.00018, lat - 0.00012, lon + 0.00018, lat + 0.00012)
        piece = shapely.set_precision(piece.intersection(self.shapes[grid].buffer(-0.00002)), 1e-6)
        if piece.geom_type == "MultiPolygon":
            piece = max(piece.geoms, key=lambda g: g.area)
        if piece.geom_type != "Polygon" or piece.is_empty or not piece.is_valid or piece.area < 1e-8:
            return None
        centre = piece.representative_point()
        if not self._inside(grid, centre.x, centre.y):
            return None
        geojson = mapping(piece)
        return {"type": "Polygon", "coordinates": [[list(xy) for xy in ring] for ring in geojson["coordinates"]]}

    # -- enterprise points

    def _candidates(self, enterprise: Enterprise) -> list[tuple[str, texts.PointText]]:
        found = []
        for sector in self.sectors_of[enterprise.pk]:
            for text in texts.IN_ENTERPRISES.get(sector, ()):
                if text.match and not any(word in enterprise.name for word in text.match):
                    continue
                if any(word in enterprise.name for word in text.avoid):
                    continue
                if text.flag and text.flag not in (enterprise.flags or []):
                    continue
                found.append((sector, text))
        return found

    def plan_enterprises(self) -> None:
        rng = self.rng
        fire_extras = [t for t in texts.IN_ENTERPRISES["fire"] if not t.match][:2]
        for enterprise in self.enterprises:
            low, high = POINTS_BY_SCALE.get(enterprise.scale, (2, 4))
            candidates = self._candidates(enterprise)
            wanted = rng.randint(low, high)
            picked = rng.sample(candidates, min(wanted, len(candidates)))
            names_taken = {text.name for _sector, text in picked}
            for extra in fire_extras:
                if len(picked) >= max(2, min(wanted, 2)):
                    break
                if extra.name not in names_taken:
                    picked.append(("fire", extra))
                    names_taken.add(extra.name)
            keeper = self.enterprise_officers[enterprise.pk]
            flagged = "major_hazard_source" in (enterprise.flags or [])
            grid = enterprise.grid_id or ""
            for sector, text in picked:
                plan = PointPlan(
                    order=len(self.plans),
                    sector=sector,
                    name=text.name,
                    kind=text.kind,
                    accidents=text.accidents,
                    description=text.description,
                    severity=text.severity + rng.gauss(0, 1.0),
                    c=text.c,
                    e=text.e,
                    county=enterprise.division_id[:6],
                    grid=grid,
                    keeper=keeper,
                    checker=keeper,
                    rectifier=keeper,
                    measure_texts=list(text.measures),
                    enterprise=enterprise,
                    source=flagged and text.source,
                    criteria=text.criteria if text.criteria in self.criteria else "",
                )
                if grid in self.shapes:
                    plan.lon, plan.lat = self._near(grid, enterprise.lon, enterprise.lat, 0.0004)
                    if text.area:
                        plan.polygon = self._polygon(grid, plan.lon, plan.lat, "yard")
                self.plans.append(plan)

    # -- public areas

    def plan_public(self) -> None:
        rng = self.rng
        kinds = {t.key: t for t in texts.PUBLIC}
        keys = list(PUBLIC_WEIGHTS)
        for county in self.counties:
            grids = self.grids_by_county[county]
            count = max(len(keys), round(len(grids) * PUBLIC_PER_GRID))
            order = keys + rng.choices(keys, [PUBLIC_WEIGHTS[k] for k in keys], k=count - len(keys))
            taken: set[str] = set()
            sections: Counter[str] = Counter()
            for key in order:
                text = kinds[key]
                grid = rng.choice(grids)
                lon, lat = self._point_in(grid)
                name = self._public_name(key, county, grid, taken, sections)
                if key == "school_gate" and self.campus.get(county):
                    school = rng.choice(self.campus[county])
                    if school.grid_id in self.shapes:
                        grid = school.grid_id
                        lon, lat = self._near(grid, school.lon, school.lat, 0.0003)
                        name = names.pick_unique(rng, taken, _fixed(f"{school.name}校门口"))
                township = grid[:9]
                officer = self.townships.get(township)
                keeper = officer or self.officers[county]
                plan = PointPlan(
                    order=len(self.plans),
                    sector=text.sector,
                    name=name,
                    kind=text.kind,
                    accidents=text.accidents,
                    description=text.description,
                    severity=text.severity + rng.gauss(0, 1.0),
                    c=text.c,
                    e=text.e,
                    county=county,
                    grid=grid,
                    keeper=keeper,
                    checker=self.grid_workers.get(grid, keeper),
                    rectifier=officer,
                    measure_texts=list(text.measures),
                    lon=lon,
                    lat=lat,
                    address="".join(self.division_names.get(grid[:n], "") for n in (6, 9, 12)),
                )
                if text.polygon:
                    plan.polygon = self._polygon(grid, lon, lat, text.polygon)
                    if plan.polygon is not None:
                        plan.lon = plan.lat = None  # the service places it at the area's representative point
                self.plans.append(plan)

    def _public_name(self, key: str, county: str, grid: str, taken: set[str], sections: Counter[str]) -> str:
        township = _root(self.division_names.get(grid[:9], ""))
        village = _root(self.division_names.get(grid[:12], ""))

        def make(r: random.Random) -> str:
            if key == "river":
                river = r.choice(texts.RIVERS.get(county, texts.RIVERS_ELSEWHERE))
                sections[river + township] += 1
                return f"{river}{township}段{sections[river + township]}号堤段"
            if key == "reservoir":
                return f"{r.choice(names.WATER_WORDS)}水库"
            if key == "school_gate":
                return f"{village}小学校门口"
            if key == "geohazard":
                return f"{village}{r.choice(texts.GEO_KINDS)}地质灾害隐患点"
            if key == "waterlogging":
                return f"{r.choice(names.ROADS)}{r.choice(texts.LOW_SPOTS)}易涝点"
            return f"{township}{r.choice(texts.SQUARES)}"

        return names.pick_unique(self.rng, taken, make)

    # -- levels, factors, people and times

    def grade(self) -> None:
        """The assessed level of each point: a 重大危险源 installation is major; the rest by rank of
        severity (with noise) to the shares of LEVEL_SHARES."""
        total = len(self.plans)
        quotas = {level: max(1, round(total * share)) for level, share in LEVEL_SHARES}
        for plan in self.plans:
            if plan.source:
                plan.level, plan.direct = MAJOR, "source"
        rest = sorted((p for p in self.plans if not p.source), key=lambda p: (-p.severity, p.order))
        quotas[MAJOR] = max(0, quotas[MAJOR] - (total - len(rest)))
        position = 0
        for level, _share in LEVEL_SHARES:
            take = len(rest) - position if level == LOW else quotas[level]
            for plan in rest[position : position + take]:
                plan.level = level
            position += take
        # A few majors are judged so by a 重大事故隐患 criterion: at least one where a point can match one.
        majors = [p for p in rest if p.level == MAJOR]
        matching = [p for p in majors if p.criteria]
        if not matching and majors:
            best = next((p for p in rest if p.criteria), None)
            if best is not None:
                last = majors[-1]
                best.level, last.level = MAJOR, best.level
                matching = [best]
        for plan in matching[: max(1, round(len(majors) * CRITERIA_SHARE))]:
            plan.direct = "criteria"

    def _table(self, method: str, sector: str) -> RiskBandTable:
        key = (method, sector)
        if key not in self._tables:
            self._tables[key] = scoring.band_table(method, sector)
        return self._tables[key]

    def _factors(self, plan: PointPlan, method: str, level: str) -> tuple[dict[str, str], dict[str, str]]:
        """(inherent, residual) factors whose residual lands on `level`, the inherent higher."""
        rng = self.rng
        table = self._table(method, plan.sector)
        if method == Method.LEC:
            ls = sorted(config.lec_values("l"))
            es = sorted(config.lec_values("e"))
            cs = sorted(config.lec_values("c"))
            fit_e = [v for v in es if v in {Decimal(str(x)) for x in plan.e}] or es
            fit_c = [v for v in cs if v in {Decimal(str(x)) for x in plan.c}] or cs
            options: list[tuple[Decimal, ...]] = []
            for e_pool, c_pool in ((fit_e, fit_c), (es, fit_c), (es, cs)):
                options = [
                    (l_, e, c) for c in c_pool for e in e_pool for l_ in ls[:-1] if table.level_for(l_ * e * c) == level
                ]
                if options:
                    break
            l_, e, c = rng.choice(options)
            higher = [v for v in ls if v > l_]
            inherent_l = higher[min(len(higher) - 1, rng.choice((0, 1, 1, 2)))]
            return (
                {"l": str(inherent_l), "e": str(e), "c": str(c)},
                {"l": str(l_), "e": str(e), "c": str(c)},
            )
        low, high = config.get("ls_range")
        values = list(range(int(low), int(high) + 1))
        fit_s = sorted({LS_SEVERITY.get(x, 3) for x in plan.c})
        options_ls: list[tuple[int, int]] = []
        for s_pool in (fit_s, values):
            options_ls = [(lv, sv) for sv in s_pool for lv in values[:-1] if table.level_for(Decimal(lv * sv)) == level]
            if options_ls:
                break
        lv, sv = rng.choice(options_ls)
        inherent_lv = min(values[-1], lv + rng.choice((1, 1, 2)))
        return {"l": str(inherent_lv), "s": str(sv)}, {"l": str(lv), "s": str(sv)}

    def _moment(self, days_ago: float) -> datetime:
        return _office_hours(self.now - timedelta(days=days_ago), self.rng)

    def _assessor(self, plan: PointPlan) -> Any:
        """Most newer assessments are the keeper's; some a department officer's review."""
        fits = [
            user
            for user, sectors, prefix in self.departments
            if plan.sector in sectors and plan.county.startswith(prefix)
        ]
        if fits and self.rng.random() < 0.3:
            return self.rng.choice(fits)
        return plan.keeper

    def plan_assessments(self) -> None:
        """When each point was assessed: over the last year; a few more than a year ago and not since
        (their review is overdue); some twice, the newer one months after the older (history)."""
        rng = self.rng
        count = len(self.plans)
        ages = {plan.order: rng.uniform(25, 360) for plan in self.plans}
        plain = [p for p in self.plans if not p.direct]
        overdue = {p.order for p in rng.sample(plain, min(len(plain), max(1, round(count * OVERDUE_REVIEW_SHARE))))}
        for plan in self.plans:
            if plan.order in overdue:
                ages[plan.order], plan.overdue = rng.uniform(370, 430), True
        older = [p for p in plain if p.order not in overdue and ages[p.order] >= 60]
        history = {p.order for p in rng.sample(older, min(len(older), max(2, round(count * HISTORY_SHARE))))}
        for plan in self.plans:
            method = Method.LS if rng.random() < LS_SHARE else Method.LEC
            days_ago = ages[plan.order]
            first_at = self._moment(days_ago)
            plan.created_at = first_at - timedelta(days=rng.uniform(0.5, 5))
            residual_level = plan.level if not plan.direct else rng.choice((SIGNIFICANT, GENERAL))
            if plan.order in history:
                rank = LEVEL_ORDER.index(plan.level)
                step = -1 if rng.random() < 0.7 else 1  # mostly improved since; some raised by a change
                before = LEVEL_ORDER[min(len(LEVEL_ORDER) - 1, max(0, rank + step))]
                inherent, residual = self._factors(plan, method, before)
                plan.assessments.append(
                    AssessmentPlan(
                        method=method, inherent=inherent, residual=residual, at=first_at, actor=plan.keeper,
                        note=rng.choice(texts.ASSESSMENT_NOTES),
                    )
                )  # fmt: skip
                newer_at = self._moment(rng.uniform(OPEN_FAILURE_DAYS + 3, days_ago - 20))
                inherent, residual = self._factors(plan, method, residual_level)
                plan.assessments.append(
                    AssessmentPlan(
                        method=method, inherent=inherent, residual=residual, at=newer_at,
                        actor=self._assessor(plan), note=rng.choice(texts.NEWER_NOTES),
                    )
                )  # fmt: skip
            else:
                inherent, residual = self._factors(plan, method, residual_level)
                note = {"source": texts.DIRECT_NOTE, "criteria": texts.CRITERIA_NOTE}.get(
                    plan.direct, rng.choice(texts.ASSESSMENT_NOTES)
                )
                plan.assessments.append(
                    AssessmentPlan(
                        method=method, inherent=inherent, residual=residual, at=first_at, actor=plan.keeper,
                        note=note, major_source=plan.direct == "source",
                        criteria=plan.criteria if plan.direct == "criteria" else "",
                    )
                )  # fmt: skip
            plan.responsible = self._responsible(plan)

    def _responsible(self, plan: PointPlan) -> list[dict[str, str]]:
        rng = self.rng
        tiers = ENTERPRISE_TIERS if plan.enterprise is not None else PUBLIC_TIERS
        out = []
        for tier in tiers[TIERS_FROM[plan.level] :]:
            name, phone = names.person_name(rng), names.mobile_phone(rng)
            # The principal answers for the company; the safety officer for the department.
            known = {
                ResponsibleTier.COMPANY: (plan.enterprise.principal_name, plan.enterprise.principal_phone)
                if plan.enterprise
                else ("", ""),
                ResponsibleTier.DEPARTMENT: (plan.enterprise.safety_officer_name, plan.enterprise.safety_officer_phone)
                if plan.enterprise
                else ("", ""),
                ResponsibleTier.TOWNSHIP: (plan.rectifier.real_name, plan.rectifier.phone)
                if plan.rectifier
                else ("", ""),
            }
            if plan.grid in self.grid_workers:
                worker = self.grid_workers[plan.grid]
                known[ResponsibleTier.GRID] = (worker.real_name, worker.phone)
            if known.get(tier, ("", ""))[0]:
                name, phone = known[tier]
            out.append({"tier": str(tier), "name": name, "phone": phone})
        return out

    def plan_measures(self) -> None:
        rng = self.rng
        for plan in self.plans:
            wanted = rng.randint(1, 4)
            chosen: list[texts.MeasureText] = []
            kinds: set[str] = set()
            for text in [*plan.measure_texts, *rng.sample(texts.GENERIC_MEASURES, len(texts.GENERIC_MEASURES))]:
                if len(chosen) >= wanted:
                    break
                if text.kind not in kinds:
                    chosen.append(text)
                    kinds.add(text.kind)
            start = timezone.localtime(plan.first_at).date() + timedelta(days=1)
            for text in chosen:
                measure = MeasurePlan(
                    kind=text.kind,
                    description=text.description.format(name=plan.name),
                    post=text.post,
                    frequency=text.frequency,
                    failure=text.failure.format(name=plan.name),
                )
                self._schedule(measure, start)
                plan.measures.append(measure)

    def _schedule(self, measure: MeasurePlan, start: date) -> None:
        """The checks done so far: the last `o` days ago (so the next is due within a period), the
        others one period apart before it, none before the point's first assessment."""
        rng = self.rng
        period = FREQUENCY_DAYS[measure.frequency]
        last_ago = rng.randint(1, period)
        if measure.frequency in ("daily", "weekly") and rng.random() < MISSED_SHARE:
            gap = rng.randint(3, 6)
            measure.missed_on = self.today - timedelta(days=gap)
            last_ago = gap + period
        days = [last_ago + k * period for k in range(rng.randint(1, MAX_HISTORY[measure.frequency]))]
        days = [d for d in days if self.today - timedelta(days=d) >= start]
        if not days:
            measure.missed_on = None
        for ago in sorted(days, reverse=True):
            on = self.today - timedelta(days=ago)
            at = _office_hours(self.now - timedelta(days=ago), rng)
            measure.checks.append(CheckPlan(on=on, at=at))

    def plan_failures(self) -> None:
        """A few checks fail: the recent ones' hazards are still open, the older ones' were closed."""
        rng = self.rng
        total = max(4, round(len(self.plans) * FAILURE_SHARE))
        recent: list[tuple[PointPlan, CheckPlan]] = []
        older: list[tuple[PointPlan, CheckPlan]] = []
        for plan in self.plans:
            if plan.rectifier is None or plan.direct or plan.overdue:
                continue
            for measure in plan.measures:
                for check in measure.checks:
                    ago = (self.today - check.on).days
                    if ago > FAILURE_WINDOW_DAYS or (check.on.year != self.today.year and ago > 30):
                        continue
                    (recent if ago <= OPEN_FAILURE_DAYS else older).append((plan, check))
        used: set[int] = set()

        def pick(pool: list[tuple[PointPlan, CheckPlan]], count: int) -> list[tuple[PointPlan, CheckPlan]]:
            out: list[tuple[PointPlan, CheckPlan]] = []
            for plan, check in rng.sample(pool, len(pool)):
                if len(out) >= count:
                    break
                if plan.order not in used:
                    used.add(plan.order)
                    out.append((plan, check))
            return out

        open_count = max(2, round(total * 0.35))
        for _plan, check in pick(recent, open_count):
            age = (self.now - check.at).total_seconds() / 86400
            check.failed = True
            check.fate = "reported" if age < 2 else "confirmed" if age < 5 else "rectifying" if age < 9 else "submitted"
        for _plan, check in pick(older, total - open_count):
            check.failed, check.fate = True, "closed"
        # One open failure is a 重大事故隐患 by a criteria item: the point goes to major until it is governed.
        for plan in self.plans:
            item = plan.criteria
            failing = [c for m in plan.measures for c in m.checks if c.failed and c.fate != "closed"]
            if item and failing and plan.enterprise is not None:
                failing[0].major, failing[0].fate = True, "reported"
                break
        for plan in self.plans:
            for measure in plan.measures:
                for check in measure.checks:
                    if check.failed:
                        check.steps = self._hazard_steps(check)

    def _hazard_steps(self, check: CheckPlan) -> list[tuple[str, datetime]]:
        rng = self.rng
        actions = {
            "closed": ("confirm", "start", "submit", "verify"),
            "reported": (),
            "confirmed": ("confirm",),
            "rectifying": ("confirm", "start"),
            "submitted": ("confirm", "start", "submit"),
        }[check.fate]
        gaps = {"confirm": (0.2, 1.5), "start": (0.1, 1.0), "submit": (1.0, 6.0), "verify": (0.5, 2.0)}
        latest = self.now - timedelta(hours=1)
        wanted = [timedelta(days=rng.uniform(*gaps[a])) for a in actions]
        room = latest - check.at
        scale = min(1.0, (room * 0.9) / sum(wanted, timedelta())) if wanted else 1.0
        steps, moment = [], check.at
        for action, gap in zip(actions, wanted, strict=True):
            moment = moment + gap * scale
            local = timezone.localtime(moment)
            if not 8 <= local.hour < 19:  # people act by day
                day = local.date() + timedelta(days=1 if local.hour >= 19 else 0)
                moment = local.replace(year=day.year, month=day.month, day=day.day, hour=8, minute=rng.randint(0, 59))
            moment = min(moment, latest)
            steps.append((action, moment))
        return steps

    def plan_requests(self) -> None:
        rng = self.rng
        quiet = [
            p
            for p in self.plans
            if not any(c.failed for m in p.measures for c in m.checks) and not p.direct and not p.overdue
        ]
        for plan in rng.sample(quiet, min(len(quiet), max(2, round(len(self.plans) * REQUEST_SHARE)))):
            reason = rng.choice((ReassessReason.ACCIDENT, ReassessReason.CHANGE))
            plan.request = (str(reason), rng.choice(texts.REQUESTS[str(reason)]))

    # -- driving the services

    def create(self, plan: PointPlan) -> None:
        data: dict[str, Any] = {
            "name": plan.name,
            "kind": plan.kind,
            "sector": plan.sector,
            "description": plan.description,
            "accident_types": plan.accidents,
            "responsible": plan.responsible,
            "address": plan.address,
        }
        if plan.enterprise is not None:
            data["enterprise_id"] = str(plan.enterprise.uuid)
        if plan.polygon is not None:
            data["polygon"] = plan.polygon
        if plan.lon is not None and plan.lat is not None:
            data["lon"], data["lat"] = plan.lon, plan.lat
        point = services.risk_point_create(actor=plan.keeper, data=data)
        for assessment in plan.assessments:
            payload: dict[str, Any] = {
                "method": assessment.method,
                "inherent": assessment.inherent,
                "residual": assessment.residual,
                "note": assessment.note,
            }
            if assessment.major_source:
                payload["major_hazard_source"] = True
            if assessment.criteria:
                payload["criteria_item"] = assessment.criteria
            assessment.row = services.risk_assess(actor=assessment.actor, point=point, data=payload)
        for measure in plan.measures:
            measure.measure = services.measure_add(
                actor=plan.keeper,
                point=point,
                data={
                    "kind": measure.kind,
                    "description": measure.description,
                    "responsible_post": measure.post,
                    "frequency": measure.frequency,
                },
            )
        plan.point = point

    def run_checks(self) -> None:
        """Record the planned checks, oldest first, as their keepers did. The first check of a measure
        is the task `measure_add` made; the later ones are the tasks the worker's `generate_checks`
        would have made on their days (created here with those dates: the service only makes today's),
        and so is a missed one. Then `mark_missed` and `generate_checks` run as the worker would today."""
        made_today = dict(CheckTask.objects.filter(status=CheckStatus.OPEN).values_list("measure_id", "pk"))
        first: list[tuple[Any, ...]] = []
        later: list[tuple[CheckPlan, CheckTask]] = []
        missed: list[CheckTask] = []
        for plan in self.plans:
            for measure in plan.measures:
                assert measure.measure is not None
                if not measure.checks:
                    continue
                head, *rest = measure.checks
                head.task_id = made_today[measure.measure.pk]
                first.append((head.task_id, head.on, head.at - timedelta(days=1)))
                for check in rest:
                    task = CheckTask(measure=measure.measure, point_id=measure.measure.point_id, due_on=check.on)
                    later.append((check, task))
                if measure.missed_on is not None:
                    missed.append(
                        CheckTask(measure=measure.measure, point_id=measure.measure.point_id, due_on=measure.missed_on)
                    )
        rewrite_rows(CheckTask, ("due_on", "created_at"), first)
        CheckTask.objects.bulk_create([task for _check, task in later] + missed, batch_size=1000)
        for check, task in later:
            check.task_id = task.pk
        rewrite_rows(
            CheckTask,
            ("created_at",),
            [(t.pk, self.now - timedelta(days=(self.today - t.due_on).days + 1)) for _c, t in later]
            + [(t.pk, self.now - timedelta(days=(self.today - t.due_on).days + 1)) for t in missed],
        )
        planned = sorted(
            ((check.at, plan.order, n, plan, measure, check)
             for plan in self.plans for n, measure in enumerate(plan.measures) for check in measure.checks),
            key=lambda row: row[:3],
        )  # fmt: skip
        tasks = {
            t.pk: t
            for t in CheckTask.objects.filter(status=CheckStatus.OPEN).select_related("point__enterprise", "measure")
        }
        for _at, _order, _n, plan, measure, check in planned:
            assert check.task_id is not None
            task = tasks[check.task_id]
            data: dict[str, Any] = {"result": CheckStatus.PASSED}
            if check.failed:
                task = CheckTask.objects.select_related("point__enterprise", "measure").get(pk=check.task_id)
                data = {
                    "result": CheckStatus.FAILED,
                    "title": _title(plan.name, measure.failure),
                    "note": f"{measure.failure}。{texts.FAILURE_FOLLOW_UP}",
                }
                if check.major:
                    data |= {"level": HazardLevel.MAJOR, "criteria_item": plan.criteria}
            task = services.check_record(actor=plan.checker, task=task, data=data)
            if task.hazard_id is not None:
                check.hazard = Hazard.objects.get(pk=task.hazard_id)
        rewrite_rows(
            CheckTask,
            ("checked_at", "updated_at"),
            [(c.task_id, c.at, c.at) for *_rest, c in planned],
        )
        services.mark_missed(today=self.today)
        services.generate_checks(today=self.today)

    def drive_hazards(self) -> None:
        for plan in self.plans:
            for measure in plan.measures:
                for check in measure.checks:
                    if check.hazard is not None:
                        check.hazard = self._drive(plan, check)

    def _drive(self, plan: PointPlan, check: CheckPlan) -> Hazard:
        hazard = check.hazard
        assert hazard is not None and plan.rectifier is not None
        notes = self.rng
        actor: Any
        for action, _at in check.steps:
            payload: dict[str, Any] = {}
            if action == "confirm":
                actor = self.officers[plan.county]
                payload = {"note": notes.choice(texts.CONFIRM_NOTES)}
            elif action == "start":
                actor = plan.rectifier
                payload = {"measures": notes.choice(texts.START_MEASURES)}
            elif action == "submit":
                actor = plan.rectifier
                photo = photo_add(
                    actor=actor, hazard=hazard, content=self.photo, kind=PhotoKind.AFTER, lon=hazard.lon, lat=hazard.lat
                )
                payload = {"note": notes.choice(texts.SUBMIT_NOTES), "photo_ids": [str(photo.uuid)]}
            else:
                actor = self.verifiers[plan.county]
                payload = {"note": notes.choice(texts.VERIFY_NOTES)}
            hazard = hazard_transition(actor=actor, hazard=hazard, action=action, payload=payload)
        return hazard

    def reassess_after_closure(self) -> None:
        """A point whose failure was rectified and verified is re-assessed a few days later."""
        rng = self.rng
        for plan in self.plans:
            closed = [c for m in plan.measures for c in m.checks if c.failed and c.fate == "closed" and c.steps]
            if not closed:
                continue
            at = _office_hours(max(closed[-1].steps[-1][1], plan.last_at) + timedelta(days=rng.uniform(2, 6)), rng)
            if at >= self.now - timedelta(hours=2):
                continue
            latest = plan.assessments[-1]
            assessment = AssessmentPlan(
                method=latest.method, inherent=latest.inherent, residual=latest.residual, at=at, actor=plan.keeper,
                note=texts.AFTER_HAZARD_NOTE,
            )  # fmt: skip
            assert plan.point is not None
            point = RiskPoint.objects.get(pk=plan.point.pk)
            assessment.row = services.risk_assess(
                actor=plan.keeper,
                point=point,
                data={"method": latest.method, "inherent": latest.inherent, "residual": latest.residual,
                      "note": assessment.note},
            )  # fmt: skip
            plan.assessments.append(assessment)

    def send_requests(self) -> None:
        for plan in self.plans:
            if plan.request is None or plan.point is None:
                continue
            point = RiskPoint.objects.get(pk=plan.point.pk)
            reason, note = plan.request
            services.reassessment_request(actor=plan.keeper, point=point, data={"reason": reason, "note": note})

    # -- simulated time

    def backdate(self) -> None:
        cycle = timedelta(days=int(config.get("review_cycle_days")))
        assessments: list[tuple[Any, ...]] = []
        points: list[tuple[Any, ...]] = []
        measures: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        for plan in self.plans:
            assert plan.point is not None and plan.created_at is not None
            for assessment in plan.assessments:
                assert assessment.row is not None
                assessments.append((assessment.row.pk, assessment.at))
            last = plan.last_at
            touched = [last, *(at for m in plan.measures for c in m.checks if c.failed for _a, at in c.steps)]
            review = timezone.localtime(last).date() + cycle
            points.append((plan.point.pk, plan.created_at, max(touched), last, review))
            made = plan.first_at + timedelta(minutes=20)
            for measure in plan.measures:
                assert measure.measure is not None
                measures.append((measure.measure.pk, made, made))
                for check in measure.checks:
                    if check.hazard is not None:
                        self._backdate_hazard(plan, check)
                        found = check.hazard.risk_point_links.values_list("pk", flat=True)
                        links.extend((pk, check.at) for pk in found)
        rewrite_rows(RiskAssessment, ("assessed_at",), assessments)
        rewrite_rows(RiskPoint, ("created_at", "updated_at", "last_assessed_at", "next_review_at"), points)
        rewrite_rows(ControlMeasure, ("created_at", "updated_at"), measures)
        rewrite_rows(RiskPointHazard, ("linked_at",), links)

    def _backdate_hazard(self, plan: PointPlan, check: CheckPlan) -> None:
        hazard = check.hazard
        assert hazard is not None
        moments = [check.at, *(at for _action, at in check.steps)]
        events = list(HazardEvent.objects.filter(hazard=hazard).order_by("id").values_list("id", flat=True))
        if len(events) != len(moments):
            raise RegisterError(f"{hazard.code}: {len(events)} events for {len(moments)} steps")
        HazardEvent.objects.bulk_update(
            [HazardEvent(pk=pk, at=m) for pk, m in zip(events, moments, strict=True)], ["at"]
        )
        at = dict(check.steps)
        due = routing.default_due_at(level=hazard.level, sector_code=hazard.sector_id, start=check.at)
        if hazard.status in OPEN_STATUSES:
            due = max(due, self.now + timedelta(days=2))
        fields: dict[str, Any] = {
            "reported_at": check.at,
            "created_at": check.at,
            "updated_at": moments[-1],
            "due_at": due,
        }
        for name, action in (
            ("confirmed_at", "confirm"),
            ("submitted_at", "submit"),
            ("verified_at", "verify"),
            ("closed_at", "verify"),
        ):
            if getattr(hazard, name) is not None and action in at:
                fields[name] = at[action]
        Hazard.objects.filter(pk=hazard.pk).update(**fields)
        if "submit" in at:
            HazardPhoto.objects.filter(hazard=hazard).update(created_at=at["submit"], updated_at=at["submit"])

    def review_sweep(self) -> None:
        """The review reminder's sweep marks the points past their yearly review; the reminders of
        the coming month are left for the worker to send (they are news)."""
        reminders.send_review_reminders(today=self.today)
        RiskPoint.objects.filter(next_review_at__gte=self.today).update(reminded_on=None)

    # -- ent1's site plan

    def site_plan(self) -> int | None:
        try:
            plan_services: Any = importlib.import_module("safeloop.risks.services_plan")
        except ImportError:
            return None
        ent1 = User.objects.filter(username="ent1").first()
        membership = Membership.objects.filter(user=ent1, role=Role.ENTERPRISE_OFFICER).first() if ent1 else None
        if ent1 is None or membership is None or membership.enterprise is None:
            return None
        enterprise = membership.enterprise
        points = list(RiskPoint.objects.filter(enterprise=enterprise).order_by("code"))
        if not points:
            return None
        content, spots = _draw_plan(points)
        plan_services.site_plan_upload(actor=ent1, enterprise=enterprise, content=content)
        for point, (x, y) in zip(points, spots, strict=True):
            plan_services.point_place(actor=ent1, point=RiskPoint.objects.get(pk=point.pk), x=x, y=y)
        return len(points)


def _draw_plan(points: list[RiskPoint]) -> tuple[bytes, list[tuple[float, float]]]:
    """A simple factory layout (平面图): fence, gate, road, office and one building or yard per point,
    labelled in Latin letters (a CJK font may be absent). Returns the PNG and, per point, the centre
    of its building as fractions of the width and height."""
    width, height = PLAN_SIZE
    image = Image.new("RGB", (width, height), (246, 246, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, width - 20, height - 20), outline=(60, 60, 60), width=4)  # fence
    draw.rectangle((40, height // 2 - 30, width - 40, height // 2 + 30), fill=(210, 210, 210))  # road
    draw.rectangle((width // 2 - 40, height - 24, width // 2 + 40, height - 16), fill=(246, 246, 240))  # gate
    draw.text((width // 2 - 14, height - 44), "GATE", fill=(40, 40, 40))
    draw.rectangle((60, height - 170, 250, height - 60), fill=(225, 232, 240), outline=(80, 80, 80), width=2)
    draw.text((70, height - 160), "OFFICE", fill=(40, 40, 40))
    slots = [(60 + 220 * (i % 4), 50 if i < 4 else height // 2 + 50) for i in range(8)]
    slots = [s for s in slots if not (s[0] < 260 and s[1] > height // 2)]  # keep the office corner free
    spots = []
    for n, point in enumerate(points):
        x, y = slots[n % len(slots)]
        w, h = 190, height // 2 - 90
        if n >= len(slots):  # more points than buildings: share a building, a little apart
            x, y, w, h = x + 20, y + 20, w - 40, h - 40
        draw.rectangle((x, y, x + w, y + h), fill=(232, 226, 214), outline=(90, 80, 60), width=2)
        draw.text((x + 8, y + 8), point.code.split("-", 2)[-1], fill=(40, 40, 40))
        spots.append((round((x + w / 2) / width, 4), round((y + h / 2) / height, 4)))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), spots


def load_risk_register(*, seed: int, now: datetime | None = None, share: float = SHARE) -> RiskRegisterSummary:
    """Load the register described in the module docstring into a demo city that has none yet.
    `share` is the part of each district's enterprises that keep one (ent1's and every enterprise
    with an officer login always do)."""
    started = time.perf_counter()
    if RiskPoint.objects.exists():
        raise RegisterError(_("This database already holds risk points; load the register into a fresh demo city."))
    now = now or timezone.now()
    register = Register(seed=seed, now=now, share=share)
    hazards_before = set(Hazard.objects.values_list("pk", flat=True))
    with transaction.atomic(), muted():
        register.survey()
        register.gather_cast()
        register.plan_enterprises()
        register.plan_public()
        register.grade()
        register.plan_assessments()
        register.plan_measures()
        register.plan_failures()
        register.plan_requests()
        for plan in register.plans:
            register.create(plan)
        register.run_checks()
        register.drive_hazards()
        register.reassess_after_closure()
        register.send_requests()
        register.backdate()
        register.review_sweep()
        placed = register.site_plan()
    points = RiskPoint.objects.all()
    new_hazards = Hazard.objects.exclude(pk__in=hazards_before)
    today = register.today
    return RiskRegisterSummary(
        points=points.count(),
        enterprise_points=points.filter(enterprise__isnull=False).count(),
        public_points=points.filter(enterprise__isnull=True).count(),
        enterprises=points.filter(enterprise__isnull=False).values("enterprise").distinct().count(),
        assessed=_counts(points, "assessed_level"),
        current=_counts(points, "current_level"),
        raised=points.exclude(raised_reason="").count(),
        assessments=RiskAssessment.objects.count(),
        measures=ControlMeasure.objects.count(),
        checks=dict(Counter(CheckTask.objects.values_list("status", flat=True))),
        hazards=new_hazards.count(),
        open_hazards=new_hazards.filter(status__in=OPEN_STATUSES).count(),
        reassess=points.exclude(reassess_reason="").count(),
        review_overdue=points.filter(next_review_at__lt=today).count(),
        plan_placed=placed,
        people=register.cast.created,
        seconds=time.perf_counter() - started,
    )


def _counts(points: Any, name: str) -> dict[str, int]:
    found = Counter(points.values_list(name, flat=True))
    return {str(level): found.get(level, 0) for level in LEVEL_ORDER}
