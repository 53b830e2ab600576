"""My tasks (待办): the hazards on which the caller can act now, grouped by the action, overdue first.

The scoped list is first narrowed, in SQL, to the statuses where the caller's roles can act at all
(triage: reported; rectifier: confirmed … evaluated; verifier: submitted; regulator: plan required and
awaiting acceptance; superior: a pending extension). `permissions.allowed_actions` then decides per
row, on one page of candidates, so the cost does not grow with the whole scope."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from safeloop.accounts.choices import Role
from safeloop.core.scoping import scope_for
from safeloop.hazards import permissions, selectors, workflow
from safeloop.hazards.choices import OPEN_STATUSES
from safeloop.hazards.choices import HazardStatus as S
from safeloop.hazards.models import Hazard

PAGE_SIZE = 100
MY_REPORTS = 20
RECTIFYING = (S.CONFIRMED, S.RECTIFYING, S.PLAN_REQUIRED, S.LISTED, S.GOVERNING, S.EVALUATED)
# Actions that are always open to a party but are not a task waiting on it.
OPTIONAL = frozenset({"extend", "reopen"})
ACTION_ORDER = {action: index for index, action in enumerate(workflow.ACTIONS)}
NOTHING = Q(pk__in=[])


def candidates_q(actor: Any) -> Q:
    """Statuses (and a pending extension) where the caller's roles can have something to do."""
    scope = scope_for(actor)
    roles = scope.roles
    units = [grant.unit for grant in scope.grants]
    q = NOTHING
    if roles & permissions.OFFICERS:
        # Triage, verification, listing and on-site acceptance; never of the unit's own work.
        q |= Q(status=S.REPORTED)
        q |= Q(status__in=(S.SUBMITTED, S.PLAN_REQUIRED, S.ACCEPTANCE_PENDING)) & ~Q(rectifying_unit__in=units)
    if Role.VERIFIER in roles:
        q |= Q(status=S.SUBMITTED) & ~Q(rectifying_unit__in=units)
    # The rectifier: the enterprise's officers; without an enterprise, the territory or department.
    enterprises = [grant.enterprise_id for grant in scope.grants if grant.enterprise_id]
    if enterprises:
        q |= Q(status__in=RECTIFYING, enterprise_id__in=enterprises)
    if roles & {Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER}:
        q |= Q(status__in=RECTIFYING, enterprise__isnull=True) & (Q(rectifying_unit="") | Q(rectifying_unit__in=units))
    elif units:
        q |= Q(status__in=RECTIFYING, enterprise__isnull=True, rectifying_unit__in=units)
    # The superior decides on extension requests: the city office or a district/county officer.
    if any(
        grant.role == Role.CITY_OFFICE or (grant.role == Role.DIVISION_OFFICER and len(grant.division_code or "") <= 6)
        for grant in scope.grants
    ):
        q |= Q(has_pending_extension=True, status__in=workflow.OPEN_FOR_DEADLINE)
    return q


def task_actions(hazard: Hazard, allowed: list[str]) -> list[str]:
    actions = [a for a in allowed if a not in OPTIONAL]
    if hazard.status == S.GOVERNING:
        actions = [a for a in actions if a != "list"]  # listing a governed hazard is a choice, not a task
    return actions


def action_label(action: str, hazard: Hazard) -> str:
    rule = workflow.rule_for(action, hazard.status, hazard.level)
    return str(rule.label) if rule else action


@dataclass
class Group:
    action: str
    label: str
    rows: list[tuple[Hazard, list[tuple[str, str]]]] = field(default_factory=list)
    overdue: int = 0


@login_required
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    actor = request.user
    now = timezone.now()
    queryset = (
        selectors.hazard_list(actor=actor)
        .filter(candidates_q(actor))
        .select_related("territorial_division")
        .annotate(
            is_overdue=Case(
                When(status__in=OPEN_STATUSES, due_at__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-is_overdue", "due_at", "-reported_at", "-id")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    groups: dict[str, Group] = {}
    total = overdue = 0
    for hazard in page:
        actions = task_actions(hazard, permissions.allowed_actions(actor, hazard))
        if not actions:
            continue
        labelled = [(action, action_label(action, hazard)) for action in actions]
        primary, label = labelled[0]
        group = groups.setdefault(primary, Group(primary, label))
        group.rows.append((hazard, labelled))
        total += 1
        if hazard.overdue:
            group.overdue += 1
            overdue += 1
    ordered = sorted(groups.values(), key=lambda g: (-g.overdue, ACTION_ORDER.get(g.action, 99)))
    scope = scope_for(actor)
    mine = None
    if Role.GRID_WORKER in scope.roles or not (scope.roles - {Role.GRID_WORKER}):
        mine = list(
            selectors.hazard_list(actor=actor)
            .filter(reported_by_id=actor.pk)
            .order_by("-reported_at", "-id")[:MY_REPORTS]
        )
    return render(
        request,
        "hazards/tasks.html",
        {"groups": ordered, "page": page, "total": total, "overdue": overdue, "my_reports": mine},
    )
