"""The demo city's inspections, campaigns and grid patrols (DESIGN.md "Contracts": the demo city is lived
in … a running campaign).

`load_inspections()` writes, into a demo city that has its people (and usually its hazard history and
risk register already):

- a running city-wide 大排查大整治 campaign, launched by the city office (the `city` login) about six
  weeks ago for the seed's key sectors (fire, campus, gas, fireworks, road, tourism, flood), its targets
  chosen by the enterprise filter, with tasks per district (a mobilisation task done, a sweep task
  carrying the district's sites, one of them overdue) and for the education and emergency bureaus;
- inspections of about 60 % of its targets: department inspections by the districts', townships' and
  bureaus' officers (some 四不两直, unannounced), enterprise self-checks by the enterprises' officers
  (ent1 among them), grid patrol checks by the grid workers (grid1 among them) and a few supervision
  checks; mostly "yes", some "no" — each a hazard with source "campaign" reported through the hazard
  service, then confirmed, rectified and verified through `hazard_transition` as far as its age allows:
  the older ones closed, some still being rectified and overdue, the newest still waiting for triage;
- an earlier, closed campaign (春节前烟花爆竹专项整治, launched by the emergency bureau) for history:
  nearly every target inspected, every finding closed, every task done;
- a patrol plan for every grid, and the check-ins of the last 60 days: grid1 and a few more grid workers
  (made through `accounts.services` as the hazard history makes its people; each looks after the grids
  of a township or a few small ones) and the township officers of the earlier demos patrol their grids, most of them
  keeping to their plan, some falling behind; the grids nobody patrols stay uncovered.

Everything goes through the real doors (`services_campaigns`, `services_inspections`, `services_patrols`,
`hazards.services`), acted by the demo people; notifications are muted: this is history, not news.

Time. The services stamp the real clock (and a check-in may be at most 7 days old); afterwards the
simulated moments are written over the campaigns', tasks', inspections', targets', check-ins' and the
findings' timestamps (hazard, events, photos; and the inspection day its description names), as
`hazards/demo.py` does. The audit trail is NOT
rewritten: it keeps the real load time and its hash chain.

Seeded and deterministic: the same seed on the same city gives the same campaigns, inspections,
answers, hazard codes and check-ins."""

import io
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import shapely
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from safeloop.accounts.choices import Role
from safeloop.accounts.models import Membership, User
from safeloop.core.bulk import rewrite_rows
from safeloop.core.scoping import forget_scope
from safeloop.hazards import routing
from safeloop.hazards.choices import OPEN_STATUSES, HazardLevel, HazardStatus, PhotoKind
from safeloop.hazards.demo import Cast
from safeloop.hazards.models import Hazard, HazardEvent, HazardPhoto
from safeloop.hazards.services import hazard_transition, photo_add
from safeloop.inspections import demo_texts as texts
from safeloop.inspections import services_campaigns, services_inspections, services_patrols
from safeloop.inspections.choices import AnswerType, CampaignStatus, InspectionKind, TaskStatus, YesNo
from safeloop.inspections.models import (
    Campaign,
    CampaignTarget,
    CampaignTask,
    ChecklistItem,
    ChecklistTemplate,
    Inspection,
    PatrolCheckIn,
    PatrolPlan,
)
from safeloop.notifications.services import muted
from safeloop.orgs.demo import names
from safeloop.orgs.models import Department, Division, Enterprise, Grid
from safeloop.orgs.selectors import grid_index

KEY_SECTORS = ("fire", "campus", "gas", "fireworks", "road", "tourism", "flood")
# The running campaign's targets: the key sectors' active sites, narrowed by these enterprise filters.
TARGET_FILTER: dict[str, Any] = {"active": True}
SHARE = 0.6  # of the running campaign's targets inspected so far
EARLIER_SHARE = 0.92
RUNNING_DAYS_AGO = 42
RUNNING_DAYS = 105
# How many findings an inspection has: (count, weight).
FINDINGS = ((0, 62), (1, 27), (2, 9), (3, 2))
MAJOR_ITEM_WEIGHT = 0.15  # a major-level item is rarely the one that fails (unless the checklist has no other)
SELF_CHECK_SHARE = 0.5
GRID_PATROL_SHARE = 0.35
SUPERVISION_SHARE = 0.03
UNANNOUNCED_SHARE = 0.25
REFUSED_SHARE = 0.03
# Grid patrols: the last 60 days; a new grid worker looks after a township's grids (or a few small
# townships'), at most GRIDS_PER_WORKER; about WORKED_SHARE of each district's grids have a patroller.
CHECKIN_DAYS = 60
GRIDS_PER_WORKER = 30
WORKED_SHARE = 0.85
BEHIND_SHARE = 0.12
PHOTO_COLOURS = ((120, 110, 90), (90, 110, 130), (130, 120, 100))


class InspectionDemoError(RuntimeError):
    """The inspections cannot be loaded into this database (the message says why)."""


@dataclass(frozen=True)
class InspectionDemoSummary:
    campaigns: int
    targets: int  # of the running campaign
    inspected: int  # of its targets
    tasks: int
    tasks_overdue: int
    inspections: dict[str, int]  # by kind, both campaigns
    unannounced: int
    hazards: int
    rectified: int
    open: int
    overdue: int
    plans: int
    check_ins: int
    grids_patrolled: int
    grids_behind: int  # planned grids whose last check-in is older than their plan's frequency
    people: int
    seconds: float


