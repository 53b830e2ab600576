"""Numbers and tables the risk register runs on. Defaults cite DOMAIN.md §4; a deployment overrides
any of them with `SAFELOOP_RISKS = {...}` in settings (or the `SAFELOOP_RISKS` JSON environment
variable). The score bands live in the database (`RiskBandTable`), editable by the city office."""

from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # DOMAIN.md §4.2 [S]: the discrete values of the LEC factors.
    "lec_values": {
        "l": ("0.1", "0.2", "0.5", "1", "3", "6", "10"),
        "e": ("0.5", "1", "2", "3", "6", "10"),
        "c": ("1", "3", "7", "15", "40", "100"),
    },
    # DOMAIN.md §4.3: L and S of the risk matrix on 1–5.
    "ls_range": (1, 5),
    # DOMAIN.md §4.4: no national hex codes [U]; the suggested ones.
    "colours": {"major": "#E60012", "significant": "#F39800", "general": "#FFF100", "low": "#0068B7"},
    # DOMAIN.md §4.3 "Roman-numeral inversion trap": numerals are rendered from here only.
    "numerals": {"major": "Ⅰ", "significant": "Ⅱ", "general": "Ⅲ", "low": "Ⅳ"},
    # DOMAIN.md §4.4 [S/U]: who controls a risk of each level. The higher the risk, the higher the tier.
    "enterprise_control": {"major": "company", "significant": "department", "general": "team", "low": "post"},
    "government_control": {"major": "county", "significant": "township", "general": "village", "low": "grid"},
    # While a hazard found at a point is open, its current level is raised by this many steps;
    # a linked major hazard raises it to major (issue 4, configurable).
    "open_hazard_raise_steps": 1,
    "major_hazard_raises_to_major": True,
    # DOMAIN.md §4.5: periodic review at least yearly [U]; remind this many days before.
    "review_cycle_days": 365,
    "review_reminder_days": 30,
    # Check tasks are generated this many days ahead of their due date, and an open task is
    # marked missed this many days after it.
    "check_lead_days": 1,
    "check_grace_days": 2,
}


def get(name: str) -> Any:
    return getattr(settings, "SAFELOOP_RISKS", {}).get(name, DEFAULTS[name])


def lec_values(factor: str) -> frozenset[Decimal]:
    return frozenset(Decimal(str(v)) for v in get("lec_values")[factor])


def colour(level: str) -> str:
    return str(get("colours").get(level, "#888888"))


def numeral(level: str) -> str:
    return str(get("numerals").get(level, ""))
