"""Enterprise xlsx pages: the template download, the upload with its progress and error table, and the
export of the filtered list. The work is in safeloop.orgs.imports; these views parse, call, render."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import apply_field_errors
from safeloop.core.imports import progress_context
from safeloop.orgs import imports
from safeloop.orgs.models import EnterpriseImport
from safeloop.orgs.services import NotAllowed
from safeloop.orgs.xlsx import XLSX_CONTENT_TYPE


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in template (xlsx)"),
        help_text=_("At most 20 MB. Files of more than 200 rows are imported in the background."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )
    mode = forms.ChoiceField(
        label=_("When some rows have errors"),
        choices=EnterpriseImport.Mode.choices,
        initial=EnterpriseImport.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


def _importer(request: HttpRequest) -> None:
    """The import exists only for those who may add enterprises; for everyone else it is a 404."""
    if not imports.can_import(request.user):
        raise Http404


def _import_or_404(request: HttpRequest, uuid: Any) -> EnterpriseImport:
    _importer(request)
    try:
        return imports.enterprise_import_get(actor=request.user, uuid=uuid)
    except ObjectDoesNotExist:
        raise Http404 from None


@login_required
@require_GET
def enterprise_import_template(request: HttpRequest) -> HttpResponse:
    _importer(request)
    response = HttpResponse(imports.template_bytes(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="enterprise-import-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request: HttpRequest) -> HttpResponse:
    _importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record = imports.enterprise_import_start(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    language=get_language(),
                )
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                return redirect("orgs:enterprise_import_detail", uuid=record.uuid)
        status = 400
    recent = imports.enterprise_import_list(actor=request.user, mine=True)[:10]
    return render(request, "orgs/import.html", {"form": form, "recent": recent}, status=status)


def _status_context(record: EnterpriseImport) -> dict[str, Any]:
    return progress_context(record, rerun=imports.rerun_possible(record))


@login_required
@require_GET
def enterprise_import_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    record = _import_or_404(request, uuid)
    return render(request, "orgs/import_detail.html", _status_context(record))


@login_required
@require_GET
def enterprise_import_status(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The progress fragment the detail page polls with htmx while the import runs."""
    record = _import_or_404(request, uuid)
    return render(request, "orgs/import_status.html", _status_context(record))


@login_required
@require_POST
def enterprise_import_rerun(request: HttpRequest, uuid: Any) -> HttpResponse:
    record = _import_or_404(request, uuid)
    try:
        rerun = imports.enterprise_import_rerun(actor=request.user, enterprise_import=record, language=get_language())
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("orgs:enterprise_import_detail", uuid=record.uuid)
    return redirect("orgs:enterprise_import_detail", uuid=rerun.uuid)


@login_required
@require_GET
def enterprise_export(request: HttpRequest) -> HttpResponseBase:
    """The enterprise list, filtered as on the list page (same query parameters), as xlsx."""
    try:
        export = imports.enterprise_export(actor=request.user, params=request.GET)
    except FieldErrors as exc:
        lines = "\n".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        return HttpResponse(lines, status=400, content_type="text/plain; charset=utf-8")
    return FileResponse(export.file, as_attachment=True, filename=export.file_name, content_type=XLSX_CONTENT_TYPE)
