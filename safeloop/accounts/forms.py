"""Forms for the account pages. They only parse input; the services decide and write."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from safeloop.accounts.choices import ROLE_ANCHOR, Role
from safeloop.accounts.models import SecurityPolicy
from safeloop.accounts.passwords import PolicyPasswordValidator
from safeloop.accounts.services import POLICY_FIELDS, POLICY_LIMITS
from safeloop.core.forms import TablerFormMixin
from safeloop.orgs.models import Department, Division, Enterprise, Grid


class LoginForm(TablerFormMixin, AuthenticationForm):
    """Django's login form, saying clearly when the account is locked and until when: the lockout
    backend leaves `request.safeloop_locked_until` when it refused or just locked the account."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "This account is locked after too many failed logins. Try again after %(until)s, "
            "or ask a system administrator to unlock it."
        ),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            locked_until = getattr(self.request, "safeloop_locked_until", None)
            if locked_until is None:
                raise
            until = formats.date_format(timezone.localtime(locked_until), "Y-m-d H:i")
            raise ValidationError(self.error_messages["locked"], code="locked", params={"until": until}) from None


class PasswordChangeForm(TablerFormMixin, forms.Form):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password"].help_text = PolicyPasswordValidator().get_help_text()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password_again") not in (None, data["new_password"]):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class UserCreateForm(TablerFormMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    real_name = forms.CharField(label=_("Real name"), max_length=64, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    password = forms.CharField(
        label=_("Initial password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = PolicyPasswordValidator().get_help_text()


class UserUpdateForm(TablerFormMixin, forms.Form):
    """The phone is never shown whole; leaving it empty keeps the stored number."""

    real_name = forms.CharField(label=_("Real name"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("New phone number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the current number."),
    )
    is_active = forms.BooleanField(label=_("Active (may log in)"), required=False)

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("phone"):
            data.pop("phone", None)
        return data


class DepartmentChoiceField(forms.ModelChoiceField[Department]):
    def label_from_instance(self, obj: Department) -> str:
        # Every district has bureaus of the same names: say whose bureau it is.
        return f"{obj.division.name} · {obj.name}"


class MembershipAddForm(TablerFormMixin, forms.Form):
    """A role and the org unit it acts through; which unit a role needs is the service's rule.
    `anchors` (role → field) lets the page show only the field the chosen role needs."""

    anchors = ROLE_ANCHOR

    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role")), *Role.choices])
    division = forms.ModelChoiceField(
        label=_("Division code"),
        queryset=Division.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "360602"}),
        error_messages={"invalid_choice": _("No division has this code.")},
    )
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.select_related("division").order_by("division_id", "name"),
        to_field_name="uuid",
        required=False,
        empty_label=_("No department"),
    )
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise (unified social credit code)"),
        queryset=Enterprise.objects.all(),
        to_field_name="uscc",
        required=False,
        widget=forms.TextInput(),
        error_messages={"invalid_choice": _("No enterprise has this code.")},
    )
    grid = forms.ModelChoiceField(
        label=_("Grid code"),
        queryset=Grid.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid_choice": _("No grid has this code.")},
    )


class SecurityPolicyForm(TablerFormMixin, forms.ModelForm[SecurityPolicy]):
    """The limits are the service's (security_policy_update); the form only reads whole numbers."""

    class Meta:
        model = SecurityPolicy
        fields = POLICY_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high) in POLICY_LIMITS.items():
            self.fields[name].help_text = _("From %(low)d to %(high)d.") % {"low": low, "high": high}

    def _post_clean(self) -> None:
        # No model validation or instance update here: the service validates, writes and audits.
        pass
