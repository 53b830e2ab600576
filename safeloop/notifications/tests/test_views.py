"""Pages and API: the inbox (own rows only, unread bold, mark read), the bell, channel configuration
inside one's units, the deliveries page for admins and not for outsiders."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeloop.core.models import AuditEvent
from safeloop.notifications import dispatch, services
from safeloop.notifications.models import Channel, Delivery, Notification
from safeloop.notifications.services import Audience
from safeloop.notifications.tests.helpers import TITLE_EN, TITLE_ZH, send
from safeloop.orgs.models import Department
from safeloop.orgs.services import NotAllowed

pytestmark = pytest.mark.django_db


def client_for(user, language="en"):
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# ---- inbox ---------------------------------------------------------------------------------------


def test_the_inbox_shows_own_notifications_in_the_readers_language(people, django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks, Audience(users=(people["yuehu"].pk,)))
    send(django_capture_on_commit_callbacks, Audience(users=(people["guixi"].pk,)), params={"name": "贵溪"})
    html = client_for(people["yuehu"]).get(reverse("notifications:inbox")).content.decode()
    assert html.count('data-testid="notification"') == 1
    assert TITLE_EN in html and "贵溪" not in html
    assert 'class="text-reset d-block fw-bold"' in html  # unread is bold
    assert 'data-testid="unread-count">1<' in html  # the bell
    zh = client_for(people["yuehu"], "zh-hans").get(reverse("notifications:inbox")).content.decode()
    assert TITLE_ZH in zh


def test_marking_read_one_and_all(people, django_capture_on_commit_callbacks):
    audience = Audience(users=(people["yuehu"].pk, people["guixi"].pk))
    for _ in range(3):
        send(django_capture_on_commit_callbacks, audience)
    client = client_for(people["yuehu"])
    first = Notification.objects.filter(user=people["yuehu"]).order_by("pk").first()
    other = Notification.objects.filter(user=people["guixi"]).first()
    response = client.post(reverse("notifications:mark_read"), {"ids": [first.uuid, other.uuid]})
    assert response.status_code == 302
    assert Notification.objects.filter(user=people["yuehu"], read_at=None).count() == 2
    assert Notification.objects.get(pk=other.pk).read_at is None  # not theirs: untouched
    client.post(reverse("notifications:mark_read"), {"all": "1"})
    assert Notification.objects.filter(user=people["yuehu"], read_at=None).count() == 0
    assert Notification.objects.filter(user=people["guixi"], read_at=None).count() == 3
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "fw-bold" not in html and 'data-testid="unread-count"' not in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(people, django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks, Audience(users=(people["yuehu"].pk,)), url="/orgs/enterprises/")
    notification = Notification.objects.get()
    response = client_for(people["yuehu"]).get(reverse("notifications:open", args=[notification.uuid]))
    assert response.status_code == 302 and response["Location"] == "/orgs/enterprises/"
    notification.refresh_from_db()
    assert notification.read
    assert client_for(people["guixi"]).get(reverse("notifications:open", args=[notification.uuid])).status_code == 404


def test_the_bell_costs_one_query_and_nothing_for_anonymous_visitors(people, django_assert_max_num_queries):
    from django.test import RequestFactory

    from safeloop.notifications.context_processors import unread

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_max_num_queries(0):
        assert unread(request) == {}
    request.user = people["yuehu"]
    context = unread(request)
    with django_assert_max_num_queries(1):
        assert context["unread_notifications"]() == 0
        assert context["unread_notifications"]() == 0  # cached for the request


# ---- API -----------------------------------------------------------------------------------------


def test_the_api_lists_counts_and_marks_read(people, api_as, django_capture_on_commit_callbacks):
    for _ in range(2):
        send(django_capture_on_commit_callbacks, Audience(users=(people["yuehu"].pk,)))
    send(django_capture_on_commit_callbacks, Audience(users=(people["guixi"].pk,)))
    api = api_as("yuehu")
    assert api.get("/api/v1/notifications/unread-count").json() == {"count": 2}
    body = api.get("/api/v1/notifications", headers={"Accept-Language": "en"}).json()
    assert body["count"] == 2
    item = body["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "url", "read", "created_at"}
    assert (item["title"], item["body"], item["read"], item["url"]) == (
        TITLE_EN, "The changes were saved.", False, "/orgs/",
    )  # fmt: skip
    zh = api.get("/api/v1/notifications", headers={"Accept-Language": "zh-hans"}).json()
    assert zh["items"][0]["title"] == TITLE_ZH
    response = api.post("/api/v1/notifications/read", {"ids": [item["id"]]})
    assert response.json() == {"updated": 1}
    assert api.get("/api/v1/notifications", {"unread": "true"}).json()["count"] == 1
    assert api.post("/api/v1/notifications/read", {"all": True}).json() == {"updated": 1}
    assert api.get("/api/v1/notifications/unread-count").json() == {"count": 0}
    # The other reader's inbox is untouched and invisible.
    guixi = api_as("guixi")
    assert guixi.get("/api/v1/notifications/unread-count").json() == {"count": 1}
    assert guixi.post("/api/v1/notifications/read", {"ids": [item["id"]]}).json() == {"updated": 0}
    bad = api.post("/api/v1/notifications/read", {})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ids"
    assert api_as(None).get("/api/v1/notifications").status_code == 401


# ---- channels ------------------------------------------------------------------------------------


def test_who_may_configure_which_unit(people):
    emergency = Department.objects.get(division_id="360600", function="emergency")
    education = Department.objects.get(division_id="360600", function="education")
    wecom = {"kind": "wecom", "name": "群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}
    allowed = [
        ("admin", "division:360681"),
        ("city", "division:360602"),
        ("yuehu", "division:360602"),
        ("yuehu", "division:360602001"),
        ("yingji", f"department:{emergency.uuid}"),
        ("city", f"department:{education.uuid}"),
    ]
    for username, unit in allowed:
        services.channel_save(actor=people[username], unit=unit, **wecom)
    refused = [
        ("yuehu", "division:360681"),
        ("yuehu", "division:360600"),
        ("yingji", f"department:{education.uuid}"),
        ("yingji", "division:360600"),
        ("ent1", "division:360602"),
        ("outsider", "division:360602"),
    ]
    for username, unit in refused:
        with pytest.raises(services.FieldErrors) as exc:
            services.channel_save(actor=people[username], unit=unit, **wecom)
        assert exc.value.errors == [{"field": "unit", "message": "您无权为该单位配置通知渠道。"}]
    assert Channel.objects.count() == len(allowed)
    guixi_channel = Channel.objects.get(division_id="360681")
    with pytest.raises(NotAllowed):
        services.channel_save(actor=people["yuehu"], channel=guixi_channel, name="改名")
    with pytest.raises(NotAllowed):
        services.channel_delete(actor=people["yuehu"], channel=guixi_channel)


def test_bad_channel_input_is_named_per_field(people):
    cases = [
        ({"kind": "wecom", "url": "ftp://example.cn/hook"}, "url"),
        ({"kind": "wecom", "url": "javascript:alert(1)"}, "url"),
        ({"kind": "dingtalk", "url": ""}, "url"),
        ({"kind": "email", "address": "not-an-address"}, "address"),
        ({"kind": "sms", "phones": "call me"}, "phones"),
        ({"kind": "sms", "phones": ""}, "phones"),
        ({"kind": "pigeon"}, "kind"),
        ({"kind": "wecom", "url": "https://x.cn/h", "kinds": "Bad Kind!"}, "kinds"),
    ]
    for data, field in cases:
        with pytest.raises(services.FieldErrors) as exc:
            services.channel_save(actor=people["admin"], unit="division:360602", name="n", **data)
        assert field in [e["field"] for e in exc.value.errors], data
    with pytest.raises(services.FieldErrors) as exc:
        services.channel_save(actor=people["admin"], unit="division:999999", kind="email", name="n", address="a@b.cn")
    assert exc.value.errors[0]["field"] == "unit"
    assert Channel.objects.count() == 0


def test_channel_pages_add_edit_and_delete_with_a_write_only_secret(people):
    client = client_for(people["yuehu"])
    form = {
        "unit": "division:360602",
        "kind": "dingtalk",
        "name": "月湖区钉钉群",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=tok",
        "secret": "SECtopsecretvalue",
        "kinds": "",
        "active": "on",
    }
    response = client.post(reverse("notifications:channel_create"), form)
    assert response.status_code == 302, response.content.decode()
    channel = Channel.objects.get()
    assert (channel.division_id, channel.secret) == ("360602", "SECtopsecretvalue")
    event = AuditEvent.objects.get(verb="create", object_type="notifications.channel")
    assert "SECtopsecretvalue" not in str(event.after) and "tok" not in str(event.after)
    listing = client.get(reverse("notifications:channel_list")).content.decode()
    assert "月湖区钉钉群" in listing and "SECtopsecretvalue" not in listing
    edit_url = reverse("notifications:channel_edit", args=[channel.uuid])
    page = client.get(edit_url).content.decode()
    assert "SECtopsecretvalue" not in page and 'data-testid="secret-set"' in page
    # Saving without a secret keeps it; a bad URL is named on its field and nothing changes.
    response = client.post(edit_url, form | {"secret": "", "name": "改名"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.secret) == ("改名", "SECtopsecretvalue")
    response = client.post(edit_url, form | {"url": "ftp://x"})
    assert response.status_code == 422 and 'data-field-error="url"' in response.content.decode()
    # A unit outside the officer's territory is refused on the unit field.
    response = client.post(reverse("notifications:channel_create"), form | {"unit": "division:360681"})
    assert response.status_code == 422
    # Others do not see it; the deliveries page does not exist for outsiders.
    assert client_for(people["guixi"]).get(edit_url).status_code == 404
    assert client_for(people["outsider"]).get(reverse("notifications:channel_list")).status_code == 404
    response = client.post(reverse("notifications:channel_delete", args=[channel.uuid]))
    assert response.status_code == 302 and Channel.objects.count() == 0
    assert AuditEvent.objects.filter(verb="delete", object_type="notifications.channel").exists()


# ---- deliveries ----------------------------------------------------------------------------------


def test_dead_deliveries_show_to_admins_and_can_be_retried(
    people, http_receiver, settings, django_capture_on_commit_callbacks
):
    settings.SAFELOOP_NOTIFY_MAX_ATTEMPTS = 2
    http_receiver.fail_first(2)
    services.channel_save(
        actor=people["admin"], unit="division:360602", kind="wecom", name="月湖群", url=http_receiver.url_for("/w")
    )
    send(django_capture_on_commit_callbacks, Audience(divisions=("360602",)))
    dispatch.deliver_due(now=timezone.now() + timedelta(hours=1))
    delivery = Delivery.objects.get()
    assert delivery.status == "dead"

    url = reverse("notifications:delivery_list")
    for username in ("admin", "city", "yuehu"):
        html = client_for(people[username]).get(url).content.decode()
        assert 'data-status="dead"' in html and "HTTP 500" in html, username
    assert 'data-status="dead"' not in client_for(people["guixi"]).get(url).content.decode()
    assert client_for(people["outsider"]).get(url).status_code == 404
    retry_url = reverse("notifications:delivery_retry", args=[delivery.uuid])
    assert client_for(people["guixi"]).post(retry_url).status_code == 404

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(people["admin"]).post(retry_url)
    assert response.status_code == 302 and len(callbacks) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert AuditEvent.objects.filter(verb="retry", object_id=str(delivery.uuid)).exists()
    from safeloop.notifications.tasks import deliver_task

    assert deliver_task.call([delivery.pk]) == 1
    assert Delivery.objects.get().status == "sent"


def test_navigation_offers_the_admin_pages_to_admins_only(people):
    html = client_for(people["city"]).get(reverse("home")).content.decode()
    assert reverse("notifications:channel_list") in html and reverse("notifications:delivery_list") in html
    assert 'data-testid="notification-bell"' in html
    html = client_for(people["grid1"]).get(reverse("home")).content.decode()
    assert reverse("notifications:channel_list") not in html
