"""Deadlines at scale: reminders before due, escalation of overdue hazards up the ladder
(township → district → city 安委办), and the 安全生产法 Art. 113 penalty counter.

Sweeps claim rows with `select_for_update(skip_locked=True)` and move them with a conditional update
(on PostgreSQL both in one `UPDATE … RETURNING`), so two workers running the same sweep escalate each
hazard exactly once per ladder step (on SQLite the IMMEDIATE transaction serialises them instead).
Everything is bulk: one event, one audit row and one notification per hazard and step, written in a
handful of statements per batch (COPY on PostgreSQL, see `safeloop.core.bulk`)."""

import gc
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from safeloop.accounts.choices import Role
from safeloop.core import audit, bulk
from safeloop.core.actors import SYSTEM
from safeloop.core.errors import FieldErrors
from safeloop.core.scoping import scope_for
from safeloop.hazards import config
from safeloop.hazards.choices import OPEN_STATUSES, EscalationTier, HazardLevel
from safeloop.hazards.models import EnterprisePenalty, Hazard, HazardEvent
from safeloop.hazards.notify import hazard_url
from safeloop.notifications.services import Audience, notify, notify_many
from safeloop.orgs.models import Enterprise
from safeloop.orgs.services import NotAllowed

SWEEP_FIELDS = (
    "id",
    "uuid",
    "code",
    "title",
    "status",
    "level",
    "due_at",
    "escalation_tier",
    "county_code",
    "territorial_division_id",
    "industry_department_id",
    "enterprise_id",
    "listed_at",
)


def _claim(qs: Any, batch: int, *, escalate_to: int | None = None) -> list[Hazard]:
    """Lock up to `batch` rows of `qs`, oldest due first, that no other worker holds. With
    `escalate_to`, also move them up to that tier; the instances keep the tier they had before."""
    locked = qs.select_for_update(skip_locked=True).order_by("due_at", "id")
    if escalate_to is not None and connection.vendor == "postgresql":
        return _claim_and_escalate(locked, batch, escalate_to)
    claimed = list(locked.only(*SWEEP_FIELDS)[:batch])
    if escalate_to is not None:
        Hazard.objects.filter(pk__in=[h.pk for h in claimed], escalation_tier__lt=escalate_to).update(
            escalation_tier=escalate_to
        )
    return claimed


_SWEPT = [field for field in Hazard._meta.concrete_fields if field.attname in SWEEP_FIELDS]


