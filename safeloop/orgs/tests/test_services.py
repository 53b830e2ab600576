import pytest

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.core.testing import make_uscc, square
from safeloop.orgs import services
from safeloop.orgs.models import Enterprise, Grid
from safeloop.orgs.validators import uscc_check_char, validate_uscc

GOOD = {"name": "月湖区测试加油站", "sectors": ["hazchem"], "lon": 117.041, "lat": 28.231}


def fields(caught):
    return {e["field"] for e in caught.value.errors}


def test_known_real_uscc_check_characters():
    # Published codes: 91110000600037341L (a Beijing enterprise), 11100000000013127D (国务院办公厅).
    assert uscc_check_char("91110000600037341") == "L"
    assert uscc_check_char("11100000000013127") == "D"
    validate_uscc("91110000600037341L")


def test_the_grid_and_division_are_derived_from_the_location(people):
    enterprise = services.enterprise_create(actor=people["yuehu"], data={**GOOD, "uscc": make_uscc(901)})
    assert enterprise.grid_id == "360602001002001"
    assert enterprise.division_id == "360602001002"
    event = AuditEvent.objects.get(verb="create", object_id=str(enterprise.uuid))
    assert event.actor == people["yuehu"] and event.after["sectors"] == ["hazchem"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uscc": "91360602MA35XXXXX1"}, "uscc"),
        ({"uscc": make_uscc(902)[:-1] + "0"}, "uscc"),
        ({"uscc": make_uscc(903), "division_code": "360699"}, "division_code"),
        ({"uscc": make_uscc(904), "sectors": ["space_travel"]}, "sectors"),
        ({"uscc": make_uscc(905), "lon": None}, "location.lon"),
        ({"uscc": make_uscc(906), "lon": 120.0, "lat": 60.0}, "location"),
        ({"uscc": make_uscc(907), "lon": 117.5, "lat": 28.0}, "location"),
        ({"uscc": make_uscc(908), "grid_code": "360602003001001"}, "grid_override_reason"),
        ({"uscc": make_uscc(909), "name": "  "}, "name"),
    ],
)
def test_bad_enterprise_input_names_the_field_and_writes_nothing(people, change, field):
    enterprises, audit_rows = Enterprise.objects.count(), AuditEvent.objects.count()
    with pytest.raises(FieldErrors) as caught:
        services.enterprise_create(actor=people["yuehu"], data={**GOOD, **change})
    assert field in fields(caught)
    assert Enterprise.objects.count() == enterprises
    assert AuditEvent.objects.count() == audit_rows


def test_a_grid_override_with_a_reason_is_kept(people):
    enterprise = services.enterprise_create(
        actor=people["yuehu"],
        data={
            **GOOD,
            "uscc": make_uscc(910),
            "grid_code": "360602003001001",
            "grid_override_reason": "厂区跨网格，按大门位置",
        },
    )
    assert enterprise.grid_id == "360602003001001" and enterprise.division_id == "360602003001"


def test_a_district_officer_cannot_add_enterprises_elsewhere(people):
    with pytest.raises(services.NotAllowed):
        services.enterprise_create(
            actor=people["yuehu"], data={**GOOD, "uscc": make_uscc(911), "lon": 117.215, "lat": 28.295}
        )


def test_an_enterprise_officer_edits_contacts_only(city, people):
    own = city.enterprises["yuehu_gas"]
    services.enterprise_update(actor=people["ent1"], enterprise=own, data={"safety_officer_phone": "13912340000"})
    with pytest.raises(services.NotAllowed):
        services.enterprise_update(actor=people["ent1"], enterprise=own, data={"name": "改名"})
    event = AuditEvent.objects.filter(verb="update", object_id=str(own.uuid)).get()
    assert event.before["safety_officer_phone"] == "" and event.after["safety_officer_phone"] == "13912340000"


def test_a_self_intersecting_grid_is_refused_naming_the_geometry(people):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[117.1, 28.1], [117.11, 28.11], [117.11, 28.1], [117.1, 28.11], [117.1, 28.1]]],
    }
    with pytest.raises(FieldErrors) as caught:
        services.grid_save(actor=people["yuehu"], code="360602001001002", name="蝴蝶网格", geometry=bow_tie)
    assert fields(caught) == {"geometry"}
    assert "Self-intersection" in caught.value.errors[0]["message"]
    assert not Grid.objects.filter(code="360602001001002").exists()


def test_an_overlapping_grid_is_refused(people):
    with pytest.raises(FieldErrors) as caught:
        services.grid_save(
            actor=people["yuehu"], code="360602001001002", name="重叠网格", geometry=square(117.035, 28.235)
        )
    assert "360602001001001" in caught.value.errors[0]["message"]


@pytest.mark.parametrize(
    ("code", "parent", "field"),
    [
        ("36060200100A", "360602001", "code"),
        ("360602001003", "360699001", "parent_code"),
        ("360681001003", "360602001", "code"),
    ],
)
def test_division_codes_must_extend_a_division_in_the_tree(people, code, parent, field):
    with pytest.raises(FieldErrors) as caught:
        services.division_create(actor=people["admin"], code=code, name="新社区", parent_code=parent)
    assert fields(caught) == {field}


def test_the_responsibility_map_is_edited_by_the_city_office_only(people):
    from safeloop.orgs.models import ResponsibilityRule

    rule = ResponsibilityRule.objects.get(sector__code="gas", level="city")
    with pytest.raises(services.NotAllowed):
        services.responsibility_rule_update(
            actor=people["yuehu"], rule=rule, lead_function="urban_management", co_functions=[]
        )
    with pytest.raises(FieldErrors):
        services.responsibility_rule_update(
            actor=people["city"], rule=rule, lead_function="ministry_of_magic", co_functions=[]
        )
    services.responsibility_rule_update(
        actor=people["city"], rule=rule, lead_function="urban_management", co_functions=["market"]
    )
    rule.refresh_from_db()
    assert (rule.lead_function, rule.confidence) == ("urban_management", "V")
    assert AuditEvent.objects.filter(verb="update", object_type="orgs.responsibilityrule").count() == 1
