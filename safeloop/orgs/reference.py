"""Reference data that ships with SafeLoop: the 鹰潭 division tree to township level (DOMAIN.md §9.1),
sectors (DESIGN.md), functional zones, the city's and districts' departments and the 三管三必须 map
(DOMAIN.md §9.3). Loaded by migration 0002; idempotent, so it can run again after an upgrade."""

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
CITY_CODE = "360600"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load(get_model: Callable[[str, str], Any]) -> None:
    Division = get_model("orgs", "Division")
    Sector = get_model("orgs", "Sector")
    Department = get_model("orgs", "Department")
    Rule = get_model("orgs", "ResponsibilityRule")
    Zone = get_model("orgs", "FunctionalZone")
    ZoneMembership = get_model("orgs", "ZoneMembership")

    for row in _rows("divisions.csv"):
        Division.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": int(row["level"]), "parent_id": row["parent"] or None},
        )
    for position, row in enumerate(_rows("sectors.csv")):
        Sector.objects.update_or_create(
            code=row["code"], defaults={"name_zh": row["name_zh"], "name_en": row["name_en"], "position": position}
        )
    rules = _rows("responsibility.csv")
    sectors_of: dict[str, set[str]] = {}
    for row in rules:
        for function in [row["lead"], *filter(None, row["co"].split("|"))]:
            sectors_of.setdefault(function, set()).add(row["sector"])
    counties = list(Division.objects.filter(parent_id=CITY_CODE).values_list("code", "name"))
    for row in _rows("departments.csv"):
        territories = [(CITY_CODE, "city", row["city_name"])]
        territories += [(code, "county", row["county_name"].replace("区", name, 1)) for code, name in counties]
        for code, level, name in territories:
            department, _ = Department.objects.get_or_create(
                division_id=code, function=row["function"], defaults={"name": name, "level": level}
            )
            department.sectors.set(Sector.objects.filter(code__in=sectors_of.get(row["function"], set())))
    for row in rules:
        sector = Sector.objects.get(code=row["sector"])
        co = [f for f in row["co"].split("|") if f]
        for level in ("city", "county"):
            Rule.objects.get_or_create(
                sector=sector,
                level=level,
                defaults={
                    "lead_function": row["lead"],
                    "co_functions": co,
                    "legal_basis": row["legal_basis"],
                    "confidence": row["confidence"],
                },
            )
    # Migration 0002 runs with the historical model, before zones had a code (added by 0004).
    zone_has_code = any(f.name == "code" for f in Zone._meta.fields)
    for row in _rows("zones.csv"):
        defaults = {"kind": row["kind"], "managing_body": row["managing_body"], "parent_division_id": row["parent"]}
        if zone_has_code:
            defaults["code"] = row["code"]
        zone, _ = Zone.objects.get_or_create(name=row["zone"], defaults=defaults)
        if row["member"]:
            ZoneMembership.objects.get_or_create(
                zone=zone,
                division_id=row["member"],
                defaults={"relation": row["relation"], "verified": row["verified"] == "true"},
            )
