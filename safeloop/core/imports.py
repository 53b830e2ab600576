"""The import pages (enterprises, hazard ledgers, risk lists): the upload form, what a page shows about a
running or finished import, and the steps their views share. The services are core/import_jobs.py; the
templates includes/import_form.html, includes/import_recent.html and includes/import_status.html."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import TextChoices
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from safeloop.core.errors import FieldErrors
from safeloop.core.forms import TablerFormMixin, apply_field_errors
from safeloop.core.import_jobs import ImportKind
from safeloop.core.models import ImportJob
from safeloop.core.xlsx import XLSX_CONTENT_TYPE, Export
from safeloop.orgs.services import NotAllowed

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

RUNNING_STATUSES = frozenset({"queued", "validating", "importing"})


def xlsx_file_field(*, label: "StrOrPromise", help_text: "StrOrPromise") -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=help_text,
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )


def import_mode_field(modes: type[TextChoices]) -> forms.ChoiceField:
    """What to do when some rows have errors: the import model's modes, all-or-nothing chosen."""
    return forms.ChoiceField(
        label=_("When some rows have errors"),
        choices=modes.choices,
        initial=ImportJob.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


class ImportForm(TablerFormMixin, forms.Form):
    """The upload of an import; a page's form declares `file = xlsx_file_field(…)` and
    `mode = import_mode_field(…)`."""


def progress_context(record: Any, *, rerun_modes: list[str]) -> dict[str, Any]:
    """The import record, whether it still runs, its percentage, how it may be re-run (and whether at
    all), and whether its stored errors were cut short."""
    running = record.status in RUNNING_STATUSES
    percent = round(100 * record.processed_rows / record.total_rows) if record.total_rows else 0
    return {
        "record": record,
        "running": running,
        "percent": percent if running else 100,
        "rerun": bool(rerun_modes),
        "rerun_modes": rerun_modes,
        "errors_cut": record.error_count > len(record.errors),
    }


def xlsx_download(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def export_params(filterset: Any, query: QueryDict) -> dict[str, Any]:
    """A list page's query string as `filterset` input: every value of a multi-valued filter, the last
    value of the others."""
    params: dict[str, Any] = {}
    for name, values in query.lists():
        multiple = isinstance(filterset.base_filters.get(name), django_filters.MultipleChoiceFilter)
        params[name] = [v for v in values if v] if multiple else values[-1]
    return params


def export_response(export: Callable[[], Export]) -> HttpResponseBase:
    """The file of an export, or its bad filter values as plain text (400)."""
    try:
        made = export()
    except FieldErrors as exc:
        lines = "\n".join(f"{e['field']}: {e['message']}" for e in exc.errors)
        return HttpResponse(lines, status=400, content_type="text/plain; charset=utf-8")
    return FileResponse(made.file, as_attachment=True, filename=made.file_name, content_type=XLSX_CONTENT_TYPE)


class ImportViews(NamedTuple):
    """The five views of an import's pages; an app's urls name them (ImportPages.views)."""

    template: Callable[..., HttpResponse]  # GET: the template to fill in
    upload: Callable[..., HttpResponse]  # GET, POST: the form and the recent imports
    detail: Callable[..., HttpResponse]  # GET uuid: one import's page
    status: Callable[..., HttpResponse]  # GET uuid: the fragment the page polls while it runs
    rerun: Callable[..., HttpResponse]  # POST uuid: run it again on its kept file


@dataclass(frozen=True)
class ImportPages:
    """The pages of one kind of import: the template download, the upload with the recent imports, one
    import's status (polled with htmx while it runs) and its re-run. Only those who may import see them
    (others get 404); an import is its uploader's. URL names: detail, status and rerun take the uuid.

    `page_template` gets `form` and `recent`; `status_template` (and `detail_template`) the status
    context. Without a `detail_template`, an import's page is the upload page with its status on top."""

    kind: ImportKind[Any, Any]
    form: type[ImportForm]
    template_bytes: Callable[[], bytes]
    template_file: str
    page_template: str
    status_template: str
    detail_template: str | None
    detail_url: str
    status_url: str
    rerun_url: str

    def importer(self, request: HttpRequest) -> None:
        """The import exists only for those who may import; for everyone else it is a 404."""
        if not self.kind.can_import(request.user):
            raise Http404

    def record(self, request: HttpRequest, uuid: Any) -> Any:
        """The actor's import, or 404."""
        self.importer(request)
        try:
            return self.kind.get(actor=request.user, uuid=uuid)
        except ObjectDoesNotExist:
            raise Http404 from None

    def status_context(self, record: Any) -> dict[str, Any]:
        return progress_context(record, rerun_modes=self.kind.rerun_modes(record)) | {
            "status_url": self.status_url,
            "rerun_url": self.rerun_url,
        }

    def page(self, request: HttpRequest, form: ImportForm, record: Any = None, *, status: int = 200) -> HttpResponse:
        context = {"form": form, "recent": self.kind.imports(actor=request.user, mine=True)[:10]}
        if record is not None:
            context |= self.status_context(record)
        return render(request, self.page_template, context, status=status)

    def _upload(self, request: HttpRequest) -> HttpResponse:
        self.importer(request)
        form = self.form(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                record = self.kind.start(
                    actor=request.user,
                    upload=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                    language=get_language(),
                )
            except FieldErrors as exc:
                apply_field_errors(form, exc)
            else:
                return redirect(self.detail_url, uuid=record.uuid)
        return self.page(request, form, status=400 if request.method == "POST" else 200)

    def _template(self, request: HttpRequest) -> HttpResponse:
        self.importer(request)
        return xlsx_download(self.template_bytes(), self.template_file)

    def _detail(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        record = self.record(request, uuid)
        if self.detail_template is None:
            return self.page(request, self.form(), record)
        return render(request, self.detail_template, self.status_context(record))

    def _status(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        return render(request, self.status_template, self.status_context(self.record(request, uuid)))

    def _rerun(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        """Run an import again (the posted mode, else its first re-run mode): the new import's page, or
        the old one with the reason it may not."""
        record = self.record(request, uuid)
        try:
            record = self.kind.rerun(
                actor=request.user, record=record, mode=request.POST.get("mode") or None, language=get_language()
            )
        except NotAllowed as exc:
            messages.error(request, str(exc))
        return redirect(self.detail_url, uuid=record.uuid)

    def views(self) -> ImportViews:
        signed_in = login_required
        return ImportViews(
            template=signed_in(require_GET(self._template)),
            upload=signed_in(require_http_methods(["GET", "POST"])(self._upload)),
            detail=signed_in(require_GET(self._detail)),
            status=signed_in(require_GET(self._status)),
            rerun=signed_in(require_POST(self._rerun)),
        )
