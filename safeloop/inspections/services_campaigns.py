"""Every change to a 大排查大整治 campaign: one service call, one transaction, one audit row. Bad input
raises FieldErrors naming each field before anything is written (DESIGN.md "Errors")."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from safeloop.accounts.choices import Role
from safeloop.accounts.models import User
from safeloop.core import audit
from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.filtering import filter_or_raise
from safeloop.core.scoping import scope_for
from safeloop.hazards import numbering
from safeloop.inspections.choices import CampaignStatus, TaskStatus
from safeloop.inspections.models import Campaign, CampaignTarget, CampaignTask, ChecklistTemplate
from safeloop.orgs.filters import EnterpriseFilterSet
from safeloop.orgs.models import Department, Division, Enterprise, Sector
from safeloop.orgs.selectors import enterprise_list
from safeloop.orgs.services import NotAllowed

LAUNCHERS = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})
CAMPAIGN_FIELDS = ("code", "name", "description", "starts_on", "ends_on", "status", "division", "target_filter")
TASK_FIELDS = ("campaign", "title", "division", "department", "assignee", "due_on", "status", "done_at")
FILTER_KEYS = tuple(EnterpriseFilterSet.base_filters)
NEXT_STATUS = {CampaignStatus.PLANNED: CampaignStatus.RUNNING, CampaignStatus.RUNNING: CampaignStatus.CLOSED}


# ---- who may ----------------------------------------------------------------------------------------


def may_launch(actor: Any, division_code: str, sectors: list[str] | None = None) -> bool:
    """A campaign for `division_code` over `sectors` may be launched (and kept) by the city office for
    the city, a division officer for its district, a department officer for its sectors there."""
    scope = scope_for(actor)
    if scope.system_wide:
        return Role.SYS_ADMIN in scope.roles
    for grant in scope.grants:
        if grant.role not in LAUNCHERS or grant.division_prefix is None:
            continue
        if not division_code.startswith(grant.division_prefix):
            continue
        if grant.sectors is None or (sectors is not None and set(sectors) <= grant.sectors):
            return True
    return False


def may_launch_any(actor: Any) -> bool:
    scope = scope_for(actor)
    return (scope.system_wide and Role.SYS_ADMIN in scope.roles) or scope.has_role(*LAUNCHERS)


def campaign_sector_codes(campaign: Campaign) -> list[str]:
    return [sector.code for sector in campaign.sectors.all()]


def can_manage(actor: Any, campaign: Campaign) -> bool:
    return may_launch(actor, campaign.division_id, campaign_sector_codes(campaign))


def can_add_task(actor: Any, campaign: Campaign) -> bool:
    """Those who keep the campaign, and the division officers inside its territory (for their units)."""
    if can_manage(actor, campaign):
        return True
    prefix = campaign.division.prefix
    return any(
        grant.role in (Role.CITY_OFFICE, Role.DIVISION_OFFICER)
        and grant.division_prefix is not None
        and grant.division_prefix.startswith(prefix)
        for grant in scope_for(actor).grants
    )


def can_finish_task(actor: Any, task: CampaignTask) -> bool:
    if getattr(actor, "is_authenticated", False) and task.assignee_id == actor.pk:
        return True
    if can_manage(actor, task.campaign):
        return True
    for grant in scope_for(actor).grants:
        if task.department_id and grant.department_id == task.department_id:
            return True
        if (
            task.division_id
            and grant.role in (Role.CITY_OFFICE, Role.DIVISION_OFFICER)
            and grant.division_prefix is not None
            and task.division_id.startswith(grant.division_prefix)
        ):
            return True
    return False


# ---- field readers ----------------------------------------------------------------------------------


def _text(data: dict[str, Any], name: str, errors: FieldErrors, *, required: bool = False, limit: int = 0) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors.add(name, _("This field is required."))
    elif limit and len(value) > limit:
        errors.add(name, _("At most %(limit)s characters.") % {"limit": limit})
    return value


def _date(data: dict[str, Any], name: str, errors: FieldErrors) -> date | None:
    value = data.get(name)
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        errors.add(name, _("This field is required."))
        return None
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(name, _("Enter a date as YYYY-MM-DD."))
    return parsed


def _codes(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("，", ",").split(",")
    return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def _sectors(data: dict[str, Any], errors: FieldErrors) -> list[str]:
    codes = _codes(data.get("sectors"))
    if not codes:
        errors.add("sectors", _("Choose at least one sector."))
        return []
    known = set(Sector.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        errors.add("sectors", _("Unknown sector code: %(code)s") % {"code": ", ".join(unknown)})
    return [code for code in codes if code in known]


def _templates(data: dict[str, Any], errors: FieldErrors) -> list[ChecklistTemplate]:
    codes = _codes(data.get("templates"))
    templates = list(ChecklistTemplate.objects.filter(code__in=codes, is_current=True))
    unknown = sorted(set(codes) - {t.code for t in templates})
    if unknown:
        errors.add("templates", _("Unknown checklist template: %(code)s") % {"code": ", ".join(unknown)})
    return templates


def _division(actor: Any, code: str, sectors: list[str], errors: FieldErrors) -> Division | None:
    if not code:
        errors.add("division", _("This field is required."))
        return None
    division = Division.objects.filter(code=code).first()
    if division is None:
        errors.add("division", _("Unknown division: %(code)s") % {"code": code})
        return None
    if division.level > 9:
        errors.add("division", _("Choose a city, district or township."))
        return None
    if not may_launch(actor, division.code, sectors or None):
        errors.add("division", _("This division (or these sectors) lies outside your territory."))
        return None
    return division


def _filter_params(value: Any, errors: FieldErrors) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.add("target_filter", _("Give the filter as parameters of the enterprise list."))
        return {}
    unknown = sorted(set(value) - set(FILTER_KEYS))
    if unknown:
        errors.add("target_filter", _("Unknown filter: %(name)s") % {"name": ", ".join(unknown)})
    return {k: v for k, v in value.items() if k in FILTER_KEYS and v not in (None, "")}


def target_enterprises(
    *, actor: Any, division: Division, sectors: list[str], target_filter: dict[str, Any]
) -> QuerySet[Enterprise]:
    """The sites a campaign targets: the caller's enterprises inside the division with one of the
    sectors, narrowed by the enterprise FilterSet's parameters (active sites unless the filter says).
    A bad parameter raises FieldErrors named `target_filter.<name>`."""
    base = enterprise_list(actor=actor).filter(division__code__startswith=division.prefix)
    through = Enterprise.sectors.through
    base = base.filter(pk__in=through.objects.filter(sector__code__in=sectors).values("enterprise_id"))
    params = dict(target_filter)
    params.setdefault("active", True)
    try:
        return filter_or_raise(EnterpriseFilterSet, params, base).order_by("pk")
    except FieldErrors as exc:
        raise FieldErrors([{**e, "field": f"target_filter.{e['field']}"} for e in exc.errors]) from exc


# Fire safety concerns every site; a school that is also a fire-safety unit is counted as a school.
CROSS_CUTTING_SECTORS = frozenset({"fire"})


def _write_targets(campaign: Campaign, enterprises: QuerySet[Enterprise], sectors: list[str]) -> int:
    """One row per site, with its division, grid and its sector in the campaign: the first by position,
    a cross-cutting one (fire) only when the site has no other."""
    rows = list(enterprises.values_list("pk", "division_id", "grid_id"))
    ids = [row[0] for row in rows]
    through = Enterprise.sectors.through
    first: dict[int, str] = {}
    for enterprise_id, code in (
        through.objects.filter(enterprise_id__in=ids, sector__code__in=sectors)
        .order_by("enterprise_id", "sector__position", "sector__code")
        .values_list("enterprise_id", "sector__code")
    ):
        if first.get(enterprise_id) in CROSS_CUTTING_SECTORS or enterprise_id not in first:
            first[enterprise_id] = code
    CampaignTarget.objects.bulk_create(
        [
            CampaignTarget(campaign=campaign, enterprise_id=pk, division_id=div, grid_id=grid, sector_id=first[pk])
            for pk, div, grid in rows
            if pk in first
        ],
        batch_size=1000,
    )
    return len(first)


def _next_code(division: Division, starts_on: date) -> str:
    prefix = f"DPC-{division.code}-{starts_on.year}"
    return f"{prefix}-{numbering.next_number(prefix):03d}"


def _snapshot(campaign: Campaign) -> dict[str, Any]:
    out = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    out["sectors"] = sorted(campaign_sector_codes(campaign)) if campaign.pk else []
    out["templates"] = sorted(f"{t.code}@{t.version}" for t in campaign.templates.all()) if campaign.pk else []
    return out


# ---- campaigns --------------------------------------------------------------------------------------


def campaign_create(*, actor: Any, data: dict[str, Any]) -> Campaign:
    """Launch a campaign: name, period, division, sectors, templates and the target filter; the
    targets are written at once (one row per matched site)."""
    if not may_launch_any(actor):
        raise NotAllowed(_("You may not launch campaigns."))
    errors = FieldErrors()
    name = _text(data, "name", errors, required=True, limit=120)
    description = _text(data, "description", errors, limit=4000)
    starts_on = _date(data, "starts_on", errors)
    ends_on = _date(data, "ends_on", errors)
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("The end must not be before the start."))
    sectors = _sectors(data, errors)
    division = _division(actor, str(data.get("division") or data.get("division_code") or "").strip(), sectors, errors)
    templates = _templates(data, errors)
    target_filter = _filter_params(data.get("target_filter"), errors)
    errors.raise_if_any()
    assert division is not None and starts_on is not None and ends_on is not None
    enterprises = target_enterprises(actor=actor, division=division, sectors=sectors, target_filter=target_filter)
    with transaction.atomic():
        campaign = Campaign(
            code=_next_code(division, starts_on),
            name=name,
            description=description,
            starts_on=starts_on,
            ends_on=ends_on,
            division=division,
            target_filter=target_filter,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        campaign.save(force_insert=True)
        campaign.sectors.set(Sector.objects.filter(code__in=sectors))
        campaign.templates.set(templates)
        targeted = _write_targets(campaign, enterprises, sectors)
        after = _snapshot(campaign) | {"targets": targeted}
        audit.record(actor=actor, verb="campaign.create", obj=campaign, after=after)
    return campaign


def campaign_update(*, actor: Any, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Change the fields present in `data`. Scope (division, sectors, target filter) changes only while
    the campaign is planned, and then its targets are chosen again."""
    if not can_manage(actor, campaign):
        raise NotAllowed(_("You may not change this campaign."))
    errors = FieldErrors()
    before = _snapshot(campaign)
    if "name" in data:
        campaign.name = _text(data, "name", errors, required=True, limit=120)
    if "description" in data:
        campaign.description = _text(data, "description", errors, limit=4000)
    for name in ("starts_on", "ends_on"):
        if name in data:
            value = _date(data, name, errors)
            if value is not None:
                setattr(campaign, name, value)
    if campaign.ends_on < campaign.starts_on:
        errors.add("ends_on", _("The end must not be before the start."))
    templates = _templates(data, errors) if "templates" in data else None
    rescope = any(key in data for key in ("division", "sectors", "target_filter"))
    sectors = campaign_sector_codes(campaign)
    division: Division | None = campaign.division
    if rescope:
        if campaign.status != CampaignStatus.PLANNED:
            errors.add("division", _("The scope of a campaign can change only while it is planned."))
        if "sectors" in data:
            sectors = _sectors(data, errors)
        if "division" in data:
            division = _division(actor, str(data.get("division") or "").strip(), sectors, errors)
        elif not may_launch(actor, campaign.division_id, sectors):
            errors.add("sectors", _("This division (or these sectors) lies outside your territory."))
        if "target_filter" in data:
            campaign.target_filter = _filter_params(data.get("target_filter"), errors)
    errors.raise_if_any()
    enterprises = None
    if rescope:
        assert division is not None
        campaign.division = division
        enterprises = target_enterprises(
            actor=actor, division=division, sectors=sectors, target_filter=campaign.target_filter
        )
        list(enterprises[:1])  # a bad filter fails here, before anything is written
    with transaction.atomic():
        campaign.save()
        if templates is not None:
            campaign.templates.set(templates)
        if enterprises is not None:
            campaign.sectors.set(Sector.objects.filter(code__in=sectors))
            campaign.targets.all().delete()
            _write_targets(campaign, enterprises, sectors)
        audit.record(actor=actor, verb="campaign.update", obj=campaign, before=before, after=_snapshot(campaign))
    return campaign


