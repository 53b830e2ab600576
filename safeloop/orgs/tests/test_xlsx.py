"""The enterprise xlsx template, import service and export, with real workbooks written and read back."""

import io

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from python_calamine import CalamineWorkbook

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.core.testing import make_uscc
from safeloop.orgs import imports, xlsx
from safeloop.orgs.models import Enterprise, EnterpriseImport
from safeloop.orgs.services import NotAllowed

HEADERS = [c.header for c in xlsx.COLUMNS]
KEYS = [c.key for c in xlsx.COLUMNS]


def row(**values):
    """One sheet row in template order; numbers stay numbers, as a user typing into Excel makes them."""
    defaults = {"name": "鹰潭测试企业", "sectors": "危化品", "lon": 117.032, "lat": 28.232}
    merged = defaults | values
    return [merged.get(key, "") for key in KEYS]


def write_workbook(path, rows, *, headers=HEADERS, keys_row=True):
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("企业")
    sheet.write_row(0, 0, headers)
    start = 1
    if keys_row:
        sheet.write_row(1, 0, KEYS)
        start = 2
    for offset, values in enumerate(rows):
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                sheet.write_number(start + offset, col, value)
            else:
                sheet.write_string(start + offset, col, value)
    workbook.close()
    return path


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type=xlsx.XLSX_CONTENT_TYPE)


def run_import(actor, path, mode="all_or_nothing"):
    with translation.override("en"):
        return imports.enterprise_import_start(actor=actor, upload=upload(path), mode=mode)


def by_row(record):
    return {(e["row"], e["column"], e["field"]) for e in record.errors}


def read_sheet(content):
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("企业").to_python()


# ---- template ------------------------------------------------------------------------------------


