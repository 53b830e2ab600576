"""Code validators: GB 32100 统一社会信用代码, GB/T 2260 division codes, §7.2 grid codes."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="uscc_length")
    if not USCC_RE.match(code):
        raise ValidationError(
            _("The unified social credit code contains characters GB 32100 does not allow."), code="uscc_chars"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("The check character of the unified social credit code is wrong."), code="uscc_check")


def validate_division_code(value: str) -> None:
    if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", value or ""):
        raise ValidationError(_("A division code has 6, 9 or 12 digits (GB/T 2260)."), code="division_format")


def validate_grid_code(value: str) -> None:
    if not re.fullmatch(r"\d{15}", value or ""):
        raise ValidationError(
            _("A grid code has 15 digits: the 12-digit village code and a 3-digit sequence."), code="grid_format"
        )
