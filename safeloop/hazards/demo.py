"""The demo city's hazard history (DESIGN.md "Contracts": the demo city is lived in, not empty).

`load_hazard_history()` writes about a year of hazards into a freshly loaded demo city: every status,
spread over the year with the seasons (spring festival for fireworks, June–August for flood, winter for
gas and fire), over all sectors in proportion to the enterprises, in every district, from every source;
some overdue and escalated, a few deadline extensions waiting for a decision, major hazards in each of
their states with governance plans, and enterprise penalties that reach the 安全生产法 Art. 113 count.

Every hazard goes through the real doors: `hazard_create`, `photo_add`, `hazard_transition`,
`deadlines.escalate_overdue` and `deadlines.penalty_record`, acted by the demo people where they exist
(yuehu, ent1, grid1, verifier, city, yingji …) and otherwise by a few extra demo people made through
`accounts.services` (a district officer and a verifier per district, township officers for public
places, and 托管 safety officers holding the officer role for the enterprises that get hazards). Only
reports without a fitting person are made by the `DEMO` system actor, which reaches everything but
takes no part in the workflow.

Time. The services stamp the real clock. Once a hazard has been driven through its actions, its
timestamps (found/confirmed/submitted/verified/closed/due and the major-hazard dates), its events, its
governance plan, extensions and photos are rewritten to the simulated moments of the last twelve
months, in one update per table per hazard. The audit trail is deliberately NOT rewritten: its rows
keep the real load time and their hash chain, so the audit log tells the truth — the demo loader wrote
this history on the day it ran — and `safeloop audit_verify` stays whole.

Seeded and deterministic: the same seed on the same city gives the same codes, titles and statuses."""

import io
import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from safeloop.accounts import services as account_services
from safeloop.accounts.choices import Role
from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.accounts.models import Membership, User
from safeloop.core.actors import DEMO
from safeloop.hazards import config, deadlines, routing
from safeloop.hazards import demo_texts as texts
from safeloop.hazards.choices import (
    OPEN_STATUSES,
    ExtensionStatus,
    HazardLevel,
    HazardSource,
    HazardStatus,
    JudgementType,
    PhotoKind,
)
from safeloop.hazards.models import (
    CriteriaItem,
    DeadlineExtension,
    GovernancePlan,
    Hazard,
    HazardEvent,
    HazardPhoto,
)
from safeloop.hazards.services import hazard_create, hazard_transition, photo_add
from safeloop.notifications.services import muted
from safeloop.orgs.demo import names
from safeloop.orgs.models import Division, Enterprise, Grid
from safeloop.orgs.selectors import grid_index

GENERAL, MAJOR = HazardLevel.GENERAL.value, HazardLevel.MAJOR.value
# About three hazards a year for every four enterprises (1,500 for the city's 2,000), capped.
PER_ENTERPRISE = 0.75
MAX_COUNT = 5000
# The enterprises that get hazards: one in six of the count, so each has several over the year.
HAZARDS_PER_ENTERPRISE = 6
# Enterprises a 托管 safety officer looks after (keeps the number of extra logins small).
ENTERPRISES_PER_AGENT = 50
PUBLIC_SHARE = 0.18
TOWNSHIPS_PER_COUNTY = 2
SENSOR_SECTORS = frozenset({"gas", "flood", "hazchem", "special_equipment", "road"})
SOURCES_ENTERPRISE = {
    HazardSource.GRID_PATROL: 38,
    HazardSource.SELF_CHECK: 20,
    HazardSource.DEPARTMENT_INSPECTION: 16,
    HazardSource.SUPERVISION: 6,
    HazardSource.PUBLIC_REPORT: 6,
    HazardSource.CAMPAIGN: 10,
    HazardSource.SENSOR: 4,
}
SOURCES_PUBLIC = {
    HazardSource.GRID_PATROL: 55,
    HazardSource.DEPARTMENT_INSPECTION: 12,
    HazardSource.SUPERVISION: 5,
    HazardSource.PUBLIC_REPORT: 18,
    HazardSource.CAMPAIGN: 8,
    HazardSource.SENSOR: 2,
}
# Major hazards: (final status, days ago found, listing level, production suspended). The first seven
# cover every major status and are loaded at any count; all fifteen from a count of 1,000.
MAJORS: tuple[tuple[str, int, str, bool], ...] = (
    (HazardStatus.CLOSED, 300, "", False),
    (HazardStatus.ACCEPTANCE_PENDING, 80, "", False),
    (HazardStatus.EVALUATED, 70, "", False),
    (HazardStatus.GOVERNING, 85, "", True),
    (HazardStatus.GOVERNING, 50, "county", False),
    (HazardStatus.LISTED, 40, "city", False),
    (HazardStatus.PLAN_REQUIRED, 5, "", False),
    (HazardStatus.CLOSED, 220, "county", False),
    (HazardStatus.ACCEPTANCE_PENDING, 65, "county", False),
    (HazardStatus.EVALUATED, 60, "", False),
    (HazardStatus.GOVERNING, 110, "", False),  # overdue: escalated and proposed for listing
    (HazardStatus.GOVERNING, 35, "", False),
    (HazardStatus.LISTED, 15, "county", False),
    (HazardStatus.PLAN_REQUIRED, 10, "", False),
    (HazardStatus.PLAN_REQUIRED, 2, "", False),
)
MAJOR_STEPS: dict[str, int] = {
    HazardStatus.PLAN_REQUIRED: 0,
    HazardStatus.LISTED: 0,
    HazardStatus.GOVERNING: 2,
    HazardStatus.EVALUATED: 3,
    HazardStatus.ACCEPTANCE_PENDING: 4,
    HazardStatus.CLOSED: 5,
}
PHOTO_COLOURS = ((70, 110, 150), (120, 140, 90), (150, 120, 90), (90, 90, 100), (160, 160, 150))

