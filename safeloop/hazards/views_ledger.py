"""The hazard 台账 pages: the xlsx export of the filtered list (same query parameters as the list), the
template download, the upload of a historical ledger with its progress and error table. The work is in
safeloop.hazards.ledger; these views parse, call, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from safeloop.core.imports import (
    ImportForm,
    ImportPages,
    export_params,
    export_response,
    import_mode_field,
    xlsx_file_field,
)
from safeloop.hazards import ledger
from safeloop.hazards.filters import HazardFilterSet
from safeloop.hazards.models import HazardImport


class LedgerImportForm(ImportForm):
    file = xlsx_file_field(
        label=_("Filled-in ledger (xlsx)"),
        help_text=_("At most 20 MB. Files of more than 200 rows are imported in the background."),
    )
    mode = import_mode_field(HazardImport.Mode)


IMPORT_VIEWS = ImportPages(
    kind=ledger.HAZARD_IMPORT,
    form=LedgerImportForm,
    template_bytes=ledger.template_bytes,
    template_file="hazard-ledger-template.xlsx",
    page_template="hazards/ledger_import.html",
    status_template="hazards/ledger_import_status.html",
    detail_template="hazards/ledger_import_detail.html",
    detail_url="hazards:ledger_import_detail",
    status_url="hazards:ledger_import_status",
    rerun_url="hazards:ledger_import_rerun",
).views()
ledger_import_template = IMPORT_VIEWS.template
ledger_import = IMPORT_VIEWS.upload
ledger_import_detail = IMPORT_VIEWS.detail
ledger_import_status = IMPORT_VIEWS.status  # the fragment the detail page polls while the import runs
ledger_import_rerun = IMPORT_VIEWS.rerun


@login_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponseBase:
    """The hazard list, scoped and filtered as on the list page, as the official 台账 (xlsx)."""
    return export_response(
        lambda: ledger.hazard_ledger_export(actor=request.user, params=export_params(HazardFilterSet, request.GET))
    )