@dataclass(kw_only=True)
class Finding:
    item: ChecklistItem
    hazard: Hazard | None = None
    keep_major: bool = False
    fate: str = ""  # closed | submitted | rectifying | confirmed | reported
    overdue: bool = False
    steps: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass(kw_only=True)
class Visit:
    order: int
    campaign: Campaign
    closed_campaign: bool
    enterprise: Enterprise
    county: str
    template: ChecklistTemplate
    kind: str
    actor: User
    at: datetime
    minutes: int
    unannounced: bool = False
    findings: list[Finding] = field(default_factory=list)
    inspection: Inspection | None = None

    @property
    def done_at(self) -> datetime:
        return self.at + timedelta(minutes=self.minutes)


def _office_hours(moment: datetime, rng: random.Random) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59), second=0, microsecond=0)


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (96, 72), colour)
    lighter = tuple(min(255, c + 50) for c in colour)
    ImageDraw.Draw(image).rectangle((20, 18, 76, 58), fill=lighter)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def spring_festival_before(today: date) -> date:
    """The latest Spring Festival at least a month before `today` (the closed campaign's season)."""
    for year in sorted(texts.SPRING_FESTIVAL, reverse=True):
        day = date(year, *texts.SPRING_FESTIVAL[year])
        if day <= today - timedelta(days=30):
            return day
    return date(today.year - 1, 2, 1)


