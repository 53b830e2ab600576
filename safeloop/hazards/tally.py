"""Keeping HazardTally in step: every move of a hazard into or out of a final status adds or removes
one from its row, in the same transaction as the move. `rebuild()` recounts from the hazard table
(the data migration and `safeloop hazard_tally_rebuild` use it; a test checks they agree)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from safeloop.hazards.choices import FINAL_STATUSES
from safeloop.hazards.models import Hazard, HazardTally


def _key(hazard: Hazard, status: str) -> dict[str, Any]:
    return {
        "township_code": hazard.division_id[:9],
        "sector_id": hazard.sector_id,
        "level": hazard.level,
        "status": status,
        "department_key": hazard.industry_department_id or 0,
    }


def _add(hazard: Hazard, status: str, delta: int) -> None:
    key = _key(hazard, status)
    if HazardTally.objects.filter(**key).update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            HazardTally.objects.create(county_code=hazard.county_code, count=delta, **key)
    except IntegrityError:  # created by a concurrent move a moment ago
        HazardTally.objects.filter(**key).update(count=F("count") + delta)


def tally_move(hazard: Hazard, from_status: str, to_status: str) -> None:
    """Call inside the transaction that moved `hazard` (its row already carries the new status)."""
    if from_status in FINAL_STATUSES and from_status != to_status:
        _add(hazard, from_status, -1)
    if to_status in FINAL_STATUSES and from_status != to_status:
        _add(hazard, to_status, +1)


def rebuild(hazards: Any = Hazard, tallies: Any = HazardTally) -> int:
    """Recount every tally row from the hazards; returns the number of rows. A migration passes its
    historical models."""
    rows = (
        hazards.objects.filter(status__in=FINAL_STATUSES)
        .order_by()
        .values("division_id", "county_code", "sector_id", "level", "status", "industry_department_id")
        .annotate(n=Count("id"))
    )
    merged: dict[tuple[Any, ...], Any] = {}
    for row in rows:
        key = (
            row["division_id"][:9],
            row["sector_id"],
            row["level"],
            row["status"],
            row["industry_department_id"] or 0,
        )
        tally = merged.get(key)
        if tally is None:
            merged[key] = tallies(
                township_code=key[0],
                county_code=row["county_code"],
                sector_id=key[1],
                level=key[2],
                status=key[3],
                department_key=key[4],
                count=row["n"],
            )
        else:
            tally.count += row["n"]
    with transaction.atomic():
        tallies.objects.all().delete()
        tallies.objects.bulk_create(merged.values(), batch_size=2000)
    return len(merged)
