"""The hazard pages as the demo people see them: the list and its filters inside each one's scope, the
map's data, My tasks, the detail page with only the caller's actions, actions posted through the
forms (moving the hazard, or naming the missing field and writing nothing), the phone report form
(photos, EXIF position, one hazard per idempotency key) and photos kept inside scope."""

import re
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from safeloop.hazards import services
from safeloop.hazards.models import Hazard, HazardEvent, HazardPhoto
from safeloop.hazards.tests.helpers import GUIXI_POINT, jpeg, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, people):
    """The test client logged in as a demo person, reading the English source strings."""

    def as_(username):
        client.force_login(people[username])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_


def html(response):
    return response.content.decode()


def _report(people, who="grid1", **overrides):
    return services.hazard_create(actor=people[who], data=report(**overrides)).hazard


@pytest.fixture
def gas(people, city):
    """A gas hazard reported by grid1 at ent1's company in 月湖区."""
    return _report(people, enterprise_id=str(city.enterprises["yuehu_gas"].uuid))


@pytest.fixture
def guixi_hazard(people):
    return _report(people, "guixi", title="烟花爆竹仓库超量储存", sector="fireworks", **GUIXI_POINT)


def _photo(name="p.jpg", **kwargs):
    return SimpleUploadedFile(name, jpeg(**kwargs), content_type="image/jpeg")


def _act(client, hazard, action, data=None):
    hazard.refresh_from_db()
    body = {f"{action}-version": hazard.version}
    body.update({f"{action}-{k}": v for k, v in (data or {}).items()})
    return client.post(reverse("hazards:action", args=[hazard.uuid, action]), body)


# ---- list ----------------------------------------------------------------------------------------------


def test_each_officer_lists_only_its_own_districts_hazards(login, gas, guixi_hazard):
    page = html(login("yuehu").get(reverse("hazards:list")))
    assert gas.code in page and guixi_hazard.code not in page

    page = html(login("guixi").get(reverse("hazards:list")))
    assert guixi_hazard.code in page and gas.code not in page

    response = login("outsider").get(reverse("hazards:list"))
    assert response.status_code == 200
    assert gas.code not in html(response) and guixi_hazard.code not in html(response)
    assert "No hazards match." in html(response)


def test_the_list_filters_by_status_overdue_division_and_text(login, people, gas):
    second = _report(people, title="调压箱围栏破损", lon=117.0365, lat=28.2365)
    third = _report(people, title="燃气表箱锈蚀", lon=117.0362, lat=28.2362)
    services.hazard_transition(actor=people["yuehu"], hazard=second, action="confirm", payload={})
    Hazard.objects.filter(pk=third.pk).update(due_at=timezone.now() - timedelta(days=2))
    client = login("yuehu")

    def codes(**params):
        page = html(client.get(reverse("hazards:list"), params))
        return set(re.findall(r'data-code="([^"]+)"', page))

    assert codes() == {gas.code, second.code, third.code}
    assert codes(status="confirmed") == {second.code}
    assert codes(status=["confirmed", "reported"]) == {gas.code, second.code, third.code}
    assert codes(overdue="true") == {third.code}
    assert codes(division="360602") == {gas.code, second.code, third.code}
    assert codes(division="360681") == set()
    assert codes(q="围栏") == {second.code}
    assert codes(q=third.code) == {third.code}


def test_the_filter_is_kept_in_the_pages_and_the_ledger_link(login, people, gas):
    for n in range(3):
        _report(people, title=f"阀门锈蚀 {n}", lon=117.036 + n * 0.0001)
    client = login("yuehu")
    import safeloop.hazards.views_list as views_list

    original = views_list.PAGE_SIZE
    views_list.PAGE_SIZE = 2
    try:
        page = html(client.get(reverse("hazards:list"), {"q": "阀门", "level": "general"}))
    finally:
        views_list.PAGE_SIZE = original
    assert "4 hazards" in page
    assert 'href="?q=%E9%98%80%E9%97%A8&amp;level=general&amp;page=2"' in page
    export = re.search(r'href="([^"]+)" data-testid="export"', page).group(1)
    assert export.startswith("/hazards/ledger.xlsx?") and "level=general" in export and "q=" in export


def test_the_list_costs_the_same_number_of_queries_for_more_rows(login, people, gas, django_assert_max_num_queries):
    client = login("yuehu")
    client.get(reverse("hazards:list"))  # warm caches (session, scope)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("hazards:list"))
    for n in range(8):
        _report(people, title=f"隐患 {n}", lon=117.036 + n * 0.0001)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = html(client.get(reverse("hazards:list")))
    assert "9 hazards" in page