def _claim_and_escalate(locked: Any, batch: int, tier: int) -> list[Hazard]:
    """The PostgreSQL claim: lock and move in one UPDATE … RETURNING (no ids sent back and forth),
    returning the rows as they were before the move."""
    claim, params = locked.values_list("id", "escalation_tier")[:batch].query.sql_with_params()
    quote = connection.ops.quote_name
    returned = ", ".join(
        "claimed.escalation_tier" if field.attname == "escalation_tier" else f"hazard.{quote(cast(str, field.column))}"
        for field in _SWEPT
    )
    statement = (
        f"WITH claimed AS MATERIALIZED ({claim}) "  # noqa: S608 - the ORM's SQL and names from _meta
        f"UPDATE {quote(Hazard._meta.db_table)} AS hazard SET escalation_tier = %s "
        f"FROM claimed WHERE hazard.id = claimed.id RETURNING {returned}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, tier))
        rows = cursor.fetchall()
    names = [field.attname for field in _SWEPT]
    claimed = [Hazard.from_db(connection.alias, names, row) for row in rows]
    return sorted(claimed, key=lambda hazard: (hazard.due_at, hazard.pk))


def _hazard_urls() -> Callable[[Hazard], str]:
    """`hazard_url` for thousands of hazards: resolve the URL once, then put each uuid in."""
    placeholder = str(uuid.UUID(int=0))
    template = hazard_url(Hazard(uuid=placeholder))
    return lambda hazard: template.replace(placeholder, str(hazard.uuid))


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A batch allocates some 300,000 dicts, lists and instances that hold no reference cycles (they
    are freed by reference counting as soon as the batch is written), yet would drive Python's cycle
    collector to walk the whole heap several times per batch: 0.5 s of a 2.5 s 10,000-hazard sweep."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _tier_audience(tier: int, hazard: Hazard) -> Audience:
    if tier == EscalationTier.TOWNSHIP:
        return Audience(
            divisions=(hazard.territorial_division_id or hazard.county_code,), roles=(Role.DIVISION_OFFICER,)
        )
    if tier == EscalationTier.COUNTY:
        return Audience(
            divisions=(hazard.county_code,),
            departments=(hazard.industry_department_id,) if hazard.industry_department_id else (),
            roles=(Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER),
        )
    return Audience(divisions=(hazard.county_code[:4] + "00",), roles=(Role.CITY_OFFICE,))


@dataclass(frozen=True)
class SweepResult:
    escalated: int
    steps: dict[int, int]


def escalate_overdue(*, now: datetime | None = None, batch: int = 5000) -> SweepResult:
    """Move every overdue open hazard to each ladder tier it has reached, one event per step."""
    now = now or timezone.now()
    steps: dict[int, int] = defaultdict(int)
    for step in config.escalation_ladder():
        cutoff = now - step.after
        while True:
            with transaction.atomic(), _cycle_collector_paused():
                due = Hazard.objects.filter(status__in=OPEN_STATUSES, due_at__lt=cutoff, escalation_tier__lt=step.tier)
                claimed = _claim(due, batch, escalate_to=step.tier)
                if not claimed:
                    break
                _record_escalations(claimed, step.tier, now)
                steps[step.tier] += len(claimed)
            if len(claimed) < batch:
                break
    return SweepResult(escalated=sum(steps.values()), steps=dict(steps))


def _record_escalations(hazards: list[Hazard], tier: int, now: datetime) -> None:
    label = str(EscalationTier(tier).label)
    actor_name = str(SYSTEM)
    local = timezone.get_current_timezone()
    url_of = _hazard_urls()
    events, audits, messages = [], [], []
    for hazard in hazards:
        before = hazard.escalation_tier
        # A major hazard that goes overdue is proposed for 挂牌督办 (issue 3).
        propose = hazard.level == HazardLevel.MAJOR and before == EscalationTier.NONE and not hazard.listed_at
        data = {"tier": tier, "overdue_since": hazard.due_at.isoformat() if hazard.due_at else None}
        if propose:
            data["propose_listing"] = True
        events.append(
            {
                "hazard_id": hazard.pk,
                "at": now,
                "actor_name": actor_name,
                "action": "escalate",
                "from_status": hazard.status,
                "to_status": hazard.status,
                "data": data,
            }
        )
        audits.append((hazard, {"escalation_tier": before}, {"escalation_tier": tier}))
        messages.append(
            {
                "kind": "hazard.escalated",
                "audience": _tier_audience(tier, hazard),
                "title": gettext_noop("Overdue hazard %(code)s escalated to %(tier)s"),
                "body": gettext_noop("%(title)s — due %(due)s. Proposed for listed supervision.")
                if propose
                else gettext_noop("%(title)s — due %(due)s."),
                "params": {
                    "code": hazard.code,
                    "title": hazard.title,
                    "tier": label,
                    "due": hazard.due_at.astimezone(local).strftime("%Y-%m-%d") if hazard.due_at else "",
                },
                "url": url_of(hazard),
                "obj": hazard,
                "dedupe_key": f"escalate:{hazard.uuid}:{tier}",
            }
        )
    bulk.insert_rows(HazardEvent, events)
    audit.record_many(actor=SYSTEM, verb="hazard.escalate", rows=audits)
    notify_many(messages)


def send_reminders(*, now: datetime | None = None, batch: int = 5000) -> int:
    """Remind the rectifying unit N days before due (N from config, e.g. 3 and 1), once per N."""
    now = now or timezone.now()
    sent = 0
    for days in sorted(config.get("reminder_days"), reverse=True):
        horizon = now + timedelta(days=days)
        with transaction.atomic():
            pending = Hazard.objects.filter(status__in=OPEN_STATUSES, due_at__gte=now, due_at__lte=horizon).exclude(
                reminded_days__lte=days
            )
            claimed = _claim(pending, batch)
            if not claimed:
                continue
            Hazard.objects.filter(pk__in=[h.pk for h in claimed]).update(reminded_days=days)
            HazardEvent.objects.bulk_create(
                [
                    HazardEvent(hazard_id=h.pk, at=now, actor_name=str(SYSTEM), action="remind", data={"days": days})
                    for h in claimed
                ]
            )
            notify_many(
                [
                    {
                        "kind": "hazard.reminder",
                        "audience": Audience(
                            enterprises=(h.enterprise_id,) if h.enterprise_id else (),
                            divisions=() if h.enterprise_id else (h.territorial_division_id or h.county_code,),
                        ),
                        "title": gettext_noop("Hazard %(code)s is due in %(days)s day(s)"),
                        "body": gettext_noop("%(title)s — due %(due)s."),
                        "params": {
                            "code": h.code,
                            "title": h.title,
                            "days": str(days),
                            "due": timezone.localtime(h.due_at).strftime("%Y-%m-%d %H:%M") if h.due_at else "",
                        },
                        "url": hazard_url(h),
                        "obj": h,
                        "dedupe_key": f"remind:{h.uuid}:{days}:{h.due_at:%Y%m%d%H%M}" if h.due_at else "",
                    }
                    for h in claimed
                ]
            )
            sent += len(claimed)
    return sent


# ---- 安全生产法 Art. 113(一): penalties on an enterprise with an open major hazard ---------------------


PENALTY_RECORDERS = frozenset({Role.CITY_OFFICE, Role.DIVISION_OFFICER, Role.DEPARTMENT_OFFICER})


@dataclass(frozen=True)
class PenaltyCount:
    window_days: int
    threshold: int
    count: int

    @property
    def reached(self) -> bool:
        return self.count >= self.threshold


def penalty_counts(enterprise: Enterprise, on: date | None = None) -> list[PenaltyCount]:
    on = on or timezone.localdate()
    decided = list(enterprise.penalties.filter(decided_on__lte=on).values_list("decided_on", flat=True))
    return [
        PenaltyCount(days, threshold, sum(1 for d in decided if d > on - timedelta(days=days)))
        for days, threshold in config.get("penalty_windows")
    ]


def closure_alert(enterprise: Enterprise) -> list[PenaltyCount]:
    """The windows in which the Art. 113(一) threshold is reached while a major hazard is open; empty
    when there is nothing to propose (DOMAIN.md §3.5 rule 8)."""
    if not Hazard.objects.filter(enterprise=enterprise, level=HazardLevel.MAJOR, status__in=OPEN_STATUSES).exists():
        return []
    return [count for count in penalty_counts(enterprise) if count.reached]


def penalty_record(*, actor: Any, enterprise: Enterprise, data: dict[str, Any]) -> EnterprisePenalty:
    scope = scope_for(actor)
    if not (scope.system_wide or scope.has_role(*PENALTY_RECORDERS)):
        raise NotAllowed(_("Your role does not allow recording penalties."))
    errors = FieldErrors()
    decision_no = str(data.get("decision_no") or "").strip()[:64]
    authority = str(data.get("authority") or "").strip()[:64]
    if not decision_no:
        errors.add("decision_no", _("This field is required."))
    elif enterprise.penalties.filter(decision_no=decision_no).exists():
        errors.add("decision_no", _("This decision is already recorded for the enterprise."))
    if not authority:
        errors.add("authority", _("This field is required."))
    decided_on = data.get("decided_on")
    if isinstance(decided_on, str):
        try:
            decided_on = date.fromisoformat(decided_on.strip())
        except ValueError:
            decided_on = None
    if not isinstance(decided_on, date):
        errors.add("decided_on", _("Enter a date (YYYY-MM-DD)."))
    elif decided_on > timezone.localdate():
        errors.add("decided_on", _("The decision date cannot be in the future."))
    amount = data.get("amount")
    if amount not in (None, ""):
        try:
            amount = Decimal(str(amount))
            if amount < 0:
                raise InvalidOperation
        except InvalidOperation:
            errors.add("amount", _("Enter an amount of yuan, zero or more."))
    else:
        amount = None
    errors.raise_if_any()
    assert isinstance(decided_on, date)
    with transaction.atomic():
        penalty = EnterprisePenalty.objects.create(
            enterprise=enterprise,
            decided_on=decided_on,
            decision_no=decision_no,
            authority=authority,
            amount=amount,
            description=str(data.get("description") or "")[:500],
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            actor=actor,
            verb="enterprise.penalty_record",
            obj=enterprise,
            after={"decision_no": decision_no, "decided_on": decided_on, "authority": authority, "amount": amount},
        )
        reached = closure_alert(enterprise)
        if reached:
            window = reached[0]
            notify(
                kind="enterprise.closure_proposed",
                audience=Audience(
                    divisions=(enterprise.division_id[:6], enterprise.division_id[:4] + "00"),
                    roles=(Role.CITY_OFFICE, Role.DIVISION_OFFICER),
                ),
                title=gettext_noop("Closure to be proposed: %(name)s"),
                body=gettext_noop(
                    "%(count)s administrative penalties in %(days)s days while a major hazard is open "
                    "(Work Safety Law Art. 113)."
                ),
                params={"name": enterprise.name, "count": str(window.count), "days": str(window.window_days)},
                obj=enterprise,
                # One alert per change of the counts: a penalty outside every window adds nothing new.
                dedupe_key=f"art113:{enterprise.uuid}:" + "-".join(str(c.count) for c in penalty_counts(enterprise)),
            )
    return penalty
