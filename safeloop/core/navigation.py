"""Navigation by role: each entry names the roles that see it (None = every member)."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safeloop.accounts.choices import Role
from safeloop.core.scoping import scope_for


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    icon: str
    roles: frozenset[str] | None = None


BUSINESS = frozenset(Role.values) - {Role.AUDIT_ADMIN}

NAV: tuple[NavItem, ...] = (
    NavItem(_("Home"), "home", "home", None),
    NavItem(_("My tasks"), "hazards:tasks", "checklist", BUSINESS),
    NavItem(_("Hazards"), "hazards:list", "alert-triangle", BUSINESS),
    NavItem(_("Hazard map"), "hazards:map", "map-pin", BUSINESS),
    NavItem(
        _("Hazard overview"),
        "hazards:overview",
        "chart-bar",
        frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.LEADER, Role.SUPERVISOR, Role.DEPARTMENT_OFFICER}),
    ),
    NavItem(_("Report a hazard"), "hazards:report", "camera-plus", BUSINESS),
    NavItem(_("Risk register"), "risks:list", "list-details", BUSINESS),
    NavItem(_("Four-colour risk map"), "risks:map", "map-2", BUSINESS),
    NavItem(
        _("My check tasks"),
        "risks:checks",
        "clipboard-check",
        frozenset(
            {
                Role.ENTERPRISE_OFFICER,
                Role.GRID_WORKER,
                Role.DIVISION_OFFICER,
                Role.DEPARTMENT_OFFICER,
                Role.CITY_OFFICE,
            }
        ),
    ),
    NavItem(_("Enterprises"), "orgs:enterprise_list", "building", BUSINESS),
    NavItem(_("Divisions"), "orgs:division_tree", "sitemap", BUSINESS),
    NavItem(_("Grid map"), "orgs:grid_map", "map", BUSINESS),
    NavItem(_("Departments"), "orgs:department_list", "users-group", BUSINESS),
    NavItem(_("Responsibility map"), "orgs:responsibility_map", "arrows-split", BUSINESS),
    NavItem(_("Criteria and deadlines"), "hazards:reference", "list-check", BUSINESS),
    NavItem(_("Score bands"), "risks:bands", "adjustments", BUSINESS),
    NavItem(
        _("Import a hazard ledger"),
        "hazards:ledger_import",
        "file-import",
        frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER}),
    ),
    NavItem(_("Users"), "accounts:user_list", "user-cog", frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN})),
    NavItem(_("Security policy"), "accounts:security_policy", "lock", frozenset({Role.SEC_ADMIN})),
    NavItem(_("Audit log"), "core:audit_log", "file-search", frozenset({Role.AUDIT_ADMIN})),
    NavItem(
        _("Notification channels"),
        "notifications:channel_list",
        "bell-cog",
        frozenset({Role.SYS_ADMIN, Role.CITY_OFFICE}),
    ),
    NavItem(_("Deliveries"), "notifications:delivery_list", "send", frozenset({Role.SYS_ADMIN, Role.CITY_OFFICE})),
)


def menu_for(user: Any) -> list[dict[str, Any]]:
    scope = scope_for(user)
    items = []
    for item in NAV:
        if item.roles is None or scope.roles & item.roles:
            items.append(
                {"label": item.label, "url": reverse(item.url_name), "icon": item.icon, "url_name": item.url_name}
            )
    return items
