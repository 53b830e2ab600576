"""Reads for notifications. A person sees only their own inbox; channels and deliveries are seen by
whoever may configure the channel's unit: a system administrator everywhere, the city office and
district/township officers inside their territory, a department officer for their department."""

from typing import Any

from django.db.models import Q, QuerySet

from safeloop.accounts.choices import Role
from safeloop.accounts.models import Membership
from safeloop.core.scoping import NOTHING, scope_for
from safeloop.notifications.choices import DeliveryStatus
from safeloop.notifications.models import Channel, Delivery, Notification
from safeloop.orgs.models import Department, Division

# Roles that configure the channels of the divisions (and the units inside them) of their territory.
TERRITORY_CONFIGURERS = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER})
# Roles that see the channel and delivery pages at all.
CONFIGURERS = TERRITORY_CONFIGURERS | {Role.SYS_ADMIN, Role.DEPARTMENT_OFFICER}


def _is_person(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and getattr(actor, "pk", None) is not None


# ---- inbox ---------------------------------------------------------------------------------------


def inbox(*, actor: Any, unread: bool | None = None) -> QuerySet[Notification]:
    if not _is_person(actor):
        return Notification.objects.none()
    queryset = Notification.objects.filter(user=actor)
    if unread is True:
        queryset = queryset.filter(read_at=None)
    elif unread is False:
        queryset = queryset.exclude(read_at=None)
    return queryset.select_related("message").order_by("-created_at", "-pk")


def unread_count(*, actor: Any) -> int:
    """One indexed COUNT (the partial index `notification_unread`)."""
    if not _is_person(actor):
        return 0
    return Notification.objects.filter(user=actor, read_at=None).count()


def notification_get(*, actor: Any, uuid: Any) -> Notification:
    return inbox(actor=actor).get(uuid=uuid)


# ---- who configures what -------------------------------------------------------------------------


def _territory_prefixes(actor: Any) -> list[str]:
    return [
        grant.division_prefix
        for grant in scope_for(actor).grants
        if grant.role in TERRITORY_CONFIGURERS and grant.division_prefix
    ]


def _own_departments(actor: Any) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(user=actor, role=Role.DEPARTMENT_OFFICER).values("department_id")


def configurable_q(actor: Any, path: str = "") -> Q:
    """A Q selecting the channels (reached through `path`, e.g. "channel__") the actor may configure."""
    scope = scope_for(actor)
    if scope.has_role(Role.SYS_ADMIN):
        return Q()
    combined = NOTHING
    for prefix in _territory_prefixes(actor):
        combined |= (
            Q(**{f"{path}division__code__startswith": prefix})
            | Q(**{f"{path}department__division__code__startswith": prefix})
            | Q(**{f"{path}enterprise__division__code__startswith": prefix})
        )
    if scope.has_role(Role.DEPARTMENT_OFFICER) and _is_person(actor):
        combined |= Q(**{f"{path}department__in": _own_departments(actor)})
    return combined


def may_configure(
    actor: Any, *, division_code: str | None = None, department: Any = None, enterprise: Any = None
) -> bool:
    """May the actor configure channels of this unit (one of division code, department, enterprise)?"""
    scope = scope_for(actor)
    if scope.has_role(Role.SYS_ADMIN):
        return True
    prefixes = _territory_prefixes(actor)
    if division_code is not None:
        return any(division_code.startswith(p) for p in prefixes)
    if department is not None:
        if any(department.division_id.startswith(p) for p in prefixes):
            return True
        return (
            scope.has_role(Role.DEPARTMENT_OFFICER)
            and _own_departments(actor).filter(department_id=department.pk).exists()
        )
    if enterprise is not None:
        return any(enterprise.division_id.startswith(p) for p in prefixes)
    return False


def may_see_channels(actor: Any) -> bool:
    return scope_for(actor).has_role(*CONFIGURERS)


def unit_choices(actor: Any) -> list[tuple[str, str]]:
    """The units the actor may configure channels for, as (unit key, label): divisions down to
    township level and departments (an enterprise's channel is set through the service or API)."""
    scope = scope_for(actor)
    if scope.has_role(Role.SYS_ADMIN):
        divisions = Division.objects.filter(level__lte=9)
        departments = Department.objects.all()
    else:
        prefixes = _territory_prefixes(actor)
        division_q, department_q = NOTHING, NOTHING
        for prefix in prefixes:
            division_q |= Q(code__startswith=prefix)
            department_q |= Q(division__code__startswith=prefix)
        if scope.has_role(Role.DEPARTMENT_OFFICER) and _is_person(actor):
            department_q |= Q(pk__in=_own_departments(actor))
        divisions = Division.objects.filter(division_q, level__lte=9)
        departments = Department.objects.filter(department_q)
    choices = [(f"division:{d.code}", f"{d.name} ({d.code})") for d in divisions.order_by("code")]
    choices += [
        (f"department:{d.uuid}", f"{d.name} · {d.division.name}")
        for d in departments.select_related("division").order_by("division_id", "name")
    ]
    return choices


# ---- channels and deliveries ---------------------------------------------------------------------


def channel_list(*, actor: Any) -> QuerySet[Channel]:
    return (
        Channel.objects.filter(configurable_q(actor))
        .select_related("division", "department__division", "enterprise")
        .order_by("kind", "name", "pk")
    )


def channel_get(*, actor: Any, uuid: Any) -> Channel:
    return channel_list(actor=actor).get(uuid=uuid)


PROBLEMS = "problems"


def deliveries(*, actor: Any, status: str | None = None) -> QuerySet[Delivery]:
    """Deliveries of the channels the actor may configure. `status="problems"` (the page's default)
    selects what needs a look: failed, dead, and pending ones that have failed before."""
    queryset = Delivery.objects.filter(configurable_q(actor, "channel__"))
    if status == PROBLEMS:
        queryset = queryset.filter(
            Q(status__in=[DeliveryStatus.FAILED, DeliveryStatus.DEAD])
            | Q(status=DeliveryStatus.PENDING, attempts__gt=0)
        )
    elif status:
        queryset = queryset.filter(status=status)
    return queryset.select_related("message", "channel").order_by("-created_at", "-pk")


def delivery_get(*, actor: Any, uuid: Any) -> Delivery:
    return deliveries(actor=actor).get(uuid=uuid)
