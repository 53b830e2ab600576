"""The import and export pages and endpoints as a user meets them: upload, progress, error table,
re-run, 404 for those who may not import, and the background path through the real task worker."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from safeloop.core.models import AuditEvent
from safeloop.core.testing import build_test_city, make_uscc
from safeloop.orgs import imports, xlsx
from safeloop.orgs.models import Enterprise, EnterpriseImport
from safeloop.orgs.tests.test_xlsx import KEYS, bad_file, row, write_workbook

PAGES = ("orgs:enterprise_import", "orgs:enterprise_import_template")


def client_for(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def upload_page(client, path, mode="all_or_nothing", name=None):
    with path.open("rb") as handle:
        if name:
            handle.name = name
        return client.post(reverse("orgs:enterprise_import"), {"file": handle, "mode": mode})


def sheet_rows(content):
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name("企业").to_python()


def error_rows(html):
    """(row, column) pairs of the error table as shown."""
    return re.findall(r'<tr data-row="(\d+)"><td class="text-end">\d+</td><td class="text-nowrap">([^<]*)</td>', html)


# ---- who sees the import -------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["outsider", "ent1", "grid1", "yingji", "leader", "verifier"])
def test_people_who_may_not_add_enterprises_get_404_on_the_import(people, username, tmp_path):
    client = client_for(people[username])
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    assert upload_page(client, write_workbook(tmp_path / "a.xlsx", [row(uscc=make_uscc(901))])).status_code == 404
    assert not Enterprise.objects.filter(uscc=make_uscc(901)).exists()


def test_the_import_page_and_template_for_a_district_officer(people):
    client = client_for(people["yuehu"])
    page = client.get(reverse("orgs:enterprise_import"))
    assert page.status_code == 200
    assert reverse("orgs:enterprise_import_template") in page.content.decode()
    template = client.get(reverse("orgs:enterprise_import_template"))
    assert template["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    assert sheet_rows(template.content)[0][:3] == ["企业名称", "统一社会信用代码", "行业领域"]


def test_someone_elses_import_is_a_404(people, tmp_path):
    record = imports.enterprise_import_start(
        actor=people["yuehu"],
        upload=_upload(write_workbook(tmp_path / "a.xlsx", [row(uscc=make_uscc(902))])),
        mode="all_or_nothing",
    )
    detail = reverse("orgs:enterprise_import_detail", args=[record.uuid])
    assert client_for(people["yuehu"]).get(detail).status_code == 200
    assert client_for(people["guixi"]).get(detail).status_code == 404
    assert (
        client_for(people["guixi"]).get(reverse("orgs:enterprise_import_status", args=[record.uuid])).status_code == 404
    )


def _upload(path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(path.name, path.read_bytes())


# ---- upload, progress, errors, re-run ------------------------------------------------------------


def test_a_file_that_is_not_xlsx_is_refused_with_a_field_error(people, tmp_path):
    client = client_for(people["yuehu"])
    fake = tmp_path / "enterprises.xlsx"
    fake.write_text("企业名称,统一社会信用代码\n甲,91360602000000001X\n", encoding="utf-8")
    response = upload_page(client, fake)
    assert response.status_code == 400
    assert 'data-testid="error-file"' in response.content.decode()
    assert "not an xlsx workbook" in response.content.decode()
    assert not EnterpriseImport.objects.exists()


def test_a_good_upload_shows_what_was_created(people, tmp_path):
    client = client_for(people["yuehu"])
    path = write_workbook(
        tmp_path / "good.xlsx",
        [row(name=f"页面企业{i}", uscc=make_uscc(910 + i), lon=117.031 + i * 0.01) for i in range(3)],
    )
    response = upload_page(client, path)
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-status="done"' in html and 'data-testid="created-count">3<' in html
    assert "hx-trigger" not in html  # finished: no more polling
    assert sorted(Enterprise.objects.filter(name__startswith="页面企业").values_list("grid_id", flat=True)) == [
        "360602001001001", "360602001002001", "360602003001001",
    ]  # fmt: skip


def test_errors_are_listed_by_row_and_column_and_the_valid_rows_can_be_imported_after(people, tmp_path):
    client = client_for(people["yuehu"])
    before = Enterprise.objects.count()
    response = upload_page(client, bad_file(tmp_path))
    html = client.get(response["Location"]).content.decode()
    assert error_rows(html) == [("4", "统一社会信用代码"), ("5", "经度")]
    assert 'data-testid="nothing-written"' in html and Enterprise.objects.count() == before
    rerun_url = re.search(r'action="([^"]+/rerun/)"', html).group(1)
    response = client.post(rerun_url)
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="created-count">1<' in html
    assert Enterprise.objects.count() == before + 1
    assert 'data-testid="rerun"' not in html
    # The refused import cannot be re-run twice.
    client.post(rerun_url)
    assert Enterprise.objects.count() == before + 1


@pytest.fixture
def committed_city(transactional_db):
    """The city committed for real, so the task worker's transactions behave as in production (the
    root conftest puts the reference data back after the transactional flush)."""
    return build_test_city()


def test_a_large_file_runs_in_the_worker_and_reports_progress(committed_city, tmp_path):
    client = client_for(committed_city.people["city"])
    count = 300
    rows = [
        row(name=f"后台企业{i:03d}", uscc=make_uscc(3000 + i), lon=117.0305 + (i % 29) * 0.001) for i in range(count)
    ]
    rows[150] = row(name="后台坏行", uscc=make_uscc(3150), lon="x")
    response = upload_page(client, write_workbook(tmp_path / "big.xlsx", rows), mode="valid_only")
    record = EnterpriseImport.objects.get()
    status_url = reverse("orgs:enterprise_import_status", args=[record.uuid])
    html = client.get(status_url).content.decode()
    assert (record.status, record.total_rows) == ("queued", count)
    assert 'data-status="queued"' in html and f'hx-get="{status_url}"' in html  # the page keeps polling

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    record.refresh_from_db()
    assert (record.status, record.processed_rows, record.created_count, record.error_count) == ("done", 299, 299, 1)
    html = client.get(status_url).content.decode()
    assert 'data-status="done"' in html and "hx-get" not in html
    assert error_rows(html) == [("153", "经度")]
    assert Enterprise.objects.filter(name__startswith="后台企业").count() == 299
    assert AuditEvent.objects.get(verb="import", object_id=str(record.uuid)).after["created"] == 299
    assert response.status_code == 302


# ---- export --------------------------------------------------------------------------------------


def test_the_export_follows_the_list_filters_and_scope_and_is_audited(people):
    client = client_for(people["yuehu"])
    response = client.get(reverse("orgs:enterprise_export"))
    assert response["Content-Type"] == xlsx.XLSX_CONTENT_TYPE
    table = sheet_rows(b"".join(response.streaming_content))
    assert len(table) == 2 + 3
    assert {r[KEYS.index("division_code")][:6] for r in table[2:]} == {"360602"}
    response = client.get(reverse("orgs:enterprise_export"), {"sector": "campus", "page": "2"})
    assert [r[0] for r in sheet_rows(b"".join(response.streaming_content))[2:]] == ["月湖区第一小学"]
    events = list(AuditEvent.objects.filter(verb="export").order_by("id"))
    assert [(e.actor, e.after["rows"], e.after["filters"]) for e in events] == [
        (people["yuehu"], 3, {}),
        (people["yuehu"], 1, {"sector": "campus"}),
    ]


# ---- API -----------------------------------------------------------------------------------------


def api_client(username):
    client = Client()
    token = client.post(
        "/api/v1/auth/token", {"username": username, "password": "SafeLoop-2026!"}, content_type="application/json"
    ).json()["token"]
    return client, {"Authorization": f"Bearer {token}"}


def test_the_api_imports_reports_row_errors_and_progress(people, tmp_path):
    client, headers = api_client("yuehu")
    with bad_file(tmp_path).open("rb") as handle:
        response = client.post("/api/v1/enterprises/import", {"file": handle, "mode": "valid_only"}, headers=headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["total_rows"], body["created_count"]) == ("done", 3, 1)
    assert [(e["row"], e["column"], e["field"]) for e in body["errors"]] == [
        (4, "统一社会信用代码", "uscc"), (5, "经度", "location.lon"),
    ]  # fmt: skip
    progress = client.get(f"/api/v1/enterprise-imports/{body['id']}", headers=headers)
    assert progress.status_code == 200 and progress.json()["created_count"] == 1

    other, other_headers = api_client("guixi")
    assert other.get(f"/api/v1/enterprise-imports/{body['id']}", headers=other_headers).status_code == 404


def test_the_api_refuses_a_non_xlsx_upload_and_hides_the_import_from_others(people, tmp_path):
    client, headers = api_client("yuehu")
    fake = io.BytesIO(b"not a workbook")
    fake.name = "x.xlsx"
    response = client.post("/api/v1/enterprises/import", {"file": fake}, headers=headers)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    outsider, outsider_headers = api_client("ent1")
    assert outsider.get("/api/v1/enterprises/import-template", headers=outsider_headers).status_code == 404
    path = write_workbook(tmp_path / "a.xlsx", [row(uscc=make_uscc(920))])
    with path.open("rb") as handle:
        assert (
            outsider.post("/api/v1/enterprises/import", {"file": handle}, headers=outsider_headers).status_code == 404
        )


def test_the_api_template_and_scoped_export(people):
    client, headers = api_client("yuehu")
    template = client.get("/api/v1/enterprises/import-template", headers=headers)
    assert template.status_code == 200
    assert sheet_rows(template.content)[0][0] == "企业名称"
    export = client.get("/api/v1/enterprises/export.xlsx", {"scale": "small"}, headers=headers)
    assert export.status_code == 200, export.content
    table = sheet_rows(b"".join(export.streaming_content))
    assert len(table[2:]) == 3 and {r[KEYS.index("division_code")][:6] for r in table[2:]} == {"360602"}
    assert AuditEvent.objects.filter(verb="export").latest("id").after["filters"] == {"scale": "small"}
    assert client.get("/api/v1/enterprises/export.xlsx", {"scale": "huge"}, headers=headers).status_code in (400, 422)
