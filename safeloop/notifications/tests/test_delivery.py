"""Sending over real far ends: robot webhooks to an HTTP receiver on 127.0.0.1, e-mail to a real SMTP
server, SMS through the configured gateway; retries with back-off, dead letters, no double sends."""

import base64
import hashlib
import hmac
import logging
from datetime import timedelta
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from django.utils import timezone

from safeloop.notifications import dispatch, senders, services
from safeloop.notifications.models import Delivery
from safeloop.notifications.services import Audience
from safeloop.notifications.tests.helpers import TITLE_ZH, send

pytestmark = pytest.mark.django_db

YUEHU = Audience(divisions=("360602",))


def channel(people, **data):
    return services.channel_save(actor=people["admin"], unit="division:360602", name="月湖区安委办群", **data)


def test_wecom_gets_markdown_in_chinese(people, http_receiver, django_capture_on_commit_callbacks, settings):
    settings.SAFELOOP_SITE_URL = "https://safeloop.example.cn"
    channel(people, kind="wecom", url=http_receiver.url_for("/cgi-bin/webhook/send?key=abc"))
    send(django_capture_on_commit_callbacks, YUEHU)
    (request,) = http_receiver.requests
    assert request.path == "/cgi-bin/webhook/send?key=abc"
    body = request.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert TITLE_ZH in content and "修改已保存。" in content and "https://safeloop.example.cn/orgs/" in content
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.target) == ("sent", 1, "127.0.0.1")
    assert delivery.sent_at is not None


def test_dingtalk_is_signed_and_the_signature_verifies(people, http_receiver, django_capture_on_commit_callbacks):
    secret = "SEC0123456789abcdef"
    channel(people, kind="dingtalk", url=http_receiver.url_for("/robot/send?access_token=t"), secret=secret)
    send(django_capture_on_commit_callbacks, YUEHU)
    (request,) = http_receiver.requests
    query = parse_qs(urlsplit(request.path).query)
    assert query["access_token"] == ["t"]
    timestamp = query["timestamp"][0]
    assert abs(int(timestamp) / 1000 - timezone.now().timestamp()) < 60
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    raw_sign = urlsplit(request.path).query.split("sign=")[1]
    assert unquote_plus(raw_sign) == expected
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == TITLE_ZH and TITLE_ZH in body["markdown"]["text"]


def test_feishu_carries_timestamp_and_sign_in_the_body(people, http_receiver, django_capture_on_commit_callbacks):
    http_receiver.answer = {"code": 0, "msg": "success"}
    secret = "feishu-secret"
    channel(people, kind="feishu", url=http_receiver.url_for("/open-apis/bot/v2/hook/x"), secret=secret)
    send(django_capture_on_commit_callbacks, YUEHU)
    body = http_receiver.requests[0].json()
    assert body["msg_type"] == "text" and TITLE_ZH in body["content"]["text"]
    expected = base64.b64encode(
        hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert Delivery.objects.get().status == "sent"


def test_an_errcode_answer_is_a_failure(people, http_receiver, django_capture_on_commit_callbacks):
    http_receiver.answer = {"errcode": 310000, "errmsg": "sign not match"}
    channel(people, kind="dingtalk", url=http_receiver.url_for("/robot/send?access_token=t"))
    send(django_capture_on_commit_callbacks, YUEHU)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "310000" in delivery.last_error and "sign not match" in delivery.last_error


def test_email_arrives_with_the_chinese_subject(people, smtp_server, django_capture_on_commit_callbacks):
    channel(people, kind="email", address="anweiban@yuehu.example.cn")
    send(django_capture_on_commit_callbacks, YUEHU)
    (mail,) = smtp_server.messages
    assert mail["Subject"] == TITLE_ZH
    assert smtp_server.envelopes[0][1] == ["anweiban@yuehu.example.cn"]
    assert "修改已保存。" in mail.get_content()
    assert Delivery.objects.get().status == "sent"


def test_sms_goes_through_the_configured_gateway(
    people, http_receiver, settings, django_capture_on_commit_callbacks, caplog
):
    settings.SAFELOOP_SMS_GATEWAY = "safeloop.notifications.sms.HttpJsonSmsGateway"
    settings.SAFELOOP_SMS_URL = http_receiver.url_for("/sms")
    channel(people, kind="sms", phones="13870120001, 13870120002")
    send(django_capture_on_commit_callbacks, YUEHU)
    sent = sorted((r.json()["phone"], r.json()["text"]) for r in http_receiver.requests)
    assert [phone for phone, _ in sent] == ["13870120001", "13870120002"]
    assert sent[0][1].startswith("【安全闭环】" + TITLE_ZH)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}

    # The default gateway only logs, and says so.
    settings.SAFELOOP_SMS_GATEWAY = "safeloop.notifications.sms.LogSmsGateway"
    with caplog.at_level(logging.WARNING, logger="safeloop.notifications.sms"):
        send(django_capture_on_commit_callbacks, YUEHU)
    assert "no SMS left this machine" in caplog.text and "138****0001" in caplog.text


