"""Drill-down depths over the division tree (GB/T 2260 code prefixes): district/county (6),
township/street (9), village/community (12), then grids. Summaries by area (the 四色图, campaign progress,
patrol coverage) group by a code prefix of one of these lengths."""

from typing import Any

GRID = "grid"
DEPTHS: tuple[int | str, ...] = (6, 9, 12, GRID)


def parse_depth(value: Any) -> int | str | None:
    text = str(value or "").strip()
    if text == GRID:
        return GRID
    return int(text) if text.isdigit() and int(text) in DEPTHS else None


def next_depth(division_code: str) -> int | str:
    """The level below a division: county → townships, township → villages, village → grids. A city
    or province code (…00) is looked at by county."""
    code = division_code.strip()
    if len(code) >= 12:
        return GRID
    if len(code) >= 9:
        return 12
    if len(code) == 6 and not code.endswith("00"):
        return 9
    return 6