class Demo:
    def __init__(self, *, seed: int, now: datetime, share: float, target_filter: dict[str, Any]) -> None:
        self.rng = random.Random(f"{seed}:inspections")
        self.cast = Cast(random.Random(f"{seed}:inspections-people"))
        self.now = now
        self.today = timezone.localdate(now)
        self.share = share
        self.target_filter = target_filter
        self.photos = [_jpeg(c) for c in PHOTO_COLOURS]
        self.visits: list[Visit] = []
        self.check_ins: list[tuple[PatrolCheckIn, datetime]] = []
        self.rounds: dict[str, list[Enterprise]] = {}  # each grid's sites in the order its worker visits them
        self.tasks: list[tuple[CampaignTask, datetime, datetime | None]] = []  # (task, made, done)
        self.campaign_times: dict[int, tuple[datetime, datetime]] = {}

    # -- the city as loaded

    def survey(self) -> None:
        grids = list(Grid.objects.order_by("code").values_list("code", "geometry"))
        if not grids:
            raise InspectionDemoError(_("The city has no grids; load the demo city first."))
        grid_index(fresh=True)
        self.grid_codes = [code for code, _geometry in grids]
        self.shapes: dict[str, BaseGeometry] = {code: shape(geometry) for code, geometry in grids}
        for polygon in self.shapes.values():
            shapely.prepare(polygon)
        self.counties = sorted({code[:6] for code in self.grid_codes})
        self.division_names = dict(
            Division.objects.filter(code__in=[*self.counties, *{c[:9] for c in self.grid_codes}]).values_list(
                "code", "name"
            )
        )
        self.templates: dict[str, ChecklistTemplate] = {}
        self.items: dict[int, list[ChecklistItem]] = {}
        for template in ChecklistTemplate.objects.filter(is_current=True).order_by("code"):
            self.templates.setdefault(template.sector_id, template)
        for template in self.templates.values():
            self.items[template.pk] = list(template.items.select_related("criteria_item").order_by("position"))
        self.sectors = [s for s in KEY_SECTORS if s in self.templates]
        if not self.sectors:
            raise InspectionDemoError(_("No checklist templates for the key sectors; run the migrations first."))
        self.sites_by_grid: dict[str, list[Enterprise]] = defaultdict(list)
        for enterprise in Enterprise.objects.filter(active=True, grid__isnull=False).order_by("pk"):
            self.sites_by_grid[str(enterprise.grid_id)].append(enterprise)

    def gather_cast(self) -> None:
        cast = self.cast
        city = User.objects.filter(username="city").first()
        membership = Membership.objects.filter(user=city, role=Role.CITY_OFFICE).first() if city else None
        if city is None or membership is None or membership.division is None:
            raise InspectionDemoError(_("The demo login “city” is missing; load the demo city first."))
        self.city = cast.one(city)
        self.city_division = membership.division
        self.officers = {county: cast.county_officer(county) for county in self.counties}
        self.verifiers = {county: cast.county_officer(county, Role.VERIFIER) for county in self.counties}
        self.townships: dict[str, User] = {}
        for m in (
            Membership.objects.filter(role=Role.DIVISION_OFFICER, division__level=9)
            .select_related("user")
            .order_by("user_id")
        ):
            assert m.division_id is not None
            self.townships.setdefault(m.division_id, cast.one(m.user))
        self.departments: list[tuple[User, frozenset[str], str, Department]] = []
        for m in (
            Membership.objects.filter(role=Role.DEPARTMENT_OFFICER)
            .select_related("user", "department__division")
            .prefetch_related("department__sectors")
            .order_by("user_id")
        ):
            assert m.department is not None
            sectors = frozenset(s.code for s in m.department.sectors.all())
            self.departments.append((cast.one(m.user), sectors, m.department.division.prefix, m.department))
        self.enterprise_officers: dict[int, User] = {}
        for m in Membership.objects.filter(role=Role.ENTERPRISE_OFFICER).select_related("user").order_by("user_id"):
            assert m.enterprise_id is not None
            self.enterprise_officers.setdefault(m.enterprise_id, cast.one(m.user))
        ent1 = Membership.objects.filter(user__username="ent1", role=Role.ENTERPRISE_OFFICER).first()
        self.ent1_enterprise = ent1.enterprise_id if ent1 else None
        self.grid_workers: dict[str, User] = {}
        for m in Membership.objects.filter(role=Role.GRID_WORKER).select_related("user").order_by("user_id"):
            if m.grid_id:
                self.grid_workers.setdefault(m.grid_id, cast.one(m.user))
        self.supervisor = cast.holder(Role.SUPERVISOR, division=self.city_division) or cast.person(
            f"supervisor{self.city_division.code}", Role.SUPERVISOR, division=self.city_division
        )
        self._new_grid_workers()
        for user in cast._users.values():
            forget_scope(user)

    def _new_grid_workers(self) -> None:
        """Group each district's grids by township (small townships together, big ones split) and give
        a new grid worker to groups until about WORKED_SHARE of the district's grids have a patroller
        (grid1's grid and the townships with an officer count as patrolled already)."""
        rng = self.rng
        self.patrollers: dict[str, User] = dict(self.grid_workers)
        for township, officer in self.townships.items():
            for code in self.grid_codes:
                if code.startswith(township):
                    self.patrollers.setdefault(code, officer)
        for county in self.counties:
            grids = [c for c in self.grid_codes if c.startswith(county)]
            free = [c for c in grids if c not in self.patrollers]
            groups: list[list[str]] = []
            by_township: dict[str, list[str]] = defaultdict(list)
            for code in free:
                by_township[code[:9]].append(code)
            current: list[str] = []
            for township in sorted(by_township):
                codes = by_township[township]
                for start in range(0, len(codes), GRIDS_PER_WORKER):
                    chunk = codes[start : start + GRIDS_PER_WORKER]
                    if current and len(current) + len(chunk) > GRIDS_PER_WORKER:
                        groups.append(current)
                        current = []
                    current = current + chunk
                    if len(current) >= GRIDS_PER_WORKER // 2:  # a big township, or a few small ones
                        groups.append(current)
                        current = []
            if current:
                groups.append(current)
            wanted = round(len(grids) * WORKED_SHARE) - (len(grids) - len(free))
            for group in rng.sample(groups, len(groups)):
                if wanted <= 0 and any(g.startswith(county) for g in self.grid_workers):
                    break
                username = f"grid{group[0]}"
                worker: User | None = None
                for code in group:
                    grid = Grid.objects.get(code=code)
                    worker = self.cast.person(username, Role.GRID_WORKER, grid=grid)
                    self.patrollers[code] = self.grid_workers[code] = worker
                wanted -= len(group)

    # -- campaigns

    def _moment(self, day: date, rng: random.Random | None = None) -> datetime:
        rng = rng or self.rng
        local = timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))
        return _office_hours(local, rng)

    def launch_earlier(self) -> Campaign | None:
        """The fireworks campaign before last Spring Festival, launched by the emergency bureau."""
        festival = spring_festival_before(self.today)
        starts_on, ends_on = festival - timedelta(days=36), festival + timedelta(days=15)
        launcher = next(
            (
                user
                for user, sectors, _prefix, department in self.departments
                if "fireworks" in sectors and department.division_id == self.city_division.code
            ),
            self.city,
        )
        if "fireworks" not in self.templates:
            return None
        campaign = services_campaigns.campaign_create(
            actor=launcher,
            data={
                "name": texts.EARLIER_NAME.format(year=festival.year),
                "description": texts.EARLIER_DESCRIPTION,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "division": self.city_division.code,
                "sectors": ["fireworks"],
                "templates": [self.templates["fireworks"].code],
                "target_filter": {"active": True},
            },
        )
        campaign = services_campaigns.campaign_set_status(
            actor=launcher, campaign=campaign, status=CampaignStatus.RUNNING
        )
        launched = self._moment(starts_on - timedelta(days=3))
        self.campaign_times[campaign.pk] = (launched, self._moment(ends_on + timedelta(days=2)))
        self.earlier_launcher = launcher
        for county in self.counties:
            if not CampaignTarget.objects.filter(campaign=campaign, division__code__startswith=county).exists():
                continue
            due = festival - timedelta(days=self.rng.randint(5, 9))
            task = services_campaigns.campaign_task_add(
                actor=launcher,
                campaign=campaign,
                data={
                    "title": texts.EARLIER_TASK.format(district=self.division_names.get(county, county)),
                    "division": county,
                    "assignee": self.officers[county].username,
                    "due_on": due,
                    "targets_division": county,
                },
            )
            task = services_campaigns.campaign_task_done(actor=self.officers[county], task=task)
            self.tasks.append((task, launched, self._moment(due - timedelta(days=self.rng.randint(0, 3)))))
        return campaign

    def launch_running(self) -> Campaign:
        rng = self.rng
        starts_on = self.today - timedelta(days=RUNNING_DAYS_AGO)
        ends_on = starts_on + timedelta(days=RUNNING_DAYS)
        campaign = services_campaigns.campaign_create(
            actor=self.city,
            data={
                "name": texts.RUNNING_NAME.format(year=starts_on.year),
                "description": texts.RUNNING_DESCRIPTION,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "division": self.city_division.code,
                "sectors": self.sectors,
                "templates": [self.templates[s].code for s in self.sectors],
                "target_filter": self.target_filter,
            },
        )
        campaign = services_campaigns.campaign_set_status(
            actor=self.city, campaign=campaign, status=CampaignStatus.RUNNING
        )
        launched = self._moment(starts_on - timedelta(days=2))
        self.campaign_times[campaign.pk] = (launched, launched)
        counties = [
            c
            for c in self.counties
            if CampaignTarget.objects.filter(campaign=campaign, division__code__startswith=c).exists()
        ]
        late = rng.choice(counties) if counties else ""
        for county in counties:
            district = self.division_names.get(county, county)
            officer = self.officers[county]
            for title, kind in texts.DISTRICT_TASKS:
                if kind == "prepare":
                    due = starts_on + timedelta(days=14)
                elif county == late:
                    due = self.today - timedelta(days=rng.randint(2, 6))
                else:
                    due = self.today + timedelta(days=rng.randint(8, 25))
                data: dict[str, Any] = {
                    "title": title.format(district=district),
                    "division": county,
                    "assignee": officer.username,
                    "due_on": due,
                }
                if kind == "sweep":
                    data["targets_division"] = county
                task = services_campaigns.campaign_task_add(actor=self.city, campaign=campaign, data=data)
                done = None
                if kind == "prepare":
                    task = services_campaigns.campaign_task_done(actor=officer, task=task)
                    done = self._moment(due - timedelta(days=rng.randint(0, 4)))
                self.tasks.append((task, launched, done))
        tasked: set[int] = set()
        for user, _sectors, _prefix, department in self.departments:
            title = texts.DEPARTMENT_TASKS.get(department.function, "")
            if not title or department.division_id != self.city_division.code or department.pk in tasked:
                continue
            tasked.add(department.pk)
            due = self.today + timedelta(days=rng.randint(10, 30))
            task = services_campaigns.campaign_task_add(
                actor=self.city,
                campaign=campaign,
                data={"title": title, "department": str(department.pk), "assignee": user.username, "due_on": due},
            )
            self.tasks.append((task, launched + timedelta(hours=1), None))
        return campaign

    # -- inspections

    def plan_visits(self, campaign: Campaign, share: float, *, closed: bool) -> None:
        rng = self.rng
        targets = list(
            CampaignTarget.objects.filter(campaign=campaign).select_related("enterprise").order_by("enterprise_id")
        )
        first_day = campaign.starts_on + timedelta(days=1)
        last_day = min(campaign.ends_on - timedelta(days=2), self.today)
        chosen: list[CampaignTarget] = []
        for county in self.counties:
            here = [t for t in targets if t.division_id.startswith(county)]
            if not here:
                continue
            wanted = max(1, round(len(here) * share))
            keep = [t for t in here if t.enterprise_id == self.ent1_enterprise]
            rest = [t for t in here if t.enterprise_id != self.ent1_enterprise]
            picked = keep + rng.sample(rest, max(0, min(len(rest), wanted - len(keep))))
            chosen.extend(sorted(picked, key=lambda t: t.enterprise_id))
        first_of_county: set[str] = set()
        for target in chosen:
            enterprise = target.enterprise
            county = target.division_id[:6]
            template = self.templates[target.sector_id]
            kinds: list[tuple[str, User, bool]] = []
            if enterprise.pk == self.ent1_enterprise:
                kinds.append((InspectionKind.SELF_CHECK, self.enterprise_officers[enterprise.pk], False))
                if target.grid_id in self.grid_workers:
                    kinds.append((InspectionKind.GRID_PATROL, self.grid_workers[str(target.grid_id)], False))
            elif county not in first_of_county:
                first_of_county.add(county)
                kinds.append((InspectionKind.DEPARTMENT, self.officers[county], True))
            else:
                kinds.append(self._who(target, closed=closed))
            for kind, actor, unannounced in kinds:
                if kind == InspectionKind.SELF_CHECK:
                    span = (first_day, min(last_day, first_day + timedelta(days=24)))
                else:
                    span = (first_day + timedelta(days=2), last_day)
                days = max(0, (span[1] - span[0]).days)
                day = span[0] + timedelta(days=rng.randint(0, days))
                at = self._moment(day)
                if day == self.today:
                    at = min(at, self.now - timedelta(hours=3))
                visit = Visit(
                    order=len(self.visits),
                    campaign=campaign,
                    closed_campaign=closed,
                    enterprise=enterprise,
                    county=county,
                    template=template,
                    kind=kind,
                    actor=actor,
                    at=at,
                    minutes=rng.randint(25, 110),
                    unannounced=unannounced,
                )
                visit.findings = self._findings(template)
                self.visits.append(visit)
        # Every campaign finds something: when chance found nothing, the earliest inspections did.
        mine = [v for v in self.visits if v.campaign.pk == campaign.pk]
        for visit in sorted(mine, key=lambda v: (v.at, v.order))[:2]:
            if sum(len(v.findings) for v in mine) >= 2:
                break
            if not visit.findings:
                visit.findings = self._findings(visit.template, at_least=1)

    def _who(self, target: CampaignTarget, *, closed: bool) -> tuple[str, User, bool]:
        rng = self.rng
        enterprise = target.enterprise
        county = target.division_id[:6]
        r = rng.random()
        if not closed and r < SUPERVISION_SHARE:
            return InspectionKind.SUPERVISION, self.supervisor, rng.random() < 0.7
        r = rng.random()
        if enterprise.pk in self.enterprise_officers and r < SELF_CHECK_SHARE:
            return InspectionKind.SELF_CHECK, self.enterprise_officers[enterprise.pk], False
        if target.grid_id in self.grid_workers and rng.random() < GRID_PATROL_SHARE:
            return InspectionKind.GRID_PATROL, self.grid_workers[str(target.grid_id)], False
        fits = [
            user
            for user, sectors, prefix, _function in self.departments
            if target.sector_id in sectors and target.division_id.startswith(prefix)
        ]
        township = self.townships.get(target.division_id[:9])
        r = rng.random()
        if fits and r < 0.3:
            actor = rng.choice(fits)
        elif township is not None and r < 0.65:
            actor = township
        else:
            actor = self.officers[county]
        return InspectionKind.DEPARTMENT, actor, rng.random() < UNANNOUNCED_SHARE

    def _findings(self, template: ChecklistTemplate, at_least: int = 0) -> list[Finding]:
        rng = self.rng
        count = max(at_least, rng.choices([c for c, _w in FINDINGS], [w for _c, w in FINDINGS])[0])
        if not count:
            return []
        items = self.items[template.pk]
        candidates = [
            i
            for i in items
            if i.finding_creates_hazard
            and (i.answer_type == AnswerType.YES_NO or (i.answer_type == AnswerType.NUMBER and i.min_value))
        ]
        if not candidates:
            return []
        has_general = any(i.hazard_level == HazardLevel.GENERAL for i in candidates)
        if not has_general and not at_least and rng.random() < 0.5:
            return []  # every item of the checklist is a 重大事故隐患 criterion: found less often
        weights = [
            MAJOR_ITEM_WEIGHT if has_general and i.hazard_level == HazardLevel.MAJOR else 1.0 for i in candidates
        ]
        picked: list[ChecklistItem] = []
        for _n in range(min(count, len(candidates))):
            item = rng.choices(candidates, weights)[0]
            if item not in picked:
                picked.append(item)
        return [Finding(item=item) for item in sorted(picked, key=lambda i: i.position)]

    def _number(self, item: ChecklistItem, enterprise: Enterprise, finding: bool) -> float:
        rng = self.rng
        if item.min_value is not None and item.max_value is not None:
            low, high = item.min_value, item.max_value
            if finding:
                return float(rng.randint(int(low * 0.8), int(low) - 1))
            return float(rng.randint(int(low) + 1, int(high)))
        text = item.text
        if "水位" in text:
            return round(rng.uniform(14.5, 24.5), 2)
        if "药量" in text:
            return float(rng.randint(5, 80) * 10)
        if "车辆" in text:
            return float(rng.randint(8, 160))
        if "游客" in text:
            return float(rng.randint(20, 600) * 10)
        if "师生" in text:
            return float(rng.randint(30, 250) * 10)
        staff = {"large": (300, 1200), "medium": (60, 300), "small": (12, 60), "micro": (2, 12)}
        low_staff, high_staff = staff.get(enterprise.scale, (5, 50))
        return float(rng.randint(low_staff, high_staff))

    def inspect(self, visit: Visit) -> None:
        rng = self.rng
        enterprise = visit.enterprise
        data: dict[str, Any] = {
            "kind": visit.kind,
            "template": visit.template.code,
            "enterprise_id": str(enterprise.uuid),
            "campaign": str(visit.campaign.uuid),
            "unannounced": visit.unannounced,
        }
        if visit.kind in (InspectionKind.DEPARTMENT, InspectionKind.SUPERVISION):
            partner = names.person_name(rng)
            data["inspectors"] = f"{visit.actor.real_name}、{partner}"
        inspection = services_inspections.inspection_start(actor=visit.actor, data=data)
        failing = {f.item.pk for f in visit.findings}
        for item in self.items[visit.template.pk]:
            finding = item.pk in failing
            answer: dict[str, Any] = {}
            if item.answer_type == AnswerType.YES_NO:
                answer["choice"] = YesNo.NO if finding else YesNo.YES
            elif item.answer_type == AnswerType.NUMBER:
                if not (finding or item.required or rng.random() < 0.4):
                    continue
                answer["number"] = self._number(item, enterprise, finding)
            elif item.answer_type == AnswerType.TEXT:
                if not (item.required or rng.random() < 0.15):
                    continue
                answer["text"] = rng.choice(texts.TEXT_ANSWERS)
            elif item.answer_type == AnswerType.PHOTO:
                if not (item.required or rng.random() < 0.12):
                    continue
                answer["photo"] = rng.choice(self.photos)
            if finding:
                answer["note"] = rng.choice(texts.FINDING_NOTES)
                if item.finding_needs_photo or rng.random() < 0.3:
                    answer["photo"] = rng.choice(self.photos)
            services_inspections.inspection_answer(actor=visit.actor, inspection=inspection, item=item, data=answer)
        submit: dict[str, Any] = {}
        if visit.kind != InspectionKind.SELF_CHECK and rng.random() < REFUSED_SHARE:
            submit["refused_to_sign"] = True
        else:
            signer = enterprise.principal_name or enterprise.safety_officer_name or names.person_name(rng)
            submit["signed_by"] = signer
        hazards = services_inspections.inspection_submit(actor=visit.actor, inspection=inspection, data=submit)
        found = {h.pk: h for h in hazards}
        by_item = dict(inspection.answers.filter(hazard__isnull=False).values_list("item_id", "hazard_id"))
        for finding_ in visit.findings:
            hazard_id = by_item.get(finding_.item.pk)
            finding_.hazard = found.get(hazard_id) if hazard_id else None
        visit.inspection = inspection

    # -- what became of the findings

    def plan_fates(self) -> None:
        rng = self.rng
        kept_major = False
        for visit in sorted(self.visits, key=lambda v: (v.at, v.order)):
            for finding in visit.findings:
                if finding.hazard is None:
                    continue
                found = visit.done_at
                age = (self.now - found).total_seconds() / 86400
                if visit.closed_campaign:
                    fate = "closed"
                elif age >= 21:
                    fate = rng.choices(("closed", "rectifying", "submitted"), (75, 15, 10))[0]
                elif age >= 10:
                    fate = rng.choices(("closed", "submitted", "rectifying"), (45, 20, 35))[0]
                elif age >= 3:
                    fate = rng.choices(("closed", "submitted", "rectifying", "confirmed"), (15, 15, 40, 30))[0]
                else:
                    fate = rng.choices(("reported", "confirmed"), (60, 40))[0]
                major = finding.hazard.level == HazardLevel.MAJOR and not visit.closed_campaign
                if major and not kept_major and age >= 3:
                    kept_major, finding.keep_major, fate = True, True, "confirmed"
                finding.fate = fate
                finding.overdue = fate == "rectifying" and age >= 21
                finding.steps = self._steps(found, fate)

    def _steps(self, found: datetime, fate: str) -> list[tuple[str, datetime]]:
        rng = self.rng
        actions = {
            "closed": ("confirm", "start", "submit", "verify"),
            "submitted": ("confirm", "start", "submit"),
            "rectifying": ("confirm", "start"),
            "confirmed": ("confirm",),
            "reported": (),
        }[fate]
        gaps = {"confirm": (0.2, 1.5), "start": (0.1, 1.0), "submit": (1.0, 7.0), "verify": (0.5, 2.5)}
        latest = self.now - timedelta(hours=1)
        wanted = [timedelta(days=rng.uniform(*gaps[a])) for a in actions]
        room = latest - found
        scale = min(1.0, (room * 0.9) / sum(wanted, timedelta())) if wanted else 1.0
        steps, moment = [], found
        for action, gap in zip(actions, wanted, strict=True):
            moment = moment + gap * scale
            local = timezone.localtime(moment)
            if not 8 <= local.hour < 19:
                day = local.date() + timedelta(days=1 if local.hour >= 19 else 0)
                moment = local.replace(year=day.year, month=day.month, day=day.day, hour=8, minute=rng.randint(0, 59))
            moment = min(moment, latest)
            steps.append((action, moment))
        return steps

    def rectifiers(self) -> None:
        """An enterprise with a finding to rectify and no officer login gets the 托管 safety officer of
        its district (the hazard history's or the register's where one exists)."""
        needed: dict[str, list[Enterprise]] = defaultdict(list)
        for visit in self.visits:
            enterprise = visit.enterprise
            if enterprise.pk in self.enterprise_officers:
                continue
            rectified = any(f.hazard is not None and any(a == "start" for a, _at in f.steps) for f in visit.findings)
            if rectified and enterprise not in needed[visit.county]:
                needed[visit.county].append(enterprise)
        for county in sorted(needed):
            existing = (
                User.objects.filter(
                    Q(username__startswith=f"agent{county}") | Q(username__startswith=f"riskagent{county}")
                )
                .order_by("username")
                .first()
            )
            username = existing.username if existing else f"inspagent{county}01"
            for enterprise in needed[county]:
                self.enterprise_officers[enterprise.pk] = self.cast.person(
                    username, Role.ENTERPRISE_OFFICER, enterprise=enterprise
                )
            forget_scope(self.enterprise_officers[needed[county][0].pk])

    def drive(self, visit: Visit, finding: Finding) -> None:
        rng = self.rng
        hazard = finding.hazard
        assert hazard is not None
        county = visit.county
        for action, _at in finding.steps:
            payload: dict[str, Any] = {}
            actor: Any
            if action == "confirm":
                actor = self.officers[county]
                payload["note"] = rng.choice(texts.CONFIRM_NOTES)
                if hazard.level == HazardLevel.MAJOR:
                    if finding.keep_major:
                        payload["note"] = texts.JUDGED_MAJOR
                    else:
                        payload |= {"level": HazardLevel.GENERAL, "level_reason": rng.choice(texts.JUDGED_GENERAL)}
            elif action == "start":
                actor = self.enterprise_officers[visit.enterprise.pk]
                payload["measures"] = rng.choice(texts.START_MEASURES)
            elif action == "submit":
                actor = self.enterprise_officers[visit.enterprise.pk]
                photo = photo_add(
                    actor=actor,
                    hazard=hazard,
                    content=rng.choice(self.photos),
                    kind=PhotoKind.AFTER,
                    lon=hazard.lon,
                    lat=hazard.lat,
                )
                payload = {"note": rng.choice(texts.SUBMIT_NOTES), "photo_ids": [str(photo.uuid)]}
            else:
                actor = self.verifiers[county]
                payload["note"] = rng.choice(texts.VERIFY_NOTES)
            hazard = hazard_transition(actor=actor, hazard=hazard, action=action, payload=payload)
        finding.hazard = hazard

    # -- grid patrols

    def patrols(self) -> None:
        rng = self.rng
        every: dict[str, int] = {}
        for code in self.grid_codes:
            county = code[:6]
            urban = self.division_names.get(code[:9], "").endswith("街道")
            days = rng.choice((7, 7, 14)) if urban else rng.choice((7, 14, 14))
            if self.grid_workers.get(code) is not None and self.grid_workers[code].username == "grid1":
                days = 7
            services_patrols.patrol_plan_set(actor=self.officers[county], grid=code, every_days=days)
            every[code] = days
        start = self.now - timedelta(days=CHECKIN_DAYS)
        diligence: dict[int, float] = {}
        for code in self.grid_codes:
            user = self.patrollers.get(code)
            if user is None:
                continue
            keen = diligence.setdefault(user.pk, 1.3 if user.username == "grid1" else rng.uniform(0.9, 1.2))
            days = every[code]
            end = self.now - timedelta(hours=2)
            if user.username != "grid1" and rng.random() < BEHIND_SHARE:
                end = self.now - timedelta(days=days + rng.uniform(2, 12))
            moment = start + timedelta(days=rng.uniform(0, days))
            while moment < end:
                self._patrol(user, code, min(_office_hours(moment, rng), end))
                moment += timedelta(days=days / keen * rng.uniform(0.8, 1.25))

    def _patrol(self, user: User, code: str, at: datetime) -> None:
        """One round: a worker visits the grid's sites in turn (a busy grid two at a time), now and then
        checking in on the road instead."""
        rng = self.rng
        sites = self.sites_by_grid.get(code, [])
        if code not in self.rounds:
            self.rounds[code] = rng.sample(sites, len(sites))
        stops: list[Enterprise | None] = []
        for _n in range(2 if len(sites) > 8 else 1):
            if sites and rng.random() < 0.9:
                queue = self.rounds[code]
                queue.append(queue.pop(0))
                stops.append(queue[-1])
            else:
                stops.append(None)
        for n, site in enumerate(stops):
            data: dict[str, Any] = {
                "grid": code,
                "accuracy_m": rng.randint(4, 35),
                "note": rng.choice(texts.CHECKIN_NOTES),
            }
            if site is not None:
                data["enterprise_id"] = str(site.uuid)
                data["lon"] = round(site.lon + rng.uniform(-0.0002, 0.0002), 6)
                data["lat"] = round(site.lat + rng.uniform(-0.0002, 0.0002), 6)
            else:
                data["lon"], data["lat"] = self._point_in(code)
            checkin, _created = services_patrols.check_in(actor=user, data=data)
            self.check_ins.append((checkin, at + timedelta(minutes=n * rng.randint(15, 45))))

    def _point_in(self, code: str) -> tuple[float, float]:
        polygon = self.shapes[code]
        minx, miny, maxx, maxy = polygon.bounds
        for _attempt in range(100):
            lon, lat = round(self.rng.uniform(minx, maxx), 6), round(self.rng.uniform(miny, maxy), 6)
            if polygon.contains(Point(lon, lat)):
                return lon, lat
        centre = polygon.representative_point()
        return round(centre.x, 6), round(centre.y, 6)

    # -- simulated time

    def backdate(self) -> None:
        campaigns = [(pk, made, changed) for pk, (made, changed) in self.campaign_times.items()]
        rewrite_rows(Campaign, ("created_at", "updated_at"), campaigns)
        rewrite_rows(
            CampaignTask,
            ("created_at", "updated_at", "done_at"),
            [(task.pk, made, done or made, done) for task, made, done in self.tasks],
        )
        inspections = []
        first: dict[tuple[int, int], datetime] = {}
        for visit in self.visits:
            assert visit.inspection is not None
            inspections.append((visit.inspection.pk, visit.at, visit.done_at, visit.at, visit.done_at))
            key = (visit.campaign.pk, visit.enterprise.pk)
            first[key] = min(first.get(key, visit.done_at), visit.done_at)
            for finding in visit.findings:
                if finding.hazard is not None:
                    self._backdate_hazard(visit, finding)
        rewrite_rows(Inspection, ("started_at", "submitted_at", "created_at", "updated_at"), inspections)
        targets = {
            (campaign, enterprise): pk
            for pk, campaign, enterprise in CampaignTarget.objects.filter(
                campaign_id__in=list(self.campaign_times)
            ).values_list("pk", "campaign_id", "enterprise_id")
        }
        rewrite_rows(CampaignTarget, ("first_inspected_at",), [(targets[key], at) for key, at in first.items()])
        rewrite_rows(
            PatrolCheckIn, ("at", "created_at", "updated_at"), [(c.pk, at, at, at) for c, at in self.check_ins]
        )

    def _backdate_hazard(self, visit: Visit, finding: Finding) -> None:
        hazard = finding.hazard
        assert hazard is not None
        found = visit.done_at
        moments = [found, *(at for _action, at in finding.steps)]
        events = list(HazardEvent.objects.filter(hazard=hazard).order_by("id").values_list("id", flat=True))
        if len(events) != len(moments):
            raise InspectionDemoError(f"{hazard.code}: {len(events)} events for {len(moments)} steps")
        rewrite_rows(HazardEvent, ("at",), list(zip(events, moments, strict=True)))
        at = dict(finding.steps)
        start = at.get("confirm", found)
        due = routing.default_due_at(level=hazard.level, sector_code=hazard.sector_id, start=start)
        if hazard.status in OPEN_STATUSES:
            if finding.overdue:
                due = min(due, self.now - timedelta(days=self.rng.uniform(1, 5)))
            else:
                due = max(due, self.now + timedelta(days=2))
        fields: dict[str, Any] = {"reported_at": found, "created_at": found, "updated_at": moments[-1], "due_at": due}
        # The finding's description names the day of the inspection: the simulated one.
        assert visit.inspection is not None
        real_day = timezone.localdate(visit.inspection.started_at).isoformat()
        fields["description"] = hazard.description.replace(real_day, timezone.localdate(visit.at).isoformat(), 1)
        for name, action in (
            ("confirmed_at", "confirm"),
            ("submitted_at", "submit"),
            ("verified_at", "verify"),
            ("closed_at", "verify"),
        ):
            if getattr(hazard, name) is not None and action in at:
                fields[name] = at[action]
        Hazard.objects.filter(pk=hazard.pk).update(**fields)
        HazardPhoto.objects.filter(hazard=hazard, kind=PhotoKind.BEFORE).update(created_at=found, updated_at=found)
        if "submit" in at:
            HazardPhoto.objects.filter(hazard=hazard, kind=PhotoKind.AFTER).update(
                created_at=at["submit"], updated_at=at["submit"]
            )