def campaign_set_status(*, actor: Any, campaign: Campaign, status: str) -> Campaign:
    """planned → running → closed, one step at a time, compare-and-set."""
    if not can_manage(actor, campaign):
        raise NotAllowed(_("You may not change this campaign."))
    if NEXT_STATUS.get(CampaignStatus(campaign.status)) != status:
        raise FieldErrors.single(
            "status",
            _("A campaign that is %(now)s cannot become %(next)s.")
            % {"now": campaign.get_status_display(), "next": dict(CampaignStatus.choices).get(status, status)},
        )
    with transaction.atomic():
        moved = Campaign.objects.filter(pk=campaign.pk, status=campaign.status).update(
            status=status, updated_at=timezone.now()
        )
        if moved != 1:
            raise Conflict(_("This campaign was changed by someone else meanwhile; reload it and try again."))
        before = campaign.status
        campaign.status = status
        audit.record(
            actor=actor, verb="campaign.status", obj=campaign, before={"status": before}, after={"status": status}
        )
    return campaign


# ---- tasks ------------------------------------------------------------------------------------------


def _inside(code: str, campaign: Campaign) -> bool:
    return code.startswith(campaign.division.prefix)


def _task_assignee(value: Any, errors: FieldErrors) -> User | None:
    text = str(value or "").strip()
    if not text:
        return None
    user = User.objects.filter(is_active=True, username=text).first()
    if user is None and text.isdigit():
        user = User.objects.filter(is_active=True, pk=int(text)).first()
    if user is None:
        errors.add("assignee", _("Unknown user: %(name)s") % {"name": text})
    return user


