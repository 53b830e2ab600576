"""Enterprise xlsx pages: the template download, the upload with its progress and error table, and the
export of the filtered list. The work is in safeloop.orgs.imports; these views parse, call, render."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from safeloop.core.imports import (
    ImportForm,
    ImportPages,
    export_response,
    import_mode_field,
    xlsx_file_field,
)
from safeloop.orgs import imports
from safeloop.orgs.models import EnterpriseImport


class EnterpriseImportForm(ImportForm):
    file = xlsx_file_field(
        label=_("Filled-in template (xlsx)"),
        help_text=_("At most 20 MB. Files of more than 200 rows are imported in the background."),
    )
    mode = import_mode_field(EnterpriseImport.Mode)


IMPORT_VIEWS = ImportPages(
    kind=imports.ENTERPRISE_IMPORT,
    form=EnterpriseImportForm,
    template_bytes=imports.template_bytes,
    template_file="enterprise-import-template.xlsx",
    page_template="orgs/import.html",
    status_template="orgs/import_status.html",
    detail_template="orgs/import_detail.html",
    detail_url="orgs:enterprise_import_detail",
    status_url="orgs:enterprise_import_status",
    rerun_url="orgs:enterprise_import_rerun",
).views()
enterprise_import_template = IMPORT_VIEWS.template
enterprise_import = IMPORT_VIEWS.upload
enterprise_import_detail = IMPORT_VIEWS.detail
enterprise_import_status = IMPORT_VIEWS.status  # the fragment the detail page polls while the import runs
enterprise_import_rerun = IMPORT_VIEWS.rerun


@login_required
@require_GET
def enterprise_export(request: HttpRequest) -> HttpResponseBase:
    """The enterprise list, filtered as on the list page (same query parameters), as xlsx."""
    return export_response(lambda: imports.enterprise_export(actor=request.user, params=request.GET))
