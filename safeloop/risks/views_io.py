"""The 风险辨识清单 pages: the template download, the upload, the import's result (counts, and the
errors by row and column; progress while a long list runs in the worker), and the xlsx export of the
register as the list page filters it. The work is in safeloop.risks.ledger; these views parse, call,
render."""

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import TablerFormMixin, apply_field_errors
from safeloop.core.imports import progress_context
from safeloop.orgs.services import NotAllowed
from safeloop.risks import ledger
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.models import RiskImport


class RiskListImportForm(TablerFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Filled-in risk identification list (xlsx)"),
        help_text=_("At most 5 MB and 5,000 rows. Lists of more than 200 rows are imported in the background."),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{ledger.XLSX_CONTENT_TYPE}"}),
    )
    mode = forms.ChoiceField(
        label=_("When some rows have errors"),
        choices=RiskImport.Mode.choices,
        initial=RiskImport.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


def _importer(request: HttpRequest) -> None:
    """The import exists only for those who keep risk points; for everyone else it is a 404."""
    if not ledger.can_import(request.user):
        raise Http404


def _import_or_404(request: HttpRequest, uuid: Any) -> RiskImport:
    _importer(request)
    try:
        return ledger.risk_import_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None


def _page(request: HttpRequest, form: RiskListImportForm, record: RiskImport | None, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "recent": ledger.risk_import_list(actor=request.user)[:10]}
    if record is not None:
        context |= _status_context(record)
    return render(request, "risks/import.html", context, status=status)


def _status_context(record: RiskImport) -> dict[str, Any]:
    return progress_context(record, rerun=False) | {"rerun_modes": ledger.rerun_modes(record)}


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _importer(request)
    response = HttpResponse(ledger.template_bytes(), content_type=ledger.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="risk-list-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def risk_list_import(request: HttpRequest) -> HttpResponse:
    _importer(request)
    form = RiskListImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                record = ledger.risk_import_start(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    language=get_language(),
                )
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                return redirect("risks:import_detail", uuid=record.uuid)
        return _page(request, form, None, status=400)
    return _page(request, form, None)


@login_required
@require_GET
def import_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The result of one import (or its progress), above the form for the next upload."""
    record = _import_or_404(request, uuid)
    return _page(request, RiskListImportForm(), record)


@login_required
@require_GET
def import_status(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The result fragment the page polls with htmx while a long list runs in the worker."""
    record = _import_or_404(request, uuid)
    return render(request, "risks/_import_status.html", _status_context(record))


@login_required
@require_POST
def import_rerun(request: HttpRequest, uuid: Any) -> HttpResponse:
    record = _import_or_404(request, uuid)
    try:
        rerun = ledger.risk_import_rerun(
            actor=request.user, risk_import=record, mode=request.POST.get("mode", ""), language=get_language()
        )
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("risks:import_detail", uuid=record.uuid)
    return redirect("risks:import_detail", uuid=rerun.uuid)


def filter_params(query: QueryDict) -> dict[str, Any]:
    """The list's query string as FilterSet input: every value of a multi-valued filter (level), the
    last value of the others."""
    params: dict[str, Any] = {}
    for name, values in query.lists():
        multiple = isinstance(RiskPointFilterSet.base_filters.get(name), django_filters.MultipleChoiceFilter)
        params[name] = [v for v in values if v] if multiple else values[-1]
    return params


@login_required
@require_GET
def risk_list_export(request: HttpRequest) -> HttpResponseBase:
    """The register, scoped and filtered as on the list page, as a 风险辨识清单 that imports again."""
    try:
        export = ledger.risk_list_export(actor=request.user, params=filter_params(request.GET))
    except FieldErrors as exc:
        lines = "\n".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        return HttpResponse(lines, status=400, content_type="text/plain; charset=utf-8")
    return FileResponse(
        export.file, as_attachment=True, filename=export.file_name, content_type=ledger.XLSX_CONTENT_TYPE
    )
