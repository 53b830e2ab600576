"""Account pages as the named personas use them: log in and out, lockout, idle logout, profile,
password change, user administration and the security policy."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.accounts.models import Membership, SecurityPolicy, User
from safeloop.core.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def login_as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def post_login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


# ---- log in, lockout, idle logout, log out -----------------------------------------------------


def test_login_page_speaks_chinese_by_default_and_offers_english(city, client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert 'name="language" value="en"' in page


def test_logging_in_lands_on_the_home_page(city, client):
    response = post_login(client, "yuehu", DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get("/").context["user"].username == "yuehu"
    assert AuditEvent.objects.filter(verb="login", actor=city.people["yuehu"]).exists()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(city, client):
    response = post_login(client, "yuehu", "not-the-password")
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["__all__"][0].code == "invalid_login"
    assert not response.context["user"].is_authenticated


def test_five_failures_lock_the_account_and_the_page_says_until_when(city, client):
    for _attempt in range(4):
        post_login(client, "yuehu", "wrong-password-1")
    fifth = post_login(client, "yuehu", "wrong-password-1")
    yuehu = User.objects.get(username="yuehu")
    assert yuehu.is_locked()
    until = timezone.localtime(yuehu.locked_until).strftime("%Y-%m-%d %H:%M")
    assert fifth.context["form"].errors.as_data()["__all__"][0].code == "locked"
    assert until in fifth.content.decode()

    # The right password does not open a locked account, and the page still says why.
    sixth = post_login(client, "yuehu", DEMO_PASSWORD)
    assert sixth.status_code == 400
    assert until in sixth.content.decode()
    assert "锁定" in sixth.content.decode()
    assert client.get("/").status_code == 302  # still not logged in


def test_the_lock_ends_after_the_lockout_minutes(city, client):
    User.objects.filter(username="yuehu").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "yuehu", DEMO_PASSWORD).status_code == 302


def test_an_idle_session_is_logged_out_and_the_login_page_says_so(city, client):
    login_as(client, city.people["yuehu"])
    assert client.get("/").status_code == 200
    session = client.session
    minutes = SecurityPolicy.current().idle_timeout_minutes
    session["safeloop_last_seen"] = time.time() - minutes * 60 - 5
    session.save()

    response = client.get("/profile/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    messages = [str(m) for m in response.context["messages"]]
    assert any(str(minutes) in m and "未操作" in m for m in messages), messages
    # Said once, not on every later visit.
    assert not list(client.get(LOGIN).context["messages"])


def test_an_idle_htmx_request_redirects_the_whole_page_to_the_login(city, client):
    login_as(client, city.people["yuehu"])
    client.get("/")
    session = client.session
    session["safeloop_last_seen"] = time.time() - SecurityPolicy.current().idle_timeout_minutes * 60 - 5
    session.save()
    response = client.get("/orgs/enterprises/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(LOGIN)


def test_logout_is_a_post_and_is_audited(city, client):
    login_as(client, city.people["yuehu"])
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(verb="logout", actor=city.people["yuehu"]).exists()


def test_pages_ask_an_anonymous_visitor_to_log_in(city, client):
    for url in ("/", "/profile/", "/users/", "/security-policy/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN}?next=")


# ---- profile and password ----------------------------------------------------------------------


def test_the_profile_shows_a_masked_phone_and_the_memberships(city, client):
    login_as(client, city.people["yuehu"])
    page = client.get("/profile/").content.decode()
    assert "138****0001" in page
    assert "13870120001" not in page
    assert "陈月湖" in page
    assert "月湖区" in page


def test_an_outsider_profile_says_there_is_no_membership(city, client):
    login_as(client, city.people["outsider"])
    assert "你还没有任何成员身份" in client.get("/profile/").content.decode()


def _change(client, old, new, again=None):
    return client.post(
        "/profile/password/", {"old_password": old, "new_password": new, "new_password_again": again or new}
    )


def _field_error(response, field: str) -> str:
    """The message shown under `field`: the element the field's aria-describedby points at."""
    page = response.content.decode()
    marker = f'id="error-{field}"'
    assert marker in page, f"no error shown for {field}"
    assert f'aria-describedby="error-{field}"' in page
    return page.split(marker, 1)[1].split("</div></div>", 1)[0]


