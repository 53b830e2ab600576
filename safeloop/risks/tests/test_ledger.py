"""The 风险辨识清单 in xlsx: the template, the import (errors by row and column, all-or-nothing or only
the valid rows, idempotent re-import) and the scoped export, which imports again unchanged."""

import io
import re
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.risks import ledger, services
from safeloop.risks.models import CheckTask, ControlMeasure, RiskAssessment, RiskImport, RiskPoint

PASSWORD = "SafeLoop-2026!"
PUBLIC_YUEHU = (117.045, 28.235)  # 站前社区, 月湖区
PUBLIC_GUIXI = (117.215, 28.295)  # 花园社区, 贵溪市


def workbook(rows: list[dict[str, Any]], *, keys_row: bool = False) -> bytes:
    """A list in the template's columns: Chinese headers, optionally the English keys, then `rows`."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("风险辨识清单")
    columns = ledger.TEMPLATE_COLUMNS
    for at, column in enumerate(columns):
        sheet.write_string(0, at, ledger.header_text(column))
        if keys_row:
            sheet.write_string(1, at, column.key)
    first = 2 if keys_row else 1
    for number, row in enumerate(rows):
        for at, column in enumerate(columns):
            value = row.get(column.key)
            if value is None or value == "":
                continue
            if isinstance(value, int | float):
                sheet.write_number(first + number, at, value)
            else:
                sheet.write_string(first + number, at, str(value))
    book.close()
    return buffer.getvalue()


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def upload(
    client: Client, content: bytes, mode: str = "all_or_nothing", name: str = "清单.xlsx", language: str = ""
) -> Any:
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(
        reverse("risks:import"),
        {"file": SimpleUploadedFile(name, content, content_type=ledger.XLSX_CONTENT_TYPE), "mode": mode},
        follow=True,
    )


def gas_rows() -> list[dict[str, Any]]:
    """Three points of 鹰潭月湖燃气 as ent1 would list them (the credit code left empty on one)."""
    return [
        {
            "index": 1,
            "name": "调压站",
            "kind": "设施",
            "sector": "燃气",
            "accident_types": "火灾、爆炸",
            "method": "LEC",
            "l": 3,
            "e": 6,
            "c": 7,
            "measure_engineering": "安装燃气泄漏报警器\n设置紧急切断阀",
            "measure_management": "每日巡检；交接班检查",
            "measure_emergency": "制定泄漏处置方案【安全员/李四/每季度】",
            "responsible_post": "巡检工",
            "responsible_name": "张三",
            "frequency": "每日",
            "tier_company": "王总 13900000000",
            "tier_team": "钱班长",
        },
        {
            "index": 2,
            "name": "液化气储罐区",
            "kind": "区域",
            "sector": "gas",
            "method": "LEC",
            "l": 6,
            "e": 6,
            "c": 15,
            "residual_l": 1,
            "residual_e": 6,
            "residual_c": 15,
            "major_hazard_source": "是",
            "measure_protective": "配备防静电工作服",
            "responsible_post": "储罐区操作工",
            "frequency": "每周",
        },
        {
            "index": 3,
            "name": "动火作业",
            "kind": "作业活动",
            "sector": "燃气",
            "method": "LS",
            "l": 2,
            "s": 4,
            "measure_training": "动火作业培训",
            "responsible_post": "安全员",
            "frequency": "每月",
        },
    ]


@pytest.fixture
def gas_uscc(city):
    return city.enterprises["yuehu_gas"].uscc


# ---- template --------------------------------------------------------------------------------------


def test_template_opens_with_openpyxl_and_has_the_headers_and_the_notes(city):
    response = login("ent1").get(reverse("risks:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == ledger.XLSX_CONTENT_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["风险辨识清单", "说明"]
    sheet = book["风险辨识清单"]
    headers = [cell.value for cell in sheet[1]]
    for header in (
        "序号",
        "风险点名称*",
        "类型*",
        "行业领域*",
        "所属企业统一社会信用代码",
        "经度",
        "纬度",
        "评价方法*",
    ):
        assert header in headers
    for header in ("L*", "E", "C", "S", "剩余风险L", "重大事故隐患判定标准条目", "涉及重大危险源", "直接判定理由"):
        assert header in headers
    for header in ("工程技术措施", "管理措施", "培训教育措施", "个体防护措施", "应急处置措施", "责任岗位", "检查频次"):
        assert header in headers
    for header in ("公司级责任人", "部门（车间）级责任人", "班组级责任人", "岗位级责任人"):
        assert header in headers
    assert [cell.value for cell in sheet[2]][:3] == ["index", "name", "kind"]
    dropdowns = {str(rule.sqref).split(":")[0]: rule.formula1 for rule in sheet.data_validations.dataValidation}
    kind_column = openpyxl.utils.get_column_letter(headers.index("类型*") + 1)
    assert "作业活动" in dropdowns[f"{kind_column}3"]
    notes = [row[0] for row in book["说明"].iter_rows(values_only=True)]
    assert "燃气" in notes and "每季度" in notes


def test_the_template_imports_as_nothing_but_its_example(city):
    template = login("ent1").get(reverse("risks:import_template")).content
    response = upload(login("ent1"), template, language="en")
    assert response.status_code == 400
    assert "no risk point rows" in response.content.decode()


def test_people_who_keep_no_register_get_404(city):
    for username in ("outsider", "grid1"):
        client = login(username)
        assert client.get(reverse("risks:import")).status_code == 404
        assert client.get(reverse("risks:import_template")).status_code == 404


# ---- import --------------------------------------------------------------------------------------


def test_a_good_file_imports_points_with_assessments_measures_checks_and_audit(city, people, gas_uscc):
    rows = gas_rows()
    rows[1]["uscc"] = gas_uscc
    response = upload(login("ent1"), workbook(rows, keys_row=True))
    assert response.status_code == 200
    record = response.context["record"]
    assert (record.created_count, record.updated_count, record.unchanged_count, record.errors) == (3, 0, 0, [])
    assert record.written
    assert 'data-testid="all-written"' in response.content.decode()

    enterprise = city.enterprises["yuehu_gas"]
    points = {p.name: p for p in RiskPoint.objects.all()}
    assert set(points) == {"调压站", "液化气储罐区", "动火作业"}
    assert all(p.enterprise_id == enterprise.pk and p.created_by == people["ent1"] for p in points.values())
    station = points["调压站"]
    assert station.inherent_score == 126 and station.current_level == "general" and station.control_level == "team"
    assert station.responsible == [
        {"tier": "company", "name": "王总", "phone": "13900000000"},
        {"tier": "team", "name": "钱班长", "phone": ""},
    ]
    tank = points["液化气储罐区"]
    assert tank.inherent_score == 540 and tank.residual_score == 90
    assert tank.assessed_level == "major" and tank.override_reason  # direct judgement: 重大危险源
    hot_work = points["动火作业"]
    assert hot_work.method == "ls" and hot_work.inherent_score == 8 and hot_work.kind == "activity"

    measures = ControlMeasure.objects.filter(point=station)
    assert sorted(measures.values_list("description", flat=True)) == sorted(
        ["安装燃气泄漏报警器", "设置紧急切断阀", "每日巡检", "交接班检查", "制定泄漏处置方案"]
    )
    plan = measures.get(description="制定泄漏处置方案")
    assert (plan.kind, plan.responsible_post, plan.responsible_name, plan.frequency) == (
        "emergency",
        "安全员",
        "李四",
        "quarterly",
    )
    alarm = measures.get(description="安装燃气泄漏报警器")
    assert (alarm.responsible_post, alarm.responsible_name, alarm.frequency) == ("巡检工", "张三", "daily")
    assert CheckTask.objects.filter(point__in=points.values()).count() == ControlMeasure.objects.count() == 7
    assert RiskAssessment.objects.count() == 3

    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert verbs.count("risk_point.create") == 3 and verbs.count("risk_point.assess") == 3
    assert verbs.count("risk_measure.create") == 7
    imported = AuditEvent.objects.get(verb="risk_point.import")
    assert imported.result == "ok" and imported.after["created"] == 3


def bad_rows(city) -> list[dict[str, Any]]:
    good = gas_rows()[0]
    return [
        good,
        {**good, "index": 2, "name": "储罐区", "l": 4},  # LEC L outside the allowed values
        {**good, "index": 3, "name": "管网", "sector": "航天"},  # unknown sector
        {**good, "index": 4, "name": ""},  # missing name
        {**good, "index": 5, "name": "教学楼", "uscc": city.enterprises["yuehu_school"].uscc},  # another enterprise
    ]


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(city):
    response = upload(login("ent1"), workbook(bad_rows(city)), language="en")
    assert response.status_code == 200
    record = response.context["record"]
    found = {(e["row"], e["column"]) for e in record.errors}
    assert found == {(3, "L"), (4, "行业领域"), (5, "风险点名称"), (6, "所属企业统一社会信用代码")}
    messages = {e["row"]: e["message"] for e in record.errors}
    assert messages[3] == "L must be one of 0.1、0.2、0.5、1、3、6、10."
    assert "航天" in messages[4]
    assert messages[5] == "This column is required."
    assert messages[6] == "You may import only the risk points of your own enterprise."
    assert (record.valid_rows, record.created_count, record.written) == (1, 0, False)
    page = response.content.decode()
    assert 'data-testid="nothing-written"' in page and 'data-row="6"' in page and "所属企业统一社会信用代码" in page
    assert not RiskPoint.objects.exists() and not ControlMeasure.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="risk_point.create").exists()
    assert AuditEvent.objects.get(verb="risk_point.import").result == "refused"


def test_only_valid_rows_writes_the_good_ones(city):
    rows = bad_rows(city)
    rows.append({**gas_rows()[2], "index": 6})
    response = upload(login("ent1"), workbook(rows), mode="valid_only")
    record = response.context["record"]
    assert (record.created_count, record.written, record.error_rows) == (2, True, 4)
    assert set(RiskPoint.objects.values_list("name", flat=True)) == {"调压站", "动火作业"}
    assert 'data-testid="some-written"' in response.content.decode()


def test_check_only_writes_nothing_but_counts_what_would_happen(city):
    response = upload(login("ent1"), workbook(gas_rows()), mode="check")
    record = response.context["record"]
    assert (record.created_count, record.written, record.errors) == (3, False, [])
    assert not RiskPoint.objects.exists() and not RiskAssessment.objects.exists()
    assert 'data-testid="checked-only"' in response.content.decode()


def test_the_same_row_twice_in_a_file_is_refused(city):
    rows = gas_rows()
    rows.append({**rows[0], "index": 4})
    record = upload(login("ent1"), workbook(rows), language="en").context["record"]
    assert record.errors == [
        {
            "row": 5,
            "column": "风险点名称",
            "field": "name",
            "message": "The same risk point is in row 2 of this file.",
        }
    ]


def test_reimport_is_idempotent_and_a_changed_input_adds_an_assessment(city):
    client = login("ent1")
    content = workbook(gas_rows())
    upload(client, content)
    again = upload(client, content).context["record"]
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert RiskPoint.objects.count() == 3 and RiskAssessment.objects.count() == 3
    assert ControlMeasure.objects.count() == 7

    rows = gas_rows()
    rows[0]["l"] = 6  # the station is now quite likely: D = 252
    rows[2]["measure_training"] = "动火作业培训\n动火审批"
    changed = upload(client, workbook(rows)).context["record"]
    assert (changed.created_count, changed.updated_count, changed.unchanged_count) == (0, 2, 1)
    station = RiskPoint.objects.get(name="调压站")
    assert station.inherent_score == 252 and station.assessed_level == "significant"
    assert RiskAssessment.objects.filter(point=station).count() == 2
    assert RiskAssessment.objects.count() == 4
    assert ControlMeasure.objects.filter(point__name="动火作业").count() == 2


def test_government_editors_import_public_areas_and_enterprises_in_their_area(city):
    lon, lat = PUBLIC_YUEHU
    public = {
        "name": "信江河滨江段",
        "kind": "区域",
        "sector": "防汛防灾",
        "lon": lon,
        "lat": lat,
        "method": "LS",
        "l": 3,
        "s": 5,
        "tier_township": "街道 李主任 13800000000",
    }
    school = {**gas_rows()[2], "name": "校门口", "sector": "校园", "uscc": city.enterprises["yuehu_school"].uscc}
    guixi = {**public, "name": "花园路口", "lon": PUBLIC_GUIXI[0], "lat": PUBLIC_GUIXI[1]}
    record = upload(login("yuehu"), workbook([public, school, guixi]), language="en").context["record"]
    assert record.errors == [
        {"row": 4, "column": "经度、纬度", "field": "location", "message": "This place is outside your area."}
    ]
    record = upload(login("yuehu"), workbook([public, school]), mode="all_or_nothing").context["record"]
    assert record.created_count == 2
    river = RiskPoint.objects.get(name="信江河滨江段")
    assert river.enterprise_id is None and river.division_id == "360602001002"
    assert river.responsible == [{"tier": "township", "name": "街道 李主任", "phone": "13800000000"}]
    assert river.current_level == "significant" and river.control_level == "township"  # R = 15, variant B
    assert RiskPoint.objects.get(name="校门口").enterprise == city.enterprises["yuehu_school"]


# ---- file problems -------------------------------------------------------------------------------


def test_a_file_that_is_not_xlsx_gets_a_field_message(city):
    response = upload(login("ent1"), "名称,类型\n调压站,设施\n".encode(), name="清单.xlsx", language="en")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "This is not an xlsx workbook. Save the file as Excel Workbook (*.xlsx) and upload it again."
    ]
    assert not RiskPoint.objects.exists()


def test_too_many_rows_are_refused_with_a_clear_message(city):
    row = gas_rows()[2]
    rows = [{**row, "name": f"作业{i}"} for i in range(ledger.MAX_ROWS + 1)]
    response = upload(login("ent1"), workbook(rows), language="en")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "A file may hold at most 5,000 risk points; split it into several files."
    ]


def test_too_large_a_file_is_refused(city, monkeypatch):
    monkeypatch.setattr(ledger.RISK_IMPORT, "max_upload_bytes", 1000)
    response = upload(login("ent1"), workbook(gas_rows()), language="en")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The file is larger than 5 MB; split it into several files."]


# ---- export --------------------------------------------------------------------------------------


@pytest.fixture
def register(city, people):
    """Points in 月湖区 (ent1's enterprise, the school, a public area) and one public area in 贵溪市."""
    city_office = people["city"]
    upload(login("ent1"), workbook(gas_rows()))
    for name, place, extra in (
        ("滨江公园", PUBLIC_YUEHU, {}),
        ("花园广场", PUBLIC_GUIXI, {}),
        ("操场", None, {"enterprise_id": str(city.enterprises["yuehu_school"].uuid)}),
    ):
        data = {"name": name, "kind": "place", "sector": "campus" if extra else "fire", **extra}
        if place is not None:
            data |= {"lon": place[0], "lat": place[1]}
        point = services.risk_point_create(actor=city_office, data=data)
        services.risk_assess(actor=city_office, point=point, data={"method": "ls", "l": 2, "s": 2})
    park = RiskPoint.objects.get(name="滨江公园")
    # One measure whose text holds ；, and one written over two lines: both must come back whole.
    for description in ("检查护栏；检查警示牌", "检查救生圈\n检查救生衣"):
        services.measure_add(
            actor=city_office,
            point=park,
            data={
                "kind": "management",
                "description": description,
                "responsible_post": "网格员",
                "frequency": "weekly",
            },
        )
    return RiskPoint.objects.all()


def exported(client: Client, query: str = "") -> list[dict[str, Any]]:
    response = client.get(reverse("risks:export") + query)
    assert response.status_code == 200
    assert response["Content-Type"] == ledger.XLSX_CONTENT_TYPE
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book["风险辨识清单"].iter_rows(values_only=True))
    headers = [str(h).rstrip("*") for h in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[2:]]


