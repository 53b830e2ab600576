"""Password rule: at least N characters from at least K of the four classes (DOMAIN.md §10.2)."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safeloop.accounts.models import SecurityPolicy

CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


def character_classes(password: str) -> int:
    return sum(1 for pattern in CLASSES if re.search(pattern, password))


class PolicyPasswordValidator:
    def validate(self, password: str, user: Any = None) -> None:
        policy = SecurityPolicy.current()
        errors = []
        if len(password) < policy.password_min_length:
            errors.append(
                ValidationError(
                    _("The password must have at least %(n)d characters.") % {"n": policy.password_min_length},
                    code="password_too_short",
                )
            )
        if character_classes(password) < policy.password_min_classes:
            errors.append(
                ValidationError(
                    _("The password must mix at least %(n)d of: lower case, upper case, digits, symbols.")
                    % {"n": policy.password_min_classes},
                    code="password_too_simple",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        policy = SecurityPolicy.current()
        return _("At least %(len)d characters, mixing %(cls)d of: lower case, upper case, digits, symbols.") % {
            "len": policy.password_min_length,
            "cls": policy.password_min_classes,
        }
