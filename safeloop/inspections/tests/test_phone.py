"""The phone app's server side (/m/): the page, the service worker and manifest, and the two endpoints
the offline queue sends to, each replayable with the same Idempotency-Key (issue 5)."""

import json
import re
import uuid

import pytest
from django.test import Client

from safeloop.accounts.demo_people import DEMO_PASSWORD
from safeloop.hazards.models import Hazard, HazardPhoto
from safeloop.hazards.tests.helpers import jpeg
from safeloop.inspections.models import PatrolCheckIn

pytestmark = pytest.mark.django_db

INSIDE_GRID1 = {"lon": "117.035", "lat": "28.235"}


def _client(username: str | None = "grid1", **kwargs) -> Client:
    client = Client(**kwargs)
    if username:
        assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def _report(client: Client, key: str, title: str = "配电箱门锁损坏", photos: int = 1, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"title": title, "sector": "gas", "description": "箱门无法关闭", **INSIDE_GRID1, **fields}
    files = [SimpleUploadedFile(f"p{i}.jpg", jpeg(), content_type="image/jpeg") for i in range(photos)]
    return client.post("/m/api/reports", {**data, "photos": files}, headers={"Idempotency-Key": key})


def test_page_needs_a_login(city):
    response = Client().get("/m/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    refused = Client().post("/m/api/reports", {"title": "x"}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert refused.status_code == 401 and refused.json()["detail"]
    assert Hazard.objects.count() == 0


def test_page_shows_the_chinese_shell_with_sectors(city):
    response = _client().get("/m/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("上报隐患", "巡查打卡", "立即发送", 'capture="environment"', "/m/sw.js", "/m/manifest.webmanifest"):
        assert text in page, text
    assert '<option value="gas">燃气</option>' in page
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    assert "cdn" not in page.lower() and "http://" not in page.replace("http://testserver", "")


def test_report_is_created_once_with_its_photos_and_replayed(city):
    client = _client()
    key = str(uuid.uuid4())
    first = _report(client, key, photos=2)
    assert first.status_code == 201, first.content
    body = first.json()
    hazard = Hazard.objects.get()
    assert body == {"id": str(hazard.uuid), "code": hazard.code}
    assert hazard.grid_id == "360602001001001" and hazard.source == "grid_patrol"
    assert HazardPhoto.objects.filter(hazard=hazard).count() == 2

    again = _report(client, key, photos=2)
    assert again.status_code == 200 and again.json() == body
    assert Hazard.objects.count() == 1
    assert HazardPhoto.objects.count() == 2


def test_the_same_key_with_another_body_is_a_conflict(city):
    client = _client()
    key = str(uuid.uuid4())
    assert _report(client, key).status_code == 201
    conflict = _report(client, key, title="另一个隐患")
    assert conflict.status_code == 409 and conflict.json()["detail"]
    assert Hazard.objects.count() == 1


def test_bad_report_names_the_fields_and_writes_nothing(city):
    response = _report(_client(), str(uuid.uuid4()), title="", sector="nosuch", lon="", lat="")
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"title", "sector", "location"} <= fields
    assert Hazard.objects.count() == 0 and HazardPhoto.objects.count() == 0


def test_a_broken_photo_is_refused_by_field(city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client()
    data = {"title": "灭火器过期", "sector": "fire", **INSIDE_GRID1}
    broken = SimpleUploadedFile("p.jpg", b"not a photo", content_type="image/jpeg")
    response = client.post("/m/api/reports", {**data, "photos": [broken]}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["photos"]
    assert Hazard.objects.count() == 0


def test_report_needs_an_idempotency_key(city):
    response = _client().post("/m/api/reports", {"title": "x", "sector": "gas", **INSIDE_GRID1})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Hazard.objects.count() == 0


def test_csrf_token_from_the_cookie_is_required(city):
    client = _client(enforce_csrf_checks=True)
    client.get("/m/")
    token = client.cookies["csrftoken"].value
    data = {"title": "消防通道堵塞", "sector": "fire", **INSIDE_GRID1}
    key = str(uuid.uuid4())
    without = client.post("/m/api/reports", data, headers={"Idempotency-Key": key})
    assert without.status_code == 403
    with_token = client.post("/m/api/reports", data, headers={"Idempotency-Key": key, "X-CSRFToken": token})
    assert with_token.status_code == 201, with_token.content


def _check_in(client: Client, key: str, **fields):
    body = {"lon": 117.035, "lat": 28.235, "accuracy_m": 12, "note": "例行巡查", **fields}
    return client.post(
        "/m/api/check-ins", json.dumps(body), content_type="application/json", headers={"Idempotency-Key": key}
    )


def test_check_in_is_recorded_once_and_replayed(city):
    client = _client()
    key = str(uuid.uuid4())
    first = _check_in(client, key, enterprise_id=str(city.enterprises["yuehu_gas"].uuid))
    assert first.status_code == 201, first.content
    assert first.json()["id"] == key and first.json()["grid"] == "360602001001001"
    again = _check_in(client, key, enterprise_id=str(city.enterprises["yuehu_gas"].uuid))
    assert again.status_code == 200 and again.json()["id"] == key
    check_in = PatrolCheckIn.objects.get()
    assert str(check_in.uuid) == key and check_in.enterprise == city.enterprises["yuehu_gas"]


def test_check_in_far_from_the_grid_is_refused_with_the_distance(city):
    response = _check_in(_client(), str(uuid.uuid4()), lon=117.09, lat=28.235)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["location"], errors
    assert re.search(r"\d", errors[0]["message"]), errors  # the distance is in the message
    assert PatrolCheckIn.objects.count() == 0


def test_check_in_with_a_broken_body_is_a_400(city):
    client = _client()
    response = client.post(
        "/m/api/check-ins", "[1, 2", content_type="application/json", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 400
    assert PatrolCheckIn.objects.count() == 0


def test_service_worker_is_served_for_the_m_scope_without_caching(city):
    response = Client().get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/m/"
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    script = response.content.decode()
    for url in (
        "/m/",
        "/static/safeloop/phone/app.js",
        "/static/safeloop/phone/phone.css",
        "/static/safeloop/phone/icon-192.png",
    ):
        assert f'"{url}"' in script, url


def test_manifest_describes_the_installable_app(city):
    response = Client().get("/m/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "安全闭环·网格员"
    assert manifest["start_url"] == "/m/" and manifest["scope"] == "/m/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert Client().get(icon["src"]).status_code == 200


def test_enterprise_officer_reports_but_has_no_check_in_tab(city):
    page = _client("ent1").get("/m/").content.decode()
    assert 'data-testid="tab-report"' in page
    assert 'id="tab-checkin" hidden' in page
    assert 'id="tab-checkin" hidden' not in _client("grid1").get("/m/").content.decode()
