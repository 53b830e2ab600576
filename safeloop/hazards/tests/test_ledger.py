"""The hazard 台账: the xlsx export (opened back with openpyxl) follows the list's scope and filters and is
audited; the import of a historical ledger (a real xlsx written here with xlsxwriter) names bad rows by
row and column, writes nothing or only the valid rows, brings closed rows in closed with their times,
refuses outsiders and places outside the importer's area, and is audited."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import xlsxwriter
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from safeloop.core.models import AuditEvent
from safeloop.core.testing import make_uscc
from safeloop.hazards import ledger, services
from safeloop.hazards.choices import HazardStatus
from safeloop.hazards.models import Hazard, HazardEvent, HazardImport
from safeloop.hazards.tests.helpers import GAS_POINT, GUIXI_POINT, jpeg, report
from safeloop.notifications.models import Notification
from safeloop.orgs.services import NotAllowed

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS = [
    "序号", "隐患编号", "单位名称", "隐患描述", "隐患级别", "行业领域", "所属区域", "发现时间",
    "整改责任人", "整改期限", "整改措施", "整改状态", "验收人", "验收时间", "销号时间",
]  # fmt: skip
COL = {name: index for index, name in enumerate(HEADERS)}
SCHOOL_POINT = {"lon": 117.045, "lat": 28.235}


def client_for(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def workbook(content):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return book, book["隐患台账"]


def data_rows(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]


def export(client, **params):
    response = client.get(reverse("hazards:ledger_export"), params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == ledger.XLSX_CONTENT_TYPE
    return workbook(b"".join(response.streaming_content))


def closed_gas_hazard(city, people):
    """A general gas hazard at ent1's company taken round the real loop: grid1 → yuehu → ent1 → verifier."""
    gas = city.enterprises["yuehu_gas"]
    intake = services.hazard_create(
        actor=people["grid1"],
        data=report(title="阀门锈蚀", description="调压箱阀门锈蚀漏气", enterprise_id=str(gas.uuid)),
    )
    hazard = intake.hazard
    hazard = services.hazard_transition(
        actor=people["yuehu"], hazard=hazard, action="confirm", payload={"note": "属实"}
    )
    hazard = services.hazard_transition(actor=people["ent1"], hazard=hazard, action="start")
    photo = services.photo_add(actor=people["ent1"], hazard=hazard, content=jpeg(), kind="after")
    hazard = services.hazard_transition(
        actor=people["ent1"], hazard=hazard, action="submit", payload={"note": "已更换", "photo_ids": [str(photo.uuid)]}
    )
    return services.hazard_transition(
        actor=people["verifier"], hazard=hazard, action="verify", payload={"note": "合格"}
    )


@pytest.fixture
def hazards(city, people):
    gas = closed_gas_hazard(city, people)
    school = services.hazard_create(
        actor=people["yuehu"],
        data=report(title="宿舍私拉电线", description="", sector="campus", level="major", **SCHOOL_POINT),
    ).hazard
    fireworks = services.hazard_create(
        actor=people["guixi"], data=report(title="超量储存", sector="fireworks", **GUIXI_POINT)
    ).hazard
    return {"gas": gas, "school": school, "fireworks": fireworks}


# ---- export --------------------------------------------------------------------------------------