def test_a_failed_send_is_retried_after_back_off(people, http_receiver, django_capture_on_commit_callbacks):
    http_receiver.fail_first(1)
    channel(people, kind="wecom", url=http_receiver.url_for("/w"))
    before = timezone.now()
    send(django_capture_on_commit_callbacks, YUEHU)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at >= before + timedelta(seconds=dispatch.BACKOFF_BASE_SECONDS)
    # Not yet due: the sweep leaves it alone.
    assert dispatch.deliver_due(now=timezone.now())["sent"] == 0
    assert len(http_receiver.requests) == 1
    result = dispatch.deliver_due(now=delivery.next_attempt_at + timedelta(seconds=1))
    assert result["sent"] == 1 and len(http_receiver.requests) == 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_back_off_doubles_up_to_an_hour():
    assert [dispatch.backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_a_delivery_is_dead_after_the_last_attempt(people, http_receiver, settings, django_capture_on_commit_callbacks):
    settings.SAFELOOP_NOTIFY_MAX_ATTEMPTS = 3
    http_receiver.fail_first(100)
    channel(people, kind="wecom", url=http_receiver.url_for("/w"))
    send(django_capture_on_commit_callbacks, YUEHU)
    later = timezone.now()
    for _ in range(5):
        later += timedelta(hours=2)
        dispatch.deliver_due(now=later)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert len(http_receiver.requests) == 3


def test_two_claims_send_once(people, http_receiver, django_capture_on_commit_callbacks):
    http_receiver.fail_first(1)
    channel(people, kind="wecom", url=http_receiver.url_for("/w"))
    send(django_capture_on_commit_callbacks, YUEHU)
    delivery = Delivery.objects.get()
    due = delivery.next_attempt_at + timedelta(seconds=1)
    assert dispatch.claim(delivery.pk, due) is True
    assert dispatch.claim(delivery.pk, due) is False  # a second worker loses
    assert dispatch.deliver(delivery.pk, due) is False  # and so does the sender with the same row
    Delivery.objects.filter(pk=delivery.pk).update(status="pending")
    assert dispatch.deliver(delivery.pk, due) is True
    assert dispatch.deliver(delivery.pk, due) is False  # running the task again sends nothing
    dispatch.deliver_due(now=due + timedelta(hours=1))
    assert len(http_receiver.requests) == 2  # the first failed attempt and one success


def test_a_claim_lost_with_its_worker_returns_to_pending(people, http_receiver, django_capture_on_commit_callbacks):
    http_receiver.fail_first(1)
    channel(people, kind="wecom", url=http_receiver.url_for("/w"))
    send(django_capture_on_commit_callbacks, YUEHU)
    delivery = Delivery.objects.get()
    now = delivery.next_attempt_at + timedelta(seconds=1)
    dispatch.claim(delivery.pk, now)  # the worker dies here
    assert dispatch.deliver_due(now=now + timedelta(minutes=1))["released"] == 0
    result = dispatch.deliver_due(now=now + dispatch.STUCK_AFTER + timedelta(seconds=1))
    assert (result["released"], result["sent"]) == (1, 1)
    assert Delivery.objects.get().status == "sent"


def test_the_sweep_fans_out_a_message_whose_task_was_lost(people, http_receiver, django_capture_on_commit_callbacks):
    channel(people, kind="wecom", url=http_receiver.url_for("/w"))
    with django_capture_on_commit_callbacks():  # committed, but the enqueue is lost
        services.notify(kind="k", audience=YUEHU, title="x")
    assert dispatch.deliver_due()["fanned_out"] == 0  # too young to be lost
    result = dispatch.deliver_due(now=timezone.now() + dispatch.LOST_AFTER + timedelta(seconds=1))
    assert (result["fanned_out"], result["sent"]) == (1, 1)


def test_channels_filter_by_message_kind_and_skip_inactive_ones(
    people, http_receiver, django_capture_on_commit_callbacks
):
    channel(people, kind="wecom", url=http_receiver.url_for("/hazards"), kinds="hazard.overdue, hazard.reported")
    channel(people, kind="wecom", url=http_receiver.url_for("/off"), active=False)
    send(django_capture_on_commit_callbacks, YUEHU, kind="test.added")
    assert http_receiver.requests == []
    send(django_capture_on_commit_callbacks, YUEHU, kind="hazard.overdue")
    assert [r.path for r in http_receiver.requests] == ["/hazards"]


def test_the_robot_request_is_unsigned_without_a_secret(people):
    robot = channel(people, kind="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=t")
    url, _body = senders.robot_request(robot, senders.Text("t", "b", ""))
    assert url == "https://oapi.dingtalk.com/robot/send?access_token=t"
