"""The hazard lifecycle declared once, as data (DOMAIN.md §3.5; issue 3 "Workflow"). No I/O here:
`hazard_transition()` in services.py applies it, and `docs/hazard-workflow.md` is generated from it
(`safeloop hazard_workflow_diagram`).

Parties are roles relative to one hazard, resolved in services.parties():
- triage      district/township officers, department officers and the city office, in scope
- rectifier   the rectifying unit: the enterprise's officers, or (no enterprise) the territory's or
              the department's officers in scope
- verifier    verifiers, officers and the city office in scope — never of the rectifying unit
- regulator   officers and the city office in scope (listing, on-site acceptance) — never of the rectifying unit
- superior    the owner's superior: a district/county-level officer or the city office, in scope
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safeloop.hazards.choices import HazardLevel
from safeloop.hazards.choices import HazardStatus as S

TRIAGE, RECTIFIER, VERIFIER, REGULATOR, SUPERIOR = "triage", "rectifier", "verifier", "regulator", "superior"
# Parties that must not belong to the unit that did the rectification.
INDEPENDENT = frozenset({VERIFIER, REGULATOR})

GENERAL, MAJOR = HazardLevel.GENERAL.value, HazardLevel.MAJOR.value


@dataclass(frozen=True)
class Rule:
    action: str
    sources: frozenset[str]
    to: dict[str, str] | None  # target per hazard level; None: the status stays (a self-loop)
    party: str
    label: Promise
    levels: frozenset[str] = frozenset({GENERAL, MAJOR})
    needs: tuple[str, ...] = ()  # payload fields that must be present and non-empty
    independent: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "independent", self.party in INDEPENDENT)

    def target(self, level: str, current: str) -> str:
        return current if self.to is None else self.to[level]


def _both(status: str) -> dict[str, str]:
    return {GENERAL: status, MAJOR: status}


OPEN_FOR_DEADLINE = frozenset(
    {S.CONFIRMED, S.RECTIFYING, S.SUBMITTED, S.PLAN_REQUIRED, S.LISTED, S.GOVERNING, S.EVALUATED}
)

RULES: tuple[Rule, ...] = (
    # Triage (核实/定级).
    Rule("confirm", frozenset({S.REPORTED}), {GENERAL: S.CONFIRMED, MAJOR: S.PLAN_REQUIRED}, TRIAGE, _("Confirm")),
    Rule("reject", frozenset({S.REPORTED}), _both(S.INVALID), TRIAGE, _("Reject as invalid"), needs=("note",)),
    Rule(
        "duplicate",
        frozenset({S.REPORTED}),
        _both(S.DUPLICATE),
        TRIAGE,
        _("Mark as duplicate"),
        needs=("duplicate_of",),
    ),
    # General hazards: rectify → submit → verify.
    Rule(
        "start",
        frozenset({S.CONFIRMED}),
        _both(S.RECTIFYING),
        RECTIFIER,
        _("Start rectification"),
        frozenset({GENERAL}),
    ),
    Rule(
        "submit",
        frozenset({S.RECTIFYING}),
        _both(S.SUBMITTED),
        RECTIFIER,
        _("Submit for verification"),
        frozenset({GENERAL}),
        needs=("note", "photo_ids"),
    ),
    Rule("verify", frozenset({S.SUBMITTED}), _both(S.CLOSED), VERIFIER, _("Verify and close"), frozenset({GENERAL})),
    Rule(
        "return",
        frozenset({S.SUBMITTED}),
        _both(S.RECTIFYING),
        VERIFIER,
        _("Return for more work"),
        frozenset({GENERAL}),
        needs=("note",),
    ),
    # Major hazards (16号令 Art. 14–18).
    Rule(
        "submit_plan",
        frozenset({S.PLAN_REQUIRED, S.LISTED}),
        None,
        RECTIFIER,
        _("Submit governance plan"),
        frozenset({MAJOR}),
    ),
    Rule(
        "approve_plan",
        frozenset({S.PLAN_REQUIRED, S.LISTED}),
        _both(S.GOVERNING),
        RECTIFIER,
        _("Record the principal's approval of the plan"),
        frozenset({MAJOR}),
        needs=("principal_name",),
    ),
    Rule(
        "list",
        frozenset({S.PLAN_REQUIRED}),
        _both(S.LISTED),
        REGULATOR,
        _("List for supervision (挂牌督办)"),
        frozenset({MAJOR}),
        needs=("listing_level", "supervising_unit", "listing_deadline"),
    ),
    Rule(
        "list",
        frozenset({S.GOVERNING}),
        None,
        REGULATOR,
        _("List for supervision (挂牌督办)"),
        frozenset({MAJOR}),
        needs=("listing_level", "supervising_unit", "listing_deadline"),
    ),
    Rule(
        "evaluate",
        frozenset({S.GOVERNING}),
        _both(S.EVALUATED),
        RECTIFIER,
        _("Record the evaluation"),
        frozenset({MAJOR}),
    ),
    Rule(
        "apply_acceptance",
        frozenset({S.EVALUATED}),
        _both(S.ACCEPTANCE_PENDING),
        RECTIFIER,
        _("Apply for on-site acceptance"),
        frozenset({MAJOR}),
    ),
    Rule(
        "accept",
        frozenset({S.ACCEPTANCE_PENDING}),
        _both(S.CLOSED),
        REGULATOR,
        _("Accept and write off"),
        frozenset({MAJOR}),
    ),
    Rule(
        "return",
        frozenset({S.ACCEPTANCE_PENDING}),
        _both(S.GOVERNING),
        REGULATOR,
        _("Return for more work"),
        frozenset({MAJOR}),
        needs=("note",),
    ),
    # Deadlines and reopening.
    Rule("extend", OPEN_FOR_DEADLINE, None, RECTIFIER, _("Request a deadline extension"), needs=("note", "due_at")),
    Rule("approve_extension", OPEN_FOR_DEADLINE, None, SUPERIOR, _("Decide on the extension"), needs=("approved",)),
    Rule(
        "reopen",
        frozenset({S.CLOSED}),
        {GENERAL: S.RECTIFYING, MAJOR: S.GOVERNING},
        SUPERIOR,
        _("Reopen"),
        needs=("note",),
    ),
)

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(rule.action for rule in RULES))


def rule_for(action: str, status: str, level: str) -> Rule | None:
    for rule in RULES:
        if rule.action == action and status in rule.sources and level in rule.levels:
            return rule
    return None


def rules_from(status: str, level: str) -> list[Rule]:
    return [rule for rule in RULES if status in rule.sources and level in rule.levels]
