"""The 风险辨识清单 pages: the template download, the upload, the import's result (counts, and the
errors by row and column; progress while a long list runs in the worker), and the xlsx export of the
register as the list page filters it. The work is in safeloop.risks.ledger; these views parse, call,
render."""

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
from safeloop.risks import ledger
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.models import RiskImport


class RiskListImportForm(ImportForm):
    file = xlsx_file_field(
        label=_("Filled-in risk identification list (xlsx)"),
        help_text=_("At most 5 MB and 5,000 rows. Lists of more than 200 rows are imported in the background."),
    )
    mode = import_mode_field(RiskImport.Mode)


IMPORT_VIEWS = ImportPages(
    kind=ledger.RISK_IMPORT,
    form=RiskListImportForm,
    template_bytes=ledger.template_bytes,
    template_file="risk-list-template.xlsx",
    page_template="risks/import.html",
    status_template="risks/_import_status.html",
    detail_template=None,  # an import's result stands above the form for the next upload
    detail_url="risks:import_detail",
    status_url="risks:import_status",
    rerun_url="risks:import_rerun",
).views()
import_template = IMPORT_VIEWS.template
risk_list_import = IMPORT_VIEWS.upload
import_detail = IMPORT_VIEWS.detail
import_status = IMPORT_VIEWS.status  # the fragment the page polls while a long list runs in the worker
import_rerun = IMPORT_VIEWS.rerun


@login_required
@require_GET
def risk_list_export(request: HttpRequest) -> HttpResponseBase:
    """The register, scoped and filtered as on the list page, as a 风险辨识清单 that imports again."""
    return export_response(
        lambda: ledger.risk_list_export(actor=request.user, params=export_params(RiskPointFilterSet, request.GET))
    )