# Who takes each action (workflow.py parties), as roles in the plan.
TRIAGE_ACTIONS = frozenset({"confirm", "reject", "duplicate"})
RECTIFIER_ACTIONS = frozenset(
    {"start", "submit", "extend", "submit_plan", "approve_plan", "evaluate", "apply_acceptance"}
)
REGULATOR_ACTIONS = frozenset({"list", "accept"})
CLOSING_ACTIONS = ("verify", "accept", "reject", "duplicate")


class HistoryError(RuntimeError):
    """The history cannot be loaded into this database (the message says why)."""


@dataclass(frozen=True)
class HazardHistorySummary:
    hazards: int
    open: int
    overdue: int
    escalated: int
    major: int
    pending_extensions: int
    photos: int
    penalties: int
    people: int
    seconds: float


@dataclass(kw_only=True)
class Step:
    action: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Plan:
    """One hazard's life as it will be driven through the services: what, where, who and when."""

    reported_at: datetime
    sector: str
    finding: texts.Finding
    source: str
    county: str
    due_at: datetime
    enterprise: Enterprise | None = None
    township: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    reporter: Any = DEMO
    triage: User | None = None
    regulator: User | None = None
    steps: list[Step] = field(default_factory=list)
    level: str = GENERAL
    criteria_item: str = ""
    level_reason: str = ""
    duplicate_of: "Plan | None" = None
    fate: str = ""
    before_photo: bool = False
    order: int = 0
    hazard: Hazard | None = None

    def final_due(self) -> datetime:
        due = self.due_at
        requested: datetime | None = None
        for step in self.steps:
            if step.action == "extend":
                requested = step.payload["due_at"]
            elif step.action == "approve_extension" and step.payload["approved"] and requested is not None:
                due = requested
            elif step.action == "confirm" and step.payload.get("level") == MAJOR:
                due = routing.default_due_at(level=MAJOR, sector_code=self.sector, start=step.at)
        return due


def _office_hours(moment: datetime) -> datetime:
    """Move a moment forward into working hours (08:00–19:00 local): people act by day."""
    local = timezone.localtime(moment)
    if local.hour < 8:
        return local.replace(hour=8)
    if local.hour >= 19:
        return (local + timedelta(days=1)).replace(hour=8)
    return local


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    """A small after-rectification photo: a plain scene in one colour with a lighter block."""
    image = Image.new("RGB", (96, 72), colour)
    lighter = tuple(min(255, c + 60) for c in colour)
    ImageDraw.Draw(image).rectangle((24, 20, 72, 60), fill=lighter)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


# ---- the people ---------------------------------------------------------------------------------------


class Cast:
    """The people who act in the history: the demo logins where they exist, a few extra demo people
    (made through accounts.services, password DEMO_PASSWORD) where none does."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.created = 0
        self._users: dict[int, User] = {}

    def one(self, user: User) -> User:
        # One instance per person: scope_for() caches the scope on the instance.
        return self._users.setdefault(user.pk, user)

    def holder(self, role: str, **anchor: Any) -> User | None:
        membership = Membership.objects.filter(role=role, **anchor).select_related("user").order_by("user_id").first()
        return self.one(membership.user) if membership else None

    def person(self, username: str, role: str, **anchor: Any) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(
                actor=DEMO,
                username=username,
                password=DEMO_PASSWORD,
                real_name=names.person_name(self.rng),
                phone=names.mobile_phone(self.rng),
            )
            self.created += 1
        account_services.membership_add(actor=DEMO, user=user, role=role, **anchor)
        return self.one(user)

    def by_username(self, username: str) -> User | None:
        user = User.objects.filter(username=username).first()
        return self.one(user) if user else None

    def county_officer(self, county: str, role: str = Role.DIVISION_OFFICER) -> User:
        """The district's officer (or verifier, with that role): the demo login there, else a new one."""
        division = Division.objects.get(code=county)
        prefix = "officer" if role == Role.DIVISION_OFFICER else "verifier"
        return self.holder(role, division=division) or self.person(f"{prefix}{county}", role, division=division)

    def grid_workers(self) -> dict[str, User]:
        """Grid code → its grid worker (the latest made, where a grid has several)."""
        memberships = Membership.objects.filter(role=Role.GRID_WORKER).select_related("user").order_by("user_id")
        return {m.grid_id: self.one(m.user) for m in memberships if m.grid_id}


# ---- the history --------------------------------------------------------------------------------------