def test_export_round_trip_imports_unchanged(register, city):
    client = login("ent1")
    response = client.get(reverse("risks:export"))
    content = b"".join(response.streaming_content)
    before = (RiskAssessment.objects.count(), ControlMeasure.objects.count(), AuditEvent.objects.count())
    record = upload(client, content).context["record"]
    assert (record.created_count, record.updated_count, record.unchanged_count, record.errors) == (0, 0, 3, [])
    after = (RiskAssessment.objects.count(), ControlMeasure.objects.count(), AuditEvent.objects.count())
    assert after == (before[0], before[1], before[2] + 1)  # only the import's own audit row


def test_export_round_trip_for_a_government_editor(register):
    client = login("city")
    content = b"".join(client.get(reverse("risks:export")).streaming_content)
    record = upload(client, content).context["record"]
    assert record.errors == []
    assert (record.created_count, record.updated_count, record.unchanged_count) == (0, 0, 6)
    assert ControlMeasure.objects.filter(point__name="滨江公园").count() == 2


def test_export_has_the_template_columns_and_the_state_of_each_point(register, city):
    rows = {row["风险点名称"]: row for row in exported(login("ent1"))}
    station = rows["调压站"]
    assert station["所属企业统一社会信用代码"] == city.enterprises["yuehu_gas"].uscc
    assert (station["评价方法"], station["L"], station["E"], station["C"]) == ("LEC", 3, 6, 7)
    assert station["当前风险等级"] == "一般风险" and station["管控层级"] == "班组级"
    assert station["风险点编号"].startswith("YT-YH-FX-") and station["下次评审日期"] is not None
    assert station["工程技术措施"] == "安装燃气泄漏报警器\n设置紧急切断阀"
    assert station["应急处置措施"] == "制定泄漏处置方案【安全员/李四/每季度】"
    assert (station["责任岗位"], station["检查频次"], station["公司级责任人"]) == ("巡检工", "每日", "王总 13900000000")
    assert rows["液化气储罐区"]["涉及重大危险源"] == "是" and rows["液化气储罐区"]["剩余风险L"] == 1