def test_the_ledger_opens_back_with_title_headers_and_the_scoped_rows(people, hazards):
    _book, sheet = export(client_for(people["yuehu"]))
    assert sheet["A1"].value == "安全生产事故隐患排查治理台账"
    assert "导出时间" in sheet["A2"].value and "陈月湖" in sheet["A2"].value and "全部" in sheet["A2"].value
    assert [c.value for c in sheet[3]] == HEADERS
    assert sheet.freeze_panes == "C4"
    assert sheet.column_dimensions["D"].width > 30  # 隐患描述 is wide
    rows = data_rows(sheet)
    # yuehu's scope: both 月湖区 hazards, no 贵溪 row; oldest first, numbered.
    assert [r[COL["隐患编号"]] for r in rows] == [hazards["gas"].code, hazards["school"].code]
    assert [r[COL["序号"]] for r in rows] == [1, 2]
    assert not any("贵溪" in (r[COL["所属区域"]] or "") for r in rows)
    gas, school = rows
    assert gas[COL["单位名称"]] == "鹰潭月湖燃气有限公司"
    assert gas[COL["隐患描述"]] == "阀门锈蚀\n调压箱阀门锈蚀漏气"
    assert (gas[COL["隐患级别"]], school[COL["隐患级别"]]) == ("一般隐患", "重大隐患")
    assert (gas[COL["整改状态"]], school[COL["整改状态"]]) == ("已销号", "待核实")
    assert gas[COL["行业领域"]] == "燃气" and school[COL["行业领域"]] == "校园"
    assert gas[COL["所属区域"]].startswith("月湖区")
    assert gas[COL["验收人"]] == "郑验收"
    closed = hazards["gas"]
    local = closed.closed_at.astimezone(SHANGHAI).replace(tzinfo=None, second=0, microsecond=0)
    assert gas[COL["销号时间"]].replace(second=0, microsecond=0) == local
    assert gas[COL["验收时间"]].replace(second=0, microsecond=0) == local
    assert gas[COL["发现时间"]].replace(second=0, microsecond=0) == closed.reported_at.astimezone(SHANGHAI).replace(
        tzinfo=None, second=0, microsecond=0
    )
    assert gas[COL["整改期限"]] == datetime.combine(closed.due_at.astimezone(SHANGHAI).date(), datetime.min.time())
    assert sheet.cell(4, COL["发现时间"] + 1).number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(4, COL["整改期限"] + 1).number_format == "yyyy-mm-dd"
    assert school[COL["销号时间"]] is None and school[COL["验收人"]] in (None, "")
    event = AuditEvent.objects.get(verb="hazard.ledger_export")
    assert (event.actor, event.after["rows"], event.after["filters"]) == (people["yuehu"], 2, {})


def test_filters_narrow_the_ledger_and_are_named_in_it(people, hazards):
    client = client_for(people["yuehu"])
    _book, sheet = export(client, sector="campus")
    assert [r[COL["隐患编号"]] for r in data_rows(sheet)] == [hazards["school"].code]
    assert "行业领域=校园" in sheet["A2"].value
    _book, sheet = export(client, status=["closed", "confirmed"], page="3")
    assert [r[COL["隐患编号"]] for r in data_rows(sheet)] == [hazards["gas"].code]
    assert "整改状态=已销号、未整改" in sheet["A2"].value
    _book, sheet = export(client_for(people["city"]))
    assert len(data_rows(sheet)) == 3  # the city office sees 贵溪 too
    _book, sheet = export(client_for(people["guixi"]))
    assert [r[COL["隐患编号"]] for r in data_rows(sheet)] == [hazards["fireworks"].code]
    filters = [e.after["filters"] for e in AuditEvent.objects.filter(verb="hazard.ledger_export").order_by("id")]
    assert filters[:2] == [{"sector": "campus"}, {"status": ["closed", "confirmed"]}]


def test_a_bad_filter_is_a_400_naming_it(people, hazards):
    response = client_for(people["yuehu"]).get(reverse("hazards:ledger_export"), {"reported_from": "yesterday"})
    assert response.status_code == 400
    assert response.content.decode().startswith("reported_from:")
    assert not AuditEvent.objects.filter(verb="hazard.ledger_export").exists()


def test_the_api_ledger_is_filtered_and_not_taken_for_a_hazard_id(api_as, people, hazards):
    client = api_as("yuehu")
    response = client.get("/api/v1/hazards/ledger.xlsx", {"level": "major"})
    assert response.status_code == 200, response.content
    _book, sheet = workbook(b"".join(response.streaming_content))
    assert [r[COL["隐患编号"]] for r in data_rows(sheet)] == [hazards["school"].code]
    assert client.get("/api/v1/hazards/ledger.xlsx", {"level": "huge"}).status_code == 422
    assert api_as(None).get("/api/v1/hazards/ledger.xlsx").status_code == 401
    assert client.get(f"/api/v1/hazards/{hazards['school'].uuid}").status_code == 200  # the detail still routes


