"""FieldErrors: bad input named per field; raised before anything is written."""

from typing import Any


class FieldErrors(Exception):
    def __init__(self, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__("invalid input")
        self.errors: list[dict[str, str]] = errors or []

    @classmethod
    def single(cls, field: str, message: Any) -> "FieldErrors":
        return cls([{"field": field, "message": str(message)}])

    def add(self, field: str, message: Any) -> None:
        self.errors.append({"field": field, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.errors:
            raise self

    def __bool__(self) -> bool:
        return bool(self.errors)


class Conflict(Exception):
    """The write lost a race or contradicts an earlier one (→ 409)."""
