"""The enterprise's 四色图 on its own site plan (DOMAIN.md §4.5): upload the plan image and place risk
points on it as fractions of its width and height. One transaction and one audit row per call; bad
input raises FieldErrors naming the field before anything is written."""

import math
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safeloop.core import audit
from safeloop.core.errors import FieldErrors
from safeloop.core.images import ImageRejected, clean_image
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed
from safeloop.risks import permissions
from safeloop.risks.models import RiskPoint, SitePlan

PLAN_FIELDS = ("enterprise", "content_type", "width", "height")


def can_edit_plan(actor: Any, enterprise: Enterprise) -> bool:
    return permissions.can_edit_enterprise(actor, enterprise)


def site_plan_upload(*, actor: Any, enterprise: Enterprise, content: bytes) -> SitePlan:
    """Store (or replace) the enterprise's site plan: JPEG, PNG or WebP by content, at most 10 MB,
    re-encoded without metadata. Points already placed keep their fractions."""
    if not can_edit_plan(actor, enterprise):
        raise NotAllowed(_("You may not change this enterprise's site plan."))
    try:
        image = clean_image(content)
    except ImageRejected as exc:
        raise FieldErrors.single("file", str(exc)) from exc
    with transaction.atomic():
        plan = SitePlan.objects.select_for_update().filter(enterprise=enterprise).first()
        before = audit.snapshot(plan, PLAN_FIELDS) if plan else None
        old_name = plan.file.name if plan else ""
        if plan is None:
            plan = SitePlan(enterprise=enterprise)
        plan.content_type = image.content_type
        plan.width, plan.height = image.width, image.height
        plan.uploaded_by = actor if getattr(actor, "is_authenticated", False) else None
        plan.file.save(f"plan.{image.extension}", ContentFile(image.content), save=False)
        plan.save()
        after = audit.snapshot(plan, PLAN_FIELDS) | {"size": len(image.content)}
        audit.record(actor=actor, verb="site_plan.upload", obj=enterprise, before=before, after=after)
        if old_name:
            storage = plan.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return plan


def _fraction(value: Any, name: str, errors: FieldErrors) -> float | None:
    if value is None or str(value).strip() == "":
        errors.add(name, _("This field is required."))
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None
    if not math.isfinite(number) or not 0 <= number <= 1:
        errors.add(name, _("Give a fraction of the plan between 0 and 1."))
        return None
    return number


def _set_place(actor: Any, point: RiskPoint, x: float | None, y: float | None, verb: str) -> RiskPoint:
    before = {"plan_x": point.plan_x, "plan_y": point.plan_y}
    with transaction.atomic():
        # Only the position changes: an edit of the point's other fields open meanwhile stays valid.
        RiskPoint.objects.filter(pk=point.pk).update(plan_x=x, plan_y=y, updated_at=timezone.now())
        point.plan_x, point.plan_y = x, y
        audit.record(actor=actor, verb=verb, obj=point, before=before, after={"plan_x": x, "plan_y": y})
    return point


def point_place(*, actor: Any, point: RiskPoint, x: Any, y: Any) -> RiskPoint:
    """Put an enterprise's point on its site plan at (x, y), fractions of the plan's width and height
    from its top-left corner."""
    permissions.require_edit(actor, point)
    errors = FieldErrors()
    if point.enterprise_id is None:
        errors.add("point", _("Only an enterprise's risk points go on a site plan."))
    elif not SitePlan.objects.filter(enterprise_id=point.enterprise_id).exists():
        errors.add("point", _("Upload the enterprise's site plan first."))
    fx = _fraction(x, "x", errors)
    fy = _fraction(y, "y", errors)
    errors.raise_if_any()
    return _set_place(actor, point, fx, fy, "risk_point.place")


def point_unplace(*, actor: Any, point: RiskPoint) -> RiskPoint:
    """Take a point off the site plan (it stays in the register and on the map)."""
    permissions.require_edit(actor, point)
    if point.plan_x is None and point.plan_y is None:
        return point
    return _set_place(actor, point, None, None, "risk_point.unplace")
