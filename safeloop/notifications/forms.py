"""HTML forms for the channel pages. They only shape input; services.channel_save validates it
(naming fields) and decides who may configure which unit."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safeloop.notifications.choices import ChannelKind
from safeloop.notifications.models import Channel


class ChannelForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    name = forms.CharField(label=_("Name"), max_length=64, required=False)
    url = forms.CharField(
        label=_("Webhook URL"),
        required=False,
        help_text=_("For WeCom, DingTalk and Feishu robots: the robot's webhook address."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("DingTalk and Feishu robots with signing. Leave empty to keep the current secret."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    address = forms.CharField(label=_("E-mail address"), required=False)
    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or more mobile numbers, separated by commas or new lines."),
    )
    kinds = forms.CharField(
        label=_("Message kinds"),
        required=False,
        help_text=_("Only these kinds of message, separated by commas; empty means all."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, units: list[tuple[str, str]], channel: Channel | None = None, **kwargs: Any) -> None:
        if channel is not None:
            kwargs.setdefault(
                "initial",
                {
                    "unit": channel.unit_key,
                    "kind": channel.kind,
                    "name": channel.name,
                    "url": channel.url,
                    "address": channel.address,
                    "phones": "\n".join(channel.phones or []),
                    "kinds": ", ".join(channel.kinds or []),
                    "active": channel.active,
                },
            )
        super().__init__(*args, **kwargs)
        self.channel = channel
        unit_choices = list(units)
        if channel is not None and channel.unit_key not in dict(unit_choices):
            unit_choices.insert(0, (channel.unit_key, str(channel.unit)))
        self.fields["unit"].choices = unit_choices  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)
            if name in ("url", "address", "phones", "kinds"):
                field.widget.attrs.setdefault("class", "form-control")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {
            "unit": data["unit"],
            "kind": data["kind"],
            "name": data["name"],
            "url": data["url"],
            "address": data["address"],
            "phones": data["phones"],
            "kinds": data["kinds"],
            "active": data["active"],
        }
        if data.get("clear_secret"):
            out["secret"] = ""
        elif data.get("secret"):
            out["secret"] = data["secret"]
        return out
