"""Intake: routing from the point or the enterprise, idempotency, field errors that write nothing,
duplicate suggestions, photos."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from safeloop.core.models import AuditEvent
from safeloop.hazards.models import Hazard, HazardPhoto
from safeloop.hazards.tests.helpers import GAS_POINT, GUIXI_POINT, jpeg, report
from safeloop.notifications.models import Message
from safeloop.orgs.models import Department

pytestmark = pytest.mark.django_db


def test_a_point_in_a_county_level_city_goes_to_the_county_department(api_as):
    response = api_as("guixi").post(
        "/api/v1/hazards", report(title="烟花爆竹零售点超量储存", sector="fireworks", **GUIXI_POINT)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["grid_code"].startswith("360681001001")
    assert body["code"].startswith("YT-GX-")
    # 贵溪市 (a county-level city) has its own bureaus; the map names 应急管理局 for fireworks.
    department = Department.objects.get(name=body["industry_department"])
    assert (department.division_id, department.function) == ("360681", "emergency")
    assert body["source"] == "public_report"  # a division officer reports without a patrol role


def test_both_owners_are_notified_after_commit(api_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_as("grid1").post("/api/v1/hazards", report())
    assert response.status_code == 201
    assert len(callbacks) >= 1
    message = Message.objects.get(kind="hazard.reported")
    hazard = Hazard.objects.get(uuid=response.json()["id"])
    assert hazard.territorial_division_id in message.audience["divisions"]
    assert hazard.industry_department_id in message.audience["departments"]


def test_idempotency_key_returns_the_same_hazard_and_refuses_another_body(api_as):
    grid1 = api_as("grid1")
    headers = {"Idempotency-Key": "phone-7f3a-0001"}
    first = grid1.post("/api/v1/hazards", report(), headers=headers)
    again = grid1.post("/api/v1/hazards", report(), headers=headers)
    other = grid1.post("/api/v1/hazards", report(title="另一个隐患"), headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["id"] == again.json()["id"]
    assert Hazard.objects.count() == 1
    # Keys belong to their user: another reporter's same key is a new hazard.
    assert api_as("yuehu").post("/api/v1/hazards", report(), headers=headers).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (report(title=""), "title"),
        (report(sector="nuclear"), "sector"),
        (report(lon=150.0, lat=70.0), "location"),
        (report(lon=116.5, lat=29.5), "location"),  # in China, outside the city's grids
        (report(level="huge"), "level"),
        (report(due_at="2020-01-01"), "due_at"),
        (report(criteria_item="fire-gb35181-2017-1"), "criteria_item"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(api_as, body, field):
    grid1 = api_as("grid1")
    audit_before = AuditEvent.objects.count()
    response = grid1.post("/api/v1/hazards", body)
    assert response.status_code in (400, 422), response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Hazard.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


def test_an_enterprise_outside_the_reporters_scope_is_not_found(api_as, city):
    fireworks = city.enterprises["guixi_fireworks"]
    response = api_as("grid1").post("/api/v1/hazards", report(enterprise_id=str(fireworks.uuid)))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "enterprise_id"


def test_an_outsider_cannot_report(api_as):
    assert api_as("outsider").post("/api/v1/hazards", report()).status_code == 403


def test_the_enterprise_alone_places_the_hazard(api_as, city):
    gas = city.enterprises["yuehu_gas"]
    body = {"title": "液化气钢瓶未检验", "sector": "gas", "enterprise_id": str(gas.uuid)}
    created = api_as("ent1").post("/api/v1/hazards", body).json()
    assert created["location"] == {"lon": gas.lon, "lat": gas.lat}
    assert created["grid_code"] == gas.grid_id
    assert created["source"] == "self_check"
    assert created["enterprise_name"] == gas.name


def test_open_hazards_nearby_are_suggested_as_duplicates(api_as):
    grid1 = api_as("grid1")
    first = grid1.post("/api/v1/hazards", report()).json()
    near = grid1.post("/api/v1/hazards", report(lon=GAS_POINT["lon"] + 0.0003)).json()  # ~30 m east
    far = grid1.post("/api/v1/hazards", report(lon=GAS_POINT["lon"] + 0.002)).json()  # ~200 m
    other_sector = grid1.post("/api/v1/hazards", report(sector="fire")).json()
    assert [d["code"] for d in near["possible_duplicates"]] == [first["code"]]
    assert far["possible_duplicates"] == []
    assert other_sector["possible_duplicates"] == []


def test_lists_filter_and_stay_in_scope(api_as):
    api_as("grid1").post("/api/v1/hazards", report())
    api_as("guixi").post(
        "/api/v1/hazards",
        report(title="零售点超量储存", description="库存超出许可量", sector="fireworks", **GUIXI_POINT),
    )
    city_list = api_as("city").get("/api/v1/hazards").json()
    assert city_list["count"] == 2
    assert api_as("yuehu").get("/api/v1/hazards").json()["count"] == 1
    assert api_as("guixi").get("/api/v1/hazards", {"sector": "gas"}).json()["count"] == 0
    assert api_as("city").get("/api/v1/hazards", {"division": "360681"}).json()["count"] == 1
    assert api_as("city").get("/api/v1/hazards", {"status": "reported", "q": "燃气"}).json()["count"] == 1
    assert api_as("city").get("/api/v1/hazards", {"overdue": "true"}).json()["count"] == 0
    assert api_as("outsider").get("/api/v1/hazards").json()["count"] == 0
    bad = api_as("city").get("/api/v1/hazards", {"status": "lost"})
    assert bad.status_code in (400, 422)


def _upload(client, hazard_id, content, kind="before", **extra):
    return client.client.post(
        f"/api/v1/hazards/{hazard_id}/photos",
        {"file": SimpleUploadedFile("x.jpg", content), "kind": kind, **extra},
        headers=client.headers,
    )


def test_photos_are_sniffed_stripped_placed_and_served_only_in_scope(api_as, people, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    grid1 = api_as("grid1")
    hazard_id = grid1.post("/api/v1/hazards", report()).json()["id"]
    gif = Image.new("RGB", (8, 8))
    buffer = io.BytesIO()
    gif.save(buffer, "GIF")
    refused = _upload(grid1, hazard_id, buffer.getvalue())
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "file"

    uploaded = _upload(grid1, hazard_id, jpeg(gps=(117.0361, 28.2362)))
    assert uploaded.status_code == 201, uploaded.content
    body = uploaded.json()
    assert body["location"]["lon"] == pytest.approx(117.0361, abs=1e-4)
    photo = HazardPhoto.objects.get(uuid=body["id"])
    assert "x.jpg" not in photo.file.name and len(photo.file.name.rsplit("/", 1)[-1]) >= 32
    with Image.open(photo.file.path) as stored:
        assert not stored.getexif()
    # An after-photo is the rectifier's to add.
    assert _upload(grid1, hazard_id, jpeg(), kind="after").status_code == 403

    for username, expected in (("yuehu", 200), ("guixi", 404), ("outsider", 404)):
        client = Client()
        client.force_login(people[username])
        assert client.get(body["url"]).status_code == expected, username
    assert Client().get(body["url"]).status_code == 302  # to the login page
