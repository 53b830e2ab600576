"""Who hears about what happens to a hazard. Messages are English msgids rendered in each reader's
language by the notifications app; the params carry the hazard's code and title."""

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_noop

from safeloop.accounts.choices import Role
from safeloop.hazards.models import Hazard
from safeloop.notifications.services import Audience, notify

OFFICER_ROLES = (Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER, Role.CITY_OFFICE, Role.ENTERPRISE_OFFICER)


def owners(hazard: Hazard) -> Audience:
    """Both owners (属地 and 行业) and the enterprise."""
    return Audience(
        divisions=tuple(c for c in (hazard.territorial_division_id, hazard.county_code) if c),
        departments=(hazard.industry_department_id,) if hazard.industry_department_id else (),
        enterprises=(hazard.enterprise_id,) if hazard.enterprise_id else (),
        roles=OFFICER_ROLES,
    )


def rectifier(hazard: Hazard) -> Audience:
    if hazard.enterprise_id:
        return Audience(enterprises=(hazard.enterprise_id,))
    kind, _, key = hazard.rectifying_unit.partition(":")
    if kind == "department":
        return Audience(departments=(int(key),))
    return Audience(divisions=(key or hazard.territorial_division_id or hazard.county_code,), roles=OFFICER_ROLES)


def verifiers(hazard: Hazard) -> Audience:
    return Audience(divisions=(hazard.county_code,), roles=(Role.VERIFIER, Role.DIVISION_OFFICER))


def superiors(hazard: Hazard) -> Audience:
    return Audience(divisions=(hazard.county_code,), roles=(Role.DIVISION_OFFICER,))


def regulators(hazard: Hazard) -> Audience:
    return Audience(
        divisions=(hazard.county_code,),
        departments=(hazard.industry_department_id,) if hazard.industry_department_id else (),
        roles=(Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER),
    )


def reporter(hazard: Hazard) -> Audience:
    return Audience(users=(hazard.reported_by_id,)) if hazard.reported_by_id else Audience()


def merge(*audiences: Audience) -> Audience:
    def union(name: str) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(v for a in audiences for v in getattr(a, name)))

    # Roles narrow unit members only (listed users always hear); an audience naming units without a
    # role filter wants every member of them, so then no filter applies.
    with_units = [a for a in audiences if a.divisions or a.departments or a.enterprises or a.grids]
    roles = union("roles") if all(a.roles for a in with_units) else ()
    return Audience(
        users=union("users"),
        divisions=union("divisions"),
        departments=union("departments"),
        enterprises=union("enterprises"),
        grids=union("grids"),
        roles=roles,
    )


def hazard_url(hazard: Hazard) -> str:
    return reverse("hazards:detail", args=[hazard.uuid])


def params(hazard: Hazard, **extra: Any) -> dict[str, Any]:
    return {"code": hazard.code, "title": hazard.title, **{k: str(v) for k, v in extra.items()}}


# action → (audience builder, title msgid)
ACTION_MESSAGES: dict[str, tuple[Callable[[Hazard], Audience], str]] = {
    "confirm": (lambda h: merge(rectifier(h), reporter(h)), gettext_noop("Hazard %(code)s confirmed: %(title)s")),
    "reject": (reporter, gettext_noop("Hazard %(code)s was judged invalid")),
    "duplicate": (reporter, gettext_noop("Hazard %(code)s was marked as a duplicate")),
    "submit": (verifiers, gettext_noop("Hazard %(code)s is rectified and awaits verification")),
    "verify": (lambda h: merge(owners(h), reporter(h)), gettext_noop("Hazard %(code)s verified and closed")),
    "return": (rectifier, gettext_noop("Hazard %(code)s was returned for more work")),
    "submit_plan": (regulators, gettext_noop("Governance plan submitted for major hazard %(code)s")),
    "approve_plan": (regulators, gettext_noop("Major hazard %(code)s is under governance")),
    "list": (lambda h: merge(rectifier(h), owners(h)), gettext_noop("Major hazard %(code)s listed for supervision")),
    "evaluate": (regulators, gettext_noop("Governance of major hazard %(code)s evaluated")),
    "apply_acceptance": (regulators, gettext_noop("Major hazard %(code)s awaits on-site acceptance")),
    "accept": (lambda h: merge(owners(h), reporter(h)), gettext_noop("Major hazard %(code)s accepted and written off")),
    "extend": (superiors, gettext_noop("Deadline extension requested for hazard %(code)s")),
    "approve_extension": (rectifier, gettext_noop("Decision on the deadline extension of hazard %(code)s")),
    "reopen": (lambda h: merge(rectifier(h), owners(h)), gettext_noop("Hazard %(code)s was reopened")),
}


def after_action(hazard: Hazard, action: str, note: str) -> None:
    entry = ACTION_MESSAGES.get(action)
    if entry is None:
        return
    audience_of, title = entry
    notify(
        kind=f"hazard.{action}",
        audience=audience_of(hazard),
        title=title,
        body=gettext_noop("%(title)s — %(note)s") if note else gettext_noop("%(title)s"),
        params=params(hazard, note=note),
        url=hazard_url(hazard),
        obj=hazard,
    )


def after_report(hazard: Hazard) -> None:
    notify(
        kind="hazard.reported",
        audience=owners(hazard),
        title=gettext_noop("New hazard %(code)s: %(title)s"),
        body=gettext_noop("Reported in %(place)s; sector %(sector)s. Please confirm it."),
        params=params(hazard, place=hazard.territorial_unit, sector=hazard.sector_id),
        url=hazard_url(hazard),
        obj=hazard,
    )
