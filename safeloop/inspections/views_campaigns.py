"""The 大排查大整治 pages: the scoped list with progress, launching a campaign (with a live count of the
sites its filter picks), the summary a leader reads (headline numbers, by district/township and by
sector, tasks with their deadlines), the xlsx summary, status steps and tasks. Views read through the
selectors and write through services_campaigns; a campaign outside the caller's scope is a 404."""

from datetime import date
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.xlsx import XLSX_CONTENT_TYPE
from safeloop.inspections import progress, selectors, services_campaigns
from safeloop.inspections.campaign_export import campaign_export as export_workbook
from safeloop.inspections.choices import CampaignStatus, TaskStatus
from safeloop.inspections.forms_campaigns import CampaignForm, TaskForm
from safeloop.inspections.models import Campaign, CampaignTask, ChecklistTemplate
from safeloop.orgs import selectors as org_selectors
from safeloop.orgs.models import Division
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.views import refused


def _campaign_or_404(request: HttpRequest, uuid: UUID) -> Campaign:
    try:
        return selectors.campaign_list(actor=request.user).select_related("division").get(uuid=uuid)
    except Campaign.DoesNotExist:
        raise Http404 from None


def _url(name: str, query: dict[str, Any]) -> str:
    try:
        base = reverse(name)
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode({k: str(v) for k, v in query.items() if v})}"


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(selectors.campaign_list(actor=request.user).select_related("division").order_by("-starts_on"))
    numbers = progress.progress_by_campaign(campaigns, actor=request.user)
    for campaign in campaigns:
        row = progress.ProgressRow.of(campaign.code, numbers[campaign.pk])
        campaign.progress = row  # type: ignore[attr-defined]
    return render(
        request,
        "inspections/campaign_list.html",
        {"campaigns": campaigns, "may_create": services_campaigns.may_launch_any(request.user)},
    )


def _campaign_form(request: HttpRequest, data: Any = None) -> CampaignForm:
    actor = request.user
    return CampaignForm(
        data,
        divisions=org_selectors.division_list(actor=actor).filter(level__lte=9, level__gte=4).order_by("code"),
        sectors=org_selectors.sector_list(actor=actor),
        templates=ChecklistTemplate.objects.filter(is_current=True),
    )


def _preview_count(request: HttpRequest, form: CampaignForm) -> int | None:
    data = form.data
    division = Division.objects.filter(code=data.get("division", "")).first()
    sectors = data.getlist("sectors") if hasattr(data, "getlist") else []
    if division is None or not sectors:
        return None
    target_filter = {k: data.get(k) for k in ("q", "scale") if data.get(k)}
    try:
        return services_campaigns.target_enterprises(
            actor=request.user, division=division, sectors=sectors, target_filter=target_filter
        ).count()
    except FieldErrors:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    if not services_campaigns.may_launch_any(request.user):
        return refused(request, _("You may not launch campaigns."))
    form = _campaign_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services_campaigns.campaign_create(actor=request.user, data=form.service_data())
        except FieldErrors as exc:
            apply_field_errors(form, exc, {"division_code": "division"})
        else:
            messages.success(request, _("The campaign was launched."))
            return redirect("inspections:campaign_detail", campaign.uuid)
    preview = _preview_count(request, form) if form.is_bound else None
    return render(request, "inspections/campaign_form.html", {"form": form, "preview": preview})


@login_required
@require_GET
def campaign_preview(request: HttpRequest) -> HttpResponse:
    form = _campaign_form(request, request.GET)
    return render(request, "inspections/campaign_preview.html", {"preview": _preview_count(request, form)})


