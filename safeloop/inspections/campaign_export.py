"""The campaign summary workbook (xlsx): totals, by division, by sector, and every target site with
when it was first inspected and the hazards found there. Numbers are those of progress.py, counted
inside the caller's scope; the export is audited (core/xlsx.audited_export)."""

from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _

from safeloop.core.xlsx import Export, Formats, audited_export, local_time, write_cell
from safeloop.inspections import progress
from safeloop.inspections.models import Campaign


def _headers() -> dict[str, str]:
    return {
        "targeted": _("Sites targeted"),
        "inspected": _("Sites inspected"),
        "hazards": _("Hazards found"),
        "rectified": _("Hazards rectified"),
        "overdue": _("Hazards overdue"),
    }


def _write_rows(sheet: Any, formats: Formats, first: str, rows: list[progress.ProgressRow]) -> None:
    headers = [_("Code"), first, *_headers().values(), _("Inspected (%)")]
    for at, title in enumerate(headers):
        sheet.write_string(0, at, title, formats.header)
    for n, row in enumerate(rows, start=1):
        values = [row.code, row.name, *row.numbers().values(), row.inspected_pct]
        for at, value in enumerate(values):
            write_cell(sheet, n, at, value, formats)
    sheet.set_column(0, 1, 16)
    sheet.set_column(2, len(headers) - 1, 12)


def write_workbook(target: IO[bytes], campaign: Campaign, *, actor: Any) -> int:
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    formats = Formats(workbook)
    totals = progress.campaign_progress(campaign, actor=actor)

    sheet = workbook.add_worksheet(_("Totals"))
    sheet.write_string(0, 0, campaign.name, formats.bold)
    lines: list[tuple[str, Any]] = [
        (_("Code"), campaign.code),
        (_("Period"), f"{campaign.starts_on:%Y-%m-%d} – {campaign.ends_on:%Y-%m-%d}"),
        (_("Status"), campaign.get_status_display()),
        (_("Division"), campaign.division.name),
    ]
    lines += [(title, totals[key]) for key, title in _headers().items()]
    for n, (title, value) in enumerate(lines, start=2):
        sheet.write_string(n, 0, title, formats.header)
        write_cell(sheet, n, 1, value, formats)
    sheet.set_column(0, 1, 22)

    _write_rows(
        workbook.add_worksheet(_("By division")),
        formats,
        _("Division"),
        progress.progress_by_division(campaign, actor=actor),
    )
    _write_rows(
        workbook.add_worksheet(_("By sector")), formats, _("Sector"), progress.progress_by_sector(campaign, actor=actor)
    )

    sheet = workbook.add_worksheet(_("Targets"))
    headers = [_("Site"), _("Division"), _("Grid"), _("Sector"), _("First inspected"), _("Hazards found")]
    for at, title in enumerate(headers):
        sheet.write_string(0, at, title, formats.header)
    count = 0
    for count, site in enumerate(progress.target_rows(campaign, actor=actor).iterator(), start=1):
        values = [
            site.enterprise.name,
            site.division.name,
            site.grid_id or "",
            site.sector.name,
            local_time(site.first_inspected_at),
            site.hazard_count,  # type: ignore[attr-defined]
        ]
        for at, value in enumerate(values):
            write_cell(sheet, count, at, value, formats)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 5, 16)
    workbook.close()
    return count


def campaign_export(*, actor: Any, campaign: Campaign) -> Export:
    return audited_export(
        actor=actor,
        write=lambda target: write_workbook(target, campaign, actor=actor),
        verb="campaign.export",
        object_type="inspections.campaign",
        object_repr=campaign.name,
        filters={"campaign": campaign.code},
        file_name=lambda: f"{campaign.code}.xlsx",
    )
