from safeloop.core.scoping import scope_for
from safeloop.orgs import selectors


def codes(qs):
    return sorted(e.division_id for e in qs)


def test_a_district_officer_sees_only_its_district(people):
    assert codes(selectors.enterprise_list(actor=people["yuehu"]))
    assert all(c.startswith("360602") for c in codes(selectors.enterprise_list(actor=people["yuehu"])))
    assert all(c.startswith("360681") for c in codes(selectors.enterprise_list(actor=people["guixi"])))


def test_an_outsider_and_the_audit_admin_see_no_business_data(people):
    for name in ("outsider", "auditor"):
        assert selectors.enterprise_list(actor=people[name]).count() == 0
        assert selectors.grid_list(actor=people[name]).count() == 0
        assert selectors.department_list(actor=people[name]).count() == 0


def test_a_department_sees_its_sectors_inside_its_territory(city, people):
    education = {e.name for e in selectors.enterprise_list(actor=people["jiaoyu"])}
    assert education == {"月湖区第一小学"}
    emergency = {e.name for e in selectors.enterprise_list(actor=people["yingji"])}
    # 应急管理局 leads hazchem, fireworks, industry, mining and co-supervises gas and fire (DOMAIN.md §9.3).
    assert {"鹰潭东湖化工有限公司", "贵溪市花园烟花爆竹批发部", "鹰潭月湖燃气有限公司"} <= emergency


def test_an_enterprise_officer_sees_only_its_enterprise(city, people):
    assert list(selectors.enterprise_list(actor=people["ent1"])) == [city.enterprises["yuehu_gas"]]


def test_a_grid_worker_sees_the_enterprises_of_its_grid(city, people):
    grid = city.enterprises["yuehu_gas"].grid_id
    assert {e.grid_id for e in selectors.enterprise_list(actor=people["grid1"])} == {grid}
    assert [g.code for g in selectors.grid_list(actor=people["grid1"])] == [grid]


def test_the_division_tree_shows_the_path_to_the_users_territory(people):
    visible = set(selectors.division_list(actor=people["yuehu"]).values_list("code", flat=True))
    assert {"360000", "360600", "360602", "360602001"} <= visible
    assert "360681" not in visible


def test_scope_is_empty_for_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    assert scope_for(AnonymousUser()).is_empty


def test_territorial_owner_goes_through_a_functional_zone(db):
    owner = selectors.territorial_owner(division_code="360681190001")
    assert owner is not None and owner.name == "龙虎山风景名胜区"
    owner = selectors.territorial_owner(division_code="360602001001")
    assert owner is not None and owner.name == "江边街道"


def test_responsible_departments_for_gas_in_yuehu(db):
    found = selectors.responsible_departments(sector_code="gas", division_code="360602001001")
    assert found["city"]["lead"].name == "市住房和城乡建设局"
    assert found["county"]["lead"].name == "月湖区住房和城乡建设局"
    assert "市市场监督管理局" in {d.name for d in found["city"]["co"]}
