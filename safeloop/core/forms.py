"""Form helpers shared by every app's forms: Tabler (Bootstrap 5) classes, and service errors put
back on the field they name (DESIGN.md "Errors": a message per field)."""

from collections.abc import Mapping
from typing import Any

from django import forms

from safeloop.core.errors import FieldErrors


class TablerFormMixin:
    """Gives widgets Bootstrap classes and marks fields with errors as invalid.

    Render a field with `{% include "includes/field.html" with field=form.name %}`."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        self._mark_invalid()

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self._mark_invalid()

    def _mark_invalid(self) -> None:
        errors = getattr(self, "_errors", None) or {}
        for name in errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"error-{name}"


def apply_field_errors(form: forms.BaseForm, errors: FieldErrors, aliases: Mapping[str, str] | None = None) -> None:
    """Put each service error on the form field it names (`aliases` maps service names to form field
    names where they differ); errors for other names go to the form."""
    for error in errors.errors:
        field = (aliases or {}).get(error["field"], error["field"])
        form.add_error(field if field in form.fields else None, error["message"])
