from datetime import date, timedelta

import pytest

from safeloop.core.errors import FieldErrors
from safeloop.core.models import AuditEvent
from safeloop.inspections import selectors
from safeloop.inspections.models import Campaign, CampaignTarget, CampaignTask
from safeloop.inspections.services_campaigns import (
    campaign_set_status,
    campaign_task_add,
    campaign_task_done,
    campaign_update,
)
from safeloop.inspections.tests.campaign_factories import launch, template
from safeloop.orgs.services import NotAllowed


def _fields(exc):
    return {e["field"] for e in exc.value.errors}


def test_a_city_campaign_targets_the_matching_sites_with_their_division_grid_and_sector(city, people):
    campaign = launch(people["city"])
    targets = {t.enterprise_id: t for t in campaign.targets.all()}
    assert set(targets) == {e.pk for e in city.enterprises.values()}
    school = targets[city.enterprises["yuehu_school"].pk]
    # The school is campus and fire; only campus is in the campaign.
    assert school.sector_id == "campus"
    assert school.division_id == city.enterprises["yuehu_school"].division_id
    assert school.grid_id == city.enterprises["yuehu_school"].grid_id
    assert campaign.code.startswith("DPC-360600-") and campaign.status == "planned"
    assert AuditEvent.objects.filter(verb="campaign.create", object_id=str(campaign.uuid)).exists()


def test_a_school_counts_as_a_school_even_when_fire_is_in_the_campaign_too(city, people):
    campaign = launch(people["city"], sectors=["fire", "campus", "gas"])
    school = campaign.targets.get(enterprise=city.enterprises["yuehu_school"])
    assert school.sector_id == "campus"


def test_the_target_filter_narrows_the_sites(city, people):
    campaign = launch(people["yuehu"], division="360602", target_filter={"sector": "gas"})
    assert list(campaign.targets.values_list("enterprise_id", flat=True)) == [city.enterprises["yuehu_gas"].pk]
    assert campaign.target_filter == {"sector": "gas"}


def test_bad_input_names_every_field_and_writes_nothing(city, people):
    audits = AuditEvent.objects.count()
    with pytest.raises(FieldErrors) as exc:
        launch(
            people["city"],
            name="",
            starts_on="2026-05-01",
            ends_on="2026-04-01",
            sectors=["gas", "nonsense"],
            templates=["no-such-template"],
            target_filter={"colour": "red"},
        )
    assert _fields(exc) == {"name", "ends_on", "sectors", "templates", "target_filter"}
    assert not Campaign.objects.exists() and not CampaignTarget.objects.exists()
    assert AuditEvent.objects.count() == audits


def test_a_bad_filter_value_is_named(city, people):
    with pytest.raises(FieldErrors) as exc:
        launch(people["city"], target_filter={"scale": "gigantic"})
    assert _fields(exc) == {"target_filter.scale"}
    assert not Campaign.objects.exists()


def test_the_division_must_lie_inside_the_launchers_territory(city, people):
    with pytest.raises(FieldErrors) as exc:
        launch(people["yuehu"], division="360681")
    assert _fields(exc) == {"division"}
    with pytest.raises(FieldErrors) as exc:
        launch(people["yuehu"], division="360600")
    assert _fields(exc) == {"division"}
    # A department officer launches only for its own sectors.
    with pytest.raises(FieldErrors) as exc:
        launch(people["jiaoyu"], sectors=["gas"])
    assert _fields(exc) == {"division"}
    assert launch(people["jiaoyu"], sectors=["campus"]).targets.count() == 1
    with pytest.raises(NotAllowed):
        launch(people["ent1"])
    assert Campaign.objects.count() == 1


def test_templates_are_kept_at_their_current_version(city, people):
    template("gas")
    campaign = launch(people["city"], templates=["t-gas"])
    assert [t.code for t in campaign.templates.all()] == ["t-gas"]


def test_scope_yuehu_sees_city_and_yuehu_campaigns_guixi_the_reverse(city, people):
    city_campaign = launch(people["city"], name="全市")
    yuehu_campaign = launch(people["yuehu"], name="月湖", division="360602")
    guixi_campaign = launch(people["guixi"], name="贵溪", division="360681")
    assert set(selectors.campaign_list(actor=people["yuehu"])) == {city_campaign, yuehu_campaign}
    assert set(selectors.campaign_list(actor=people["guixi"])) == {city_campaign, guixi_campaign}
    assert set(selectors.campaign_list(actor=people["city"])) == {city_campaign, yuehu_campaign, guixi_campaign}
    assert not selectors.campaign_list(actor=people["outsider"]).exists()
    assert guixi_campaign.targets.count() == 1


def test_status_moves_one_step_at_a_time(city, people):
    campaign = launch(people["city"])
    with pytest.raises(FieldErrors) as exc:
        campaign_set_status(actor=people["city"], campaign=campaign, status="closed")
    assert _fields(exc) == {"status"}
    campaign_set_status(actor=people["city"], campaign=campaign, status="running")
    with pytest.raises(NotAllowed):
        campaign_set_status(actor=people["yuehu"], campaign=campaign, status="closed")
    campaign_set_status(actor=people["city"], campaign=campaign, status="closed")
    assert Campaign.objects.get(pk=campaign.pk).status == "closed"


def test_update_rechooses_targets_only_while_planned(city, people):
    campaign = launch(people["city"])
    campaign_update(actor=people["city"], campaign=campaign, data={"sectors": ["gas"], "name": "燃气"})
    assert campaign.targets.count() == 1 and campaign.name == "燃气"
    campaign_set_status(actor=people["city"], campaign=campaign, status="running")
    with pytest.raises(FieldErrors) as exc:
        campaign_update(actor=people["city"], campaign=campaign, data={"sectors": ["gas", "hazchem"]})
    assert _fields(exc) == {"division"}
    assert campaign.targets.count() == 1