def test_the_template_has_chinese_headers_english_keys_an_example_and_the_valid_values(city, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(imports.template_bytes())
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["企业"]
    assert [c.value for c in sheet[1]] == [
        "企业名称", "统一社会信用代码", "行业领域", "地址", "经度", "纬度", "所属区划代码", "网格编码", "网格调整理由",
        "主要负责人", "负责人电话", "安全管理人员", "安全员电话", "规模", "从业人数", "标记",
    ]  # fmt: skip
    assert [c.value for c in sheet[2]][:3] == ["name", "uscc", "sectors"]
    example = dict(zip(KEYS, sheet[3], strict=True))
    assert example["name"].value.startswith(xlsx.EXAMPLE_MARK)
    # Code and phone columns are text, so Excel keeps every digit of what is typed there.
    assert example["uscc"].number_format == "@" and isinstance(example["uscc"].value, str)
    assert example["principal_phone"].number_format == "@"
    assert sheet.column_dimensions["B"].number_format == "@"
    notes = [str(c.value) for r in workbook["填写说明"].iter_rows() for c in r if c.value is not None]
    for expected in ("危化品", "hazchem", "非煤矿山", "大型", "微型", "重大危险源", "人员密集场所", "key_fire_unit"):
        assert expected in notes
    validations = [dv for dv in sheet.data_validations.dataValidation if dv.type == "list"]
    assert validations and "大型" in validations[0].formula1


def test_the_untouched_template_imports_nothing(people, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(imports.template_bytes())
    with pytest.raises(FieldErrors) as caught:
        run_import(people["yuehu"], path)
    assert caught.value.errors[0]["field"] == "file"
    assert "no enterprise rows" in caught.value.errors[0]["message"]


# ---- import --------------------------------------------------------------------------------------


def test_a_good_file_imports_every_row_with_grid_and_division_from_the_location(people, tmp_path):
    path = write_workbook(
        tmp_path / "good.xlsx",
        [
            row(name="滨江加油站", uscc=make_uscc(501), sectors="危化品、fire", lon=117.032, lat=28.232,
                principal_phone=13912345678, scale="中型", employees=35, flags="重大危险源、人员密集场所"),
            row(name="站前商场", uscc=make_uscc(502), sectors="消防,文旅", lon=117.045, lat=28.236, address="站前路"),
            row(name="东湖仓库", uscc=make_uscc(503).lower(), sectors="工贸", lon="117.055", lat="28.235"),
        ],
    )  # fmt: skip
    before = Enterprise.objects.count()
    record = run_import(people["yuehu"], path)
    assert (record.status, record.total_rows, record.created_count, record.error_count) == ("done", 3, 3, 0)
    assert Enterprise.objects.count() == before + 3
    first = Enterprise.objects.get(uscc=make_uscc(501))
    assert (first.grid_id, first.division_id) == ("360602001001001", "360602001001")
    assert sorted(first.sectors.values_list("code", flat=True)) == ["fire", "hazchem"]
    assert first.principal_phone == "13912345678"  # read back as a float, written back as the digits
    assert (first.scale, first.employees) == ("medium", 35)
    assert first.flags == ["major_hazard_source", "crowded_place"]
    assert Enterprise.objects.get(uscc=make_uscc(502)).grid_id == "360602001002001"
    assert Enterprise.objects.get(uscc=make_uscc(503)).division_id == "360602003001"
    # Every enterprise is audited as created, and the import once with its counts.
    assert AuditEvent.objects.filter(verb="create", object_type="orgs.enterprise", actor=people["yuehu"]).count() == 3
    event = AuditEvent.objects.get(verb="import", object_id=str(record.uuid))
    assert event.actor == people["yuehu"]
    assert event.after == {
        "file_name": "good.xlsx", "mode": "all_or_nothing", "total_rows": 3,
        "created": 3, "errors": 0, "rerun_of": None,
    }  # fmt: skip


def bad_file(tmp_path):
    return write_workbook(
        tmp_path / "bad.xlsx",
        [
            row(name="好企业", uscc=make_uscc(601)),
            row(name="坏代码", uscc=make_uscc(602)[:-1] + ("0" if make_uscc(602)[-1] != "0" else "1")),
            row(name="坏经度", uscc=make_uscc(603), lon="东经117度"),
        ],
    )


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(people, tmp_path):
    before, audit_before = Enterprise.objects.count(), AuditEvent.objects.filter(verb="create").count()
    record = run_import(people["yuehu"], bad_file(tmp_path))
    assert by_row(record) == {(4, "统一社会信用代码", "uscc"), (5, "经度", "location.lon")}
    assert "东经117度" in next(e["message"] for e in record.errors if e["row"] == 5)
    assert (record.status, record.created_count, record.valid_rows, record.error_count) == ("done", 0, 1, 2)
    assert Enterprise.objects.count() == before
    assert AuditEvent.objects.filter(verb="create").count() == audit_before
    assert imports.rerun_possible(record)


def test_valid_only_imports_the_good_rows_and_reports_the_others(people, tmp_path):
    before = Enterprise.objects.count()
    record = run_import(people["yuehu"], bad_file(tmp_path), mode="valid_only")
    assert Enterprise.objects.count() == before + 1
    assert Enterprise.objects.filter(uscc=make_uscc(601)).exists()
    assert by_row(record) == {(4, "统一社会信用代码", "uscc"), (5, "经度", "location.lon")}
    assert (record.created_count, record.error_count) == (1, 2)
    assert not imports.rerun_possible(record)


def test_rerunning_a_refused_import_imports_its_valid_rows_once(people, tmp_path):
    refused = run_import(people["yuehu"], bad_file(tmp_path))
    rerun = imports.enterprise_import_rerun(actor=people["yuehu"], enterprise_import=refused)
    assert (rerun.mode, rerun.created_count, rerun.error_count, rerun.rerun_of) == ("valid_only", 1, 2, refused)
    with pytest.raises(NotAllowed):
        imports.enterprise_import_rerun(actor=people["yuehu"], enterprise_import=refused)


def test_a_code_twice_in_the_file_is_reported_on_the_second_row(people, tmp_path):
    uscc = make_uscc(701)
    path = write_workbook(
        tmp_path / "dup.xlsx",
        [row(name="甲", uscc=uscc), row(name="乙", uscc=make_uscc(702)), row(name="丙", uscc=uscc)],
    )
    before = Enterprise.objects.count()
    record = run_import(people["yuehu"], path)
    assert by_row(record) == {(5, "统一社会信用代码", "uscc")}
    assert "row 3" in record.errors[0]["message"]
    assert Enterprise.objects.count() == before


def test_a_code_typed_as_a_number_is_named_rather_than_imported_wrong(people, tmp_path):
    path = write_workbook(tmp_path / "number.xlsx", [row(uscc=913606020000007011.0)])
    record = run_import(people["yuehu"], path)
    assert by_row(record) == {(3, "统一社会信用代码", "uscc")}
    assert "lost digits" in record.errors[0]["message"]


def test_rows_outside_the_importers_territory_are_row_errors(people, tmp_path):
    path = write_workbook(
        tmp_path / "places.xlsx",
        [
            row(name="贵溪企业", uscc=make_uscc(801, "360681"), lon=117.215, lat=28.292),
            row(name="月湖企业", uscc=make_uscc(802)),
        ],
    )
    record = run_import(people["yuehu"], path, mode="valid_only")
    assert by_row(record) == {(3, "所属区划代码", "division_code")}
    assert Enterprise.objects.filter(uscc=make_uscc(802)).exists()
    assert not Enterprise.objects.filter(uscc=make_uscc(801, "360681")).exists()


def test_who_may_import(people, tmp_path):
    assert [name for name in ("admin", "city", "yuehu", "guixi") if imports.can_import(people[name])] == [
        "admin", "city", "yuehu", "guixi",
    ]  # fmt: skip
    for name in ("yingji", "ent1", "grid1", "verifier", "leader", "outsider", "auditor"):
        assert not imports.can_import(people[name]), name
    path = write_workbook(tmp_path / "x.xlsx", [row(uscc=make_uscc(803))])
    with pytest.raises(NotAllowed):
        imports.enterprise_import_start(actor=people["ent1"], upload=upload(path), mode="all_or_nothing")


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"name,uscc\nA,B\n", "enterprises.xlsx"),
        (b"PK\x03\x04 not really a zip", "enterprises.xlsx"),
    ],
)
def test_a_file_that_is_not_xlsx_is_a_file_error(people, content, name):
    with pytest.raises(FieldErrors) as caught:
        imports.enterprise_import_start(
            actor=people["yuehu"], upload=SimpleUploadedFile(name, content), mode="all_or_nothing"
        )
    assert [e["field"] for e in caught.value.errors] == ["file"]
    assert not EnterpriseImport.objects.exists()


