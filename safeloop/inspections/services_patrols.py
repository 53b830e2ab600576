"""Grid patrol writes (issue 5 "Grid patrols"): a check-in with GPS and time, refused when farther than
`checkin_max_distance_m` from the grid's boundary, and the patrol plan (frequency) of a grid. One
transaction and one audit row per write; bad input raises FieldErrors naming each field, nothing written.

A check-in may carry a UUID the phone made while offline (its queue replays it when the network
returns): the same id from the same user answers the existing row, from another user is a conflict."""

import math
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import shapely
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from safeloop.accounts.choices import Role
from safeloop.core import audit
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.geo import point_in_range
from safeloop.core.scoping import scope_for
from safeloop.inspections import config
from safeloop.inspections.models import PatrolCheckIn, PatrolPlan
from safeloop.orgs.models import Enterprise, Grid
from safeloop.orgs.services import NotAllowed

CHECKIN_FIELDS = ("grid", "user", "lon", "lat", "accuracy_m", "distance_m", "at", "enterprise", "note")
FUTURE_SLACK = timedelta(minutes=5)
OLDEST = timedelta(days=7)
NOTE_LIMIT = 300
EVERY_DAYS_MAX = 365
EARTH_RADIUS_M = 6_371_008.8


# ---- who may check in where ---------------------------------------------------------------------


def checkin_grid_codes(actor: Any) -> tuple[list[str], list[str]]:
    """(grid codes, division prefixes) the actor may check in to: a grid worker its own grid(s), a
    division officer every grid inside its territory (a grid code starts with its village code)."""
    grids: list[str] = []
    prefixes: list[str] = []
    for grant in scope_for(actor).grants:
        if grant.role == Role.GRID_WORKER and grant.grid_code:
            grids.append(grant.grid_code)
        elif grant.role == Role.DIVISION_OFFICER and grant.division_prefix:
            prefixes.append(grant.division_prefix)
    return grids, prefixes


def can_check_in(actor: Any, grid_code: str | None = None) -> bool:
    """Whether the actor may check in at all (no grid given) or in this grid."""
    if not getattr(actor, "is_authenticated", False):
        return False
    grids, prefixes = checkin_grid_codes(actor)
    if grid_code is None:
        return bool(grids or prefixes)
    return grid_code in grids or any(grid_code.startswith(prefix) for prefix in prefixes)


def can_plan(actor: Any, grid_code: str) -> bool:
    """Division officers set the patrol plans of the grids inside their territory."""
    if getattr(actor, "is_system", False):
        return True
    return any(
        grant.role == Role.DIVISION_OFFICER and grant.division_prefix and grid_code.startswith(grant.division_prefix)
        for grant in scope_for(actor).grants
    )


# ---- distance -------------------------------------------------------------------------------------


def distance_to_grid_m(geometry: Any, lon: float, lat: float) -> float:
    """Metres from the point to the grid polygon (0 inside or on the boundary). Both are projected onto
    a local equirectangular plane at the point's latitude: at the few kilometres that matter here the
    error is far below GPS drift."""
    polygon: BaseGeometry = shape(geometry.get("geometry") if geometry.get("type") == "Feature" else geometry)
    point = shapely.Point(lon, lat)
    if polygon.covers(point):
        return 0.0
    metres_per_degree = math.pi * EARTH_RADIUS_M / 180
    scale_x = metres_per_degree * math.cos(math.radians(lat))

    def project(coords: Any) -> Any:
        return coords * [scale_x, metres_per_degree]

    return float(shapely.transform(polygon, project).distance(shapely.transform(point, project)))


def format_distance(metres: float) -> str:
    """ "5.2 公里" from 1 km on, else "250 米" (whole metres)."""
    if metres >= 1000:
        return _("%(km).1f km") % {"km": metres / 1000}
    return _("%(m)d m") % {"m": round(metres)}


# ---- field readers --------------------------------------------------------------------------------


