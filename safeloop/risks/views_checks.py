"""My check tasks (我的排查任务) and the page that records one.

The list shows the caller's scoped checks that the caller may also record (`checkable_q` mirrors
permissions.can_check in SQL, so paging stays correct): open ones with the overdue first, then those
due today, then the upcoming; or the recorded results, newest first. The record page posts to
services.check_record; a failing control reports a hazard linked to the point and raises its level,
and a second record of the same check (a double tap, a resend on a poor signal) is refused there
with Conflict and answered with a message and the recorded result."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.scoping import scope_for
from safeloop.hazards import selectors as hazard_selectors
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused
from safeloop.risks import permissions, selectors, services
from safeloop.risks.choices import CheckStatus, RiskLevel, level_rank
from safeloop.risks.forms_checks import CheckFilterSet, CheckRecordForm
from safeloop.risks.models import CheckTask

PAGE_SIZE = 50
NOTHING = Q(pk__in=[])


def already_recorded() -> str:
    return _("This check has been recorded already.")


def checkable_q(actor: Any) -> Q:
    """The checks `permissions.can_check` allows the caller to record, as one Q over CheckTask: an
    enterprise officer its enterprise's points; a grid worker the public-area points of its grid; a
    government officer its territory (a department only its sectors there). Kept in step with
    permissions._reaches by tests/test_checks.py."""
    scope = scope_for(actor)
    if scope.system_wide:
        return Q()
    q = NOTHING
    for grant in scope.grants:
        if grant.role not in permissions.CHECKERS:
            continue
        if grant.enterprise_id is not None:
            q |= Q(point__enterprise_id=grant.enterprise_id)
        elif grant.grid_code is not None:
            q |= Q(point__grid_id=grant.grid_code, point__enterprise__isnull=True)
        elif grant.division_prefix is not None:
            reached = Q(point__division__code__startswith=grant.division_prefix)
            if grant.sectors is not None:
                reached &= Q(point__sector_id__in=grant.sectors)
            q |= reached
    return q


def timing(task: CheckTask, today: Any) -> str:
    """overdue / today / upcoming for an open check; "" once recorded."""
    if task.status != CheckStatus.OPEN:
        return ""
    if task.due_on < today:
        return "overdue"
    return "today" if task.due_on == today else "upcoming"


@login_required
@require_GET
def check_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    today = timezone.localdate()
    mine = selectors.check_list(actor=actor).filter(checkable_q(actor))
    filterset = CheckFilterSet(request.GET, mine, sectors=org_selectors.sector_list(actor=actor))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for task in page:
        task.timing = timing(task, today)
    tally = None
    if filterset.showing_open:
        tally = filterset.qs.order_by().aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            today=Count("pk", filter=Q(due_on=today)),
        )
    params = request.GET.copy()
    for name in ("status", "page"):
        params.pop(name, None)
    keep = params.urlencode()
    return render(
        request,
        "risks/checks.html",
        {
            "filter": filterset,
            "page": page,
            "tally": tally,
            "today": today,
            "open_url": f"?{keep}" if keep else "?",
            "results_url": f"?{keep}&status=recorded" if keep else "?status=recorded",
        },
    )


def _task_or_404(request: HttpRequest, uuid: UUID) -> CheckTask:
    try:
        return selectors.check_get(actor=request.user, uuid=uuid)
    except CheckTask.DoesNotExist:
        raise Http404 from None


def _record_form(task: CheckTask, data: Any = None) -> CheckRecordForm:
    from safeloop.hazards.selectors import criteria_items

    return CheckRecordForm(data, task=task, items=criteria_items(sector_code=task.point.sector_id))


def _hazard_visible(actor: Any, task: CheckTask) -> bool:
    return task.hazard_id is not None and hazard_selectors.hazard_list(actor=actor).filter(pk=task.hazard_id).exists()


def _page(
    request: HttpRequest, task: CheckTask, form: CheckRecordForm | None = None, status: int = 200
) -> HttpResponse:
    actor = request.user
    may_record = task.status == CheckStatus.OPEN and permissions.can_check(actor, task)
    if may_record and form is None:
        form = _record_form(task)
    return render(
        request,
        "risks/check_form.html",
        {
            "task": task,
            "point": task.point,
            "measure": task.measure,
            "timing": timing(task, timezone.localdate()),
            "form": form if may_record else None,
            "may_record": may_record,
            "hazard_visible": _hazard_visible(actor, task),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_record(request: HttpRequest, uuid: UUID) -> HttpResponse:
    task = _task_or_404(request, uuid)
    if request.method != "POST":
        return _page(request, task)
    actor = request.user
    if not permissions.can_check(actor, task):
        return refused(request, _("You may not record this check."))
    if task.status != CheckStatus.OPEN:
        messages.info(request, already_recorded())
        return redirect("risks:check", uuid=task.uuid)
    form = _record_form(task, request.POST)
    if not form.is_valid():
        return _page(request, task, form, status=422)
    level_before = task.point.current_level
    try:
        task = services.check_record(actor=actor, task=task, data=form.service_data())
    except FieldErrors as exc:
        apply_field_errors(form, exc)
        return _page(request, _task_or_404(request, uuid), form, status=422)
    except Conflict:
        messages.info(request, already_recorded())
        return redirect("risks:check", uuid=uuid)
    except NotAllowed as exc:
        return refused(request, str(exc))
    point = task.point
    if task.status == CheckStatus.PASSED:
        messages.success(request, _("Recorded: the control at %(point)s is effective.") % {"point": point.name})
        return redirect("risks:checks")
    point.refresh_from_db(fields=["current_level", "raised_reason", "version"])
    hazard = task.hazard
    assert hazard is not None
    level = str(RiskLevel(point.current_level).label) if point.current_level else "—"
    if point.current_level and level_rank(point.current_level) < level_rank(level_before):
        text = _("Hazard %(code)s was reported, and the current level of %(point)s was raised to %(level)s.")
    else:
        text = _("Hazard %(code)s was reported; %(point)s stays at %(level)s.")
    messages.success(request, text % {"code": hazard.code, "point": point.name, "level": level})
    if _hazard_visible(actor, task):
        return redirect(reverse("hazards:detail", args=[hazard.uuid]))
    return redirect("risks:check", uuid=task.uuid)