def test_export_is_scoped_and_filtered_like_the_list(register):
    assert {row["风险点名称"] for row in exported(login("ent1"))} == {"调压站", "液化气储罐区", "动火作业"}
    yuehu = {row["风险点名称"] for row in exported(login("yuehu"))}
    assert "花园广场" not in yuehu and {"滨江公园", "操场", "调压站"} <= yuehu
    assert {row["风险点名称"] for row in exported(login("city"))} >= {"花园广场", "滨江公园"}
    assert {row["风险点名称"] for row in exported(login("city"), "?level=major")} == {"液化气储罐区"}
    assert {row["风险点名称"] for row in exported(login("city"), "?public=true")} == {"滨江公园", "花园广场"}
    assert exported(login("outsider")) == []
    audit_rows = AuditEvent.objects.filter(verb="risk_point.export")
    assert audit_rows.filter(after__rows=3).exists()


def test_export_with_a_bad_filter_is_a_400(register):
    response = login("city").get(reverse("risks:export") + "?level=purple")
    assert response.status_code == 400


def test_a_park_measure_holding_a_semicolon_exports_as_one_measure(register):
    park = next(row for row in exported(login("city")) if row["风险点名称"] == "滨江公园")
    assert park["管理措施"] == "检查护栏；检查警示牌\n检查救生圈 检查救生衣"


