"""Small template helpers for the hazard pages: the status badge in its colour, the overdue marker."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from safeloop.hazards.choices import BADGE, HazardStatus

register = template.Library()
LABELS = dict(HazardStatus.choices)


@register.simple_tag
def status_badge(status: str) -> str:
    colour = BADGE.get(status, "secondary")  # type: ignore[call-overload]
    return format_html(
        '<span class="badge bg-{}-lt text-nowrap" data-status="{}">{}</span>',
        colour,
        status,
        LABELS.get(status, status),
    )


@register.simple_tag
def overdue_badge(hazard: Any) -> str:
    if not getattr(hazard, "overdue", False):
        return ""
    return format_html('<span class="badge bg-red text-red-fg ms-1" data-testid="overdue">{}</span>', _("Overdue"))