class History:
    def __init__(self, *, seed: int, count: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.count = count
        self.now = now
        self.latest = now - timedelta(minutes=10)
        self.cast = Cast(random.Random(f"{seed}-people"))
        self.photos = [_jpeg(c) for c in PHOTO_COLOURS]
        self.photo_count = 0
        self.plans: list[Plan] = []

    # -- the city as loaded

    def survey(self) -> None:
        grids = list(Grid.objects.order_by("code").values_list("code", "name", "geometry"))
        if not grids:
            raise HistoryError(_("The city has no grids; load the demo city first."))
        # Intake rechecks the grid index at most every 2 s; the grids may have just been loaded.
        grid_index(fresh=True)
        self.grid_names = {code: name for code, name, _geometry in grids}
        self.shapes: dict[str, BaseGeometry] = {code: shape(geometry) for code, _name, geometry in grids}
        self.counties = sorted({code[:6] for code, *_rest in grids})
        self.county_names = dict(Division.objects.filter(code__in=self.counties).values_list("code", "name"))
        by_township: dict[str, list[str]] = defaultdict(list)
        for code, *_rest in grids:
            by_township[code[:9]].append(code)
        self.grids_by_township = dict(by_township)
        self.criteria: dict[str, list[CriteriaItem]] = defaultdict(list)
        for item in (
            CriteriaItem.objects.filter(judgement=JudgementType.DIRECT).select_related("document").order_by("code")
        ):
            self.criteria[item.document.sector_id].append(item)

    def gather_cast(self) -> None:
        cast, rng = self.cast, self.rng
        self.city = cast.holder(Role.CITY_OFFICE)
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
        self.officers = {county: cast.county_officer(county) for county in self.counties}
        self.verifiers = {county: cast.county_officer(county, Role.VERIFIER) for county in self.counties}
        # Public places (no enterprise) are rectified by their township: a few townships per district.
        worked = {code[:9] for code in self.grid_workers}
        self.public_townships: dict[str, list[str]] = {}
        self.townships: dict[str, User] = {}
        for county in self.counties:
            candidates = sorted(t for t in self.grids_by_township if t.startswith(county))
            chosen = sorted(t for t in candidates if t in worked)[:1]
            rest = [t for t in candidates if t not in chosen]
            chosen += rng.sample(rest, min(len(rest), TOWNSHIPS_PER_COUNTY - len(chosen)))
            self.public_townships[county] = sorted(chosen)
            for township in self.public_townships[county]:
                found = Division.objects.filter(code=township).first()
                if found is None:
                    continue
                self.townships[township] = cast.holder(Role.DIVISION_OFFICER, division=found) or cast.person(
                    f"officer{township}", Role.DIVISION_OFFICER, division=found
                )
            self.public_townships[county] = [t for t in self.public_townships[county] if t in self.townships]
        self._enterprises()

    def _enterprises(self) -> None:
        """Pick the enterprises that get hazards and give each an officer: the demo's own where one
        exists (ent1), else a 托管 safety officer of the district looking after several."""
        officers = {
            m.enterprise_id: self.cast.one(m.user)
            for m in Membership.objects.filter(role=Role.ENTERPRISE_OFFICER).select_related("user").order_by("user_id")
        }
        in_city = reduce(or_, (Q(division__code__startswith=county) for county in self.counties))
        ids = list(Enterprise.objects.filter(in_city).order_by("pk").values_list("pk", flat=True))
        size = min(len(ids), max(4, self.count // HAZARDS_PER_ENTERPRISE))
        chosen = set(self.rng.sample(ids, size)) | {pk for pk in officers if pk in set(ids)}
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
                username = f"agent{county}{n:02d}"
                for enterprise in group[start : start + ENTERPRISES_PER_AGENT]:
                    self.enterprise_officers[enterprise.pk] = self.cast.person(
                        username, Role.ENTERPRISE_OFFICER, enterprise=enterprise
                    )
        self.demo_enterprise = next((e for e in self.enterprises if e.pk in officers), None)

    # -- drawing

    def _pick(self, weights: Mapping[Any, float]) -> Any:
        keys = list(weights)
        return self.rng.choices(keys, [weights[k] for k in keys])[0]

    def _seasonal_time(self, sector: str) -> datetime:
        rng = self.rng
        season, base = texts.SEASON.get(sector, {}), texts.OFF_SEASON.get(sector, 1.0)
        top = max([base, *season.values()])
        while True:
            moment = self.now - timedelta(days=rng.uniform(0.5, 364.5))
            if rng.random() * top <= season.get(timezone.localtime(moment).month, base):
                break
        local = timezone.localtime(moment).replace(
            hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=0, microsecond=0
        )
        return min(local, self.latest - timedelta(minutes=30))

    def _point_in(self, grid_code: str) -> tuple[float, float]:
        polygon = self.shapes[grid_code]
        minx, miny, maxx, maxy = polygon.bounds
        for _attempt in range(200):
            lon, lat = round(self.rng.uniform(minx, maxx), 6), round(self.rng.uniform(miny, maxy), 6)
            if polygon.contains(Point(lon, lat)):
                return lon, lat
        point = polygon.representative_point()
        return round(point.x, 6), round(point.y, 6)

    def _days(self, mean: float) -> timedelta:
        return timedelta(days=self.rng.expovariate(1 / mean))

    def _reporter(self, plan: Plan, grid_code: str) -> None:
        """Who reports: the grid's worker on patrol, the enterprise on self-check, a department officer
        on inspection where one covers the sector, else the demo loader itself."""
        if plan.source == HazardSource.GRID_PATROL and grid_code in self.grid_workers:
            plan.reporter = self.grid_workers[grid_code]
        elif plan.source == HazardSource.SELF_CHECK and plan.enterprise is not None:
            plan.reporter = self.enterprise_officers[plan.enterprise.pk]
        elif plan.source == HazardSource.DEPARTMENT_INSPECTION:
            fits = [
                (u, prefix)
                for u, sectors, prefix in self.departments
                if plan.sector in sectors and plan.county.startswith(prefix)
            ]
            if fits and self.rng.random() < 0.5:
                plan.reporter = plan.triage = self.rng.choice(fits)[0]
        if isinstance(plan.reporter, User) and self.rng.random() < 0.1:
            plan.before_photo = True

    def random_plan(self) -> Plan:
        rng = self.rng
        enterprise: Enterprise | None = None
        township = ""
        counties = [c for c in self.counties if self.public_townships.get(c)]
        if (rng.random() < PUBLIC_SHARE and counties) or not self.enterprises:
            sector = self._pick(texts.PUBLIC_WEIGHTS)
            finding = rng.choice(texts.IN_PUBLIC[sector])
            county = rng.choice(counties)
            township = rng.choice(self.public_townships[county])
            grid_code = rng.choice(self.grids_by_township[township])
            sources = SOURCES_PUBLIC
        else:
            enterprise = rng.choice(self.enterprises)
            sector = rng.choice(self.sectors_of[enterprise.pk])
            finding = rng.choice(texts.IN_ENTERPRISES[sector])
            county, grid_code = enterprise.division_id[:6], enterprise.grid_id or ""
            sources = SOURCES_ENTERPRISE
        source = self._pick(sources)
        if source == HazardSource.SENSOR and sector not in SENSOR_SECTORS:
            source = HazardSource.GRID_PATROL
        reported_at = self._seasonal_time(sector)
        plan = Plan(
            reported_at=reported_at,
            sector=sector,
            finding=finding,
            source=source,
            county=county,
            enterprise=enterprise,
            township=township,
            due_at=routing.default_due_at(level=GENERAL, sector_code=sector, start=reported_at),
        )
        if enterprise is None:
            plan.lon, plan.lat = self._point_in(grid_code)
            plan.address = f"{self.grid_names[grid_code]}附近"
        self._reporter(plan, grid_code)
        self._general_life(plan)
        return plan

    def _general_life(self, plan: Plan) -> None:
        """A general hazard's life: triage, rectification (sometimes an extension, sometimes returned
        once), verification; a few stall for weeks and so go overdue. Cut at now."""
        rng = self.rng
        steps: list[Step] = []
        t = plan.reported_at
        fate = rng.random()
        if fate < 0.035:
            plan.fate = "reject"
            steps.append(
                Step(
                    action="reject",
                    at=_office_hours(t + self._days(0.6)),
                    payload={"note": rng.choice(texts.REJECT_NOTES)},
                )
            )
        elif fate < 0.065:
            plan.fate = "duplicate"
            steps.append(Step(action="duplicate", at=_office_hours(t + self._days(0.5))))
        else:
            stall_at = (
                rng.choices(("confirm", "start", "submit", "verify"), (1, 3, 4, 1))[0] if rng.random() < 0.1 else ""
            )
            stall = timedelta(days=rng.uniform(12, 200))

            def after(mean: float, action: str) -> datetime:
                return _office_hours(t + self._days(mean) + (stall if action == stall_at else timedelta()))

            t = after(0.7, "confirm")
            steps.append(
                Step(
                    action="confirm",
                    at=t,
                    payload={"note": rng.choice(texts.CONFIRM_NOTES), "measures": plan.finding.measures},
                )
            )
            t = after(1.2, "start")
            steps.append(Step(action="start", at=t, payload={"measures": plan.finding.measures}))
            due = plan.due_at
            if rng.random() < 0.06:
                asked = _office_hours(max(t, t + (due - t) * rng.uniform(0.4, 0.9)))
                requested = due + timedelta(days=rng.choice((10, 15, 20, 30)))
                steps.append(
                    Step(
                        action="extend", at=asked, payload={"note": rng.choice(texts.EXTEND_NOTES), "due_at": requested}
                    )
                )
                t = _office_hours(asked + self._days(1))
                approved = rng.random() < 0.8
                note = rng.choice(texts.APPROVE_NOTES if approved else texts.REFUSE_NOTES)
                steps.append(Step(action="approve_extension", at=t, payload={"approved": approved, "note": note}))
            t = after(4.5, "submit")
            steps.append(Step(action="submit", at=t, payload={"note": rng.choice(texts.SUBMIT_NOTES)}))
            if rng.random() < 0.07:
                t = after(1.2, "return")
                steps.append(Step(action="return", at=t, payload={"note": rng.choice(texts.RETURN_NOTES)}))
                t = after(3, "resubmit")
                steps.append(Step(action="submit", at=t, payload={"note": rng.choice(texts.SUBMIT_NOTES)}))
            t = after(1.2, "verify")
            steps.append(Step(action="verify", at=t, payload={"note": rng.choice(texts.VERIFY_NOTES)}))
        # Keep the steps up to the first that has not happened yet.
        kept = []
        for step in steps:
            if step.at > self.latest:
                break
            kept.append(step)
        plan.steps = kept

    # -- scripted hazards: something to do for each demo login on first sight

    def _ago(self, days: float) -> datetime:
        return _office_hours(self.now - timedelta(days=days)) if days >= 1 else self.now - timedelta(days=days)

    def _scripted(
        self,
        *,
        finding_sector: str,
        enterprise: Enterprise | None,
        county: str,
        source: str,
        found: float,
        steps: Sequence[tuple[str, float, dict[str, Any]]],
        due_in: float | None = None,
        reporter: Any = DEMO,
        triage: User | None = None,
        township: str = "",
        grid_code: str = "",
    ) -> Plan:
        rng = self.rng
        reported_at = self._ago(found)
        pool = texts.IN_ENTERPRISES if enterprise is not None else texts.IN_PUBLIC
        plan = Plan(
            reported_at=reported_at,
            sector=finding_sector,
            finding=rng.choice(pool[finding_sector]),
            source=source,
            county=county,
            enterprise=enterprise,
            township=township,
            due_at=self.now + timedelta(days=due_in)
            if due_in is not None
            else routing.default_due_at(level=GENERAL, sector_code=finding_sector, start=reported_at),
            reporter=reporter,
            triage=triage,
        )
        if enterprise is None:
            plan.lon, plan.lat = self._point_in(grid_code)
            plan.address = f"{self.grid_names[grid_code]}附近"
        last = reported_at
        for action, days, payload in steps:
            at = max(last + timedelta(minutes=5), self._ago(days))
            plan.steps.append(Step(action=action, at=min(at, self.latest), payload=dict(payload)))
            last = plan.steps[-1].at
        return plan

    def scripted_plans(self) -> list[Plan]:
        rng, plans = self.rng, []
        ent = self.demo_enterprise
        confirm = {"note": "经现场核实，情况属实。"}
        start = {"measures": "制定整改方案，落实整改责任人。"}
        submit = {"note": texts.SUBMIT_NOTES[0]}
        # grid1: a public hazard reported today in its own grid, waiting for yuehu to confirm; and
        # one at ent1's enterprise that yuehu confirmed, waiting for ent1 to start.
        if self.grid_workers:
            grid_code, worker = min(self.grid_workers.items())
            county, township = grid_code[:6], grid_code[:9]
            if township in self.townships and county in self.counties:
                plans.append(
                    self._scripted(
                        finding_sector="fire", enterprise=None, county=county, source=HazardSource.GRID_PATROL,
                        found=0.2, steps=(), reporter=worker, township=township, grid_code=grid_code,
                    )
                )  # fmt: skip
            if ent is not None and ent.grid_id == grid_code:
                plans.append(
                    self._scripted(
                        finding_sector=self.sectors_of[ent.pk][0], enterprise=ent, county=county,
                        source=HazardSource.GRID_PATROL, found=2, steps=(("confirm", 1, confirm),), reporter=worker,
                    )
                )  # fmt: skip
        if ent is not None:
            county, sector = ent.division_id[:6], self.sectors_of[ent.pk][0]
            rectifying = self._scripted(
                finding_sector=sector, enterprise=ent, county=county, source=HazardSource.DEPARTMENT_INSPECTION,
                found=6, due_in=9, steps=(("confirm", 5.5, confirm), ("start", 4, start)),
            )  # fmt: skip
            plans.append(rectifying)
            plans.append(
                self._scripted(
                    finding_sector=sector, enterprise=ent, county=county, source=HazardSource.SELF_CHECK, found=12,
                    reporter=self.enterprise_officers[ent.pk],
                    steps=(("confirm", 11, confirm), ("start", 9, start), ("submit", 0.8, submit)),
                )
            )  # fmt: skip
            duplicate = self._scripted(
                finding_sector=sector, enterprise=ent, county=county, source=HazardSource.PUBLIC_REPORT, found=5,
                steps=(("duplicate", 4.5, {}),),
            )  # fmt: skip
            duplicate.finding, duplicate.duplicate_of, duplicate.fate = rectifying.finding, rectifying, "duplicate"
            plans.append(duplicate)
        # Each district: a deadline extension waiting for its officer; an invalid report.
        for county in self.counties:
            others = [e for e in self.enterprises if e.division_id.startswith(county) and e != ent] or [
                e for e in self.enterprises if e.division_id.startswith(county)
            ]
            if not others:
                continue
            enterprise = rng.choice(others)
            sector = rng.choice(self.sectors_of[enterprise.pk])
            extend = {"note": texts.EXTEND_NOTES[0], "due_at": self.now + timedelta(days=25)}
            plans.append(
                self._scripted(
                    finding_sector=sector, enterprise=enterprise, county=county, source=HazardSource.GRID_PATROL,
                    found=10, due_in=5, steps=(("confirm", 9, confirm), ("start", 8, start), ("extend", 0.6, extend)),
                )
            )  # fmt: skip
            plans.append(
                self._scripted(
                    finding_sector=sector, enterprise=enterprise, county=county, source=HazardSource.PUBLIC_REPORT,
                    found=20, steps=(("reject", 19, {"note": texts.REJECT_NOTES[0]}),),
                )
            )  # fmt: skip
            plans[-1].fate = "reject"
        # The city office: an overdue hazard escalated all the way up (due 25 days ago).
        county = "360602" if "360602" in self.counties else self.counties[0]
        others = [e for e in self.enterprises if e.division_id.startswith(county) and e != ent] or self.enterprises
        if others:
            enterprise = rng.choice(others)
            plans.append(
                self._scripted(
                    finding_sector=rng.choice(self.sectors_of[enterprise.pk]), enterprise=enterprise,
                    county=enterprise.division_id[:6], source=HazardSource.CAMPAIGN, found=40, due_in=-25,
                    steps=(("confirm", 39, confirm), ("start", 37, start)),
                )
            )  # fmt: skip
        # Each city department officer (yingji, jiaoyu): a fresh report in its sectors to triage.
        for user, sectors, prefix in self.departments:
            fits = [
                e for e in self.enterprises if set(self.sectors_of[e.pk]) & sectors and e.division_id.startswith(prefix)
            ]
            if fits:
                enterprise = rng.choice(fits)
                sector = sorted(set(self.sectors_of[enterprise.pk]) & sectors)[0]
                plans.append(
                    self._scripted(
                        finding_sector=sector, enterprise=enterprise, county=enterprise.division_id[:6],
                        source=HazardSource.SUPERVISION, found=1.5, steps=(), triage=user,
                    )
                )  # fmt: skip
        return plans

    # -- major hazards (16号令 Art. 14–18)

    def major_plans(self) -> list[Plan]:
        rng = self.rng
        wanted = MAJORS[: max(7, min(len(MAJORS), round(self.count / 100)))]
        candidates = [e for e in self.enterprises if any(self.criteria.get(s) for s in self.sectors_of[e.pk])]
        candidates = candidates or list(self.enterprises)
        if not candidates:
            return []
        rng.shuffle(candidates)
        plans = []
        for n, (target, found, listing, suspended) in enumerate(wanted):
            if target == HazardStatus.PLAN_REQUIRED and self.demo_enterprise is not None and n == 6:
                enterprise = self.demo_enterprise
            else:
                enterprise = candidates[n % len(candidates)]
            sectors = [s for s in self.sectors_of[enterprise.pk] if self.criteria.get(s)] or self.sectors_of[
                enterprise.pk
            ]
            sector = rng.choice(sectors)
            county = enterprise.division_id[:6]
            reported_at = self._ago(found)
            plan = Plan(
                reported_at=reported_at,
                sector=sector,
                finding=rng.choice(texts.IN_ENTERPRISES[sector]),
                source=rng.choice(
                    (HazardSource.DEPARTMENT_INSPECTION, HazardSource.SUPERVISION, HazardSource.CAMPAIGN)
                ),
                county=county,
                enterprise=enterprise,
                due_at=routing.default_due_at(level=GENERAL, sector_code=sector, start=reported_at),
                level=MAJOR,
            )
            items = self.criteria.get(sector, [])
            item = rng.choice(items) if items else None
            confirm: dict[str, Any] = {"level": MAJOR, "note": "对照重大事故隐患判定标准，判定为重大事故隐患。"}
            if item is not None:
                confirm["criteria_item"] = item.code
            else:
                confirm["level_reason"] = "危害和整改难度较大，需全部或者局部停产停业治理。"
            actions: list[tuple[str, dict[str, Any]]] = [("confirm", confirm)]
            if listing or target == HazardStatus.LISTED:
                level = listing or "county"
                unit = (
                    "鹰潭市安委会办公室" if level == "city" else f"{self.county_names.get(county, county)}安委会办公室"
                )
                actions.append(("list", {"listing_level": level, "supervising_unit": unit}))
                if level == "city":
                    plan.regulator = self.city
            principal = enterprise.principal_name or "负责人"
            plan_parts = {
                name: text.format(
                    name=enterprise.name, title=plan.finding.title, principal=principal,
                    amount=rng.choice((12, 20, 35, 60, 80)), days=90,
                )
                for name, text in texts.PLAN.items()
            }  # fmt: skip
            if target == HazardStatus.LISTED and n % 2:
                actions.append(("submit_plan", plan_parts))
            elif MAJOR_STEPS[target] >= 2:
                actions.append(("submit_plan", plan_parts))
                actions.append(("approve_plan", {"principal_name": principal, "suspended": suspended}))
            if MAJOR_STEPS[target] >= 3:
                actions.append(("evaluate", {"evaluation_report": texts.EVALUATION.format(title=plan.finding.title)}))
            if MAJOR_STEPS[target] >= 4:
                actions.append(("apply_acceptance", {"resume_application": texts.RESUME_APPLICATION}))
            if MAJOR_STEPS[target] >= 5:
                actions.append(("accept", {"note": rng.choice(texts.ACCEPT_NOTES)}))
            # Confirmed the next day; the rest spread over the time since, the last one recent.
            span = self.latest - reported_at
            first = reported_at + min(timedelta(days=1), span * 0.1)
            spread, gaps = (self.latest - span * 0.05) - first, max(1, len(actions) - 1)
            last = reported_at
            for i, (action, payload) in enumerate(actions):
                jitter = rng.uniform(-0.3, 0.3) if 0 < i < gaps else 0.0
                at = max(_office_hours(first + spread * ((i + jitter) / gaps)), last + timedelta(minutes=30))
                last = min(at, self.latest)
                plan.steps.append(Step(action=action, at=last, payload=payload))
            plans.append(plan)
        return plans

    # -- driving the services

    def _actor(self, plan: Plan, action: str) -> Any:
        officer = self.officers[plan.county]
        if action in TRIAGE_ACTIONS:
            return plan.triage or officer
        if action in RECTIFIER_ACTIONS:
            if plan.enterprise is not None:
                return self.enterprise_officers[plan.enterprise.pk]
            return self.townships[plan.township]
        if action == "verify" or (action == "return" and plan.level == GENERAL):
            return self.verifiers[plan.county]
        if action in REGULATOR_ACTIONS or action == "return":
            return plan.regulator or officer
        return officer  # approve_extension: the district is the township's and the enterprise's superior

    def drive(self, plan: Plan) -> Hazard:
        data: dict[str, Any] = {
            "title": plan.finding.title,
            "description": plan.finding.description,
            "sector": plan.sector,
            "category": plan.finding.category,
            "source": plan.source,
            "reported_at": plan.reported_at,
            "due_at": plan.due_at,
            "address": plan.address,
        }
        if plan.enterprise is not None:
            data["enterprise_id"] = str(plan.enterprise.uuid)
        else:
            data["lon"], data["lat"] = plan.lon, plan.lat
            data["responsible_person"] = self.townships[plan.township].real_name
        hazard = hazard_create(actor=plan.reporter, data=data).hazard
        photos: dict[int, datetime] = {}
        if plan.before_photo:
            photo = photo_add(
                actor=plan.reporter,
                hazard=hazard,
                content=self._photo(),
                kind=PhotoKind.BEFORE,
                lon=hazard.lon,
                lat=hazard.lat,
            )
            photos[photo.pk] = plan.reported_at
        after = None
        for step in plan.steps:
            actor = self._actor(plan, step.action)
            payload = dict(step.payload)
            if step.action == "submit":
                if after is None:
                    after = photo_add(
                        actor=actor,
                        hazard=hazard,
                        content=self._photo(),
                        kind=PhotoKind.AFTER,
                        lon=hazard.lon,
                        lat=hazard.lat,
                    )
                    photos[after.pk] = step.at
                payload["photo_ids"] = [str(after.uuid)]
            elif step.action == "duplicate":
                assert plan.duplicate_of is not None and plan.duplicate_of.hazard is not None
                payload["duplicate_of"] = plan.duplicate_of.hazard.code
            elif step.action == "list":
                # The service wants a deadline ahead of the real clock; the simulated one is written below.
                payload["listing_deadline"] = (timezone.localdate() + timedelta(days=60)).isoformat()
            hazard = hazard_transition(actor=actor, hazard=hazard, action=step.action, payload=payload)
        self._backdate(plan, hazard, photos)
        plan.hazard = hazard
        return hazard

    def _photo(self) -> bytes:
        self.photo_count += 1
        return self.photos[self.photo_count % len(self.photos)]

    def _backdate(self, plan: Plan, hazard: Hazard, photos: dict[int, datetime]) -> None:
        """Rewrite the service-stamped times of this hazard to the simulated ones (not the audit rows)."""
        at: dict[str, list[datetime]] = defaultdict(list)
        for step in plan.steps:
            at[step.action].append(step.at)
        moments = [plan.reported_at, *(s.at for s in plan.steps)]
        event_ids = list(HazardEvent.objects.filter(hazard=hazard).order_by("id").values_list("id", flat=True))
        if len(event_ids) != len(moments):
            raise HistoryError(f"{hazard.code}: {len(event_ids)} events for {len(moments)} steps")
        HazardEvent.objects.bulk_update(
            [HazardEvent(pk=pk, at=m) for pk, m in zip(event_ids, moments, strict=True)], ["at"]
        )
        fields: dict[str, Any] = {
            "reported_at": plan.reported_at,
            "created_at": plan.reported_at,
            "updated_at": moments[-1],
            "due_at": plan.final_due(),
        }

        def last(*actions: str) -> datetime | None:
            moments = [m for action in actions for m in at.get(action, [])]
            return max(moments) if moments else None

        simulated = {
            "confirmed_at": last("confirm"),
            "submitted_at": last("submit"),
            "verified_at": last("verify", "accept"),
            "closed_at": last(*CLOSING_ACTIONS),
            "listed_at": last("list"),
            "evaluated_at": last("evaluate"),
            "acceptance_requested_at": last("apply_acceptance"),
            # The plan became complete, and so reached the regulator, when first submitted.
            "reported_to_regulator_at": at["submit_plan"][0] if at.get("submit_plan") else None,
        }
        for name, value in simulated.items():
            if getattr(hazard, name) is not None and value is not None:
                fields[name] = value
        if hazard.acceptance_due_at is not None and "acceptance_requested_at" in fields:
            fields["acceptance_due_at"] = fields["acceptance_requested_at"] + timedelta(
                days=int(config.get("acceptance_review_days"))
            )
        if hazard.listing_deadline is not None and "listed_at" in fields:
            fields["listing_deadline"] = timezone.localtime(fields["listed_at"] + timedelta(days=60)).date()
        Hazard.objects.filter(pk=hazard.pk).update(**fields)
        if "submit_plan" in at:
            approved = last("approve_plan")
            GovernancePlan.objects.filter(hazard=hazard).update(
                submitted_at=at["submit_plan"][-1], **({"approved_at": approved} if approved else {})
            )
        if "extend" in at:
            extensions = list(DeadlineExtension.objects.filter(hazard=hazard).order_by("id"))
            decided = at.get("approve_extension", [])
            for i, extension in enumerate(extensions):
                extension.created_at = extension.updated_at = at["extend"][i]
                if extension.status != ExtensionStatus.PENDING and i < len(decided):
                    extension.decided_at = extension.updated_at = decided[i]
            DeadlineExtension.objects.bulk_update(extensions, ["created_at", "updated_at", "decided_at"])
        for pk, moment in photos.items():
            HazardPhoto.objects.filter(pk=pk).update(created_at=moment, updated_at=moment)

    def backdate_escalations(self) -> None:
        """The sweep ran at load time; date each of its steps when the hazard reached that tier."""
        after = {step.tier: step.after for step in config.escalation_ladder()}
        events = list(
            HazardEvent.objects.filter(action="escalate")
            .order_by("hazard_id", "id")
            .values_list("id", "hazard_id", "data")
        )
        if not events:
            return
        hazard_ids = {hazard_id for _id, hazard_id, _data in events}
        due = {pk: at for pk, at in Hazard.objects.filter(pk__in=hazard_ids).values_list("pk", "due_at") if at}
        last = dict(
            HazardEvent.objects.filter(hazard_id__in=hazard_ids)
            .exclude(action="escalate")
            .values("hazard_id")
            .annotate(last=Max("at"))
            .values_list("hazard_id", "last")
        )
        updates = []
        for pk, hazard_id, data in events:
            reached = due.get(hazard_id, self.now) + after.get(int(data.get("tier", 0)), timedelta())
            moment = max(last[hazard_id], reached)
            moment = min(moment, self.now)
            last[hazard_id] = moment
            updates.append(HazardEvent(pk=pk, at=moment))
        HazardEvent.objects.bulk_update(updates, ["at"], batch_size=500)

    def penalties(self) -> int:
        """Three penalty decisions in 180 days on the suspended major hazard's enterprise (the Art. 113
        count is reached while that hazard is open), one on another enterprise."""
        majors = [p for p in self.plans if p.level == MAJOR and p.enterprise is not None]
        suspended = [p for p in majors if any(s.payload.get("suspended") for s in p.steps)]
        targets: list[tuple[Plan, tuple[int, ...]]] = []
        if suspended:
            targets.append((suspended[0], (150, 75, 20)))
        others = [p for p in majors if p.enterprise not in {t[0].enterprise for t in targets}]
        if others:
            targets.append((others[0], (200,)))
        recorded = 0
        for plan, days_ago in targets:
            assert plan.enterprise is not None
            county = self.county_names.get(plan.county, plan.county)
            for n, days in enumerate(days_ago, 1):
                decided = timezone.localdate(self.now) - timedelta(days=days)
                deadlines.penalty_record(
                    actor=self.officers[plan.county],
                    enterprise=plan.enterprise,
                    data={
                        "decision_no": f"{county[:1]}应急罚〔{decided.year}〕{plan.order % 90 + n}号",
                        "authority": f"{county}应急管理局",
                        "decided_on": decided,
                        "amount": self.rng.choice((10000, 20000, 30000, 50000)),
                        "description": f"{plan.finding.title}，未按规定及时消除事故隐患。",
                    },
                )
                recorded += 1
        return recorded

    # -- the whole

    def plan_all(self) -> None:
        scripted = self.scripted_plans()
        majors = self.major_plans()
        randoms = [self.random_plan() for _ in range(max(0, self.count - len(scripted) - len(majors)))]
        plans = [*scripted, *majors, *randoms]
        for n, plan in enumerate(plans):
            plan.order = n
        plans.sort(key=lambda p: (p.reported_at, p.order))
        self._link_duplicates(plans)
        self.plans = plans

    def _link_duplicates(self, plans: list[Plan]) -> None:
        """A duplicate report points at an earlier, still valid report of the same sector in the same
        district, and is found where that one is; without one it is rejected instead."""
        earlier: dict[tuple[str, str], Plan] = {}
        for plan in plans:
            key = (plan.county, plan.sector)
            if plan.fate == "duplicate" and plan.duplicate_of is None:
                original = earlier.get(key)
                if original is None or plan.level != GENERAL:
                    plan.fate = "reject"
                    for step in plan.steps:
                        step.action, step.payload = "reject", {"note": texts.REJECT_NOTES[-1]}
                else:
                    plan.duplicate_of = original
                    plan.finding, plan.enterprise, plan.township = (
                        original.finding,
                        original.enterprise,
                        original.township,
                    )
                    plan.lon, plan.lat, plan.address = original.lon, original.lat, original.address
                    if plan.source != HazardSource.DEPARTMENT_INSPECTION:
                        # Someone else saw the same thing: reported by the public, through the loader.
                        plan.source, plan.reporter, plan.before_photo = HazardSource.PUBLIC_REPORT, DEMO, False
            if plan.fate not in ("reject", "duplicate"):
                earlier[key] = plan


RECENT = timedelta(days=3)


def default_count(enterprises: int) -> int:
    return max(100, min(MAX_COUNT, round(enterprises * PER_ENTERPRISE)))


def load_hazard_history(*, seed: int, count: int | None = None, now: datetime | None = None) -> HazardHistorySummary:
    """Load the year of hazards described in the module docstring into a demo city that has none yet.
    `count` defaults to three for every four enterprises (1,500 for the city), at most 5,000."""
    started = time.perf_counter()
    if Hazard.objects.exists():
        raise HistoryError(_("This database already holds hazards; load the hazard history into a fresh demo city."))
    now = now or timezone.now()
    if count is None:
        count = default_count(Enterprise.objects.count())
    history = History(seed=seed, count=count, now=now)
    with transaction.atomic():
        history.survey()
        history.gather_cast()
        history.plan_all()
        for plan in history.plans:
            # Only the last few days' events reach inboxes; a year of history would bury them.
            recent = plan.reported_at >= now - RECENT
            with nullcontext() if recent else muted():
                history.drive(plan)
        deadlines.escalate_overdue(now=now)
        history.backdate_escalations()
        penalties = history.penalties()
    hazards = Hazard.objects.all()
    return HazardHistorySummary(
        hazards=hazards.count(),
        open=hazards.filter(status__in=OPEN_STATUSES).count(),
        overdue=hazards.filter(status__in=OPEN_STATUSES, due_at__lt=now).count(),
        escalated=hazards.filter(escalation_tier__gt=0).count(),
        major=hazards.filter(level=MAJOR).count(),
        pending_extensions=DeadlineExtension.objects.filter(status=ExtensionStatus.PENDING).count(),
        photos=HazardPhoto.objects.count(),
        penalties=penalties,
        people=history.cast.created,
        seconds=time.perf_counter() - started,
    )
