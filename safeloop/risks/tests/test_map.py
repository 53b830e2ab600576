"""The 四色图 as the demo people see it: map data and the aggregate per division or grid inside each
one's scope (yuehu only 月湖区, ent1 only its enterprise, guixi nothing of 月湖区), counts and highest
level right at each depth; the enterprise's site plan: upload (a non-image named and nothing written),
the image only inside scope, placing points at fractions of the plan (outside 0–1 refused)."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.orgs.services import NotAllowed
from safeloop.risks import maps, services_plan
from safeloop.risks.models import RiskPoint, SitePlan
from safeloop.risks.tests.conftest import assessed_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(client, people):
    """The test client logged in as a demo person, reading the English source strings."""

    def as_(username):
        client.force_login(people[username])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_


@pytest.fixture
def points(city, people):
    """Points in 月湖区 (three townships' worth of villages), one of ent1's enterprise, one in 贵溪市."""
    yuehu, ent1, guixi = people["yuehu"], people["ent1"], people["guixi"]
    return {
        # 360602001001 (滨江社区, township 360602001)
        "major": assessed_point(yuehu, "major", name="江边码头", lon=117.031, lat=28.235),
        # 360602001002 (站前社区, township 360602001)
        "significant": assessed_point(yuehu, "significant", name="站前广场", lon=117.041, lat=28.235),
        "unassessed": assessed_point(yuehu, None, name="地下通道", lon=117.045, lat=28.236),
        # 360602003001 (东湖社区, township 360602003)
        "general": assessed_point(yuehu, "general", name="东湖公园", lon=117.055, lat=28.232),
        # ent1's company, at its own position in 360602001001
        "low": assessed_point(ent1, "low", name="调压站", enterprise_id=str(city.enterprises["yuehu_gas"].uuid)),
        "guixi": assessed_point(guixi, "major", name="烟花仓库", sector="fireworks", lon=117.215, lat=28.295),
    }


def codes(response):
    return {feature["properties"]["code"] for feature in response.json()["features"]}


def png(width=200, height=100, colour=(240, 240, 240)):
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


# ---- the map's data ----------------------------------------------------------------------------------


def test_map_data_is_scoped(login, points):
    yuehu_codes = {points[k].code for k in ("major", "significant", "unassessed", "general", "low")}
    assert codes(login("yuehu").get(reverse("risks:map_data"))) == yuehu_codes
    assert codes(login("ent1").get(reverse("risks:map_data"))) == {points["low"].code}
    assert codes(login("guixi").get(reverse("risks:map_data"))) == {points["guixi"].code}
    assert codes(login("city").get(reverse("risks:map_data"))) == yuehu_codes | {points["guixi"].code}
    assert codes(login("outsider").get(reverse("risks:map_data"))) == set()


def test_map_data_is_geojson_coloured_by_level_highest_first(login, points):
    data = login("yuehu").get(reverse("risks:map_data")).json()
    assert data["type"] == "FeatureCollection" and data["truncated"] is False
    first = data["features"][0]
    assert first["geometry"] == {"type": "Point", "coordinates": [117.031, 28.235]}
    assert first["properties"] == {
        "code": points["major"].code,
        "name": "江边码头",
        "level": "major",
        "colour": "#E60012",
        "url": reverse("risks:detail", args=[points["major"].uuid]),
    }
    colours = {f["properties"]["level"]: f["properties"]["colour"] for f in data["features"]}
    assert colours == {
        "major": "#E60012",
        "significant": "#F39800",
        "general": "#FFF100",
        "low": "#0068B7",
        "": "#888888",
    }
    assert [f["properties"]["level"] for f in data["features"]] == ["major", "significant", "general", "low", ""]


def test_map_data_takes_the_lists_filters(login, points):
    client = login("city")
    url = reverse("risks:map_data")
    assert codes(client.get(url, {"level": ["major", "low"]})) == {
        points["major"].code,
        points["low"].code,
        points["guixi"].code,
    }
    assert codes(client.get(url, {"sector": "fireworks"})) == {points["guixi"].code}
    assert codes(client.get(url, {"division": "360602003"})) == {points["general"].code}


def test_an_area_point_is_drawn_as_its_polygon_and_grids_are_tinted_near_enough(login, people):
    area = {
        "type": "Polygon",
        "coordinates": [
            [[117.032, 28.232], [117.036, 28.232], [117.036, 28.236], [117.032, 28.236], [117.032, 28.232]]
        ],
    }
    point = assessed_point(people["yuehu"], "significant", name="江堤", polygon=area)
    client = login("yuehu")
    feature = client.get(reverse("risks:map_data")).json()["features"][0]
    assert feature["geometry"] == area and feature["properties"]["code"] == point.code
    assert "grids" not in client.get(reverse("risks:map_data")).json()
    grids = client.get(reverse("risks:map_data"), {"division": "360602001"}).json()["grids"]["features"]
    assert [(g["properties"]["code"], g["properties"]["colour"]) for g in grids] == [("360602001001001", "#F39800")]
    assert grids[0]["geometry"]["type"] == "Polygon"


def test_map_data_is_capped_and_says_so(login, points, monkeypatch):
    monkeypatch.setattr(maps, "MAP_LIMIT", 2)
    data = login("yuehu").get(reverse("risks:map_data")).json()
    assert data["truncated"] is True
    assert [f["properties"]["level"] for f in data["features"]] == ["major", "significant"]


def test_the_map_page_has_the_legend_the_filter_and_the_colours(login, points):
    page = login("yuehu").get(reverse("risks:map"), {"level": "major"}).content.decode()
    for label in ("Major risk (red)", "Significant risk (orange)", "General risk (yellow)", "Low risk (blue)"):
        assert label in page
    assert "Ⅰ" in page and "Ⅳ" in page
    assert 'name="level" value="major" checked' in page
    assert f"{reverse('risks:map_data')}?level=major" in page
    assert '"major": "#E60012"' in page  # the colours reach the script through json_script
    assert points["guixi"].code not in page and "贵溪" not in page


def test_the_legend_is_chinese_by_default(client, people):
    client.force_login(people["yuehu"])
    with translation.override("zh-hans"):
        expected = translation.gettext("Major risk (red)")
    page = client.get(reverse("risks:map")).content.decode()
    assert expected in page


# ---- the aggregate -----------------------------------------------------------------------------------


def summary(client, **params):
    return client.get(reverse("risks:map_summary"), {"format": "json", **params}).json()


def test_the_summary_counts_per_level_and_names_the_highest(login, points):
    data = summary(login("yuehu"))
    assert data["depth"] == 6 and data["count"] == 1
    (row,) = data["items"]
    assert row == {
        "code": "360602",
        "name": "月湖区",
        "highest": "major",
        "colour": "#E60012",
        "counts": {"major": 1, "significant": 1, "general": 1, "low": 1},
        "unassessed": 1,
        "total": 5,
    }
    assert data["total"]["total"] == 5


def test_the_summary_drills_down_from_district_to_grid(login, points):
    client = login("yuehu")
    townships = {r["code"]: r for r in summary(client, division="360602")["items"]}
    assert set(townships) == {"360602001", "360602003"}
    assert townships["360602001"]["highest"] == "major" and townships["360602001"]["total"] == 4
    assert townships["360602003"]["highest"] == "general" and townships["360602003"]["total"] == 1

    data = summary(client, division="360602001")
    assert data["depth"] == 12
    villages = {r["code"]: (r["name"], r["highest"], r["counts"], r["unassessed"]) for r in data["items"]}
    assert villages == {
        "360602001001": ("滨江社区", "major", {"major": 1, "significant": 0, "general": 0, "low": 1}, 0),
        "360602001002": ("站前社区", "significant", {"major": 0, "significant": 1, "general": 0, "low": 0}, 1),
    }
    grids = summary(client, division="360602001002")
    assert grids["depth"] == "grid"
    assert [(r["code"], r["name"], r["total"]) for r in grids["items"]] == [("360602001002001", "站前社区第1网格", 2)]
    # An explicit depth wins over the one the division suggests.
    assert [r["code"] for r in summary(client, depth="9")["items"]] == ["360602001", "360602003"]


def test_the_summary_is_scoped(login, points):
    assert [(r["code"], r["total"], r["highest"]) for r in summary(login("ent1"))["items"]] == [("360602", 1, "low")]
    assert [r["code"] for r in summary(login("guixi"))["items"]] == ["360681"]
    assert [r["code"] for r in summary(login("city"))["items"]] == ["360602", "360681"]
    assert summary(login("outsider"))["items"] == []


def test_the_summary_is_one_group_by(points, django_assert_num_queries):
    queryset = RiskPoint.objects.filter(active=True)
    with django_assert_num_queries(2):  # the GROUP BY and the units' names
        rows = maps.level_summary(queryset, 9)
    assert len(rows) == 3


def test_the_summary_table_links_each_row_one_level_down(login, points):
    client = login("yuehu")
    page = client.get(reverse("risks:map"), {"division": "360602"}).content.decode()
    assert 'data-depth="9"' in page
    assert f"{reverse('risks:map')}?division=360602001&amp;depth=12" in page
    assert 'data-code="360602001" data-highest="major"' in page
    assert "background:#E60012" in page
    fragment = client.get(reverse("risks:map_summary"), {"division": "360602"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b"360602003" in fragment.content
    assert b"<html" in client.get(reverse("risks:map_summary")).content


# ---- the site plan -----------------------------------------------------------------------------------


def _upload(client, enterprise, content, name="plan.png"):
    return client.post(reverse("risks:site_plan", args=[enterprise.uuid]), {"file": SimpleUploadedFile(name, content)})


def test_the_enterprise_uploads_its_site_plan(login, city):
    enterprise = city.enterprises["yuehu_gas"]
    response = _upload(login("ent1"), enterprise, png())
    assert response.status_code == 302
    plan = SitePlan.objects.get(enterprise=enterprise)
    assert (plan.width, plan.height, plan.content_type) == (200, 100, "image/png")
    assert AuditEvent.objects.filter(verb="site_plan.upload", object_id=str(enterprise.uuid)).count() == 1
    page = login("ent1").get(reverse("risks:site_plan", args=[enterprise.uuid])).content.decode()
    assert reverse("risks:site_plan_image", args=[enterprise.uuid]) in page


def test_a_non_image_is_refused_with_a_field_message_and_nothing_written(login, city):
    enterprise = city.enterprises["yuehu_gas"]
    media = settings.MEDIA_ROOT / "site-plans"
    before = sorted(media.rglob("*")) if media.exists() else []
    response = _upload(login("ent1"), enterprise, b"%PDF-1.4 not a picture", name="plan.png")
    assert response.status_code == 422
    assert 'data-testid="error-file"' in response.content.decode()
    assert "Only JPEG, PNG and WebP" in response.content.decode()
    assert not SitePlan.objects.exists()
    assert not AuditEvent.objects.filter(verb="site_plan.upload").exists()
    assert (sorted(media.rglob("*")) if media.exists() else []) == before


def test_who_may_keep_the_site_plan(login, city, people):
    enterprise = city.enterprises["yuehu_gas"]
    assert _upload(login("grid1"), enterprise, png()).status_code == 403  # sees it, may not change it
    assert _upload(login("guixi"), enterprise, png()).status_code == 404
    assert not SitePlan.objects.exists()
    with pytest.raises(NotAllowed):
        services_plan.site_plan_upload(actor=people["verifier"], enterprise=enterprise, content=png())
    assert _upload(login("yuehu"), enterprise, png()).status_code == 302  # a government editor reaching it


def test_a_new_plan_replaces_the_old_one(login, city, people):
    enterprise = city.enterprises["yuehu_gas"]
    first = services_plan.site_plan_upload(actor=people["ent1"], enterprise=enterprise, content=png(300, 200))
    old = first.file.name
    second = services_plan.site_plan_upload(actor=people["ent1"], enterprise=enterprise, content=png(400, 300))
    assert second.pk == first.pk and (second.width, second.height) == (400, 300)
    assert SitePlan.objects.count() == 1 and second.file.name != old


def test_the_plan_image_is_served_only_inside_scope(login, city, people):
    enterprise = city.enterprises["yuehu_gas"]
    services_plan.site_plan_upload(actor=people["ent1"], enterprise=enterprise, content=png())
    url = reverse("risks:site_plan_image", args=[enterprise.uuid])
    for who in ("ent1", "yuehu", "city", "grid1"):
        response = login(who).get(url)
        assert response.status_code == 200, who
        assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for who in ("guixi", "outsider", "jiaoyu"):
        assert login(who).get(url).status_code == 404, who
    assert login("guixi").get(reverse("risks:site_plan", args=[enterprise.uuid])).status_code == 404
    other = city.enterprises["yuehu_school"]
    assert login("yuehu").get(reverse("risks:site_plan_image", args=[other.uuid])).status_code == 404  # no plan


@pytest.fixture
def planned(city, people, points):
    services_plan.site_plan_upload(actor=people["ent1"], enterprise=city.enterprises["yuehu_gas"], content=png())
    return points["low"]


def _place(client, point, x, y):
    return client.post(reverse("risks:place_point", args=[point.uuid]), {"x": x, "y": y})


def test_a_point_is_placed_on_the_plan_and_shown_in_its_colour(login, city, planned):
    client = login("ent1")
    response = _place(client, planned, "0.25", "0.5")
    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.plan_x, planned.plan_y) == (0.25, 0.5)
    assert AuditEvent.objects.filter(verb="risk_point.place", object_id=str(planned.uuid)).exists()
    page = client.get(reverse("risks:site_plan", args=[city.enterprises["yuehu_gas"].uuid])).content.decode()
    assert "left:25.000%;top:50.000%;background:#0068B7" in page

    assert client.post(reverse("risks:unplace_point", args=[planned.uuid])).status_code == 302
    planned.refresh_from_db()
    assert planned.plan_x is None and planned.plan_y is None


@pytest.mark.parametrize(
    ("x", "y", "fields"), [("1.5", "0.5", ["x"]), ("-0.1", "2", ["x", "y"]), ("abc", "", ["x", "y"])]
)
def test_a_position_outside_the_plan_is_refused_and_nothing_changes(login, planned, x, y, fields):
    response = _place(login("ent1"), planned, x, y)
    assert response.status_code == 422
    page = response.content.decode()
    for field in fields:
        assert f'data-testid="error-{field}"' in page
    planned.refresh_from_db()
    assert planned.plan_x is None and not AuditEvent.objects.filter(verb="risk_point.place").exists()


def test_the_service_names_each_bad_fraction(people, planned):
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services_plan.point_place(actor=people["ent1"], point=planned, x=float("nan"), y=1.01)
    assert caught.value.errors == [
        {"field": "x", "message": "Give a fraction of the plan between 0 and 1."},
        {"field": "y", "message": "Give a fraction of the plan between 0 and 1."},
    ]


def test_only_an_enterprises_point_with_a_plan_can_be_placed(people, points):
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services_plan.point_place(actor=people["ent1"], point=points["low"], x=0.5, y=0.5)
    assert caught.value.errors == [{"field": "point", "message": "Upload the enterprise's site plan first."}]
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services_plan.point_place(actor=people["yuehu"], point=points["major"], x=0.5, y=0.5)
    assert caught.value.errors[0]["field"] == "point"


def test_placing_is_for_those_who_may_edit_the_point(login, people, planned):
    assert _place(login("grid1"), planned, "0.5", "0.5").status_code == 403
    assert _place(login("guixi"), planned, "0.5", "0.5").status_code == 404
    with pytest.raises(NotAllowed):
        services_plan.point_place(actor=people["verifier"], point=planned, x=0.5, y=0.5)
    planned.refresh_from_db()
    assert planned.plan_x is None
    assert _place(login("yuehu"), planned, "0.1", "0.9").status_code == 302


def test_the_site_plan_lists_points_not_yet_placed(login, city, planned):
    page = login("ent1").get(reverse("risks:site_plan", args=[city.enterprises["yuehu_gas"].uuid])).content.decode()
    assert f'data-code="{planned.code}" data-placed="false"' in page
    assert reverse("risks:place_point", args=[planned.uuid]) in page
    assert "江边码头" not in page  # another point of 月湖区, not this enterprise's


def test_the_map_leads_an_enterprise_to_its_site_plan(login, city, points):
    enterprise = city.enterprises["yuehu_gas"]
    link = reverse("risks:site_plan", args=[enterprise.uuid])
    assert link in login("ent1").get(reverse("risks:map")).content.decode()
    assert link not in login("yuehu").get(reverse("risks:map")).content.decode()
    assert link in login("yuehu").get(reverse("risks:map"), {"enterprise": str(enterprise.uuid)}).content.decode()
    assert link not in login("guixi").get(reverse("risks:map"), {"enterprise": str(enterprise.uuid)}).content.decode()


def test_the_map_data_costs_the_same_for_more_points(login, people, points, django_assert_max_num_queries):
    client = login("yuehu")
    client.get(reverse("risks:map_data"))  # the session and the scope are read once
    for index in range(5):
        assessed_point(people["yuehu"], "low", name=f"路口{index}", lon=117.032 + index / 1000, lat=28.233)
    with django_assert_max_num_queries(7):  # session, user, scope, points, grid summary, names, outlines
        data = client.get(reverse("risks:map_data"), {"division": "360602001"}).json()
    assert len(data["features"]) == 9 and len(data["grids"]["features"]) == 2


def test_a_plan_over_ten_megabytes_is_refused(people, city):
    content = png() + b"\0" * (10 * 1024 * 1024)
    with translation.override("en"), pytest.raises(FieldErrors) as caught:
        services_plan.site_plan_upload(actor=people["ent1"], enterprise=city.enterprises["yuehu_gas"], content=content)
    assert caught.value.errors[0]["field"] == "file" and "larger than 10 MB" in caught.value.errors[0]["message"]
    assert not SitePlan.objects.exists()