def load_inspections(
    *,
    seed: int,
    now: datetime | None = None,
    share: float = SHARE,
    target_filter: dict[str, Any] | None = None,
) -> InspectionDemoSummary:
    """Load the campaigns, inspections and patrols described in the module docstring into a demo city
    that has none yet. `share` is the part of the running campaign's targets inspected so far."""
    started = time.perf_counter()
    if Campaign.objects.exists() or Inspection.objects.exists() or PatrolCheckIn.objects.exists():
        raise InspectionDemoError(
            _("This database already holds campaigns or inspections; load them into a fresh demo city.")
        )
    now = now or timezone.now()
    demo = Demo(
        seed=seed, now=now, share=share, target_filter=TARGET_FILTER if target_filter is None else target_filter
    )
    with transaction.atomic(), muted():
        demo.survey()
        demo.gather_cast()
        earlier = demo.launch_earlier()
        if earlier is not None:
            demo.plan_visits(earlier, EARLIER_SHARE, closed=True)
        running = demo.launch_running()
        demo.plan_visits(running, share, closed=False)
        for visit in sorted(demo.visits, key=lambda v: (v.at, v.order)):
            demo.inspect(visit)
        demo.plan_fates()
        demo.rectifiers()
        for visit in sorted(demo.visits, key=lambda v: (v.done_at, v.order)):
            for finding in visit.findings:
                if finding.hazard is not None:
                    demo.drive(visit, finding)
        if earlier is not None:
            services_campaigns.campaign_set_status(
                actor=demo.earlier_launcher, campaign=earlier, status=CampaignStatus.CLOSED
            )
        demo.patrols()
        demo.backdate()
    return _summary(demo, running, started)


