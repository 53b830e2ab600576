"""The demo logins as a table (`safeloop demo_logins`): who each is and what each may see, read from
the memberships actually in the database."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.accounts.demo_people import DEMO_PASSWORD, DEMO_PEOPLE
from safeloop.accounts.models import Membership, User

__all__ = ["DEMO_PASSWORD", "DemoLogin", "demo_logins"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    real_name: str
    scope: str
    exists: bool


def _anchorless_scope(role: str) -> str:
    scopes: dict[str, str] = {
        Role.SYS_ADMIN: _("whole system"),
        Role.SEC_ADMIN: _("accounts and security policy"),
        Role.AUDIT_ADMIN: _("audit log"),
    }
    return scopes.get(role, "")


def _scope(membership: Membership) -> str:
    if membership.division is not None:
        return f"{membership.division.name} ({membership.division.code})"
    if membership.department is not None:
        return membership.department.name
    if membership.enterprise is not None:
        return membership.enterprise.name
    if membership.grid is not None:
        return f"{membership.grid.name} ({membership.grid.code})"
    return _anchorless_scope(membership.role)


def demo_logins() -> list[DemoLogin]:
    users = {u.username: u for u in User.objects.filter(username__in=[p.username for p in DEMO_PEOPLE])}
    memberships: dict[int, list[Membership]] = {}
    for m in Membership.objects.filter(user__in=users.values()).select_related(
        "division", "department", "enterprise", "grid"
    ):
        memberships.setdefault(m.user_id, []).append(m)
    rows = []
    for person in DEMO_PEOPLE:
        user = users.get(person.username)
        held = memberships.get(user.pk, []) if user else []
        role = str(Role(person.role).label) if person.role else _("no role")
        if held:
            scope = "; ".join(_scope(m) for m in held)
        elif person.role is None:
            scope = _("nothing")
        else:
            scope = "—"
        rows.append(DemoLogin(person.username, role, person.real_name, scope, user is not None))
    return rows
