"""The demo logins of DESIGN.md, created on top of any city that has 月湖区 and 贵溪市, an enterprise
in 月湖区 and its grid. Used by `safeloop demo` and by the test personas alike."""

from dataclasses import dataclass
from typing import Any

from safeloop.accounts import services
from safeloop.accounts.choices import Role
from safeloop.accounts.models import User
from safeloop.core.actors import DEMO
from safeloop.orgs.models import Department, Enterprise

DEMO_PASSWORD = "SafeLoop-2026!"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    real_name: str
    phone: str
    role: str | None
    anchor: str | None  # how the anchor is found in the city


DEMO_PEOPLE = (
    DemoPerson("admin", "系统管理员", "13800000001", Role.SYS_ADMIN, None),
    DemoPerson("security", "安全管理员", "13800000002", Role.SEC_ADMIN, None),
    DemoPerson("auditor", "审计管理员", "13800000003", Role.AUDIT_ADMIN, None),
    DemoPerson("city", "李安委", "13870110001", Role.CITY_OFFICE, "division:360600"),
    DemoPerson("leader", "王市长", "13870110002", Role.LEADER, "division:360600"),
    DemoPerson("yuehu", "陈月湖", "13870120001", Role.DIVISION_OFFICER, "division:360602"),
    DemoPerson("guixi", "刘贵溪", "13870130001", Role.DIVISION_OFFICER, "division:360681"),
    DemoPerson("yingji", "张应急", "13870110003", Role.DEPARTMENT_OFFICER, "department:360600:emergency"),
    DemoPerson("jiaoyu", "赵教育", "13870110004", Role.DEPARTMENT_OFFICER, "department:360600:education"),
    DemoPerson("ent1", "周安全", "13970120005", Role.ENTERPRISE_OFFICER, "enterprise"),
    DemoPerson("grid1", "吴网格", "13970120006", Role.GRID_WORKER, "grid"),
    DemoPerson("verifier", "郑验收", "13870120007", Role.VERIFIER, "division:360602"),
    DemoPerson("outsider", "路人甲", "13600000000", None, None),
)


def create_demo_people(*, enterprise: Enterprise, actor: Any = DEMO) -> dict[str, User]:
    """Create (or find) every demo login; `enterprise` is ent1's, in 月湖区, and its grid is grid1's."""
    people: dict[str, User] = {}
    for person in DEMO_PEOPLE:
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = services.user_create(
                actor=actor,
                username=person.username,
                password=DEMO_PASSWORD,
                real_name=person.real_name,
                phone=person.phone,
            )
        if person.role is not None and not user.memberships.exists():
            services.membership_add(actor=actor, user=user, role=person.role, **_anchor(person.anchor, enterprise))
        people[person.username] = user
    return people


def _anchor(anchor: str | None, enterprise: Enterprise) -> dict[str, Any]:
    if anchor is None:
        return {}
    kind, *rest = anchor.split(":")
    if kind == "division":
        from safeloop.orgs.models import Division

        return {"division": Division.objects.get(code=rest[0])}
    if kind == "department":
        return {"department": Department.objects.get(division_id=rest[0], function=rest[1])}
    if kind == "enterprise":
        return {"enterprise": enterprise}
    if kind == "grid":
        return {"grid": enterprise.grid}
    raise ValueError(anchor)
