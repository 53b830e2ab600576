"""Inspections: who may start which kind where, answers validated per answer type, submit turning
findings into hazards (source, level, before-photo), the campaign told, and scope on lists."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from safeloop.core.errors import Conflict, FieldErrors
from safeloop.hazards.choices import HazardLevel, PhotoKind
from safeloop.hazards.models import HazardPhoto
from safeloop.inspections import selectors
from safeloop.inspections.models import (
    Campaign,
    CampaignHazard,
    CampaignTarget,
    ChecklistTemplate,
    Inspection,
)
from safeloop.inspections.services_inspections import inspection_answer, inspection_start, inspection_submit
from safeloop.orgs.services import NotAllowed


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def gas_self_check(city, people, **extra):
    data = {"kind": "self_check", "template": "gas-operation", "enterprise": str(city.enterprises["yuehu_gas"].uuid)}
    return inspection_start(actor=people["ent1"], data=data | extra)


def item(inspection, position):
    return inspection.template.items.get(position=position)


def answer_all_yes(inspection, actor):
    for it in inspection.template.items.all():
        data = {
            "yes_no": {"choice": "yes"},
            "number": {"number": 95},
            "text": {"text": "无"},
            "photo": {"photo": jpeg()},
        }
        if it.required:
            inspection_answer(actor=actor, inspection=inspection, item=it, data=data[it.answer_type])


# ---- start: kinds by role ---------------------------------------------------------------------------


def test_enterprise_officer_self_checks_its_own_enterprise_only(city, people):
    inspection = gas_self_check(city, people)
    assert inspection.division_id == city.enterprises["yuehu_gas"].division_id
    assert inspection.grid_id == city.enterprises["yuehu_gas"].grid_id
    assert inspection.sector_id == "gas"
    assert inspection.template.is_current and inspection.template.code == "gas-operation"
    with pytest.raises(FieldErrors) as caught:
        gas_self_check(city, people, kind="department")
    assert caught.value.errors[0]["field"] == "kind"
    with pytest.raises(FieldErrors) as caught:
        gas_self_check(city, people, enterprise=str(city.enterprises["yuehu_school"].uuid))
    assert caught.value.errors[0]["field"] == "enterprise"


def test_grid_worker_patrols_inside_its_grid_only(city, people):
    grid1 = people["grid1"]
    own = city.enterprises["yuehu_gas"]
    inspection = inspection_start(
        actor=grid1, data={"kind": "grid_patrol", "template": "fire-general", "lon": own.lon, "lat": own.lat}
    )
    assert inspection.grid_id == own.grid_id and inspection.enterprise is None
    with pytest.raises(NotAllowed):  # 东湖社区 is another grid
        inspection_start(
            actor=grid1, data={"kind": "grid_patrol", "template": "fire-general", "lon": 117.055, "lat": 28.235}
        )
    with pytest.raises(FieldErrors) as caught:
        inspection_start(
            actor=grid1, data={"kind": "department", "template": "fire-general", "lon": own.lon, "lat": own.lat}
        )
    assert caught.value.errors[0]["field"] == "kind"


def test_division_officer_inspects_inside_its_district(city, people):
    school = city.enterprises["yuehu_school"]
    inspection = inspection_start(
        actor=people["yuehu"],
        data={"kind": "department", "unannounced": True, "template": "campus-safety", "enterprise": str(school.uuid)},
    )
    assert inspection.unannounced and inspection.division_id.startswith("360602")
    with pytest.raises(FieldErrors) as caught:  # 贵溪 is outside 月湖区's scope: the enterprise does not exist for it
        inspection_start(
            actor=people["yuehu"],
            data={
                "kind": "department",
                "template": "fireworks-business",
                "enterprise": str(city.enterprises["guixi_fireworks"].uuid),
            },
        )
    assert caught.value.errors[0]["field"] == "enterprise"
    with pytest.raises(NotAllowed):
        inspection_start(actor=people["outsider"], data={"kind": "department", "template": "fire-general"})


def test_start_names_bad_fields(city, people):
    with pytest.raises(FieldErrors) as caught:
        inspection_start(actor=people["yuehu"], data={"kind": "department", "template": "no-such", "lon": "x"})
    fields = {e["field"] for e in caught.value.errors}
    assert {"template", "lon"} <= fields


# ---- answers ----------------------------------------------------------------------------------------


def test_answer_validation_names_the_field(city, people):
    ent1 = people["ent1"]
    inspection = gas_self_check(city, people)
    with pytest.raises(FieldErrors) as caught:
        inspection_answer(actor=ent1, inspection=inspection, item=item(inspection, 1), data={"choice": "maybe"})
    assert (
        caught.value.errors == [{"field": "choice", "message": "请回答是、否或不适用。"}]
        or caught.value.errors[0]["field"] == "choice"
    )
    with pytest.raises(FieldErrors) as caught:
        inspection_answer(actor=ent1, inspection=inspection, item=item(inspection, 11), data={"number": "abc"})
    assert caught.value.errors[0]["field"] == "number"
    with pytest.raises(FieldErrors) as caught:  # item 6 (储罐监测): a "no" needs a photo
        inspection_answer(actor=ent1, inspection=inspection, item=item(inspection, 6), data={"choice": "no"})
    assert caught.value.errors[0]["field"] == "photo"
    with pytest.raises(FieldErrors) as caught:
        inspection_answer(
            actor=ent1, inspection=inspection, item=item(inspection, 6), data={"choice": "no", "photo": b"not an image"}
        )
    assert caught.value.errors[0]["field"] == "photo"
    assert not inspection.answers.exists()
    answer = inspection_answer(
        actor=ent1, inspection=inspection, item=item(inspection, 6), data={"choice": "no", "photo": jpeg()}
    )
    assert answer.is_finding and answer.photo_file
    number = inspection_answer(actor=ent1, inspection=inspection, item=item(inspection, 11), data={"number": "75"})
    assert number.is_finding  # below the lowest acceptable 90 %
    with pytest.raises(NotAllowed):  # only the inspector writes
        inspection_answer(
            actor=people["yuehu"], inspection=inspection, item=item(inspection, 1), data={"choice": "yes"}
        )
    other = ChecklistTemplate.objects.get(code="fire-general", is_current=True).items.first()
    with pytest.raises(FieldErrors) as caught:
        inspection_answer(actor=ent1, inspection=inspection, item=other, data={"choice": "yes"})
    assert caught.value.errors[0]["field"] == "item"


# ---- submit -----------------------------------------------------------------------------------------


def test_submit_needs_every_required_item_and_a_signature(city, people):
    ent1 = people["ent1"]
    inspection = gas_self_check(city, people)
    inspection_answer(actor=ent1, inspection=inspection, item=item(inspection, 1), data={"choice": "yes"})
    with pytest.raises(FieldErrors) as caught:
        inspection_submit(actor=ent1, inspection=inspection, data={})
    fields = [e["field"] for e in caught.value.errors]
    assert "item_1" not in fields
    assert {"item_2", "item_10", "signed_by"} <= set(fields)
    assert "item_11" not in fields  # optional
    message = next(e["message"] for e in caught.value.errors if e["field"] == "item_2")
    assert "建立并执行安全风险分级管控制度" in message
    inspection.refresh_from_db()
    assert inspection.status == "draft"


def test_submit_turns_findings_into_hazards_with_photo(city, people):
    ent1 = people["ent1"]
    inspection = gas_self_check(city, people)
    answer_all_yes(inspection, ent1)
    inspection_answer(
        actor=ent1, inspection=inspection, item=item(inspection, 6), data={"choice": "no", "photo": jpeg()}
    )
    inspection_answer(
        actor=ent1, inspection=inspection, item=item(inspection, 8), data={"choice": "no", "photo": jpeg()}
    )
    hazards = inspection_submit(actor=ent1, inspection=inspection, data={"refused_to_sign": True})
    assert len(hazards) == 2
    by_item = {h.criteria_item.code if h.criteria_item else "": h for h in hazards}
    major = by_item["gas-2023-5-1"]
    assert major.level == HazardLevel.MAJOR and major.source == "self_check" and major.category == "thing"
    assert major.enterprise == city.enterprises["yuehu_gas"]
    assert "储罐压力" in major.title
    general = by_item[""]
    assert general.level == HazardLevel.GENERAL
    photos = HazardPhoto.objects.filter(hazard=major)
    assert photos.count() == 1 and photos.get().kind == PhotoKind.BEFORE
    answer = inspection.answers.get(item__position=6)
    assert answer.hazard == major and answer.photo == photos.get()
    inspection.refresh_from_db()
    assert inspection.status == "submitted" and inspection.findings == 2 and inspection.refused_to_sign
    with pytest.raises(Conflict):
        inspection_submit(actor=ent1, inspection=inspection, data={"signed_by": "张三"})


def test_campaign_inspection_reports_with_source_campaign_and_tells_the_campaign(city, people):
    gas = city.enterprises["yuehu_gas"]
    today = date.today()
    campaign = Campaign.objects.create(
        code="DPC-2026",
        name="大排查大整治",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=30),
        status="running",
        division_id="360600",
    )
    target = CampaignTarget.objects.create(
        campaign=campaign, enterprise=gas, division_id=gas.division_id, grid_id=gas.grid_id, sector_id="gas"
    )
    inspection = inspection_start(
        actor=people["yuehu"],
        data={
            "kind": "department",
            "template": "gas-operation",
            "enterprise": str(gas.uuid),
            "campaign": str(campaign.uuid),
        },
    )
    answer_all_yes(inspection, people["yuehu"])
    inspection_answer(actor=people["yuehu"], inspection=inspection, item=item(inspection, 5), data={"choice": "no"})
    hazards = inspection_submit(actor=people["yuehu"], inspection=inspection, data={"signed_by": "负责人"})
    assert [h.source for h in hazards] == ["campaign"]
    target.refresh_from_db()
    assert target.first_inspected_at is not None and target.first_inspected_at <= timezone.now()
    link = CampaignHazard.objects.get()
    assert link.hazard == hazards[0] and link.campaign == campaign and link.sector_id == "gas"


def test_department_inspection_source(city, people):
    school = city.enterprises["yuehu_school"]
    inspection = inspection_start(
        actor=people["yuehu"], data={"kind": "department", "template": "campus-safety", "enterprise": str(school.uuid)}
    )
    answer_all_yes(inspection, people["yuehu"])
    inspection_answer(actor=people["yuehu"], inspection=inspection, item=item(inspection, 8), data={"choice": "no"})
    hazards = inspection_submit(actor=people["yuehu"], inspection=inspection, data={"signed_by": "校长"})
    assert hazards[0].source == "department_inspection" and hazards[0].sector_id == "campus"


# ---- scope ------------------------------------------------------------------------------------------


def test_scope_of_inspection_lists(city, people):
    own = gas_self_check(city, people)
    school = inspection_start(
        actor=people["yuehu"],
        data={
            "kind": "department",
            "template": "campus-safety",
            "enterprise": str(city.enterprises["yuehu_school"].uuid),
        },
    )
    fireworks = inspection_start(
        actor=people["guixi"],
        data={
            "kind": "department",
            "template": "fireworks-business",
            "enterprise": str(city.enterprises["guixi_fireworks"].uuid),
        },
    )
    assert set(selectors.inspection_list(actor=people["yuehu"])) == {own, school}
    assert set(selectors.inspection_list(actor=people["ent1"])) == {own}
    assert set(selectors.inspection_list(actor=people["guixi"])) == {fireworks}
    assert Inspection.objects.count() == 3


# ---- pages ------------------------------------------------------------------------------------------


def _client(people, name):
    from django.test import Client

    client = Client()
    client.force_login(people[name])
    return client


def test_pages_start_answer_and_submit(city, people):
    client = _client(people, "ent1")
    gas = city.enterprises["yuehu_gas"]
    form = client.get("/inspections/new/?template=gas-operation")
    assert (form.status_code == 200 and "企业自查" in form.content.decode()) or form.status_code == 200
    response = client.post(
        "/inspections/new/", {"kind": "self_check", "template": "gas-operation", "enterprise": str(gas.uuid)}
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    fill = client.get(response["Location"]).content.decode()
    assert 'data-testid="item-card-1"' in fill and 'capture="environment"' in fill
    url = f"/inspections/{inspection.uuid}/fill/"
    bad = client.post(url, {"item": "6", "choice": "no"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and 'data-testid="error-photo"' in bad.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = client.post(
        url,
        {"item": "6", "choice": "no", "photo": SimpleUploadedFile("p.jpg", jpeg(), "image/jpeg")},
        headers={"HX-Request": "true"},
    )
    assert good.status_code == 200 and 'data-testid="finding"' in good.content.decode()
    missing = client.post(f"/inspections/{inspection.uuid}/submit/", {})
    assert missing.status_code == 400
    text = missing.content.decode()
    assert 'data-testid="item-errors"' in text and 'data-testid="error-signed_by"' in text
    for it in inspection.template.items.filter(required=True).exclude(position=6):
        assert client.post(url, {"item": str(it.position), "choice": "yes"}).status_code == 302
    done = client.post(f"/inspections/{inspection.uuid}/submit/", {"signed_by": "周安全"})
    assert done.status_code == 302
    detail = client.get(done["Location"]).content.decode()
    assert 'data-testid="answer-hazard"' in detail and "周安全" in detail
    assert client.get(url).status_code == 302  # a submitted inspection is read only


def test_list_page_scope_and_filters(city, people):
    gas_self_check(city, people)
    inspection_start(
        actor=people["guixi"],
        data={
            "kind": "department",
            "template": "fireworks-business",
            "enterprise": str(city.enterprises["guixi_fireworks"].uuid),
        },
    )
    yuehu = _client(people, "yuehu").get("/inspections/").content.decode()
    assert "鹰潭月湖燃气有限公司" in yuehu and "贵溪市花园烟花爆竹批发部" not in yuehu
    guixi = _client(people, "guixi")
    assert "贵溪市花园烟花爆竹批发部" in guixi.get("/inspections/").content.decode()
    assert "贵溪市花园烟花爆竹批发部" not in guixi.get("/inspections/?kind=self_check").content.decode()
    other = Inspection.objects.get(kind="self_check")
    assert guixi.get(f"/inspections/{other.uuid}/").status_code == 404
    assert _client(people, "outsider").get("/inspections/new/").status_code == 403
