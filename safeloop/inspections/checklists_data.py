"""The checklist templates SafeLoop ships for the seed's seven key sectors (消防, 校园, 防汛防灾, 烟花爆竹,
道路交通, 燃气, 文旅), kept as CSV in `inspections/data/`:

- `checklists.csv`: one row per template (code, sector, title, description).
- `checklist_items.csv`: the items, in our own words, each citing its basis (DOMAIN.md §5 document or the
  sector's rule) and, where one fits, the 重大事故隐患 catalogue item a "no" matches (`criteria_item`).

`load_checklists(apps.get_model)` is idempotent: a template code that exists already (perhaps edited into
later versions) is left alone, so a data migration and the test teardown can call it again."""

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
TEMPLATES = "checklists.csv"
ITEMS = "checklist_items.csv"


def read_rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _number(value: str) -> float | None:
    return float(value) if value.strip() else None


def load_checklists(get_model: Callable[[str, str], Any]) -> None:
    Template = get_model("inspections", "ChecklistTemplate")
    Item = get_model("inspections", "ChecklistItem")
    CriteriaItem = get_model("hazards", "CriteriaItem")
    Sector = get_model("orgs", "Sector")

    sectors = set(Sector.objects.values_list("code", flat=True))
    criteria = dict(CriteriaItem.objects.values_list("code", "pk"))
    items_of: dict[str, list[dict[str, str]]] = {}
    for row in read_rows(ITEMS):
        items_of.setdefault(row["code"], []).append(row)
    for row in read_rows(TEMPLATES):
        if row["sector"] not in sectors or Template.objects.filter(code=row["code"]).exists():
            continue
        template = Template.objects.create(
            code=row["code"],
            version=1,
            is_current=True,
            sector_id=row["sector"],
            title=row["title"],
            description=row["description"],
        )
        Item.objects.bulk_create(
            Item(
                template=template,
                position=int(item["position"]),
                text=item["text"],
                basis=item["basis"],
                answer_type=item["answer_type"],
                required=item["required"] == "1",
                min_value=_number(item["min_value"]),
                max_value=_number(item["max_value"]),
                finding_needs_photo=item["finding_needs_photo"] == "1",
                finding_creates_hazard=item["finding_creates_hazard"] == "1",
                hazard_level=item["hazard_level"],
                hazard_category=item["hazard_category"],
                criteria_item_id=criteria.get(item["criteria_item"]) if item["criteria_item"] else None,
            )
            for item in items_of.get(row["code"], [])
        )