# ---- map -----------------------------------------------------------------------------------------------


def test_the_map_data_is_scoped_filtered_geojson(login, people, gas, guixi_hazard):
    data = login("yuehu").get(reverse("hazards:map_data")).json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in data["features"]] == [gas.code]
    feature = data["features"][0]
    assert feature["geometry"]["coordinates"] == [gas.lon, gas.lat]
    assert feature["properties"]["url"] == reverse("hazards:detail", args=[gas.uuid])
    assert feature["properties"]["colour"].startswith("#")
    assert login("yuehu").get(reverse("hazards:map_data"), {"status": "closed"}).json()["features"] == []
    assert login("outsider").get(reverse("hazards:map_data")).json()["features"] == []
    page = html(login("yuehu").get(reverse("hazards:map"), {"status": "reported"}))
    assert 'data-geojson-url="/hazards/map/data.json?status=reported"' in page


# ---- my tasks ------------------------------------------------------------------------------------------


def test_my_tasks_follow_the_hazard_round_the_loop(login, people, gas):
    yuehu = html(login("yuehu").get(reverse("hazards:tasks")))
    assert 'data-action="confirm"' in yuehu and gas.code in yuehu
    assert gas.code not in html(login("ent1").get(reverse("hazards:tasks")))
    grid1 = html(login("grid1").get(reverse("hazards:tasks")))
    assert 'data-testid="no-tasks"' in grid1
    assert gas.code in grid1.split('data-testid="my-reports"')[1]  # a grid worker sees its own reports

    services.hazard_transition(actor=people["yuehu"], hazard=gas, action="confirm", payload={})
    assert gas.code not in html(login("yuehu").get(reverse("hazards:tasks")))
    ent1 = html(login("ent1").get(reverse("hazards:tasks")))
    assert 'data-action="start"' in ent1 and gas.code in ent1
    assert "Request a deadline extension" not in ent1  # always possible, not a task


def test_my_tasks_put_overdue_hazards_first(login, people, gas):
    late = _report(people, title="燃气表箱锈蚀", lon=117.0362, lat=28.2362)
    Hazard.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=1))
    page = html(login("yuehu").get(reverse("hazards:tasks")))
    assert page.index(late.code) < page.index(gas.code)
    assert "1 overdue" in page


# ---- detail and actions --------------------------------------------------------------------------------


def test_the_detail_page_shows_only_the_callers_actions(login, gas):
    page = html(login("yuehu").get(reverse("hazards:detail", args=[gas.uuid])))
    assert 'data-testid="action-confirm"' in page and 'data-testid="action-reject"' in page
    assert gas.title in page and "Timeline" in page and "Who answers for it" in page
    assert "市住房和城乡建设局" in page  # the routed industry department

    page = html(login("ent1").get(reverse("hazards:detail", args=[gas.uuid])))
    assert gas.title in page
    assert 'data-testid="action-' not in page and 'data-testid="no-actions"' in page

    assert login("guixi").get(reverse("hazards:detail", args=[gas.uuid])).status_code == 404
    assert login("outsider").get(reverse("hazards:detail", args=[gas.uuid])).status_code == 404


def test_confirming_through_the_form_moves_the_hazard(login, gas):
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = _act(login("yuehu"), gas, "confirm", {"due_at": due, "note": "属实"})
    assert response.status_code == 302 and response.url == reverse("hazards:detail", args=[gas.uuid])
    gas.refresh_from_db()
    assert gas.status == "confirmed"
    assert timezone.localtime(gas.due_at).date().isoformat() == due
    page = html(login("yuehu").get(response.url))
    assert "Done: Confirm." in page and "属实" in page


def test_a_missing_field_is_named_and_nothing_is_written(login, gas):
    client = login("yuehu")
    response = _act(client, gas, "reject", {"note": ""})
    assert response.status_code == 422
    assert 'data-testid="error-note"' in html(response)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = _act(client, gas, "confirm", {"due_at": past})  # caught by the service, not the form
    assert response.status_code == 422
    assert "The deadline must be in the future." in html(response)
    gas.refresh_from_db()
    assert gas.status == "reported"
    assert list(HazardEvent.objects.filter(hazard=gas).values_list("action", flat=True)) == ["report"]