def test_a_zip_without_a_workbook_and_missing_headers_are_file_errors(people, tmp_path):
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(FieldErrors):
        imports.enterprise_import_start(
            actor=people["yuehu"], upload=SimpleUploadedFile("a.xlsx", buffer.getvalue()), mode="all_or_nothing"
        )
    path = write_workbook(tmp_path / "headers.xlsx", [["甲", make_uscc(804)]], headers=["企业名称", "统一社会信用代码"])
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        imports.enterprise_import_start(actor=people["yuehu"], upload=upload(path), mode="all_or_nothing")
    assert "行业领域" in caught.value.errors[0]["message"] and "经度" in caught.value.errors[0]["message"]


def test_columns_are_found_by_header_in_any_order_with_or_without_the_key_row(people, tmp_path):
    headers = ["经度", "纬度", "统一社会信用代码", "企业名称", "行业领域", "备注"]
    path = write_workbook(
        tmp_path / "order.xlsx",
        [[117.051, 28.231, make_uscc(805), "乱序企业", "gas", "ignored"]],
        headers=headers,
        keys_row=False,
    )
    record = run_import(people["yuehu"], path)
    assert record.created_count == 1
    assert Enterprise.objects.get(uscc=make_uscc(805)).grid_id == "360602003001001"


def test_the_background_task_function_runs_a_queued_import(people, tmp_path, django_capture_on_commit_callbacks):
    rows = [
        row(name=f"企业{i}", uscc=make_uscc(2000 + i), lon=117.031 + (i % 30) * 0.001)
        for i in range(imports.ENTERPRISE_IMPORT.inline_max_rows + 1)
    ]
    path = write_workbook(tmp_path / "big.xlsx", rows)
    with django_capture_on_commit_callbacks() as callbacks:
        record = run_import(people["city"], path)
    assert (record.status, record.total_rows, record.processed_rows) == ("queued", 201, 0)
    assert len(callbacks) == 1  # the task is enqueued once the upload commits
    from safeloop.orgs.tasks import enterprise_import_task

    result = enterprise_import_task.call(str(record.uuid), "en")
    record.refresh_from_db()
    assert result == {"status": "done", "created": 201, "errors": 0}
    assert (record.status, record.processed_rows, record.created_count) == ("done", 201, 201)
    assert record.finished_at is not None and record.content == b""  # the bytes are not kept once done
    # A second run (another worker) finds it claimed and does nothing.
    imports.enterprise_import_run(import_id=record.uuid)
    assert Enterprise.objects.filter(name__startswith="企业").count() == 201


