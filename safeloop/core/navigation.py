"""Navigation by role: each entry names the roles that see it (None = every member) and the menu group
it sits in (None = the top bar). A group a user would see with one entry shows as that entry."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from safeloop.accounts.choices import Role
from safeloop.core.scoping import scope_for


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    icon: str
    roles: frozenset[str] | None = None
    group: str | None = None


GROUPS: dict[str, Promise] = {
    "hazards": _("Hazards"),
    "risks": _("Risks"),
    "inspections": pgettext_lazy("menu group", "Inspections"),
    "reference": _("Organisation"),
    "system": _("System"),
}

BUSINESS = frozenset(Role.values) - {Role.AUDIT_ADMIN}
OFFICERS = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})
CHECKERS = OFFICERS | {Role.ENTERPRISE_OFFICER, Role.GRID_WORKER}

NAV: tuple[NavItem, ...] = (
    NavItem(_("Home"), "home", "home", None),
    NavItem(_("My tasks"), "hazards:tasks", "checklist", BUSINESS),
    NavItem(_("My check tasks"), "risks:checks", "clipboard-check", CHECKERS),
    NavItem(_("Report a hazard"), "hazards:report", "camera-plus", BUSINESS),
    NavItem(_("Phone app"), "phone:home", "device-mobile", frozenset({Role.GRID_WORKER, Role.ENTERPRISE_OFFICER})),
    NavItem(_("Hazard list"), "hazards:list", "alert-triangle", BUSINESS, "hazards"),
    NavItem(_("Hazard map"), "hazards:map", "map-pin", BUSINESS, "hazards"),
    NavItem(
        _("Hazard overview"),
        "hazards:overview",
        "chart-bar",
        OFFICERS | {Role.LEADER, Role.SUPERVISOR},
        "hazards",
    ),
    NavItem(_("Import a hazard ledger"), "hazards:ledger_import", "file-import", OFFICERS, "hazards"),
    NavItem(_("Criteria and deadlines"), "hazards:reference", "list-check", BUSINESS, "hazards"),
    NavItem(_("Risk register"), "risks:list", "list-details", BUSINESS, "risks"),
    NavItem(_("Four-colour risk map"), "risks:map", "map-2", BUSINESS, "risks"),
    NavItem(_("Score bands"), "risks:bands", "adjustments", BUSINESS, "risks"),
    NavItem(_("Inspections"), "inspections:inspection_list", "clipboard-list", BUSINESS, "inspections"),
    NavItem(_("Campaigns"), "inspections:campaign_list", "flag", BUSINESS, "inspections"),
    NavItem(_("Checklists"), "inspections:checklist_list", "list-check", BUSINESS, "inspections"),
    NavItem(
        _("Patrol check-in"),
        "inspections:patrol_check_in",
        "map-pin-check",
        frozenset({Role.GRID_WORKER, Role.DIVISION_OFFICER}),
        "inspections",
    ),
    NavItem(_("Patrol log"), "inspections:patrol_log", "route", BUSINESS, "inspections"),
    NavItem(
        _("Patrol coverage"),
        "inspections:patrol_coverage",
        "map-pins",
        OFFICERS | {Role.GRID_WORKER, Role.LEADER, Role.SUPERVISOR},
        "inspections",
    ),
    NavItem(_("Enterprises"), "orgs:enterprise_list", "building", BUSINESS, "reference"),
    NavItem(_("Divisions"), "orgs:division_tree", "sitemap", BUSINESS, "reference"),
    NavItem(_("Grid map"), "orgs:grid_map", "map", BUSINESS, "reference"),
    NavItem(_("Departments"), "orgs:department_list", "users-group", BUSINESS, "reference"),
    NavItem(_("Responsibility map"), "orgs:responsibility_map", "arrows-split", BUSINESS, "reference"),
    NavItem(_("Users"), "accounts:user_list", "user-cog", frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN}), "system"),
    NavItem(_("Security policy"), "accounts:security_policy", "lock", frozenset({Role.SEC_ADMIN}), "system"),
    NavItem(_("Audit log"), "core:audit_log", "file-search", frozenset({Role.AUDIT_ADMIN}), "system"),
    NavItem(
        _("Notification channels"),
        "notifications:channel_list",
        "bell-cog",
        frozenset({Role.SYS_ADMIN, Role.CITY_OFFICE}),
        "system",
    ),
    NavItem(
        _("Deliveries"),
        "notifications:delivery_list",
        "send",
        frozenset({Role.SYS_ADMIN, Role.CITY_OFFICE}),
        "system",
    ),
)


def menu_for(user: Any) -> list[dict[str, Any]]:
    """The entries this user sees, in order, each with its group."""
    scope = scope_for(user)
    items = []
    for item in NAV:
        if item.roles is None or scope.roles & item.roles:
            items.append(
                {
                    "label": item.label,
                    "url": reverse(item.url_name),
                    "icon": item.icon,
                    "url_name": item.url_name,
                    "group": item.group,
                }
            )
    return items


def menu_tree(items: list[dict[str, Any]], current: str = "") -> list[dict[str, Any]]:
    """The top bar: entries without a group, then one dropdown per group in GROUPS order (a group of
    one entry shows as that entry). `active` marks the entry, or the group, of the current page."""
    top: list[dict[str, Any]] = []
    grouped: dict[str, list[dict[str, Any]]] = {key: [] for key in GROUPS}
    for item in items:
        entry = {**item, "active": item["url_name"] == current}
        grouped.get(item["group"], top).append(entry)
    for key, entries in grouped.items():
        if len(entries) == 1:
            top.append(entries[0])
        elif entries:
            top.append(
                {
                    "label": GROUPS[key],
                    "group_key": key,
                    "children": entries,
                    "active": any(e["active"] for e in entries),
                }
            )
    return top
