"""Grid patrol check-ins and plans: the service and the pages (issue 5 "Grid patrols")."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.inspections import services_patrols
from safeloop.inspections.models import PatrolCheckIn, PatrolPlan
from safeloop.orgs.services import NotAllowed

GRID = "360602001001001"  # grid1's: lon 117.030–117.040, lat 28.230–28.240
INSIDE = {"lon": 117.035, "lat": 28.235}
FIVE_KM_EAST = {"lon": 117.040 + 0.051, "lat": 28.235}
TWO_HUNDRED_M_EAST = {"lon": 117.040 + 0.00204, "lat": 28.235}


def _errors(exc: FieldErrors) -> dict[str, str]:
    return {error["field"]: error["message"] for error in exc.errors}


def test_check_in_inside_the_grid_is_recorded_with_audit(people):
    checkin, created = services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, accuracy_m=8))
    assert created
    assert checkin.grid_id == GRID
    assert checkin.distance_m == 0
    assert checkin.user == people["grid1"]
    assert AuditEvent.objects.filter(verb="patrol.check_in", object_id=str(checkin.uuid)).exists()


def test_check_in_5_km_outside_is_refused_with_the_distance(people):
    # Exact text in English (the Chinese msgstr is in locale-pending/insp-patrols.tsv until merged):
    # "此位置距网格边界 5.0 公里，超出允许的 300 米。"
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services_patrols.check_in(actor=people["grid1"], data=FIVE_KM_EAST)
    assert _errors(caught.value)["location"] == (
        "This position is 5.0 km from the grid's boundary, farther than the allowed 300 m."
    )
    assert not PatrolCheckIn.objects.exists()
    assert not AuditEvent.objects.filter(verb="patrol.check_in").exists()


def test_check_in_200_m_outside_is_accepted(people):
    checkin, created = services_patrols.check_in(actor=people["grid1"], data=TWO_HUNDRED_M_EAST)
    assert created
    assert 190 < checkin.distance_m < 210


def test_distance_limit_follows_the_configuration(people, settings):
    settings.SAFELOOP_INSPECTIONS = {"checkin_max_distance_m": 100}
    with pytest.raises(FieldErrors) as caught:
        services_patrols.check_in(actor=people["grid1"], data=TWO_HUNDRED_M_EAST)
    assert "100" in _errors(caught.value)["location"]


def test_replay_with_the_same_id_returns_the_same_row(people):
    key = str(uuid.uuid4())
    first, created = services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, id=key))
    again, created_again = services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, id=key))
    assert created and not created_again
    assert again.pk == first.pk and str(again.uuid) == key
    assert PatrolCheckIn.objects.count() == 1


def test_same_id_from_another_user_is_a_conflict(people):
    key = str(uuid.uuid4())
    services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, id=key))
    with pytest.raises(Conflict):
        services_patrols.check_in(actor=people["yuehu"], data=dict(INSIDE, id=key, grid=GRID))
    assert PatrolCheckIn.objects.count() == 1


def test_grid_worker_cannot_check_in_to_another_grid(city, people):
    other = "360602001002001"
    with pytest.raises(NotAllowed):
        services_patrols.check_in(actor=people["grid1"], data={"lon": 117.045, "lat": 28.235, "grid": other})
    assert not PatrolCheckIn.objects.exists()


def test_division_officer_checks_in_inside_territory_only(city, people):
    checkin, _ = services_patrols.check_in(
        actor=people["yuehu"], data={"lon": 117.045, "lat": 28.235, "grid": "360602001002001"}
    )
    assert checkin.grid_id == "360602001002001"
    with pytest.raises(NotAllowed):
        services_patrols.check_in(
            actor=people["yuehu"], data={"lon": 117.215, "lat": 28.295, "grid": "360681001001001"}
        )
    with pytest.raises(FieldErrors) as caught:  # no grid of its own to default to
        services_patrols.check_in(actor=people["yuehu"], data=INSIDE)
    assert "grid" in _errors(caught.value)


@pytest.mark.parametrize("user", ["ent1", "outsider", "city", "yingji"])
def test_others_may_not_check_in(people, user):
    with pytest.raises(NotAllowed):
        services_patrols.check_in(actor=people[user], data=dict(INSIDE, grid=GRID))


def test_check_in_at_a_site_of_the_grid(city, people):
    gas = city.enterprises["yuehu_gas"]
    checkin, _ = services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, enterprise_id=str(gas.uuid)))
    assert checkin.enterprise == gas
    school = city.enterprises["yuehu_school"]  # another grid: the officer sees it, it is not in the grid
    with pytest.raises(FieldErrors) as caught:
        services_patrols.check_in(actor=people["yuehu"], data=dict(INSIDE, grid=GRID, enterprise_id=str(school.uuid)))
    assert "enterprise_id" in _errors(caught.value)


def test_bad_times_and_numbers_are_named(people):
    now = timezone.now()
    cases = [
        ({"at": (now + timedelta(minutes=10)).isoformat()}, "at"),
        ({"at": (now - timedelta(days=8)).isoformat()}, "at"),
        ({"at": "yesterday"}, "at"),
        ({"lon": "east"}, "lon"),
        ({"lat": None}, "lat"),
        ({"id": "not-a-uuid"}, "id"),
        ({"note": "x" * 301}, "note"),
    ]
    for change, field in cases:
        with pytest.raises(FieldErrors) as caught:
            services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, **change))
        assert field in _errors(caught.value), change
    checkin, _ = services_patrols.check_in(
        actor=people["grid1"], data=dict(INSIDE, at=(now - timedelta(days=6)).isoformat())
    )
    assert checkin.at < now - timedelta(days=5)
    assert PatrolCheckIn.objects.count() == 1


def test_plan_is_set_by_division_officers(city, people):
    plan = services_patrols.patrol_plan_set(actor=people["yuehu"], grid=city.grids["360602001001"], every_days=3)
    assert plan.every_days == 3
    services_patrols.patrol_plan_set(actor=people["yuehu"], grid=GRID, every_days="14")
    assert PatrolPlan.objects.get(grid_id=GRID).every_days == 14
    assert AuditEvent.objects.filter(verb="patrol.plan_set").count() == 2
    with pytest.raises(FieldErrors):
        services_patrols.patrol_plan_set(actor=people["yuehu"], grid=GRID, every_days=0)
    for user in ("grid1", "guixi", "ent1"):
        with pytest.raises(NotAllowed):
            services_patrols.patrol_plan_set(actor=people[user], grid=GRID, every_days=5)
    assert PatrolPlan.objects.get(grid_id=GRID).every_days == 14


# ---- pages ---------------------------------------------------------------------------------------


def _login(client, user):
    client.force_login(user)
    return client


def test_check_in_form_refuses_5_km_outside_and_accepts_inside(client, people):
    _login(client, people["grid1"])
    url = reverse("inspections:patrol_check_in")
    page = client.get(url)
    assert page.status_code == 200
    refused = client.post(url, FIVE_KM_EAST)
    assert refused.status_code == 422
    assert "5.0" in refused.content.decode()
    assert 'data-testid="error-location"' in refused.content.decode()
    assert not PatrolCheckIn.objects.exists()
    done = client.post(url, INSIDE)
    assert done.status_code == 302
    assert PatrolCheckIn.objects.count() == 1


def test_patrol_log_is_scoped(client, city, people):
    services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, note="滨江巡查"))
    services_patrols.check_in(
        actor=people["guixi"], data={"lon": 117.215, "lat": 28.295, "grid": "360681001001001", "note": "花园巡查"}
    )
    _login(client, people["yuehu"])
    body = client.get(reverse("inspections:patrol_log")).content.decode()
    assert "滨江巡查" in body and "花园巡查" not in body
    _login(client, people["grid1"])
    body = client.get(reverse("inspections:patrol_log"), {"grid": GRID}).content.decode()
    assert "滨江巡查" in body and "花园巡查" not in body


def test_grid_page_lists_unvisited_sites_and_404_outside_scope(client, city, people):
    _login(client, people["grid1"])
    url = reverse("inspections:patrol_grid", args=[GRID])
    assert "鹰潭月湖燃气有限公司" in client.get(url).content.decode()
    gas = city.enterprises["yuehu_gas"]
    services_patrols.check_in(actor=people["grid1"], data=dict(INSIDE, enterprise_id=str(gas.uuid)))
    body = client.get(url).content.decode()
    assert 'data-testid="unvisited-none"' in body
    assert client.get(reverse("inspections:patrol_grid", args=["360681001001001"])).status_code == 404


def test_plan_form_for_division_officers(client, people):
    url = reverse("inspections:patrol_plan_edit", args=[GRID])
    _login(client, people["grid1"])
    assert client.post(url, {"every_days": 2}).status_code == 403
    _login(client, people["yuehu"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"every_days": 0}).status_code == 422
    assert client.post(url, {"every_days": 2}).status_code == 302
    assert PatrolPlan.objects.get(grid_id=GRID).every_days == 2


def test_coverage_page_drills_down(client, people):
    _login(client, people["yuehu"])
    url = reverse("inspections:patrol_coverage")
    body = client.get(url).content.decode()
    assert "月湖区" in body and "贵溪市" not in body
    body = client.get(url, {"division": "360602001"}).content.decode()
    assert "滨江社区" in body
    body = client.get(url, {"division": "360602001001"}).content.decode()
    assert GRID in body
    assert client.get(url, {"days": "x"}).status_code == 200