def test_an_action_the_caller_may_not_take_is_refused_with_the_reason(login, gas):
    response = _act(login("ent1"), gas, "confirm")
    assert response.status_code == 403
    assert "Your role does not allow this action on this hazard." in html(response)
    assert _act(login("guixi"), gas, "confirm").status_code == 404
    gas.refresh_from_db()
    assert gas.status == "reported"


def test_a_stale_page_is_a_conflict_not_an_overwrite(login, people, gas):
    client = login("yuehu")
    stale = gas.version
    services.hazard_transition(actor=people["yuehu"], hazard=gas, action="reject", payload={"note": "重复上报"})
    Hazard.objects.filter(pk=gas.pk).update(status="reported")  # as if someone else reopened it in between
    response = client.post(
        reverse("hazards:action", args=[gas.uuid, "confirm"]), {"confirm-version": stale, "confirm-note": "属实"}
    )
    assert response.status_code == 409
    assert "changed by someone else" in html(response)
    gas.refresh_from_db()
    assert gas.status == "reported"


def test_the_enterprise_submits_with_an_after_photo_through_the_form(login, people, gas):
    services.hazard_transition(actor=people["yuehu"], hazard=gas, action="confirm", payload={})
    client = login("ent1")
    assert _act(client, gas, "start").status_code == 302
    missing = _act(client, gas, "submit", {"note": "已更换阀门"})
    assert missing.status_code == 422 and 'data-testid="error-photos"' in html(missing)
    assert not HazardPhoto.objects.filter(hazard=gas).exists()
    response = _act(client, gas, "submit", {"note": "已更换阀门", "photos": _photo("after.jpg")})
    assert response.status_code == 302, html(response)
    gas.refresh_from_db()
    assert gas.status == "submitted"
    assert list(gas.photos.values_list("kind", flat=True)) == ["after"]
    page = html(login("verifier").get(reverse("hazards:detail", args=[gas.uuid])))
    assert 'data-testid="action-verify"' in page and reverse("hazards:photo", args=[gas.photos.get().uuid]) in page


def test_photos_are_added_on_the_detail_page_and_served_only_in_scope(login, gas):
    client = login("grid1")
    response = client.post(reverse("hazards:photo_upload", args=[gas.uuid]), {"kind": "before", "photos": [_photo()]})
    assert response.status_code == 302
    photo = gas.photos.get()
    url = reverse("hazards:photo", args=[photo.uuid])
    assert url in html(login("yuehu").get(reverse("hazards:detail", args=[gas.uuid])))
    assert login("yuehu").get(url).status_code == 200
    assert login("guixi").get(url).status_code == 404
    assert login("outsider").get(url).status_code == 404
    bad = login("grid1").post(
        reverse("hazards:photo_upload", args=[gas.uuid]),
        {"kind": "before", "photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")]},
    )
    assert bad.status_code == 422 and "Only JPEG, PNG and WebP" in html(bad)


# ---- the report form -----------------------------------------------------------------------------------


def _form_key(client):
    page = html(client.get(reverse("hazards:report")))
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)


def test_a_grid_worker_reports_with_photos(login):
    client = login("grid1")
    page = html(client.get(reverse("hazards:report")))
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "multiple" in page
    response = client.post(
        reverse("hazards:report"),
        {
            "title": "调压箱阀门漏气",
            "sector": "gas",
            "category": "thing",
            "lon": "117.036",
            "lat": "28.236",
            "address": "滨江路 8 号",
            "photos": [_photo("a.jpg"), _photo("b.jpg")],
            "idempotency_key": _form_key(client),
        },
    )
    assert response.status_code == 302, html(response)
    hazard = Hazard.objects.get(title="调压箱阀门漏气")
    assert response.url == reverse("hazards:detail", args=[hazard.uuid])
    assert hazard.source == "grid_patrol" and hazard.grid_id == "360602001001001"
    assert list(hazard.photos.values_list("kind", flat=True)) == ["before", "before"]
    assert f"Hazard {hazard.code} was reported." in html(client.get(response.url))


def test_the_photos_gps_stands_in_when_the_form_has_no_position(login):
    client = login("grid1")
    response = client.post(
        reverse("hazards:report"),
        {"title": "管道锈蚀", "sector": "gas", "category": "thing", "photos": [_photo(gps=(117.036, 28.236))]},
    )
    assert response.status_code == 302, html(response)
    hazard = Hazard.objects.get(title="管道锈蚀")
    assert hazard.lon == pytest.approx(117.036, abs=1e-4) and hazard.lat == pytest.approx(28.236, abs=1e-4)


