"""Who hears about a risk point: its enterprise's officers, or for a public area the officers of
its township and district. Messages are English msgids rendered in each reader's language."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from safeloop.accounts.choices import Role
from safeloop.notifications.services import Audience, notify
from safeloop.risks.models import RiskPoint


def keepers(point: RiskPoint) -> Audience:
    if point.enterprise_id:
        return Audience(enterprises=(point.enterprise_id,))
    return Audience(
        divisions=(point.division_id[:9], point.division_id[:6]),
        grids=(point.grid_id,) if point.grid_id else (),
        roles=(Role.DIVISION_OFFICER, Role.GRID_WORKER),
    )


def point_url(point: RiskPoint) -> str:
    return reverse("risks:detail", args=[point.uuid])


def reassessment_needed(point: RiskPoint, note: str = "") -> None:
    notify(
        kind="risk.reassess",
        audience=keepers(point),
        title=gettext_noop("Risk point %(code)s needs re-assessment: %(name)s"),
        body=gettext_noop("%(reason)s — %(note)s") if note else gettext_noop("%(reason)s"),
        params={
            "code": point.code,
            "name": point.name,
            "reason": point.raised_reason or point.reassess_reason,
            "note": note,
        },
        url=point_url(point),
        obj=point,
    )


def review_due(point: RiskPoint) -> None:
    notify(
        kind="risk.review_due",
        audience=keepers(point),
        title=gettext_noop("Periodic review of risk point %(code)s due on %(due)s"),
        body=gettext_noop("%(name)s was last assessed on %(last)s."),
        params={
            "code": point.code,
            "name": point.name,
            "due": point.next_review_at.isoformat() if point.next_review_at else "",
            "last": point.last_assessed_at.date().isoformat() if point.last_assessed_at else "",
        },
        url=point_url(point),
        obj=point,
        dedupe_key=f"risk.review_due:{point.pk}:{point.next_review_at}",
    )
