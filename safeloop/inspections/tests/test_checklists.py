"""Checklists: the seven key sectors shipped, who may edit, and versioning — an edit after use makes a new
version and leaves earlier inspections (their rows and their rendered page) exactly as they were."""

from pathlib import Path

import pytest
from django.test import Client

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.inspections.models import ChecklistItem, ChecklistTemplate
from safeloop.inspections.services_checklists import checklist_save
from safeloop.inspections.services_inspections import inspection_answer, inspection_start
from safeloop.orgs.services import NotAllowed

SEVEN = ("fire", "campus", "flood", "fireworks", "road", "gas", "tourism")
DOMAIN = Path("/work/shared/DOMAIN.md")


def login(people, name):
    client = Client()
    client.force_login(people[name])
    return client


@pytest.mark.django_db
def test_seven_key_sectors_ship_with_at_least_ten_items_each():
    for sector in SEVEN:
        template = ChecklistTemplate.objects.get(sector_id=sector, is_current=True)
        items = list(template.items.all())
        assert len(items) >= 10, sector
        assert all(item.basis for item in items), sector
        assert [i.position for i in items] == list(range(1, len(items) + 1))
        assert sum(i.answer_type == "yes_no" for i in items) > len(items) / 2
        assert any(i.finding_needs_photo for i in items) or sector in ("gas",)
    types = set(ChecklistItem.objects.values_list("answer_type", flat=True))
    assert types == {"yes_no", "number", "text", "photo"}
    linked = ChecklistItem.objects.filter(criteria_item__isnull=False).select_related("criteria_item__document")
    assert linked.count() >= 25
    assert all(i.criteria_item.document.sector_id == i.template.sector_id for i in linked)


@pytest.mark.django_db
def test_shipped_wording_is_our_own():
    if not DOMAIN.exists():
        pytest.skip("DOMAIN.md not available")
    domain = DOMAIN.read_text(encoding="utf-8")
    copied = [i.text for i in ChecklistItem.objects.all() if len(i.text) > 12 and i.text in domain]
    assert copied == []


def _used(city, people, code="gas-operation"):
    inspection = inspection_start(
        actor=people["ent1"],
        data={"kind": "self_check", "template": code, "enterprise": str(city.enterprises["yuehu_gas"].uuid)},
    )
    first = inspection.template.items.get(position=1)
    inspection_answer(actor=people["ent1"], inspection=inspection, item=first, data={"choice": "yes"})
    return inspection


def _items(template):
    return [{"text": i.text, "basis": i.basis, "answer_type": i.answer_type} for i in template.items.all()]


def test_edit_unused_template_in_place(city, people):
    template = ChecklistTemplate.objects.get(code="tourism-venue")
    items = _items(template)
    items[0]["text"] = "景区核定最大承载量并落实预约限流"
    saved = checklist_save(actor=people["city"], template=template, data={"title": "文旅场所检查", "items": items})
    assert saved.pk == template.pk and saved.version == 1
    assert saved.items.get(position=1).text == "景区核定最大承载量并落实预约限流"
    assert AuditEvent.objects.filter(verb="checklist.update").count() == 1


def test_edit_after_use_makes_a_new_version_and_keeps_old_inspections(city, people):
    inspection = _used(city, people)
    old = inspection.template
    old_texts = list(old.items.values_list("text", flat=True))
    items = _items(old)
    items[0]["text"] = "燃气经营许可证在有效期内且经营范围相符"
    items.append({"text": "新增：燃气泄漏应急处置卡张贴到位", "basis": "建城规〔2023〕4号", "answer_type": "yes_no"})
    new = checklist_save(actor=people["city"], template=old, data={"items": items})
    assert (new.code, new.version, new.is_current) == ("gas-operation", 2, True)
    old.refresh_from_db()
    assert not old.is_current and old.version == 1
    assert list(old.items.values_list("text", flat=True)) == old_texts  # old items untouched
    assert new.items.count() == len(old_texts) + 1
    inspection.refresh_from_db()
    assert inspection.template_id == old.pk
    assert inspection.answers.get().item.text == old_texts[0]

    # The earlier inspection's page still shows the texts it was answered against.
    client = login(people, "ent1")
    page = client.get(f"/inspections/{inspection.uuid}/").content.decode()
    assert old_texts[0] in page and "燃气经营许可证在有效期内" not in page and "新增：" not in page
    assert "v1" in page

    # A new inspection by code uses the new version.
    later = inspection_start(
        actor=people["ent1"],
        data={"kind": "self_check", "template": "gas-operation", "enterprise": str(city.enterprises["yuehu_gas"].uuid)},
    )
    assert later.template_id == new.pk
    later_page = client.get(f"/inspections/{later.uuid}/fill/").content.decode()
    assert "燃气经营许可证在有效期内" in later_page and "新增：" in later_page

    # Only the current version is editable.
    with pytest.raises(FieldErrors) as caught:
        checklist_save(actor=people["city"], template=old, data={"title": "x"})
    assert caught.value.errors[0]["field"] == "version"