def campaign_task_add(*, actor: Any, campaign: Campaign, data: dict[str, Any]) -> CampaignTask:
    """Hand work to a division or a department (and optionally a person) with a due date; with
    `targets_division`, the campaign's still unassigned sites inside that division go to the task."""
    if not can_add_task(actor, campaign):
        raise NotAllowed(_("You may not add tasks to this campaign."))
    errors = FieldErrors()
    title = _text(data, "title", errors, required=True, limit=200)
    division_code = str(data.get("division") or "").strip()
    department_ref = str(data.get("department") or "").strip()
    division = department = None
    if division_code and department_ref:
        errors.add("department", _("Give a division or a department, not both."))
    elif division_code:
        division = Division.objects.filter(code=division_code).first()
        if division is None or not _inside(division_code, campaign):
            errors.add("division", _("Choose a division inside the campaign's territory."))
            division = None
        elif not (can_manage(actor, campaign) or may_launch(actor, division_code)):
            errors.add("division", _("This division (or these sectors) lies outside your territory."))
    elif department_ref:
        department = (
            Department.objects.select_related("division").filter(pk=int(department_ref)).first()
            if department_ref.isdigit()
            else None
        )
        if department is None or not (
            _inside(department.division_id, campaign) or campaign.division_id.startswith(department.division.prefix)
        ):
            errors.add("department", _("Choose a department of the campaign's territory."))
            department = None
    else:
        errors.add("division", _("Give the division or the department the task is for."))
    assignee = _task_assignee(data.get("assignee"), errors)
    due_on = _date(data, "due_on", errors)
    if due_on and due_on < campaign.starts_on:
        errors.add("due_on", _("The due date must not be before the campaign starts."))
    targets_division = str(data.get("targets_division") or "").strip()
    if targets_division and not _inside(targets_division, campaign):
        errors.add("targets_division", _("Choose a division inside the campaign's territory."))
    errors.raise_if_any()
    assert due_on is not None
    with transaction.atomic():
        task = CampaignTask.objects.create(
            campaign=campaign, title=title, division=division, department=department, assignee=assignee, due_on=due_on
        )
        assigned = 0
        if targets_division:
            assigned = CampaignTarget.objects.filter(
                campaign=campaign, task__isnull=True, division__code__startswith=targets_division
            ).update(task=task)
        after = audit.snapshot(task, TASK_FIELDS) | {"targets": assigned}
        audit.record(actor=actor, verb="campaign_task.create", obj=task, after=after)
    return task


def campaign_task_done(*, actor: Any, task: CampaignTask) -> CampaignTask:
    if not can_finish_task(actor, task):
        raise NotAllowed(_("You may not finish this task."))
    now = timezone.now()
    with transaction.atomic():
        moved = CampaignTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, done_at=now, updated_at=now
        )
        if moved != 1:
            raise Conflict(_("This task is already done."))
        task.status, task.done_at = TaskStatus.DONE, now
        audit.record(
            actor=actor,
            verb="campaign_task.done",
            obj=task,
            before={"status": TaskStatus.OPEN},
            after={"status": TaskStatus.DONE, "done_at": now},
        )
    return task