def _float(data: dict[str, Any], name: str, errors: FieldErrors, *, required: bool = False) -> float | None:
    value = data.get(name)
    if value is None or str(value).strip() == "":
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None
    if not math.isfinite(number):
        errors.add(name, _("Enter a number."))
        return None
    return number


def _uuid(value: Any, errors: FieldErrors) -> UUID | None:
    if value in (None, ""):
        return None
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        errors.add("id", _("Give a UUID."))
        return None


def _time(value: Any, now: datetime, errors: FieldErrors) -> datetime:
    if value in (None, ""):
        return now
    when = value if isinstance(value, datetime) else parse_datetime(str(value).strip())
    if when is None:
        errors.add("at", _("Give a date and time such as 2026-05-01T09:30:00+08:00."))
        return now
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + FUTURE_SLACK:
        errors.add("at", _("The check-in time lies in the future."))
    elif when < now - OLDEST:
        errors.add("at", _("The check-in time is more than 7 days ago."))
    return when


def _grid(actor: Any, data: dict[str, Any], enterprise: Enterprise | None, errors: FieldErrors) -> Grid | None:
    """The grid named, else the actor's own one, else the grid of the site visited."""
    code = str(data.get("grid") or "").strip()
    if not code:
        grids, _prefixes = checkin_grid_codes(actor)
        if len(grids) == 1:
            code = grids[0]
        elif enterprise is not None and enterprise.grid_id:
            code = enterprise.grid_id
    if not code:
        errors.add("grid", _("Choose the grid you are patrolling."))
        return None
    grid = Grid.objects.filter(code=code).first()
    if grid is None:
        errors.add("grid", _("Unknown grid: %(code)s") % {"code": code})
    return grid


def _enterprise(actor: Any, value: Any, errors: FieldErrors) -> Enterprise | None:
    if value in (None, ""):
        return None
    from safeloop.orgs.selectors import enterprise_list

    try:
        key = UUID(str(value))
    except ValueError:
        errors.add("enterprise_id", _("Unknown enterprise."))
        return None
    enterprise = enterprise_list(actor=actor).filter(uuid=key, active=True).first()
    if enterprise is None:
        errors.add("enterprise_id", _("Unknown enterprise."))
    return enterprise


# ---- check-ins ------------------------------------------------------------------------------------


def _replayed(actor: Any, key: UUID) -> PatrolCheckIn | None:
    existing = PatrolCheckIn.objects.filter(uuid=key).first()
    if existing is None:
        return None
    if existing.user_id != actor.pk:
        raise Conflict(_("This check-in id is already used by someone else."))
    return existing