def _summary(demo: Demo, running: Campaign, started: float) -> InspectionDemoSummary:
    now = demo.now
    hazards = Hazard.objects.filter(campaign_link__isnull=False)
    targets = CampaignTarget.objects.filter(campaign=running)
    tasks = CampaignTask.objects.filter(campaign=running)
    plans = {str(p.grid_id): p.every_days for p in PatrolPlan.objects.filter(active=True)}
    last: dict[str, datetime] = {}
    for grid, at in PatrolCheckIn.objects.order_by("grid_id", "-at").values_list("grid_id", "at"):
        last.setdefault(str(grid), at)
    behind = sum(1 for grid, days in plans.items() if grid not in last or last[grid] < now - timedelta(days=days))
    return InspectionDemoSummary(
        campaigns=Campaign.objects.count(),
        targets=targets.count(),
        inspected=targets.filter(first_inspected_at__isnull=False).count(),
        tasks=tasks.count(),
        tasks_overdue=tasks.filter(status=TaskStatus.OPEN, due_on__lt=demo.today).count(),
        inspections=dict(sorted(Counter(Inspection.objects.values_list("kind", flat=True)).items())),
        unannounced=Inspection.objects.filter(unannounced=True).count(),
        hazards=hazards.count(),
        rectified=hazards.filter(status=HazardStatus.CLOSED).count(),
        open=hazards.filter(status__in=OPEN_STATUSES).count(),
        overdue=hazards.filter(status__in=OPEN_STATUSES, due_at__lt=now).count(),
        plans=len(plans),
        check_ins=PatrolCheckIn.objects.count(),
        grids_patrolled=len(last),
        grids_behind=behind,
        people=demo.cast.created,
        seconds=time.perf_counter() - started,
    )
