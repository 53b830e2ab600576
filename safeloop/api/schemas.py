"""Shapes every part of API v1 shares: the error body and the paged list (DESIGN.md "Contracts")."""

from typing import Any

from ninja import Field, Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut] = []


class PageIn(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 500).")
    offset: int = Field(0, ge=0, description="Items to skip.")


class Page[T](Schema):
    items: list[T]
    count: int


def errors(*statuses: int) -> dict[int, Any]:
    """The documented error responses of an endpoint, all in the one error shape."""
    return dict.fromkeys(statuses, ErrorOut)
