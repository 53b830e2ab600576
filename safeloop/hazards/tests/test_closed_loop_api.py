"""The issue's headline: grid1 reports a gas hazard in 月湖区 → routed → yuehu confirms → ent1
rectifies and submits with an after-photo → verifier verifies → closed; at every step each demo login
sees it only if in scope, and every step is in the events and the audit chain."""

import pytest

from safeloop.core.audit import verify_chain
from safeloop.core.models import AuditEvent
from safeloop.hazards.models import Hazard
from safeloop.hazards.tests.helpers import jpeg, report

pytestmark = pytest.mark.django_db

# Who sees a gas hazard in 月湖区 滨江社区 at ent1's gas company, by scope.
SEES = {"admin", "city", "leader", "yuehu", "yingji", "ent1", "grid1", "verifier"}
BLIND = {"guixi", "jiaoyu", "outsider"}


def _visibility(api_as, hazard_id):
    seen = set()
    for name in SEES | BLIND:
        status = api_as(name).get(f"/api/v1/hazards/{hazard_id}").status_code
        assert status in (200, 404), (name, status)
        if status == 200:
            seen.add(name)
    return seen


def test_gas_hazard_goes_round_the_loop(api_as, city):
    grid1 = api_as("grid1")
    gas = city.enterprises["yuehu_gas"]
    response = grid1.post("/api/v1/hazards", report(enterprise_id=str(gas.uuid)))
    assert response.status_code == 201, response.content
    created = response.json()
    hazard_id = created["id"]
    assert created["status"] == "reported"
    assert created["division_code"].startswith("360602001")
    assert created["grid_code"] == "360602001001001"
    assert created["territorial_unit"]  # the township
    assert created["industry_department"] == "市住房和城乡建设局"  # the map's lead for gas, city level
    assert created["code"].startswith("YT-YH-")
    assert created["source"] == "grid_patrol"
    assert created["overdue"] is False
    assert created["allowed_actions"] == []  # a grid worker reports; others act
    assert _visibility(api_as, hazard_id) == SEES

    yuehu = api_as("yuehu")
    detail = yuehu.get(f"/api/v1/hazards/{hazard_id}").json()
    assert {"confirm", "reject", "duplicate"} <= set(detail["allowed_actions"])
    confirmed = yuehu.post(f"/api/v1/hazards/{hazard_id}/actions/confirm", {"note": "属实"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"

    ent1 = api_as("ent1")
    assert ent1.get(f"/api/v1/hazards/{hazard_id}").json()["allowed_actions"] == ["start", "extend"]
    assert ent1.post(f"/api/v1/hazards/{hazard_id}/actions/start").json()["status"] == "rectifying"
    refused = ent1.post(f"/api/v1/hazards/{hazard_id}/actions/submit", {"note": "已更换阀门"})
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["photo_ids"]
    upload = ent1.client.post(
        f"/api/v1/hazards/{hazard_id}/photos",
        {"file": _file(jpeg()), "kind": "after"},
        headers=ent1.headers,
    )
    assert upload.status_code == 201, upload.content
    submitted = ent1.post(
        f"/api/v1/hazards/{hazard_id}/actions/submit", {"note": "已更换阀门", "photo_ids": [upload.json()["id"]]}
    )
    assert submitted.json()["status"] == "submitted"

    own = ent1.post(f"/api/v1/hazards/{hazard_id}/actions/verify")
    assert own.status_code == 403
    assert "整改单位不能验收" in own.json()["detail"]

    verifier = api_as("verifier")
    assert "verify" in verifier.get(f"/api/v1/hazards/{hazard_id}").json()["allowed_actions"]
    closed = verifier.post(f"/api/v1/hazards/{hazard_id}/actions/verify", {"note": "现场复查合格"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed"
    assert _visibility(api_as, hazard_id) == SEES

    events = yuehu.get(f"/api/v1/hazards/{hazard_id}/events").json()
    assert [e["action"] for e in events["items"]] == ["report", "confirm", "start", "submit", "verify"]
    assert events["items"][-1]["actor"] == "郑验收"
    hazard = Hazard.objects.get(uuid=hazard_id)
    verbs = list(AuditEvent.objects.filter(object_id=str(hazard.uuid)).order_by("id").values_list("verb", flat=True))
    assert verbs == [
        "hazard.report",
        "hazard.confirm",
        "hazard.start",
        "hazard.photo_add",
        "hazard.submit",
        "hazard.verify",
    ]
    assert verify_chain() is None


def _file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("after.jpg", content, content_type="image/jpeg")
