"""Numbers the hazard loop runs on. Defaults cite DOMAIN.md; a deployment overrides any of them with
`SAFELOOP_HAZARDS = {...}` in settings (several are [U] or differ between sources, so they are
configuration, not code)."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings

from safeloop.hazards.choices import EscalationTier


@dataclass(frozen=True)
class LadderStep:
    tier: int
    after: timedelta  # how long past due before the hazard reaches this tier


DEFAULTS: dict[str, Any] = {
    # Duplicate suggestions: open hazards of the same sector within this radius and window (issue 3).
    "duplicate_radius_m": 50,
    "duplicate_window_days": 30,
    # 16号令: the regulator reviews a resume/close application on site within 10 days (DOMAIN.md §3.5
    # rule 4); calendar days, since the sources do not say working days.
    "acceptance_review_days": 10,
    # Reminders this many days before due.
    "reminder_days": (3, 1),
    # Escalation ladder: tier → delay past due (local practice [U]).
    "escalation_ladder": ((EscalationTier.TOWNSHIP, 0), (EscalationTier.COUNTY, 3), (EscalationTier.CITY, 7)),
    # 安全生产法 Art. 113(一): major hazard + ≥3 penalties in 180 days or ≥4 in 365 days (DOMAIN.md §3.5 rule 8).
    "penalty_windows": ((180, 3), (365, 4)),
    # Readable codes: city prefix and district abbreviations (DESIGN.md "Identifiers").
    "city_prefix": {"3606": "YT"},
    "county_abbreviations": {"360602": "YH", "360603": "YJ", "360681": "GX"},
    # Fallback deadlines when the DeadlinePolicy table has no row (days).
    "default_deadline_days": {"general": 15, "major": 90},
}


def get(name: str) -> Any:
    return getattr(settings, "SAFELOOP_HAZARDS", {}).get(name, DEFAULTS[name])


def escalation_ladder() -> tuple[LadderStep, ...]:
    return tuple(LadderStep(int(tier), timedelta(days=days)) for tier, days in get("escalation_ladder"))