# ---- re-runs and the worker ------------------------------------------------------------------------


def test_a_refused_import_can_run_again_for_its_valid_rows_without_uploading_it_again(city):
    client = login("ent1")
    refused = upload(client, workbook(bad_rows(city))).context["record"]
    assert (
        'data-testid="rerun-valid"' in client.get(reverse("risks:import_detail", args=[refused.uuid])).content.decode()
    )
    assert (
        login("yuehu").post(reverse("risks:import_rerun", args=[refused.uuid]), {"mode": "valid_only"}).status_code
        == 404
    )
    response = client.post(reverse("risks:import_rerun", args=[refused.uuid]), {"mode": "valid_only"}, follow=True)
    rerun = response.context["record"]
    assert (rerun.mode, rerun.rerun_of, rerun.created_count, rerun.written) == ("valid_only", refused, 1, True)
    assert list(RiskPoint.objects.values_list("name", flat=True)) == ["调压站"]
    again = client.post(reverse("risks:import_rerun", args=[refused.uuid]), {"mode": "valid_only"}, follow=True)
    assert again.context["record"] == refused  # once only
    assert RiskImport.objects.count() == 2


def test_a_clean_check_can_be_imported_at_once(city):
    client = login("ent1")
    checked = upload(client, workbook(gas_rows()), mode="check").context["record"]
    assert checked.content  # kept for the import
    response = client.post(reverse("risks:import_rerun", args=[checked.uuid]), {"mode": "all_or_nothing"}, follow=True)
    assert response.context["record"].created_count == 3 and RiskPoint.objects.count() == 3
    checked.refresh_from_db()
    assert checked.content == b""


