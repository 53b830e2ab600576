"""Reads of the risk register, always through the caller's scope (DESIGN.md "Scope"): territory by
division code prefix, sectors for department officers, the enterprise for its officers, the grid for
its workers."""

from typing import Any

from django.db.models import Q, QuerySet

from safeloop.core.scoping import ScopeFields, scope_for
from safeloop.risks.models import CheckTask, RiskAssessment, RiskPoint

RISK_SCOPE = ScopeFields(
    division="division__code",
    sector_q=lambda codes: Q(sector_id__in=codes),
    enterprise="enterprise_id",
    grid="grid_id",
)
CHECK_SCOPE = ScopeFields(
    division="point__division__code",
    sector_q=lambda codes: Q(point__sector_id__in=codes),
    enterprise="point__enterprise_id",
    grid="point__grid_id",
)


def risk_scope_q(actor: Any) -> Q:
    return scope_for(actor).q(RISK_SCOPE)


def risk_point_list(*, actor: Any, include_inactive: bool = False) -> QuerySet[RiskPoint]:
    qs = RiskPoint.objects.filter(risk_scope_q(actor)).select_related("sector", "enterprise", "division", "grid")
    return qs if include_inactive else qs.filter(active=True)


def risk_point_get(*, actor: Any, uuid: Any) -> RiskPoint:
    return risk_point_list(actor=actor, include_inactive=True).get(uuid=uuid)


def assessments(*, point: RiskPoint) -> QuerySet[RiskAssessment]:
    return point.assessments.select_related("table", "criteria_item", "assessed_by")


def check_list(*, actor: Any) -> QuerySet[CheckTask]:
    return CheckTask.objects.filter(scope_for(actor).q(CHECK_SCOPE)).select_related(
        "measure", "point", "point__enterprise", "hazard", "checked_by"
    )


def check_get(*, actor: Any, uuid: Any) -> CheckTask:
    return check_list(actor=actor).get(uuid=uuid)
