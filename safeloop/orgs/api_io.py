"""xlsx import and export of enterprises over API v1. Each endpoint parses, calls one service or
selector of safeloop.orgs.imports, and renders. Only users who may add enterprises see the import
(others get 404); the export is scoped like the list it mirrors."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile

from safeloop.api.schemas import errors
from safeloop.core.imports import xlsx_download
from safeloop.orgs import imports
from safeloop.orgs.models import EnterpriseImport
from safeloop.orgs.schemas import EnterpriseQuery
from safeloop.orgs.xlsx import XLSX_CONTENT_TYPE

router = Router(tags=["enterprises: xlsx"])

XLSX_RESPONSE = {
    "responses": {
        200: {
            "description": "xlsx workbook",
            "content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class RowErrorOut(Schema):
    row: int = Field(description="The row number the spreadsheet shows.")
    column: str = Field(description="The column's (Chinese) header.")
    field: str
    message: str


class ImportOut(Schema):
    id: UUID = Field(alias="uuid")
    status: EnterpriseImport.Status
    mode: EnterpriseImport.Mode
    file_name: str
    total_rows: int
    processed_rows: int = Field(description="Rows checked (status validating) or written (status importing).")
    valid_rows: int
    created_count: int
    error_count: int = Field(description="All errors; `errors` lists at most the first 1,000.")
    errors: list[RowErrorOut]
    failure: str
    created_at: datetime
    finished_at: datetime | None


def _importer(request: HttpRequest) -> None:
    if not imports.can_import(request.user):
        raise Http404


@router.get("/enterprises/import-template", response=errors(401, 404), openapi_extra=XLSX_RESPONSE)
def enterprise_import_template(request: HttpRequest) -> HttpResponse:
    """The import template: Chinese headers, English keys, an example row and the valid values."""
    _importer(request)
    return xlsx_download(imports.template_bytes(), "enterprise-import-template.xlsx")


@router.post("/enterprises/import", response={200: ImportOut, 202: ImportOut, **errors(400, 401, 404, 422)})
def enterprise_import(
    request: HttpRequest,
    file: File[UploadedFile],
    mode: Form[EnterpriseImport.Mode] = EnterpriseImport.Mode.ALL_OR_NOTHING,
) -> Any:
    """Upload a filled-in template (multipart `file`). Up to 200 rows run at once (200 with the result);
    bigger files run in the background (202 with status `queued`; follow `GET /enterprise-imports/{id}`).
    With mode `all_or_nothing` nothing is written when any row has an error."""
    _importer(request)
    record = imports.enterprise_import_start(actor=request.user, upload=file, mode=mode, language=get_language())
    return (202 if record.status == EnterpriseImport.Status.QUEUED else 200), record


@router.get("/enterprise-imports/{uuid:id}", response={200: ImportOut, **errors(401, 404)})
def enterprise_import_detail(request: HttpRequest, id: UUID) -> Any:
    """Progress and result of an import (the uploader's own)."""
    _importer(request)
    return imports.enterprise_import_get(actor=request.user, uuid=id)


@router.get("/enterprises/export.xlsx", response=errors(400, 401, 422), openapi_extra=XLSX_RESPONSE)
def enterprise_export(request: HttpRequest, filters: Query[EnterpriseQuery]) -> FileResponse:
    """The enterprise list with the list's filters, in the template's columns (can be imported again)."""
    params = {name: _query_value(value) for name, value in filters.dict().items() if value not in (None, "")}
    export = imports.enterprise_export(actor=request.user, params=params)
    return FileResponse(export.file, as_attachment=True, filename=export.file_name, content_type=XLSX_CONTENT_TYPE)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
