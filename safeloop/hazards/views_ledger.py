"""The hazard 台账 pages: the xlsx export of the filtered list (same query parameters as the list), the
template download, the upload of a historical ledger with its progress and error table. The work is in
safeloop.hazards.ledger; these views parse, call, render."""

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
from safeloop.core.forms import apply_field_errors
from safeloop.core.imports import progress_context
from safeloop.hazards import ledger
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.models import HazardImport
from safeloop.orgs.services import NotAllowed


class LedgerImportForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in ledger (xlsx)"),
        help_text=_("At most 20 MB. Files of more than 200 rows are imported in the background."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": f".xlsx,{ledger.XLSX_CONTENT_TYPE}"}),
    )
    mode = forms.ChoiceField(
        label=_("When some rows have errors"),
        choices=HazardImport.Mode.choices,
        initial=HazardImport.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


def filter_params(query: QueryDict) -> dict[str, Any]:
    """The list's query string as FilterSet input: every value of a multi-valued filter (status), the
    last value of the others."""
    params: dict[str, Any] = {}
    for name, values in query.lists():
        multiple = isinstance(HazardFilterSet.base_filters.get(name), django_filters.MultipleChoiceFilter)
        params[name] = [v for v in values if v] if multiple else values[-1]
    return params


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponseBase:
    """The hazard list, scoped and filtered as on the list page, as the official 台账 (xlsx)."""
    try:
        export = ledger.hazard_ledger_export(actor=request.user, params=filter_params(request.GET))
    except FieldErrors as exc:
        lines = "\n".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        return HttpResponse(lines, status=400, content_type="text/plain; charset=utf-8")
    return FileResponse(
        export.file, as_attachment=True, filename=export.file_name, content_type=ledger.XLSX_CONTENT_TYPE
    )


def _importer(request: HttpRequest) -> None:
    """The import exists only for the offices that keep ledgers; for everyone else it is a 404."""
    if not ledger.can_import(request.user):
        raise Http404


def _import_or_404(request: HttpRequest, uuid: Any) -> HazardImport:
    _importer(request)
    try:
        return ledger.hazard_import_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def ledger_import_template(request: HttpRequest) -> HttpResponse:
    _importer(request)
    response = HttpResponse(ledger.template_bytes(), content_type=ledger.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="hazard-ledger-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    _importer(request)
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = ledger.hazard_import_start(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    language=get_language(),
                )
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                return redirect("hazards:ledger_import_detail", uuid=record.uuid)
        status = 400
    recent = ledger.hazard_import_list(actor=request.user)[:10]
    return render(request, "hazards/ledger_import.html", {"form": form, "recent": recent}, status=status)


def _status_context(record: HazardImport) -> dict[str, Any]:
    return progress_context(record, rerun=ledger.rerun_possible(record))


@login_required
@require_GET
def ledger_import_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    record = _import_or_404(request, uuid)
    return render(request, "hazards/ledger_import_detail.html", _status_context(record))


@login_required
@require_GET
def ledger_import_status(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The progress fragment the detail page polls with htmx while the import runs."""
    record = _import_or_404(request, uuid)
    return render(request, "hazards/ledger_import_status.html", _status_context(record))


@login_required
@require_POST
def ledger_import_rerun(request: HttpRequest, uuid: Any) -> HttpResponse:
    record = _import_or_404(request, uuid)
    try:
        rerun = ledger.hazard_import_rerun(actor=request.user, hazard_import=record, language=get_language())
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("hazards:ledger_import_detail", uuid=record.uuid)
    return redirect("hazards:ledger_import_detail", uuid=rerun.uuid)
