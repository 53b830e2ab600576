"""API v1 for the hazard 台账: the xlsx export of the filtered list, the import template, the upload of a
historical ledger and its progress. Each endpoint parses, calls one function of
safeloop.hazards.ledger, and renders. Only the offices that keep ledgers see the import (others 404)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile

from safeloop.api.schemas import errors
from safeloop.core.imports import xlsx_download
from safeloop.hazards import ledger
from safeloop.hazards.models import HazardImport
from safeloop.hazards.schemas import HazardQuery

router = Router(tags=["hazards: ledger"])

XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "xlsx workbook",
            "content": {ledger.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class LedgerQuery(HazardQuery):
    due_before: date | None = None


class LedgerRowErrorOut(Schema):
    row: int = Field(description="The row number the spreadsheet shows.")
    column: str = Field(description="The column's (Chinese) header.")
    field: str
    message: str


class LedgerImportOut(Schema):
    id: UUID = Field(alias="uuid")
    status: HazardImport.Status
    mode: HazardImport.Mode
    file_name: str
    total_rows: int
    processed_rows: int = Field(description="Rows checked (status validating) or written (status importing).")
    valid_rows: int
    created_count: int
    closed_count: int = Field(description="Of the hazards created, those the ledger lists as closed.")
    error_count: int = Field(description="All errors; `errors` lists at most the first 1,000.")
    errors: list[LedgerRowErrorOut]
    failure: str
    created_at: datetime
    finished_at: datetime | None


def _importer(request: HttpRequest) -> None:
    if not ledger.can_import(request.user):
        raise Http404


@router.get("/hazards/ledger.xlsx", response=errors(400, 401, 422), openapi_extra=XLSX_RESPONSE)
def ledger_export(request: HttpRequest, filters: Query[LedgerQuery]) -> FileResponse:
    """The hazard list with the list's filters as the official 安全生产事故隐患排查治理台账 (15 columns,
    Chinese headers, times in Asia/Shanghai). Audited."""
    params = filters.model_dump(exclude_none=True)
    export = ledger.hazard_ledger_export(actor=request.user, params=params)
    return FileResponse(
        export.file, as_attachment=True, filename=export.file_name, content_type=ledger.XLSX_CONTENT_TYPE
    )


@router.get("/hazards/ledger/import-template", response=errors(401, 404), openapi_extra=XLSX_RESPONSE)
def ledger_import_template(request: HttpRequest) -> HttpResponse:
    """The template for historical ledgers: the ledger's columns plus credit code or longitude/latitude."""
    _importer(request)
    return xlsx_download(ledger.template_bytes(), "hazard-ledger-template.xlsx")


@router.post(
    "/hazards/ledger/import", response={200: LedgerImportOut, 202: LedgerImportOut, **errors(400, 401, 404, 422)}
)
def ledger_import(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Form[HazardImport.Mode] = HazardImport.Mode.ALL_OR_NOTHING,
) -> Any:
    """Upload a historical ledger (multipart `file`). Up to 200 rows run at once (200 with the result);
    bigger files run in the background (202, status `queued`; follow `GET /hazard-ledger-imports/{id}`).
    With mode `all_or_nothing` nothing is written when any row has an error."""
    _importer(request)
    record = ledger.hazard_import_start(actor=request.user, upload=file, mode=mode, language=get_language())
    return (202 if record.status == HazardImport.Status.QUEUED else 200), record


@router.get("/hazard-ledger-imports/{uuid:id}", response={200: LedgerImportOut, **errors(401, 404)})
def ledger_import_detail(request: HttpRequest, id: UUID) -> Any:
    """Progress and result of a ledger import (the uploader's own)."""
    _importer(request)
    return ledger.hazard_import_get(actor=request.user, uuid=id)
