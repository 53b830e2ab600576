from datetime import timedelta

from django.utils import timezone

from safeloop.hazards.models import Hazard
from safeloop.inspections import progress
from safeloop.inspections.models import CampaignHazard, CampaignTarget
from safeloop.inspections.tests.campaign_factories import inspect, launch


def _lived_in(city, people):
    campaign = launch(people["city"])
    _, gas_hazards = inspect(campaign, city.enterprises["yuehu_gas"], people, hazards=3)
    inspect(campaign, city.enterprises["yuehu_chem"], people, hazards=1)
    inspect(campaign, city.enterprises["guixi_fireworks"], people, hazards=2)
    Hazard.objects.filter(pk=gas_hazards[0].pk).update(status="closed", closed_at=timezone.now())
    Hazard.objects.filter(pk=gas_hazards[1].pk).update(due_at=timezone.now() - timedelta(days=2))
    return campaign


def _direct(campaign, **where):
    """The same numbers counted row by row in Python, from the raw tables."""
    now = timezone.now()
    targets = [t for t in CampaignTarget.objects.filter(campaign=campaign) if _matches(t, where)]
    links = [h for h in CampaignHazard.objects.filter(campaign=campaign).select_related("hazard") if _matches(h, where)]
    return {
        "targeted": len(targets),
        "inspected": sum(1 for t in targets if t.first_inspected_at),
        "hazards": len(links),
        "rectified": sum(1 for h in links if h.hazard.status == "closed"),
        "overdue": sum(1 for h in links if h.hazard.is_open and h.hazard.due_at and h.hazard.due_at < now),
    }


def _matches(row, where):
    return row.division_id.startswith(where.get("division", "")) and (
        "sector" not in where or row.sector_id == where["sector"]
    )


def test_progress_equals_a_direct_count(city, people):
    campaign = _lived_in(city, people)
    totals = progress.campaign_progress(campaign)
    assert totals == _direct(campaign)
    assert totals == {"targeted": 4, "inspected": 3, "hazards": 6, "rectified": 1, "overdue": 1}
    by_district = progress.progress_by_division(campaign)
    assert [row.code for row in by_district] == ["360602", "360681"]
    for row in by_district:
        assert row.numbers() == _direct(campaign, division=row.code)
    assert by_district[0].name == "月湖区"
    townships = progress.progress_by_division(campaign, depth=9, within="360602")
    assert {row.code for row in townships} == {"360602001", "360602003"}
    for row in townships:
        assert row.numbers() == _direct(campaign, division=row.code)
    for row in progress.progress_by_sector(campaign):
        assert row.numbers() == _direct(campaign, sector=row.code)
    assert sum(r.targeted for r in progress.progress_by_sector(campaign)) == totals["targeted"]


def test_the_district_reads_only_its_own_numbers(city, people):
    campaign = _lived_in(city, people)
    assert progress.campaign_progress(campaign, actor=people["yuehu"]) == _direct(campaign, division="360602")
    assert progress.campaign_progress(campaign, actor=people["guixi"]) == _direct(campaign, division="360681")


def test_progress_of_many_campaigns_in_two_queries(city, people, django_assert_max_num_queries):
    first = _lived_in(city, people)
    second = launch(people["yuehu"], division="360602")
    with django_assert_max_num_queries(2):
        numbers = progress.progress_by_campaign([first, second])
    assert numbers[first.pk] == progress.campaign_progress(first)
    assert numbers[second.pk] == {"targeted": 3, "inspected": 0, "hazards": 0, "rectified": 0, "overdue": 0}


def test_each_target_counts_its_hazards(city, people):
    campaign = _lived_in(city, people)
    counts = {t.enterprise_id: t.hazard_count for t in progress.target_rows(campaign)}
    assert counts[city.enterprises["yuehu_gas"].pk] == 3
    assert counts[city.enterprises["yuehu_school"].pk] == 0


def test_the_summary_export_opens_with_the_progress_numbers(city, people):
    import openpyxl
    from django.utils import translation

    from safeloop.inspections.campaign_export import campaign_export

    campaign = _lived_in(city, people)
    with translation.override("en"):
        export = campaign_export(actor=people["city"], campaign=campaign)
    workbook = openpyxl.load_workbook(export.file)
    assert workbook.sheetnames == ["Totals", "By division", "By sector", "Targets"]
    totals = {row[0]: row[1] for row in workbook["Totals"].iter_rows(min_row=3, values_only=True)}
    numbers = progress.campaign_progress(campaign)
    assert [totals["Sites targeted"], totals["Sites inspected"], totals["Hazards found"]] == [4, 3, 6]
    assert [totals["Hazards rectified"], totals["Hazards overdue"]] == [numbers["rectified"], numbers["overdue"]]
    for sheet, rows in (
        ("By division", progress.progress_by_division(campaign)),
        ("By sector", progress.progress_by_sector(campaign)),
    ):
        got = {r[0]: list(r[2:7]) for r in workbook[sheet].iter_rows(min_row=2, values_only=True)}
        assert got == {row.code: list(row.numbers().values()) for row in rows}
    targets = list(workbook["Targets"].iter_rows(min_row=2, values_only=True))
    assert len(targets) == 4 and sum(r[5] or 0 for r in targets) == 6
    assert sum(1 for r in targets if r[4]) == 3
    # Scope holds: the district's export has only its own sites.
    export = campaign_export(actor=people["guixi"], campaign=campaign)
    sites = [r[0] for r in openpyxl.load_workbook(export.file).worksheets[3].iter_rows(min_row=2, values_only=True)]
    assert sites == ["贵溪市花园烟花爆竹批发部"]
