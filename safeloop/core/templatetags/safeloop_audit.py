"""Showing an audit row's before/after as a per-field difference."""

import json
from typing import Any

from django import template

register = template.Library()


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def audit_diff(event: Any) -> list[dict[str, Any]]:
    """One line per field named in `before` or `after`: the old value, the new one, whether it changed."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    lines = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        lines.append(
            {
                "field": key,
                "before": _show(old) if key in before else "",
                "after": _show(new) if key in after else "",
                "changed": key not in before or key not in after or old != new,
            }
        )
    return lines