def test_the_export_reads_in_constant_queries(people, hazards, django_assert_max_num_queries):
    actor = people["city"]
    ledger.hazard_ledger_export(actor=actor, params={})  # warm the scope and the grid index
    for i in range(25):
        services.hazard_create(actor=people["yuehu"], data=report(title=f"批量隐患{i}", **GAS_POINT))
    with django_assert_max_num_queries(12):
        result = ledger.hazard_ledger_export(actor=actor, params={})
    assert result.rows == 28


# ---- import --------------------------------------------------------------------------------------


KEYS = [c.key for c in ledger.TEMPLATE_COLUMNS]


def ledger_file(rows, *, title=True):
    """A historical ledger as offices keep it: a title row, the Chinese headers, then the rows; dates as
    real Excel dates or as text, the way people type them."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("隐患台账")
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    top = 0
    if title:
        sheet.write_string(0, 0, "月湖区2024年安全生产事故隐患排查治理台账")
        top = 1
    for at, column in enumerate(ledger.TEMPLATE_COLUMNS):
        sheet.write_string(top, at, column.header)
    for number, row in enumerate(rows, top + 1):
        for key, value in row.items():
            at = KEYS.index(key)
            if isinstance(value, datetime):
                sheet.write_datetime(number, at, value, stamp)
            elif isinstance(value, int | float):
                sheet.write_number(number, at, value)
            else:
                sheet.write_string(number, at, value)
    book.close()
    return buffer.getvalue()


def row(**cells):
    base = {
        "description": "燃气阀门锈蚀\n调压箱旁阀门锈蚀，有燃气味",
        "level": "一般隐患",
        "sector": "燃气",
        "reported_at": datetime(2024, 3, 5, 9, 30),
        "responsible_person": "张三",
        "due_at": "2024-03-20",
        "measures": "更换阀门",
        "status": "未整改",
        **GAS_POINT,
    }
    base.update(cells)
    return {k: v for k, v in base.items() if v is not None}


def upload(content, name="ledger.xlsx"):
    return SimpleUploadedFile(name, content, content_type=ledger.XLSX_CONTENT_TYPE)


def run(actor, rows, mode="all_or_nothing"):
    return ledger.hazard_import_start(actor=actor, upload=upload(ledger_file(rows)), mode=mode, language="en")


def mixed_rows(city, existing_code):
    """Rows 3–12 of the sheet: good ones and each kind of bad one."""
    school = city.enterprises["yuehu_school"]
    return [
        # 3: closed, with its times as text and as an Excel date
        row(
            code="YH-2024-001",
            unit="鹰潭月湖燃气有限公司",
            status="已销号",
            verifier="李四",
            verified_at="2024-03-18 15:00",
            closed_at="2024/3/19 10:00",
        ),
        # 4: a major hazard still being governed, placed by the school's credit code
        row(
            code="YH-2024-002",
            description="宿舍私拉电线",
            level="重大隐患",
            sector="campus",
            reported_at="2025年6月1日",
            due_at=datetime(2099, 6, 30),
            status="整改中",
            lon=None,
            lat=None,
            uscc=make_uscc(2),
        ),
        # 5: a deadline nobody can read
        row(code="YH-2024-003", due_at="下个月"),
        # 6: open and long overdue, no number of its own
        row(description="消防通道堵塞", sector="消防", status="逾期", due_at="2024-04-01"),
        # 7: in 贵溪, outside yuehu's area
        row(code="YH-2024-005", sector="烟花爆竹", **GUIXI_POINT),
        # 8: the number of row 3 again
        row(code="YH-2024-001"),
        # 9: a level the ledger does not know
        row(code="YH-2024-007", level="特大"),
        # 10: a number already in the system
        row(code=existing_code),
        # 11: closed, but no time when
        row(code="YH-2024-009", status="已整改"),
        # 12: closed before it was found
        row(code="YH-2024-010", status="已验收", verified_at="2024-01-01"),
    ], school


EXPECTED_ERRORS = [
    ("5", "整改期限"),
    ("7", "经度、纬度"),
    ("8", "隐患编号"),
    ("9", "隐患级别"),
    ("10", "隐患编号"),
    ("11", "销号时间"),
    ("12", "销号时间"),
]


def test_all_or_nothing_names_each_bad_row_and_column_and_writes_nothing(city, people, hazards):
    rows, _school = mixed_rows(city, hazards["gas"].code)
    before = Hazard.objects.count()
    record = run(people["yuehu"], rows)
    assert record.status == "done"
    assert [(str(e["row"]), e["column"]) for e in record.errors] == EXPECTED_ERRORS
    bad_date = record.errors[0]["message"]
    assert "2024-03-05" in bad_date and "下个月" in bad_date
    assert "系统中已有" in record.errors[4]["message"] and "第 3 行" in record.errors[2]["message"]
    assert (record.created_count, record.valid_rows, record.error_count) == (0, 3, 7)
    assert Hazard.objects.count() == before
    assert ledger.rerun_possible(record)
    event = AuditEvent.objects.get(verb="hazard.ledger_import", object_id=str(record.uuid))
    assert (event.actor, event.after["created"], event.after["errors"]) == (people["yuehu"], 0, 7)


def test_valid_only_writes_the_good_rows_closed_ones_closed_with_their_times(city, people, hazards):
    rows, school = mixed_rows(city, hazards["gas"].code)
    notifications = Notification.objects.count()
    client = client_for(people["yuehu"])
    response = client.post(reverse("hazards:ledger_import"), {"file": upload(ledger_file(rows)), "mode": "valid_only"})
    record = HazardImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "hazards:ledger_import_detail", args=[record.uuid]
    )
    assert (record.created_count, record.closed_count, record.error_count) == (3, 1, 7)
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="created-count">3<' in html and 'data-row="5"' in html and "整改期限" in html

    closed = Hazard.objects.get(code="YH-2024-001")
    assert closed.status == HazardStatus.CLOSED
    assert closed.closed_at == datetime(2024, 3, 19, 10, 0, tzinfo=SHANGHAI)
    assert closed.verified_at == datetime(2024, 3, 18, 15, 0, tzinfo=SHANGHAI)
    assert closed.reported_at == datetime(2024, 3, 5, 9, 30, tzinfo=SHANGHAI)
    assert closed.due_at == datetime(2024, 3, 20, 23, 59, tzinfo=SHANGHAI)
    assert (closed.title, closed.description) == ("燃气阀门锈蚀", "调压箱旁阀门锈蚀，有燃气味")
    assert closed.source == "self_check" and closed.responsible_person == "张三"
    assert closed.division_id.startswith("360602001")
    event = closed.events.get(action="import")
    assert (event.from_status, event.to_status) == ("reported", "closed")
    assert event.data["ledger_status"] == "已销号" and event.data["verifier"] == "李四"

    governed = Hazard.objects.get(code="YH-2024-002")
    assert (governed.status, governed.level, governed.enterprise_id) == ("governing", "major", school.pk)
    assert governed.due_at == datetime(2099, 6, 30, 23, 59, tzinfo=SHANGHAI)  # a date alone: the end of the day
    overdue = Hazard.objects.get(title="消防通道堵塞")
    assert overdue.status == "confirmed" and overdue.overdue and overdue.code.startswith("YT-YH-2024-")

    assert Notification.objects.count() == notifications  # history notifies nobody
    for hazard in (closed, governed, overdue):
        verbs = set(AuditEvent.objects.filter(object_id=str(hazard.uuid)).values_list("verb", flat=True))
        assert {"hazard.report", "hazard.import"} <= verbs
    event = AuditEvent.objects.get(verb="hazard.ledger_import", object_id=str(record.uuid))
    assert (event.after["created"], event.after["closed"], event.after["mode"]) == (3, 1, "valid_only")

    # The imported history reads back in the ledger: numbers, verifier's name, times.
    _book, sheet = export(client, q="YH-2024-001")
    (line,) = data_rows(sheet)
    assert (line[COL["隐患编号"]], line[COL["验收人"]], line[COL["整改状态"]]) == ("YH-2024-001", "李四", "已销号")
    assert line[COL["销号时间"]] == datetime(2024, 3, 19, 10, 0)
    assert line[COL["单位名称"]] == "鹰潭月湖燃气有限公司"
    _book, sheet = export(client, q="消防通道堵塞")
    assert data_rows(sheet)[0][COL["整改状态"]] == "未整改（逾期）"


def test_a_refused_import_runs_again_for_its_valid_rows(city, people, hazards):
    rows, _school = mixed_rows(city, hazards["gas"].code)
    client = client_for(people["yuehu"])
    client.post(reverse("hazards:ledger_import"), {"file": upload(ledger_file(rows)), "mode": "all_or_nothing"})
    refused = HazardImport.objects.get()
    html = client.get(reverse("hazards:ledger_import_detail", args=[refused.uuid])).content.decode()
    assert 'data-testid="nothing-written"' in html and 'data-testid="rerun"' in html
    response = client.post(reverse("hazards:ledger_import_rerun", args=[refused.uuid]))
    rerun = HazardImport.objects.exclude(pk=refused.pk).get()
    assert response["Location"] == reverse("hazards:ledger_import_detail", args=[rerun.uuid])
    assert (rerun.mode, rerun.created_count, rerun.rerun_of) == ("valid_only", 3, refused)
    client.post(reverse("hazards:ledger_import_rerun", args=[refused.uuid]))
    assert HazardImport.objects.count() == 2  # only once


@pytest.mark.parametrize("username", ["outsider", "ent1", "grid1", "verifier", "leader", "admin"])
def test_who_keeps_no_ledger_is_refused(people, username):
    client = client_for(people[username])
    for name in ("hazards:ledger_import", "hazards:ledger_import_template"):
        assert client.get(reverse(name)).status_code == 404, name
    response = client.post(
        reverse("hazards:ledger_import"), {"file": upload(ledger_file([row()])), "mode": "valid_only"}
    )
    assert response.status_code == 404
    with pytest.raises(NotAllowed):
        run(people[username], [row()])
    assert not HazardImport.objects.exists() and not Hazard.objects.exists()


def test_the_api_import_and_its_refusal(api_as, people):
    client = api_as("yuehu")
    response = client.client.post(
        "/api/v1/hazards/ledger/import",
        {"file": upload(ledger_file([row(code="API-1")])), "mode": "all_or_nothing"},
        headers=client.headers,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["created_count"], body["errors"]) == ("done", 1, [])
    assert client.get(f"/api/v1/hazard-ledger-imports/{body['id']}").json()["created_count"] == 1
    assert api_as("guixi").get(f"/api/v1/hazard-ledger-imports/{body['id']}").status_code == 404
    outsider = api_as("outsider")
    refused = outsider.client.post(
        "/api/v1/hazards/ledger/import", {"file": upload(ledger_file([row()]))}, headers=outsider.headers
    )
    assert refused.status_code == 404
    template = client.get("/api/v1/hazards/ledger/import-template")
    assert template.status_code == 200 and template["Content-Type"] == ledger.XLSX_CONTENT_TYPE


def test_another_district_and_a_department_meet_their_limits(city, people):
    record = run(people["guixi"], [row(code="G-1"), row(code="G-2", sector="烟花爆竹", **GUIXI_POINT)], "valid_only")
    assert [(e["row"], e["column"]) for e in record.errors] == [(3, "经度、纬度")]
    assert Hazard.objects.get(code="G-2").source == "self_check"
    chem = make_uscc(3)
    record = run(
        people["yingji"],
        [
            row(code="D-1", sector="危化品", lon=None, lat=None, uscc=chem),
            row(code="D-2", sector="校园", **SCHOOL_POINT),  # not a sector of 应急管理局
            row(code="D-3", sector="危化品", lon=None, lat=None, uscc=make_uscc(999)),  # no such enterprise
        ],
        "valid_only",
    )
    assert [(e["row"], e["column"]) for e in record.errors] == [(4, "行业领域"), (5, "统一社会信用代码")]
    imported = Hazard.objects.get(code="D-1")
    assert (imported.source, imported.enterprise.uscc) == ("department_inspection", chem)


def test_an_imported_number_in_our_format_moves_the_sequence_on(people):
    run(people["yuehu"], [row(code="YT-YH-2024-000500")])
    later = services.hazard_create(
        actor=people["yuehu"], data=report(reported_at="2024-05-01T10:00:00+08:00", **GAS_POINT)
    ).hazard
    assert later.code == "YT-YH-2024-000501"


def test_the_template_explains_itself_and_reads_as_empty(people):
    response = client_for(people["yuehu"]).get(reverse("hazards:ledger_import_template"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["隐患台账"]
    assert [c.value for c in sheet[2]][:15] == HEADERS
    assert [c.value for c in sheet[2]][15:] == ["统一社会信用代码", "经度", "纬度", "隐患来源"]
    notes = [r[0] for r in book["填写说明"].iter_rows(values_only=True)]
    assert "燃气" in notes and "重大隐患" in notes and "已销号" in notes
    with pytest.raises(ledger.FileProblem, match="no hazard rows"):
        ledger.read_ledger(response.content)  # the key row and the example are skipped
    page = client_for(people["yuehu"]).get(reverse("hazards:ledger_import"))
    assert page.status_code == 200 and reverse("hazards:ledger_import_template") in page.content.decode()


def _sheet(table):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, cells in enumerate(table):
        for c, value in enumerate(cells):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def test_a_file_that_is_no_ledger_is_refused_on_the_file(people):
    client = client_for(people["yuehu"])
    response = client.post(
        reverse("hazards:ledger_import"), {"file": upload(b"not a workbook", "a.xlsx"), "mode": "valid_only"}
    )
    assert response.status_code == 400 and "not an xlsx workbook" in response.content.decode()
    with pytest.raises(ledger.FileProblem, match="No row of ledger headers"):
        ledger.read_ledger(_sheet([["备注", "其他"], ["x", "y"]]))
    with pytest.raises(ledger.FileProblem, match="整改状态"):
        ledger.read_ledger(
            _sheet([["隐患描述", "隐患级别", "行业领域", "发现时间"], ["a", "一般隐患", "燃气", "2024-01-01"]])
        )
    assert not HazardImport.objects.exists()


def test_a_large_ledger_runs_in_the_worker(people, django_capture_on_commit_callbacks):
    rows = [
        row(code=f"BIG-{i:04d}", status="已销号" if i % 2 else "整改中", closed_at="2024-03-19") for i in range(201)
    ]
    for index in range(0, 201, 2):
        rows[index].pop("closed_at")
    with django_capture_on_commit_callbacks() as callbacks:
        record = run(people["city"], rows, "all_or_nothing")
    assert (record.status, record.total_rows) == ("queued", 201)
    assert len(callbacks) == 1
    html = client_for(people["city"]).get(reverse("hazards:ledger_import_status", args=[record.uuid])).content.decode()
    assert 'data-status="queued"' in html and "hx-get" in html
    from safeloop.hazards.tasks_ledger import hazard_ledger_import_task

    result = hazard_ledger_import_task.call(str(record.uuid), "en")
    assert result == {"status": "done", "created": 201, "closed": 100, "errors": 0}
    record.refresh_from_db()
    assert record.content == b"" and record.processed_rows == 201
    assert Hazard.objects.filter(code__startswith="BIG-", status="closed").count() == 100
    assert Hazard.objects.filter(code__startswith="BIG-", status="rectifying").count() == 101
    assert HazardEvent.objects.filter(action="import").count() == 201


def test_dates_are_read_the_ways_people_write_them():
    def read(value, **kw):
        return ledger.cell_moment(value, **kw)

    assert read("2024-03-05") == datetime(2024, 3, 5, tzinfo=SHANGHAI)
    assert read("2024/3/5 9:05") == datetime(2024, 3, 5, 9, 5, tzinfo=SHANGHAI)
    assert read("2024年3月5日") == datetime(2024, 3, 5, tzinfo=SHANGHAI)
    assert read("2024.03.05", end_of_day=True) == datetime(2024, 3, 5, 23, 59, tzinfo=SHANGHAI)
    assert read(date(2024, 3, 5), end_of_day=True) == datetime(2024, 3, 5, 23, 59, tzinfo=SHANGHAI)
    assert read(45356.0) == datetime(2024, 3, 5, tzinfo=SHANGHAI)  # an unformatted Excel date
    for bad in ("2024-02-30", "下个月", "3/5", 12.5):
        with pytest.raises(ledger.CellError):
            read(bad)