def test_edit_page_makes_a_new_version(city, people):
    inspection = _used(city, people)
    old = inspection.template
    client = login(people, "city")
    page = client.get(f"/inspections/checklists/{old.uuid}/edit/")
    assert (page.status_code == 200 and "新版本" in page.content.decode()) or "version" in page.content.decode()
    post = {"title": old.title, "description": old.description, "rows": str(old.items.count())}
    for index, item in enumerate(old.items.all()):
        post |= {
            f"item-{index}-text": item.text if index else "改写后的第一项",
            f"item-{index}-basis": item.basis,
            f"item-{index}-answer_type": item.answer_type,
            f"item-{index}-hazard_level": item.hazard_level,
            f"item-{index}-hazard_category": item.hazard_category,
            f"item-{index}-criteria_item": item.criteria_item.code if item.criteria_item else "",
            f"item-{index}-required": "on" if item.required else "",
        }
    response = client.post(f"/inspections/checklists/{old.uuid}/edit/", post)
    assert response.status_code == 302
    new = ChecklistTemplate.objects.get(code=old.code, is_current=True)
    assert new.version == 2 and new.items.get(position=1).text == "改写后的第一项"
    detail = client.get(response["Location"]).content.decode()
    assert "改写后的第一项" in detail and "v1" in detail and "v2" in detail


def test_who_may_edit_checklists(city, people):
    campus = ChecklistTemplate.objects.get(code="campus-safety")
    gas = ChecklistTemplate.objects.get(code="gas-operation")
    checklist_save(actor=people["jiaoyu"], template=campus, data={"title": "校园安全检查表（修订）"})
    with pytest.raises(NotAllowed):
        checklist_save(actor=people["jiaoyu"], template=gas, data={"title": "燃气"})
    for name in ("grid1", "ent1", "yuehu", "outsider"):
        with pytest.raises(NotAllowed):
            checklist_save(actor=people[name], template=campus, data={"title": "改"})
    assert login(people, "grid1").get(f"/inspections/checklists/{campus.uuid}/edit/").status_code == 403
    created = checklist_save(
        actor=people["admin"],
        data={
            "code": "fire-hotel",
            "sector": "fire",
            "title": "宾馆消防检查",
            "items": [{"text": "客房有逃生示意图", "basis": "《消防法》", "answer_type": "yes_no"}],
        },
    )
    assert created.version == 1 and created.items.count() == 1
    with pytest.raises(FieldErrors) as caught:
        checklist_save(
            actor=people["admin"],
            data={
                "code": "fire-hotel",
                "sector": "fire",
                "title": "",
                "items": [{"text": "", "answer_type": "dice"}, {"text": "x", "criteria_item": "gas-2023-4-1"}],
            },
        )
    fields = {e["field"] for e in caught.value.errors}
    assert {"code", "title", "items.1.text", "items.1.answer_type", "items.2.criteria_item"} <= fields


def test_library_pages(city, people):
    client = login(people, "grid1")
    page = client.get("/inspections/checklists/").content.decode()
    for title in (
        "消防安全检查表",
        "校园安全检查表",
        "防汛防灾检查表",
        "烟花爆竹生产经营检查表",
        "道路运输企业安全检查表",
        "城镇燃气经营安全检查表",
        "文旅场所安全检查表",
    ):
        assert title in page
    filtered = client.get("/inspections/checklists/?sector=gas").content.decode()
    assert "城镇燃气经营安全检查表" in filtered and "校园安全检查表" not in filtered
    gas = ChecklistTemplate.objects.get(code="gas-operation")
    detail = client.get(f"/inspections/checklists/{gas.uuid}/").content.decode()
    assert "建城规〔2023〕4号" in detail and "gas-2023-5-1" in detail
    assert 'data-testid="checklist-edit"' not in detail
    assert (
        'data-testid="checklist-edit"'
        in login(people, "city").get(f"/inspections/checklists/{gas.uuid}/").content.decode()
    )