def test_a_wrong_current_password_is_named_on_its_field(city, client):
    login_as(client, city.people["yuehu"])
    response = _change(client, "wrong", "N3w-Password-2026")
    assert response.status_code == 400
    assert "当前密码不正确" in _field_error(response, "old_password")
    assert 'id="error-new_password"' not in response.content.decode()


def test_a_weak_new_password_is_named_on_its_field(city, client):
    login_as(client, city.people["yuehu"])
    response = _change(client, DEMO_PASSWORD, "short")
    assert response.status_code == 400
    assert "10" in _field_error(response, "new_password")
    assert 'id="error-old_password"' not in response.content.decode()


def test_two_different_new_passwords_are_refused(city, client):
    login_as(client, city.people["yuehu"])
    response = _change(client, DEMO_PASSWORD, "N3w-Password-2026", "N3w-Password-2027")
    assert response.status_code == 400
    _field_error(response, "new_password_again")
    assert User.objects.get(username="yuehu").check_password(DEMO_PASSWORD)


def test_a_changed_password_keeps_the_user_logged_in_and_works_next_time(city, client):
    login_as(client, city.people["yuehu"])
    response = _change(client, DEMO_PASSWORD, "N3w-Password-2026")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(verb="password_change", actor=city.people["yuehu"]).exists()
    assert post_login(Client(), "yuehu", "N3w-Password-2026").status_code == 302


# ---- user administration -----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["yuehu", "city", "auditor", "outsider"])
def test_the_user_list_does_not_exist_for_other_roles(city, client, username):
    login_as(client, city.people[username])
    assert client.get("/users/").status_code == 404
    assert client.get(f"/users/{city.people['ent1'].uuid}/").status_code == 404