def test_someone_elses_import_is_a_404(city):
    record = upload(login("ent1"), workbook(gas_rows()), mode="check").context["record"]
    assert login("yuehu").get(reverse("risks:import_detail", args=[record.uuid])).status_code == 404
    assert login("yuehu").get(reverse("risks:import_status", args=[record.uuid])).status_code == 404


def test_a_long_list_runs_in_the_worker(city, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(ledger.RISK_IMPORT, "inline_max_rows", 2)
    monkeypatch.setattr(ledger.RISK_IMPORT, "chunk_rows", 2)
    client = login("ent1")
    with django_capture_on_commit_callbacks() as callbacks:
        record = upload(client, workbook(gas_rows())).context["record"]
    assert (record.status, record.total_rows, len(callbacks)) == ("queued", 3, 1)
    html = client.get(reverse("risks:import_status", args=[record.uuid])).content.decode()
    assert 'data-status="queued"' in html and "hx-get" in html
    from safeloop.risks.tasks_io import risk_import_task

    outcome = risk_import_task.call(str(record.uuid), "en")
    assert outcome == {"status": "done", "created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    record.refresh_from_db()
    assert record.content == b"" and record.written and RiskPoint.objects.count() == 3
    html = client.get(reverse("risks:import_status", args=[record.uuid])).content.decode()
    assert "hx-get" not in html and 'data-testid="all-written"' in html


def test_an_all_or_nothing_list_written_in_chunks_says_where_a_failed_write_stopped_it(city, monkeypatch):
    """Rows are written CHUNK_ROWS to a transaction; a row that passes the checks but fails while being
    written (someone changed the point meanwhile) stops an all-or-nothing import there."""
    monkeypatch.setattr(ledger.RISK_IMPORT, "chunk_rows", 1)
    write_row = ledger.write_row

    def failing(actor, row):
        if row.number == 3:
            raise FieldErrors.single("l", "changed meanwhile")
        return write_row(actor, row)

    monkeypatch.setattr(ledger, "write_row", failing)
    record = upload(login("ent1"), workbook(gas_rows()), language="en").context["record"]
    assert (record.written, record.created_count) == (True, 1)
    assert [(e["row"], e["column"], e["message"]) for e in record.errors] == [
        (3, "L", "changed meanwhile"),
        (3, "", "The import stopped at this row; it and the rows after it were not imported."),
    ]
    assert list(RiskPoint.objects.values_list("name", flat=True)) == ["调压站"]


def test_files_of_finished_imports_are_forgotten_after_a_week(city):
    record = upload(login("ent1"), workbook(gas_rows()), mode="check").context["record"]
    RiskImport.objects.filter(pk=record.pk).update(finished_at=record.finished_at - timedelta(days=8))
    assert ledger.risk_import_forget_files() == 1
    record.refresh_from_db()
    assert record.content == b"" and record.created_count == 3


# ---- on a phone ------------------------------------------------------------------------------------


def test_the_result_page_fits_a_phone(chromium, live_city, tmp_path):
    """An officer uploads a list with bad rows from a 375 px phone: the errors show, nothing scrolls sideways."""
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=live_city.url, viewport={"width": 375, "height": 800}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/login/")
        page.locator('input[name="username"]').fill("ent1")
        page.locator('input[name="password"]').fill(PASSWORD)
        page.locator('input[name="password"]').press("Enter")
        expect(page).not_to_have_url(re.compile(r"/login/"))
        page.goto(reverse("risks:import"))
        path = tmp_path / "清单.xlsx"
        path.write_bytes(workbook(bad_rows(live_city)))
        page.set_input_files('input[name="file"]', str(path))
        page.get_by_test_id("import-submit").click()
        expect(page.get_by_test_id("import-errors").locator("tr[data-row]")).to_have_count(4)
        expect(page.get_by_test_id("rerun-valid")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()
        from django.db import connections

        connections.close_all()