def test_a_report_without_any_position_names_the_location(login):
    response = login("grid1").post(
        reverse("hazards:report"), {"title": "管道锈蚀", "sector": "gas", "category": "thing"}
    )
    assert response.status_code == 422
    assert 'data-testid="error-location"' in html(response)
    assert not Hazard.objects.exists()


def test_a_repeated_submission_makes_one_hazard(login, people, gas):
    client = login("grid1")
    body = {
        "title": "阀门井积水",
        "sector": "gas",
        "category": "thing",
        "lon": "117.0361",
        "lat": "28.2361",
        "idempotency_key": uuid.uuid4().hex,
    }
    first = client.post(reverse("hazards:report"), {**body, "photos": [_photo()]})
    again = client.post(reverse("hazards:report"), {**body, "photos": [_photo()]})
    assert first.status_code == again.status_code == 302
    assert first.url == again.url
    hazard = Hazard.objects.get(title="阀门井积水")
    assert hazard.photos.count() == 1
    page = html(client.get(again.url))
    assert f"This report was already received as {hazard.code}." in page


def test_the_report_warns_of_possible_duplicates_nearby(login, gas):
    client = login("grid1")
    response = client.post(
        reverse("hazards:report"),
        {"title": "又闻到燃气味", "sector": "gas", "category": "thing", "lon": "117.036", "lat": "28.236"},
        follow=True,
    )
    page = html(response)
    assert "Possible duplicates nearby" in page and gas.code in page


def test_the_enterprise_choice_is_the_callers_scope(login, city):
    page = html(login("grid1").get(reverse("hazards:report")))
    assert city.enterprises["yuehu_gas"].name in page
    assert city.enterprises["guixi_fireworks"].name not in page
    options = html(login("yuehu").get(reverse("hazards:enterprise_options"), {"q": "燃气"}))
    assert city.enterprises["yuehu_gas"].name in options and "月湖区第一小学" not in options


# ---- language and navigation ---------------------------------------------------------------------------


def test_pages_render_in_english_from_the_language_cookie_and_the_menu_links_them(login, gas):
    client = login("grid1")
    page = html(client.get(reverse("hazards:tasks")))
    assert '<html lang="en">' in page and "My tasks" in page and "My reports" in page
    for name in ("hazards:tasks", "hazards:list", "hazards:map", "hazards:report"):
        assert f'href="{reverse(name)}"' in page
    detail = html(client.get(reverse("hazards:detail", args=[gas.uuid])))
    assert "Reported" in detail and "Timeline" in detail


def test_an_extension_request_waits_on_the_district_and_is_decided_through_the_form(login, people, gas):
    services.hazard_transition(actor=people["yuehu"], hazard=gas, action="confirm", payload={})
    new_due = (timezone.localdate() + timedelta(days=60)).isoformat()
    client = login("ent1")
    assert _act(client, gas, "extend", {"due_at": new_due, "note": "需采购进口阀门"}).status_code == 302
    assert "需采购进口阀门" in html(client.get(reverse("hazards:detail", args=[gas.uuid])))

    page = html(login("yuehu").get(reverse("hazards:tasks")))
    assert 'data-action="approve_extension"' in page and gas.code in page
    assert gas.code not in html(login("verifier").get(reverse("hazards:tasks")))
    response = _act(login("yuehu"), gas, "approve_extension", {"approved": "true", "note": "同意"})
    assert response.status_code == 302
    gas.refresh_from_db()
    assert timezone.localtime(gas.due_at).date().isoformat() == new_due
    assert gas.code not in html(login("yuehu").get(reverse("hazards:tasks")))


def test_the_verifier_finds_submitted_work_in_its_tasks(login, people, gas):
    services.hazard_transition(actor=people["yuehu"], hazard=gas, action="confirm", payload={})
    services.hazard_transition(actor=people["ent1"], hazard=gas, action="start", payload={})
    photo = services.photo_add(actor=people["ent1"], hazard=gas, content=jpeg(), kind="after")
    services.hazard_transition(
        actor=people["ent1"], hazard=gas, action="submit", payload={"note": "已整改", "photo_ids": [str(photo.uuid)]}
    )
    page = html(login("verifier").get(reverse("hazards:tasks")))
    assert 'data-action="verify"' in page and gas.code in page
    assert gas.code not in html(login("ent1").get(reverse("hazards:tasks")))
    assert _act(login("verifier"), gas, "verify", {"note": "复查合格"}).status_code == 302
    gas.refresh_from_db()
    assert gas.status == "closed"