def test_tasks_go_to_units_with_due_dates_and_take_their_sites(city, people):
    campaign = launch(people["city"])
    with pytest.raises(FieldErrors) as exc:
        campaign_task_add(
            actor=people["city"], campaign=campaign, data={"title": "", "due_on": "", "assignee": "nobody"}
        )
    assert _fields(exc) == {"title", "division", "due_on", "assignee"}
    assert not CampaignTask.objects.exists()
    task = campaign_task_add(
        actor=people["city"],
        campaign=campaign,
        data={
            "title": "月湖区完成辖区燃气企业排查",
            "division": "360602",
            "assignee": "yuehu",
            "due_on": date.today() + timedelta(days=10),
            "targets_division": "360602",
        },
    )
    assert task.targets.count() == 3
    # A district officer may add tasks inside its district, not elsewhere.
    with pytest.raises(FieldErrors) as exc:
        campaign_task_add(
            actor=people["yuehu"],
            campaign=campaign,
            data={"title": "贵溪", "division": "360681", "due_on": date.today()},
        )
    assert _fields(exc) == {"division"}
    with pytest.raises(NotAllowed):
        campaign_task_done(actor=people["guixi"], task=task)
    campaign_task_done(actor=people["yuehu"], task=task)
    assert CampaignTask.objects.get(pk=task.pk).status == "done"
    assert AuditEvent.objects.filter(verb="campaign_task.done").count() == 1


# ---- pages -------------------------------------------------------------------------------------------


def test_pages_list_detail_export_and_scope(city, people, client):
    from safeloop.inspections.tests.campaign_factories import inspect

    campaign = launch(people["city"], name="全市大排查")
    inspect(campaign, city.enterprises["yuehu_gas"], people, hazards=2)
    guixi = launch(people["guixi"], name="贵溪大排查", division="360681")
    client.force_login(people["yuehu"])
    listing = client.get("/inspections/campaigns/").content.decode()
    assert "全市大排查" in listing and "贵溪大排查" not in listing
    page = client.get(f"/inspections/campaigns/{campaign.uuid}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 / 3" in html and "月湖区" in html and "贵溪市" not in html
    township = client.get(f"/inspections/campaigns/{campaign.uuid}/?depth=9&within=360602").content.decode()
    assert 'data-code="360602001"' in township
    assert client.get(f"/inspections/campaigns/{guixi.uuid}/").status_code == 404
    assert client.get(f"/inspections/campaigns/{guixi.uuid}/export.xlsx").status_code == 404
    export = client.get(f"/inspections/campaigns/{campaign.uuid}/export.xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def test_launch_form_previews_and_names_errors(city, people, client):
    client.force_login(people["yuehu"])
    assert client.get("/inspections/campaigns/new/").status_code == 200
    preview = client.get("/inspections/campaigns/new/preview/", {"division": "360602", "sectors": ["gas", "campus"]})
    assert "2" in preview.content.decode()
    bad = client.post(
        "/inspections/campaigns/new/",
        {"name": "月湖", "starts_on": "2026-05-01", "ends_on": "2026-04-01", "division": "360602", "sectors": ["gas"]},
    )
    assert bad.status_code == 200 and not Campaign.objects.exists()
    assert "ends_on" in bad.context["form"].errors
    good = client.post(
        "/inspections/campaigns/new/",
        {"name": "月湖", "starts_on": "2026-04-01", "ends_on": "2026-05-01", "division": "360602", "sectors": ["gas"]},
    )
    campaign = Campaign.objects.get()
    assert good.status_code == 302 and campaign.targets.count() == 1
    response = client.post(
        f"/inspections/campaigns/{campaign.uuid}/tasks/new/",
        {"title": "排查燃气企业", "division": "360602", "due_on": "2020-01-01"},
    )
    assert "due_on" in response.context["form"].errors
    client.post(
        f"/inspections/campaigns/{campaign.uuid}/tasks/new/",
        {"title": "排查燃气企业", "division": "360602001", "due_on": "2026-04-10", "assign_targets": "on"},
    )
    task = CampaignTask.objects.get()
    assert task.targets.count() == 1
    html = client.get(f"/inspections/campaigns/{campaign.uuid}/").content.decode()
    assert "排查燃气企业" in html and 'data-testid="task-overdue"' in html
    client.post(f"/inspections/campaigns/tasks/{task.uuid}/done/")
    assert CampaignTask.objects.get().status == "done"
    client.post(f"/inspections/campaigns/{campaign.uuid}/status/", {"status": "running"})
    assert Campaign.objects.get().status == "running"


def test_a_read_only_leader_gets_no_buttons_to_finish_tasks(city, people, client):
    from datetime import date, timedelta

    from safeloop.inspections.services_campaigns import campaign_task_add

    campaign = launch(people["city"])
    campaign_task_add(
        actor=people["city"],
        campaign=campaign,
        data={"title": "月湖区集中排查", "division": "360602", "due_on": date.today() + timedelta(days=7)},
    )
    client.force_login(people["leader"])
    page = client.get(f"/inspections/campaigns/{campaign.uuid}/").content.decode()
    assert "月湖区集中排查" in page and "/done/" not in page
    client.force_login(people["yuehu"])
    assert "/done/" in client.get(f"/inspections/campaigns/{campaign.uuid}/").content.decode()
