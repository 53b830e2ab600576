"""The shell pages as the named personas see them: the home page by role, the menu, the language
switch and the audit log (三员分立: only the audit administrator reads it)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safeloop.core import audit
from safeloop.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def as_user(city, username: str) -> Client:
    client = Client()
    client.force_login(city.people[username])
    return client


def nav_urls(response) -> list[str]:
    return [item["url"] for item in response.context["nav_items"]]


# ---- home page by role -------------------------------------------------------------------------


def test_a_district_officer_sees_the_counts_of_their_district(city):
    response = as_user(city, "yuehu").get("/")
    summary = response.context["summary"]
    # Three of the test city's four enterprises and grids lie in 月湖区; 贵溪市's do not count.
    assert (summary.enterprises, summary.grids) == (3, 3)
    page = response.content.decode()
    assert 'data-testid="count-enterprises">3<' in page
    assert "月湖区" in page
    assert "贵溪市" not in page


def test_an_enterprise_officer_sees_one_enterprise(city):
    summary = as_user(city, "ent1").get("/").context["summary"]
    assert summary.enterprises == 1
    assert "鹰潭月湖燃气有限公司" in as_user(city, "ent1").get("/").content.decode()


def test_the_system_admin_sees_the_whole_system(city):
    response = as_user(city, "admin").get("/")
    assert response.context["summary"].enterprises == 4
    assert "/users/" in nav_urls(response)
    assert "/audit/" not in nav_urls(response)


def test_the_audit_admin_gets_a_link_to_the_audit_log_only(city):
    response = as_user(city, "auditor").get("/")
    page = response.content.decode()
    assert 'data-testid="audit-only"' in page
    assert 'href="/audit/"' in page
    assert 'data-testid="scope-counts"' not in page
    assert nav_urls(response) == ["/", "/audit/"]


def test_an_outsider_is_told_to_ask_for_a_membership(city):
    response = as_user(city, "outsider").get("/")
    page = response.content.decode()
    assert 'data-testid="no-membership"' in page
    assert "管理员" in page
    assert 'data-testid="scope-counts"' not in page
    assert nav_urls(response) == ["/"]


# ---- language ----------------------------------------------------------------------------------


def test_the_language_switch_turns_the_page_to_english_and_back(city):
    client = as_user(city, "yuehu")
    assert "首页" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/profile/"})
    assert response["Location"] == "/profile/"
    page = client.get("/profile/").content.decode()
    assert '<html lang="en">' in page and "Profile" in page and "简体中文" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_the_language_switch_works_before_logging_in(city):
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/").content.decode()
    assert "Log in" in page and "登录" not in page


# ---- audit log ---------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "security", "city", "yuehu", "outsider"])
def test_the_audit_log_does_not_exist_for_anyone_but_the_audit_admin(city, username):
    client = as_user(city, username)
    response = client.get("/audit/")
    assert response.status_code == 404
    assert "该页面不存在，或您无权访问" in response.content.decode()
    assert client.post("/audit/verify/").status_code == 404


def test_the_audit_admin_reads_the_log_newest_first_in_pages(city):
    for n in range(60):
        audit.record(actor=city.people["admin"], verb="probe", object_type="test.probe", object_id=str(n))
    audit.seal()  # the worker does this every few seconds
    total = AuditEvent.objects.count()
    auditor = as_user(city, "auditor")
    response = auditor.get("/audit/")
    assert response.status_code == 200
    positions = [event.position for event in response.context["page"]]
    assert positions == list(range(total, total - 50, -1))
    second = [event.position for event in auditor.get("/audit/", {"page": 2}).context["page"]]
    assert second[0] == total - 50


def test_the_audit_log_filters_by_action_actor_result_and_date(city):
    client = Client()
    client.post("/login/", {"username": "yuehu", "password": "wrong"})
    client.post("/login/", {"username": "yuehu", "password": "SafeLoop-2026!"})
    auditor = as_user(city, "auditor")

    failed = auditor.get("/audit/", {"result": "fail"}).context["page"]
    assert [e.verb for e in failed] == ["login_failed"]

    logins = auditor.get("/audit/", {"verb": "login", "actor": "yuehu"}).context["page"]
    assert [e.actor_name for e in logins] == ["yuehu"]

    today = timezone.localdate(AuditEvent.objects.first().at).isoformat()
    assert auditor.get("/audit/", {"date_from": today, "date_to": today}).context["page"].paginator.count > 0
    assert auditor.get("/audit/", {"date_to": "2000-01-01"}).context["page"].paginator.count == 0

    response = auditor.get("/audit/", {"date_from": "not a date"})
    assert response.status_code == 400
    assert 'id="error-date_from"' in response.content.decode()


def test_each_row_shows_what_changed(city, client):
    client.force_login(city.people["admin"])
    yuehu = city.people["yuehu"]
    client.post(f"/users/{yuehu.uuid}/edit/", {"real_name": "陈新名", "is_active": "on"})
    response = as_user(city, "auditor").get("/audit/", {"verb": "update", "object_type": "accounts.user"})
    page = response.content.decode()
    assert "<del>陈月湖</del>" in page
    assert "<ins>陈新名</ins>" in page


def test_verify_chain_says_intact_then_names_the_first_bad_row(city):
    auditor = as_user(city, "auditor")
    response = auditor.post("/audit/verify/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "alert-success" in response.content.decode()
    assert "<html" not in response.content.decode()  # a fragment for htmx

    victim = AuditEvent.objects.order_by("position")[3]
    AuditEvent.objects.filter(pk=victim.pk).update(object_repr="tampered")
    response = auditor.post("/audit/verify/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "alert-danger" in page
    assert f"第 {victim.position} 行" in page
    assert f'href="?position={victim.position}"' in page  # the row, one click away
    shown = auditor.get("/audit/", {"position": victim.position}).context["page"]
    assert [e.object_repr for e in shown] == ["tampered"]

    # Without htmx the answer comes back on the audit log page.
    response = auditor.post("/audit/verify/", follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any(f"第 {victim.position} 行" in m for m in messages), messages


def test_the_audit_log_page_costs_a_fixed_number_of_queries(city, django_assert_max_num_queries):
    auditor = as_user(city, "auditor")
    auditor.get("/audit/")
    with CaptureQueriesContext(connection) as before:
        auditor.get("/audit/")
    for n in range(80):
        audit.record(actor=city.people["admin"], verb="probe", object_type="test.probe", object_id=str(n))
    with django_assert_max_num_queries(len(before.captured_queries)):
        auditor.get("/audit/")


def test_the_home_page_costs_a_fixed_number_of_queries(city, django_assert_max_num_queries):
    # 月湖区's officer: memberships, scope and three counts; the counts are COUNT queries, not rows.
    client = as_user(city, "yuehu")
    with django_assert_max_num_queries(12):
        response = client.get("/")
    assert response.status_code == 200