@pytest.mark.parametrize("username", ["admin", "security"])
def test_the_user_list_shows_masked_phones_roles_and_locks(city, client, username):
    User.objects.filter(username="ent1").update(locked_until=timezone.now() + timedelta(minutes=10))
    login_as(client, city.people[username])
    response = client.get("/users/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "139****0005" in page
    assert "13970120005" not in page
    assert "企业安全员" in page
    row = page.split('data-username="ent1"', 1)[1].split("</tr>", 1)[0]
    assert "text-danger" in row  # locked until …
    assert ("解锁" in row) is (username == "admin")  # only the system admin may unlock


def test_the_system_admin_unlocks_an_account_and_it_is_audited(city, client):
    ent1 = city.people["ent1"]
    User.objects.filter(pk=ent1.pk).update(locked_until=timezone.now() + timedelta(minutes=10), failed_logins=0)
    login_as(client, city.people["admin"])
    response = client.post(f"/users/{ent1.uuid}/unlock/", {"next": "/users/"})
    assert response.status_code == 302 and response["Location"] == "/users/"
    event = AuditEvent.objects.get(verb="unlock", object_id=str(ent1.uuid))
    assert event.actor == city.people["admin"]
    assert event.after == {"locked_until": None, "failed_logins": 0}
    assert post_login(Client(), "ent1", DEMO_PASSWORD).status_code == 302


def test_the_security_admin_may_not_unlock(city, client):
    ent1 = city.people["ent1"]
    User.objects.filter(pk=ent1.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    login_as(client, city.people["security"])
    assert client.post(f"/users/{ent1.uuid}/unlock/").status_code == 404
    assert User.objects.get(pk=ent1.pk).is_locked()
    assert not AuditEvent.objects.filter(verb="unlock").exists()


def test_the_system_admin_creates_a_user_and_gives_a_membership(city, client):
    login_as(client, city.people["admin"])
    response = client.post(
        "/users/new/",
        {"username": "newbie", "real_name": "新人", "phone": "13700000000", "password": "Str0ng-Pass-2026"},
    )
    newbie = User.objects.get(username="newbie")
    assert response["Location"] == f"/users/{newbie.uuid}/"
    response = client.post(f"/users/{newbie.uuid}/memberships/add/", {"role": "division_officer", "division": "360681"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=newbie)
    assert membership.division_id == "360681"
    assert AuditEvent.objects.filter(verb="membership_add", object_id=str(newbie.uuid)).exists()
    assert "贵溪市" in client.get(f"/users/{newbie.uuid}/").content.decode()


def test_a_taken_username_is_named_on_its_field(city, client):
    login_as(client, city.people["admin"])
    response = client.post("/users/new/", {"username": "yuehu", "password": "Str0ng-Pass-2026"})
    assert response.status_code == 400
    _field_error(response, "username")


def test_three_admin_separation_is_shown_on_the_role_field(city, client):
    auditor = city.people["auditor"]
    login_as(client, city.people["admin"])
    response = client.post(f"/users/{auditor.uuid}/memberships/add/", {"role": "sec_admin"})
    assert response.status_code == 400
    assert "只能担任" in _field_error(response, "role")
    assert list(auditor.memberships.values_list("role", flat=True)) == ["audit_admin"]


def test_a_role_without_its_org_unit_is_named_on_the_unit_field(city, client):
    outsider = city.people["outsider"]
    login_as(client, city.people["admin"])
    response = client.post(f"/users/{outsider.uuid}/memberships/add/", {"role": "grid_worker"})
    assert response.status_code == 400
    _field_error(response, "grid")
    response = client.post(f"/users/{outsider.uuid}/memberships/add/", {"role": "grid_worker", "grid": "999"})
    assert response.status_code == 400
    _field_error(response, "grid")
    assert not outsider.memberships.exists()


def test_removing_a_membership_is_audited(city, client):
    yuehu = city.people["yuehu"]
    membership = yuehu.memberships.get()
    login_as(client, city.people["admin"])
    response = client.post(f"/users/{yuehu.uuid}/memberships/remove/", {"membership": membership.pk})
    assert response.status_code == 302
    assert not yuehu.memberships.exists()
    event = AuditEvent.objects.get(verb="membership_remove", object_id=str(yuehu.uuid))
    assert event.before["role"] == "division_officer"


def test_a_membership_of_another_user_cannot_be_removed_through_this_one(city, client):
    other = city.people["guixi"].memberships.get()
    login_as(client, city.people["admin"])
    response = client.post(f"/users/{city.people['yuehu'].uuid}/memberships/remove/", {"membership": other.pk})
    assert response.status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_editing_a_user_keeps_the_phone_unless_a_new_one_is_given(city, client):
    yuehu = city.people["yuehu"]
    login_as(client, city.people["admin"])
    client.post(f"/users/{yuehu.uuid}/edit/", {"real_name": "陈月湖二", "phone": "", "is_active": "on"})
    yuehu.refresh_from_db()
    assert (yuehu.real_name, yuehu.phone, yuehu.is_active) == ("陈月湖二", "13870120001", True)
    client.post(f"/users/{yuehu.uuid}/edit/", {"real_name": "陈月湖二", "phone": ""})
    yuehu.refresh_from_db()
    assert not yuehu.is_active
    assert post_login(Client(), "yuehu", DEMO_PASSWORD).status_code == 400


# ---- security policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["admin", "auditor", "city", "outsider"])
def test_the_security_policy_does_not_exist_for_other_roles(city, client, username):
    login_as(client, city.people[username])
    assert client.get("/security-policy/").status_code == 404


def test_the_security_admin_edits_the_policy(city, client):
    login_as(client, city.people["security"])
    page = client.get("/security-policy/")
    assert page.status_code == 200
    form = {name: page.context["form"].initial[name] for name in page.context["form"].fields}

    response = client.post("/security-policy/", form | {"idle_timeout_minutes": 45})
    assert response.status_code == 400
    assert "5" in _field_error(response, "idle_timeout_minutes")
    assert not SecurityPolicy.objects.exists()

    response = client.post("/security-policy/", form | {"idle_timeout_minutes": 20})
    assert response.status_code == 302
    assert SecurityPolicy.current().idle_timeout_minutes == 20
    event = AuditEvent.objects.get(verb="policy_update")
    assert (event.before["idle_timeout_minutes"], event.after["idle_timeout_minutes"]) == (30, 20)


def test_the_user_list_costs_the_same_queries_however_many_users(city, client, django_assert_max_num_queries):
    login_as(client, city.people["admin"])
    client.get("/users/")  # warm: session, policy
    with CaptureQueriesContext(connection) as before:
        client.get("/users/")
    for n in range(20):
        user = User.objects.create_user(username=f"extra{n}", phone=f"1370000{n:04d}")
        Membership.objects.create(user=user, role="leader", division_id="360602")
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get("/users/")
    assert "extra19" in response.content.decode()