# ---- export --------------------------------------------------------------------------------------


def export_rows(actor, **params):
    export = imports.enterprise_export(actor=actor, params=params)
    with export.file:
        content = export.file.read()
    return export, read_sheet(content)


def test_an_export_is_scoped_and_audited(people):
    export, table = export_rows(people["yuehu"])
    assert table[0][:2] == ["企业名称", "统一社会信用代码"] and table[1][:2] == ["name", "uscc"]
    data = table[2:]
    divisions = [r[KEYS.index("division_code")] for r in data]
    assert export.rows == len(data) == 3
    assert all(code.startswith("360602") for code in divisions)
    assert "鹰潭月湖燃气有限公司" in [r[0] for r in data]
    assert "贵溪市花园烟花爆竹批发部" not in [r[0] for r in data]
    event = AuditEvent.objects.filter(verb="export").latest("id")
    assert (event.actor, event.after["rows"], event.after["filters"]) == (people["yuehu"], 3, {})

    export, table = export_rows(people["yuehu"], sector="gas")
    assert [r[0] for r in table[2:]] == ["鹰潭月湖燃气有限公司"]
    assert AuditEvent.objects.filter(verb="export").latest("id").after["filters"] == {"sector": "gas"}

    _export, table = export_rows(people["admin"])
    assert {r[KEYS.index("division_code")][:6] for r in table[2:]} == {"360602", "360681"}
    assert export_rows(people["outsider"])[0].rows == 0


def test_an_export_reimports_as_exists_already_on_every_row(people, tmp_path):
    enterprise = Enterprise.objects.get(name="鹰潭月湖燃气有限公司")
    enterprise.flags, enterprise.employees, enterprise.scale = ["key_fire_unit"], 12, "large"
    enterprise.save()
    export = imports.enterprise_export(actor=people["yuehu"], params={})
    path = tmp_path / "export.xlsx"
    path.write_bytes(export.file.read())
    record = run_import(people["yuehu"], path)
    assert record.total_rows == 3 and record.created_count == 0
    assert {(e["column"], e["message"]) for e in record.errors} == {
        ("统一社会信用代码", "An enterprise with this unified social credit code exists already.")
    }
    assert sorted(e["row"] for e in record.errors) == [3, 4, 5]
    # Every other column read back into valid input: the row for the gas company as data.
    row_of = {r.cells["uscc"]: r for r in xlsx.read_sheet(path.read_bytes()).rows}
    data, problems = xlsx.row_data(row_of[enterprise.uscc], sectors={"燃气": "gas"})
    assert problems == []
    assert (data["sectors"], data["scale"], data["employees"], data["flags"]) == (
        ["gas"],
        "large",
        12,
        ["key_fire_unit"],
    )
    assert (data["division_code"], data["grid_code"], data["principal_phone"]) == (
        enterprise.division_id, enterprise.grid_id, "13912345678",
    )  # fmt: skip
    assert (data["lon"], data["lat"]) == (enterprise.lon, enterprise.lat)


def test_an_export_with_a_bad_filter_is_a_field_error(people):
    with pytest.raises(FieldErrors) as caught:
        imports.enterprise_export(actor=people["yuehu"], params={"scale": "gigantic"})
    assert caught.value.errors[0]["field"] == "scale"
    assert not AuditEvent.objects.filter(verb="export").exists()


def test_stored_files_are_forgotten_a_week_after_the_import(people, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    old = run_import(people["yuehu"], bad_file(tmp_path))
    recent = run_import(people["city"], bad_file(tmp_path))
    EnterpriseImport.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    old.refresh_from_db()
    assert not imports.rerun_possible(old) and imports.rerun_possible(recent)
    assert imports.enterprise_import_forget_files() == 1
    assert bytes(EnterpriseImport.objects.get(pk=old.pk).content) == b""
    assert bytes(EnterpriseImport.objects.get(pk=recent.pk).content)[:2] == b"PK"
    event = AuditEvent.objects.filter(verb="delete", object_type="orgs.enterpriseimport").get()
    assert event.after == {"files": 1, "older_than_days": 7}
    assert imports.enterprise_import_forget_files() == 0