@login_required
@require_GET
def campaign_detail(request: HttpRequest, uuid: UUID) -> HttpResponse:
    campaign = _campaign_or_404(request, uuid)
    actor = request.user
    depth = int(request.GET.get("depth") or 0) or None
    within = str(request.GET.get("within") or "").strip()
    divisions = progress.progress_by_division(campaign, depth=depth, within=within, actor=actor)
    for row in divisions:
        if len(row.code) < 12:
            row.link = "?" + urlencode({"depth": str(len(row.code) + 3), "within": row.code})
        row.extra["hazards_url"] = _url("hazards:list", {"division": row.code, "campaign": campaign.uuid})
    today = date.today()
    tasks = list(campaign.tasks.select_related("division", "department", "assignee"))
    for task in tasks:
        task.campaign = campaign
        task.overdue = task.status == TaskStatus.OPEN and task.due_on < today  # type: ignore[attr-defined]
        task.can_finish = task.status == TaskStatus.OPEN and services_campaigns.can_finish_task(actor, task)  # type: ignore[attr-defined]
    totals = progress.ProgressRow.of(campaign.code, progress.campaign_progress(campaign, actor=actor))
    return render(
        request,
        "inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "totals": totals,
            "divisions": divisions,
            "within": within,
            "sectors": progress.progress_by_sector(campaign, actor=actor),
            "tasks": tasks,
            "can_manage": services_campaigns.can_manage(actor, campaign),
            "can_add_task": services_campaigns.can_add_task(actor, campaign),
            "next_status": services_campaigns.NEXT_STATUS.get(CampaignStatus(campaign.status)),
            "hazards_url": _url("hazards:list", {"campaign": campaign.uuid}),
            "inspections_url": _url("inspections:inspection_list", {"campaign": campaign.uuid}),
        },
    )


@login_required
@require_GET
def campaign_export(request: HttpRequest, uuid: UUID) -> FileResponse:
    campaign = _campaign_or_404(request, uuid)
    export = export_workbook(actor=request.user, campaign=campaign)
    return FileResponse(export.file, as_attachment=True, filename=export.file_name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_POST
def campaign_status(request: HttpRequest, uuid: UUID) -> HttpResponse:
    campaign = _campaign_or_404(request, uuid)
    try:
        services_campaigns.campaign_set_status(
            actor=request.user, campaign=campaign, status=request.POST.get("status", "")
        )
    except NotAllowed as exc:
        return refused(request, str(exc))
    except FieldErrors as exc:
        messages.error(request, exc.errors[0]["message"])
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("inspections:campaign_detail", campaign.uuid)


@login_required
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest, uuid: UUID) -> HttpResponse:
    campaign = _campaign_or_404(request, uuid)
    if not services_campaigns.can_add_task(request.user, campaign):
        return refused(request, _("You may not add tasks to this campaign."))
    prefix = campaign.division.prefix
    form = TaskForm(
        request.POST if request.method == "POST" else None,
        divisions=Division.objects.filter(code__startswith=prefix, level__lte=9).order_by("code"),
        departments=org_selectors.department_list(actor=request.user).filter(
            Q(division__code__startswith=prefix) | Q(division__code=campaign.division_id)
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services_campaigns.campaign_task_add(actor=request.user, campaign=campaign, data=form.service_data())
        except FieldErrors as exc:
            apply_field_errors(form, exc, {"targets_division": "division"})
        else:
            messages.success(request, _("The task was added."))
            return redirect("inspections:campaign_detail", campaign.uuid)
    return render(request, "inspections/campaign_task_form.html", {"form": form, "campaign": campaign})


@login_required
@require_POST
def task_done(request: HttpRequest, uuid: UUID) -> HttpResponse:
    campaigns = selectors.campaign_list(actor=request.user)
    task = CampaignTask.objects.select_related("campaign__division").filter(uuid=uuid, campaign__in=campaigns).first()
    if task is None:
        raise Http404
    try:
        services_campaigns.campaign_task_done(actor=request.user, task=task)
    except NotAllowed as exc:
        return refused(request, str(exc))
    except Conflict as exc:
        messages.error(request, str(exc))
    return redirect("inspections:campaign_detail", task.campaign.uuid)
