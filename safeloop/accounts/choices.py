from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles a membership grants. The first three are the 三员 (DOMAIN.md §10.2): mutually exclusive."""

    SYS_ADMIN = "sys_admin", _("System administrator")
    SEC_ADMIN = "sec_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    CITY_OFFICE = "city_office", _("City Safety Committee Office")
    DIVISION_OFFICER = "division_officer", _("District/township officer")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    ENTERPRISE_OFFICER = "enterprise_officer", _("Enterprise safety officer")
    GRID_WORKER = "grid_worker", _("Grid worker")
    VERIFIER = "verifier", _("Verifier")
    SUPERVISOR = "supervisor", _("Supervision team member")
    LEADER = "leader", _("Leader (read-only)")


THREE_ADMINS = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN})

# Which anchor a membership of each role needs: the org unit it acts through.
ROLE_ANCHOR: dict[str, str | None] = {
    Role.SYS_ADMIN: None,
    Role.SEC_ADMIN: None,
    Role.AUDIT_ADMIN: None,
    Role.CITY_OFFICE: "division",
    Role.DIVISION_OFFICER: "division",
    Role.DEPARTMENT_OFFICER: "department",
    Role.ENTERPRISE_OFFICER: "enterprise",
    Role.GRID_WORKER: "grid",
    Role.VERIFIER: "division",
    Role.SUPERVISOR: "division",
    Role.LEADER: "division",
}

# Roles whose holders may change organisation data inside their scope.
ORG_EDITORS = frozenset({Role.SYS_ADMIN, Role.CITY_OFFICE, Role.DIVISION_OFFICER})