def check_in(*, actor: Any, data: dict[str, Any]) -> tuple[PatrolCheckIn, bool]:
    """Record a patrol check-in; returns (check-in, created). `data`: `id` (optional UUID made by the
    client), `lon`, `lat`, `accuracy_m`, `at` (client time; at most 5 minutes ahead, at most 7 days old),
    `grid` (default: the actor's own grid), `enterprise_id` (the site visited, in that grid), `note`.

    Grid workers check in in their own grid, division officers in the grids of their territory. The
    position must lie within `checkin_max_distance_m` of the grid's boundary."""
    if not can_check_in(actor):
        raise NotAllowed(_("Only grid workers and district/township officers check in on patrols."))
    errors = FieldErrors()
    key = _uuid(data.get("id"), errors)
    errors.raise_if_any()
    if key is not None and (existing := _replayed(actor, key)) is not None:
        return existing, False

    now = timezone.now()
    lon = _float(data, "lon", errors, required=True)
    lat = _float(data, "lat", errors, required=True)
    accuracy = _float(data, "accuracy_m", errors)
    if accuracy is not None and accuracy < 0:
        errors.add("accuracy_m", _("Give zero or more."))
    if lon is not None and lat is not None and not point_in_range(lon, lat):
        errors.add("location", _("This position lies outside China (WGS-84 longitude, latitude expected)."))
        lon = lat = None
    at = _time(data.get("at"), now, errors)
    note = str(data.get("note") or "").strip()
    if len(note) > NOTE_LIMIT:
        errors.add("note", _("At most %(limit)s characters.") % {"limit": NOTE_LIMIT})
    enterprise = _enterprise(actor, data.get("enterprise_id"), errors)
    grid = _grid(actor, data, enterprise, errors)
    if grid is not None and not can_check_in(actor, grid.code):
        raise NotAllowed(_("You may check in only in your own grid or the grids of your territory."))
    if grid is not None and enterprise is not None and enterprise.grid_id != grid.code:
        errors.add("enterprise_id", _("%(site)s does not lie in this grid.") % {"site": enterprise.name})
    distance = 0.0
    if grid is not None and lon is not None and lat is not None:
        distance = distance_to_grid_m(grid.geometry, lon, lat)
        limit = float(config.get("checkin_max_distance_m"))
        if distance > limit:
            errors.add(
                "location",
                _("This position is %(distance)s from the grid's boundary, farther than the allowed %(limit)s.")
                % {"distance": format_distance(distance), "limit": format_distance(limit)},
            )
    errors.raise_if_any()
    assert grid is not None and lon is not None and lat is not None

    checkin = PatrolCheckIn(
        grid=grid,
        user=actor,
        lon=lon,
        lat=lat,
        accuracy_m=accuracy,
        distance_m=round(distance, 1),
        at=at,
        enterprise=enterprise,
        note=note,
    )
    if key is not None:
        checkin.uuid = key
    try:
        with transaction.atomic():
            checkin.save(force_insert=True)
            audit.record(
                actor=actor, verb="patrol.check_in", obj=checkin, after=audit.snapshot(checkin, CHECKIN_FIELDS)
            )
    except IntegrityError:
        # The same id arrived twice at once (two replays racing): the first one won.
        if key is not None and (existing := _replayed(actor, key)) is not None:
            return existing, False
        raise
    return checkin, True


# ---- patrol plans ---------------------------------------------------------------------------------


def plan_every_days(plan: PatrolPlan | None) -> int | None:
    """How often the grid is to be patrolled: its active plan's frequency, else the default; None when
    its plan is switched off."""
    if plan is None:
        return int(config.get("patrol_every_days"))
    return plan.every_days if plan.active else None


def patrol_plan_set(*, actor: Any, grid: Grid | str, every_days: Any) -> PatrolPlan:
    """Set how often a grid is patrolled (every 1–365 days); division officers, for their territory."""
    code = grid.code if isinstance(grid, Grid) else str(grid)
    if not can_plan(actor, code):
        raise NotAllowed(_("Only the district/township officers of this grid set its patrol plan."))
    errors = FieldErrors()
    try:
        days = int(str(every_days).strip())
    except (TypeError, ValueError):
        errors.add("every_days", _("Enter a whole number."))
        days = 0
    else:
        if not 1 <= days <= EVERY_DAYS_MAX:
            errors.add("every_days", _("Give 1 to %(max)s days.") % {"max": EVERY_DAYS_MAX})
    target = grid if isinstance(grid, Grid) else Grid.objects.filter(code=code).first()
    if target is None:
        errors.add("grid", _("Unknown grid: %(code)s") % {"code": code})
    errors.raise_if_any()
    assert target is not None
    with transaction.atomic():
        plan = PatrolPlan.objects.select_for_update().filter(grid=target).first()
        before = None if plan is None else {"every_days": plan.every_days, "active": plan.active}
        if plan is None:
            plan = PatrolPlan(grid=target, every_days=days, active=True)
            plan.save(force_insert=True)
        else:
            plan.every_days, plan.active = days, True
            plan.save(update_fields=["every_days", "active", "updated_at"])
        audit.record(
            actor=actor,
            verb="patrol.plan_set",
            obj=target,
            before=before,
            after={"every_days": plan.every_days, "active": plan.active},
        )
    return plan
