"""notify(): one outbox row, nothing before commit, deduplicated; fan-out: who gets what, once."""

import pytest
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from safeloop.accounts.choices import Role
from safeloop.notifications import dispatch, services
from safeloop.notifications.models import Delivery, Message, Notification
from safeloop.notifications.services import Audience, notify, notify_many
from safeloop.notifications.tasks import fan_out_task
from safeloop.notifications.tests.helpers import TITLE, send
from safeloop.orgs.models import Department

pytestmark = pytest.mark.django_db


def inbox_of(message):
    return set(Notification.objects.filter(message=message).values_list("user__username", flat=True))


def test_notify_writes_one_row_and_enqueues_nothing_before_commit(
    people, django_capture_on_commit_callbacks, django_assert_num_queries
):
    enterprise = people["ent1"].memberships.get().enterprise
    with django_capture_on_commit_callbacks() as callbacks:
        with django_assert_num_queries(1):
            message = notify(
                kind="hazard.reported",
                audience=Audience(divisions=("360602",)),
                title=TITLE,
                params={"name": "月湖燃气"},
                url="/orgs/",
                obj=enterprise,
            )
        assert DBTaskResult.objects.count() == 0
    assert message is not None and len(callbacks) == 1
    stored = Message.objects.get()
    assert (stored.kind, stored.title, stored.params, stored.audience) == (
        "hazard.reported", TITLE, {"name": "月湖燃气"}, {"divisions": ["360602"]},
    )  # fmt: skip
    assert (stored.object_type, stored.object_id) == ("orgs.enterprise", str(enterprise.uuid))
    assert Notification.objects.count() == 0  # recipients are the task's business
    callbacks[0]()  # the commit enqueues exactly one fan-out task
    assert DBTaskResult.objects.count() == 1


def test_a_repeated_dedupe_key_is_a_no_op(people, django_capture_on_commit_callbacks):
    audience = Audience(users=(people["yuehu"].pk,))
    first = send(django_capture_on_commit_callbacks, audience, dedupe_key="hazard:1:overdue")
    second = send(django_capture_on_commit_callbacks, audience, dedupe_key="hazard:1:overdue")
    assert first is not None and second is None
    assert Message.objects.count() == 1 and Notification.objects.count() == 1
    # Blank keys never collide.
    send(django_capture_on_commit_callbacks, audience)
    send(django_capture_on_commit_callbacks, audience)
    assert Message.objects.count() == 3


def test_notify_many_bulk_creates_and_enqueues_one_task(people, django_capture_on_commit_callbacks):
    notify(kind="k", audience=Audience(users=(people["city"].pk,)), title=TITLE, dedupe_key="taken")
    items = [
        {"kind": "k", "audience": Audience(users=(people["yuehu"].pk,)), "title": TITLE, "dedupe_key": "a"},
        {"kind": "k", "audience": Audience(users=(people["guixi"].pk,)), "title": TITLE, "dedupe_key": "a"},
        {"kind": "k", "audience": Audience(users=(people["guixi"].pk,)), "title": TITLE, "dedupe_key": "taken"},
        {"kind": "k", "audience": Audience(users=(people["guixi"].pk,)), "title": TITLE},
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify_many(items) == 2
    assert len(callbacks) == 1 and Message.objects.count() == 3
    result = dispatch.fan_out_messages(Message.objects.exclude(dedupe_key="taken").values_list("uuid", flat=True))
    assert result["messages"] == 2
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"yuehu", "guixi"}


def test_the_audience_resolves_through_memberships(people, city, django_capture_on_commit_callbacks):
    enterprise = people["ent1"].memberships.get().enterprise
    emergency = Department.objects.get(division_id="360600", function="emergency")
    cases = [
        (Audience(divisions=("360602",)), {"yuehu", "verifier"}),
        (Audience(divisions=("360602",), roles=(Role.VERIFIER,)), {"verifier"}),
        (Audience(departments=(emergency.pk,)), {"yingji"}),
        (Audience(enterprises=(enterprise.pk,)), {"ent1"}),
        (Audience(grids=(enterprise.grid_id,)), {"grid1"}),
        (Audience(users=(people["outsider"].pk,), divisions=("360681",)), {"outsider", "guixi"}),
        (Audience(roles=(Role.SYS_ADMIN,)), {"admin"}),
        (Audience(), set()),
    ]
    for audience, expected in cases:
        message = send(django_capture_on_commit_callbacks, audience)
        assert inbox_of(message) == expected, audience


def test_inactive_users_get_nothing(people, django_capture_on_commit_callbacks):
    people["verifier"].is_active = False
    people["verifier"].save(update_fields=["is_active"])
    message = send(django_capture_on_commit_callbacks, Audience(divisions=("360602",)))
    assert inbox_of(message) == {"yuehu"}


def test_fan_out_runs_once_however_often_the_task_runs(people, http_receiver, django_capture_on_commit_callbacks):
    services.channel_save(
        actor=people["admin"],
        unit="division:360602",
        kind="wecom",
        name="月湖群",
        url=http_receiver.url_for("/w?key=1"),
    )
    message = send(django_capture_on_commit_callbacks, Audience(divisions=("360602",)))
    assert fan_out_task.call([str(message.uuid)]) == {"messages": 0, "sent": 0}
    assert dispatch.fan_out(message) is False
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 1
    assert len(http_receiver.requests) == 1


def test_params_that_do_not_fit_the_template_show_the_msgid(people, django_capture_on_commit_callbacks):
    message = send(
        django_capture_on_commit_callbacks,
        Audience(users=(people["yuehu"].pk,)),
        title=gettext_noop("Report %(missing)s"),
        params={"other": "x"},
    )
    assert message.rendered_title() == "Report %(missing)s"


def test_muted_history_writes_no_messages(db):
    from safeloop.notifications.models import Message
    from safeloop.notifications.services import Audience, muted, notify, notify_many

    with muted():
        assert notify(kind="x", audience=Audience(users=(1,)), title="T") is None
        assert notify_many([{"kind": "x", "audience": Audience(users=(1,)), "title": "T"}]) == 0
    assert not Message.objects.exists()
    assert notify(kind="x", audience=Audience(users=(1,)), title="T") is not None
