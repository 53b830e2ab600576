"""The risk level as a screen shows it: its colour, its name and the configured numeral."""

from django import template
from django.utils.html import format_html

from safeloop.risks import config
from safeloop.risks.choices import RiskLevel

register = template.Library()
LABELS = dict(RiskLevel.choices)
# Text that stays readable on each level's fill (yellow needs dark text).
INK = {"major": "#ffffff", "significant": "#1d1d1d", "general": "#1d1d1d", "low": "#ffffff"}


@register.simple_tag
def level_badge(level: str) -> str:
    if not level:
        return format_html('<span class="badge bg-secondary-lt" data-level="">{}</span>', "—")
    numeral = config.numeral(level)
    return format_html(
        '<span class="badge text-nowrap" style="background:{};color:{}" data-level="{}">{}{}</span>',
        config.colour(level),
        INK.get(level, "#1d1d1d"),
        level,
        f"{numeral} " if numeral else "",
        LABELS.get(level, level),
    )
