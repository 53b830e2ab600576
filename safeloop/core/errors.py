"""FieldErrors: bad input named per field; raised before anything is written."""

from typing import Any

from django.core.exceptions import ValidationError


class FieldErrors(Exception):
    def __init__(self, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__("invalid input")
        self.errors: list[dict[str, str]] = errors or []

    @classmethod
    def single(cls, field: str, message: Any) -> "FieldErrors":
        return cls([{"field": field, "message": str(message)}])

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> "FieldErrors":
        errors = cls()
        if hasattr(exc, "error_dict"):
            for field, field_errors in exc.message_dict.items():
                for message in field_errors:
                    errors.add(field, message)
        else:
            for message in exc.messages:
                errors.add("__all__", message)
        return errors

    def add(self, field: str, message: Any) -> None:
        self.errors.append({"field": field, "message": str(message)})

    def raise_if_any(self) -> None:
        if self.errors:
            raise self

    def __bool__(self) -> bool:
        return bool(self.errors)

    def as_dict(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in self.errors:
            out.setdefault(error["field"], []).append(error["message"])
        return out
