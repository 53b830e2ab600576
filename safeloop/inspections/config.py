"""Numbers of inspections and grid patrols (issue 5); override with `SAFELOOP_INSPECTIONS` (JSON)."""

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # A check-in farther than this from its grid's boundary is refused (GPS drift allowance).
    "checkin_max_distance_m": 300,
    # Coverage: a site counts as visited when a check-in at it is at most this many days old.
    "coverage_days": 30,
    # Default patrol frequency of a grid without a plan.
    "patrol_every_days": 7,
}


def get(name: str) -> Any:
    return getattr(settings, "SAFELOOP_INSPECTIONS", {}).get(name, DEFAULTS[name])
