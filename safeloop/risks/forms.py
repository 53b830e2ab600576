"""HTML forms of the risk register pages. They only shape input for the services, which check it and
name each bad field (the views put those messages back on these fields): the list's filter widgets,
the risk point, an assessment (each factor value with its DOMAIN.md §4.2–4.3 description), a control
measure, a re-assessment request, and the band tables of the city office."""

import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from safeloop.core.forms import TablerFormMixin
from safeloop.hazards.models import CriteriaItem
from safeloop.orgs.choices import Confidence
from safeloop.orgs.forms import division_choices
from safeloop.orgs.models import Division, Enterprise, Sector
from safeloop.risks import config
from safeloop.risks.choices import (
    Frequency,
    MeasureKind,
    Method,
    PointKind,
    ReassessReason,
    ResponsibleTier,
    RiskLevel,
)
from safeloop.risks.filters import RiskPointFilterSet
from safeloop.risks.models import ControlMeasure, RiskBandTable, RiskPoint

ENTERPRISE_TIERS = (ResponsibleTier.COMPANY, ResponsibleTier.DEPARTMENT, ResponsibleTier.TEAM, ResponsibleTier.POST)
GOVERNMENT_TIERS = (ResponsibleTier.COUNTY, ResponsibleTier.TOWNSHIP, ResponsibleTier.VILLAGE, ResponsibleTier.GRID)
TIER_LABELS = dict(ResponsibleTier.choices)

# DOMAIN.md §4.2 [S]: what each LEC value means.
LEC_DESCRIPTIONS: dict[str, dict[str, Any]] = {
    "l": {
        "10": _("fully expected"),
        "6": _("quite possible"),
        "3": _("possible but unusual"),
        "1": _("unlikely, completely unexpected"),
        "0.5": _("very unlikely, conceivable"),
        "0.2": _("extremely unlikely"),
        "0.1": _("practically impossible"),
    },
    "e": {
        "10": _("exposed continuously"),
        "6": _("exposed daily during working hours"),
        "3": _("exposed weekly or occasionally"),
        "2": _("exposed monthly (once or twice)"),
        "1": _("exposed a few times a year"),
        "0.5": _("exposed very rarely"),
    },
    "c": {
        "100": _("catastrophe, many deaths"),
        "40": _("disaster, several deaths"),
        "15": _("very serious, one death"),
        "7": _("serious, severe injury"),
        "3": _("major, disability"),
        "1": _("noticeable, first aid needed"),
    },
}
# DOMAIN.md §4.3, the descriptors of variant B [S].
LS_DESCRIPTIONS: dict[str, dict[str, Any]] = {
    "l": {
        "1": _("hardly possible (once in 50 years or more)"),
        "2": _("not very likely (once in 10 years or more)"),
        "3": _("possible (within 10 years)"),
        "4": _("quite likely (within 5 years)"),
        "5": _("very likely (every year)"),
    },
    "s": {
        "1": _("one person slightly injured"),
        "2": _("one injured needing first aid, or several slightly injured"),
        "3": _("one person seriously injured"),
        "4": _("several people seriously injured"),
        "5": _("one death"),
    },
}
FACTOR_LABELS = {
    "l": _("L — likelihood of an accident"),
    "e": _("E — exposure to the hazard"),
    "c": _("C — consequence"),
    "s": _("S — severity"),
}
# Form field names of the factors: (method, residual?) → service factor name → form field name.
FACTOR_FIELDS: dict[tuple[str, bool], dict[str, str]] = {
    (Method.LEC, False): {"l": "l", "e": "e", "c": "c"},
    (Method.LS, False): {"l": "ls_l", "s": "ls_s"},
    (Method.LEC, True): {"l": "res_l", "e": "res_e", "c": "res_c"},
    (Method.LS, True): {"l": "res_ls_l", "s": "res_ls_s"},
}


def _set_choices(field: forms.Field, choices: Any) -> None:
    cast(forms.ChoiceField, field).choices = choices


def _plain(value: Any) -> str:
    """'0.50' → '0.5', '6' → '6': how a factor value is written in the tables."""
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def lec_choices(factor: str) -> list[tuple[str, Any]]:
    values = sorted(config.get("lec_values")[factor], key=float, reverse=True)
    described = LEC_DESCRIPTIONS.get(factor, {})
    return [("", "—")] + [
        (v, format_lazy("{} — {}", v, described[v]) if v in described else v) for v in map(_plain, values)
    ]


def ls_choices(factor: str) -> list[tuple[str, Any]]:
    low, high = config.get("ls_range")
    described = LS_DESCRIPTIONS.get(factor, {})
    values = [str(v) for v in range(int(high), int(low) - 1, -1)]
    return [("", "—")] + [(v, format_lazy("{} — {}", v, described[v]) if v in described else v) for v in values]


def factor_data(method: str, values: Any, *, residual: bool = False) -> dict[str, str]:
    """The factors of `method` as the services take them ({"l": …, "e": …, "c": …}), read from form
    values under this module's field names."""
    fields = FACTOR_FIELDS.get((method, residual), {})
    return {factor: str(values.get(field) or "").strip() for factor, field in fields.items()}


def factor_aliases(method: str) -> dict[str, str]:
    """Service error names ("inherent.l", "residual.s") → this form's field names."""
    aliases: dict[str, str] = {}
    for residual, prefix in ((False, "inherent."), (True, "residual.")):
        for factor, field in FACTOR_FIELDS.get((method, residual), {}).items():
            aliases[prefix + factor] = field
    return aliases


# ---- the list's filter -----------------------------------------------------------------------------


def risk_point_filterset(
    data: Any, queryset: Any, *, divisions: Iterable[Division], sectors: Iterable[Sector]
) -> RiskPointFilterSet:
    """The shared RiskPointFilterSet with widgets for the page; division and sector choices limited to
    what the caller may see."""
    filterset = RiskPointFilterSet(data, queryset=queryset)
    fields = filterset.form.fields
    fields["level"].widget = forms.CheckboxSelectMultiple(choices=RiskLevel.choices)
    fields["sector"].widget = forms.Select(choices=[("", _("All sectors")), *((s.code, s.name) for s in sectors)])
    fields["kind"].widget = forms.Select(choices=[("", _("Any type")), *PointKind.choices])
    fields["division"].widget = forms.Select(choices=division_choices(divisions, str(_("All divisions"))))
    fields["public"].widget = forms.Select(
        choices=[
            ("", _("Enterprises and public areas")),
            ("true", _("Public areas only")),
            ("false", _("Enterprises only")),
        ]
    )
    fields["reassess"].widget = forms.Select(
        choices=[
            ("", _("Re-assessment: any")),
            ("true", _("Re-assessment needed")),
            ("false", _("No re-assessment needed")),
        ]
    )
    fields["raised"].widget = forms.Select(
        choices=[("", _("Raised or not")), ("true", _("Raised by open hazards")), ("false", _("Not raised"))]
    )
    fields["reassess_reason"].widget = forms.Select(choices=[("", _("Any reason")), *ReassessReason.choices])
    for name, field in fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"
        widget.attrs.setdefault("aria-label", str(field.label or name))
    fields["q"].widget.attrs["placeholder"] = _("Code, name, address, possible accidents or enterprise")
    return filterset


# ---- the risk point --------------------------------------------------------------------------------


class PointForm(TablerFormMixin, forms.Form):
    """A risk point's description, its people responsible (one fixed row per tier) and where it is: a
    position, an area (GeoJSON polygon), or the enterprise's location. The enterprise is chosen when
    the point is made and does not change afterwards."""

    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Type"))
    sector = forms.ChoiceField(label=_("Sector"))
    enterprise_id = forms.ChoiceField(label=_("Enterprise"), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    accident_types = forms.CharField(
        label=_("Possible accidents"),
        required=False,
        max_length=200,
        help_text=_("For example: fire, explosion, poisoning."),
    )
    address = forms.CharField(label=_("Address or place"), required=False, max_length=200)
    lon = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    polygon = forms.CharField(
        label=_("Area (GeoJSON polygon, WGS-84)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "font-monospace"}),
        help_text=_(
            'For an area: {"type": "Polygon", "coordinates": [[[lon, lat], …]]}. '
            "Without a position, its centre is used."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        point: RiskPoint | None = None,
        sectors: Iterable[Sector] = (),
        enterprises: Iterable[Enterprise] = (),
        **kwargs: Any,
    ) -> None:
        self.point = point
        if point is not None:
            kwargs.setdefault("initial", {}).update(self._initial(point))
        self.tiers: Sequence[str] = self._tiers(point)
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["kind"], [("", _("Choose the type")), *PointKind.choices])
        _set_choices(self.fields["sector"], [("", _("Choose the sector")), *((s.code, s.name) for s in sectors)])
        if point is None:
            _set_choices(
                self.fields["enterprise_id"],
                [("", _("None: a public area")), *((str(e.uuid), e.name) for e in enterprises)],
            )
        else:
            del self.fields["enterprise_id"]
        for tier in self.tiers:
            label = TIER_LABELS[tier]
            self.fields[f"resp_{tier}_name"] = forms.CharField(
                label=format_lazy("{}: {}", label, _("Full name")),
                required=False,
                max_length=64,
                widget=forms.TextInput(
                    attrs={"class": "form-control", "autocomplete": "off", "placeholder": _("Full name")}
                ),
            )
            self.fields[f"resp_{tier}_phone"] = forms.CharField(
                label=format_lazy("{}: {}", label, _("Phone")),
                required=False,
                max_length=20,
                widget=forms.TextInput(
                    attrs={
                        "class": "form-control",
                        "inputmode": "tel",
                        "autocomplete": "off",
                        "placeholder": _("Phone"),
                    }
                ),
            )

    @staticmethod
    def _tiers(point: RiskPoint | None) -> Sequence[str]:
        """Four rows for an enterprise's point or a public area's, eight while that is not yet known;
        a tier already filled in stays, whatever the point is."""
        if point is None:
            return (*ENTERPRISE_TIERS, *GOVERNMENT_TIERS)
        own = ENTERPRISE_TIERS if point.enterprise_id else GOVERNMENT_TIERS
        kept = [entry.get("tier") for entry in point.responsible or [] if isinstance(entry, dict)]
        return [tier for tier in (*ENTERPRISE_TIERS, *GOVERNMENT_TIERS) if tier in own or tier in kept]

    @staticmethod
    def _initial(point: RiskPoint) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": point.name,
            "kind": point.kind,
            "sector": point.sector_id,
            "description": point.description,
            "accident_types": point.accident_types,
            "address": point.address,
            "lon": point.lon,
            "lat": point.lat,
            "polygon": json.dumps(point.polygon, ensure_ascii=False) if point.polygon else "",
            "version": point.version,
        }
        for entry in point.responsible or []:
            if isinstance(entry, dict) and entry.get("tier"):
                initial[f"resp_{entry['tier']}_name"] = entry.get("name", "")
                initial[f"resp_{entry['tier']}_phone"] = entry.get("phone", "")
        return initial

    def responsible_rows(self) -> list[tuple[str, Any, forms.BoundField, forms.BoundField]]:
        return [(tier, TIER_LABELS[tier], self[f"resp_{tier}_name"], self[f"resp_{tier}_phone"]) for tier in self.tiers]

    def clean_polygon(self) -> dict[str, Any] | None:
        text = (self.cleaned_data.get("polygon") or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_("This is not valid GeoJSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("This is not valid GeoJSON."))
        return value

    def service_data(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The data for risk_point_create / risk_point_update, and the aliases that put the services'
        error names back on this form's fields. An edit sends only what changed (and the version)."""
        cleaned = self.cleaned_data
        data: dict[str, Any] = {
            name: cleaned.get(name) or ""
            for name in ("name", "kind", "sector", "description", "accident_types", "address")
        }
        aliases: dict[str, str] = {"location": "lon"}
        responsible: list[dict[str, str]] = []
        for tier in self.tiers:
            name = (cleaned.get(f"resp_{tier}_name") or "").strip()
            phone = (cleaned.get(f"resp_{tier}_phone") or "").strip()
            if not (name or phone):
                continue
            index = len(responsible)
            aliases[f"responsible.{index}.name"] = f"resp_{tier}_name"
            aliases[f"responsible.{index}.tier"] = f"resp_{tier}_name"
            aliases[f"responsible.{index}.phone"] = f"resp_{tier}_phone"
            responsible.append({"tier": tier, "name": name, "phone": phone})
        aliases["responsible"] = f"resp_{self.tiers[0]}_name" if self.tiers else "name"
        data["responsible"] = responsible
        location = {"lon": cleaned.get("lon"), "lat": cleaned.get("lat"), "polygon": cleaned.get("polygon")}
        if self.point is None:
            data.update({key: value for key, value in location.items() if value not in (None, "")})
            data["enterprise_id"] = cleaned.get("enterprise_id") or None
            return data, aliases
        point = self.point
        changed = {key: value for key, value in data.items() if value != self._current(point, key)}
        if (location["lon"], location["lat"], location["polygon"]) != (point.lon, point.lat, point.polygon or None):
            changed.update(location)
        changed["version"] = cleaned.get("version")
        return changed, aliases

    @staticmethod
    def _current(point: RiskPoint, key: str) -> Any:
        if key == "sector":
            return point.sector_id
        if key == "responsible":
            return [
                {"tier": e.get("tier"), "name": e.get("name", ""), "phone": e.get("phone", "")}
                for e in point.responsible or []
                if isinstance(e, dict)
            ]
        return getattr(point, key)


# ---- an assessment ---------------------------------------------------------------------------------


def _factor_field(label: Any, choices: list[tuple[str, Any]]) -> forms.CharField:
    # A CharField with a select: the service checks the value and names the field with its own message.
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices))


class AssessForm(TablerFormMixin, forms.Form):
    """An assessment by LEC (D = L × E × C) or the risk matrix (R = L × S): inherent factors, optional
    residual factors (after the controls), and the grounds for a direct judgement as major."""

    method = forms.ChoiceField(label=_("Method"), choices=Method.choices, widget=forms.RadioSelect)
    l = _factor_field(FACTOR_LABELS["l"], [])  # noqa: E741 - the method's own letter
    e = _factor_field(FACTOR_LABELS["e"], [])
    c = _factor_field(FACTOR_LABELS["c"], [])
    ls_l = _factor_field(FACTOR_LABELS["l"], [])
    ls_s = _factor_field(FACTOR_LABELS["s"], [])
    res_l = _factor_field(FACTOR_LABELS["l"], [])
    res_e = _factor_field(FACTOR_LABELS["e"], [])
    res_c = _factor_field(FACTOR_LABELS["c"], [])
    res_ls_l = _factor_field(FACTOR_LABELS["l"], [])
    res_ls_s = _factor_field(FACTOR_LABELS["s"], [])
    criteria_item = forms.ChoiceField(label=_("Matched criteria item (判定标准)"), required=False)
    major_hazard_source = forms.BooleanField(
        label=_("Involves a major hazard installation (重大危险源)"), required=False
    )
    override_reason = forms.CharField(
        label=_("Reason for direct judgement"),
        required=False,
        max_length=200,
        help_text=_("Empty: the matched item or the major hazard installation is named."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, point: RiskPoint, criteria: Iterable[CriteriaItem] = (), **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("method", point.method or Method.LEC)
        initial.setdefault("version", point.version)
        super().__init__(*args, **kwargs)
        self.point = point
        for residual in (False, True):
            for factor, name in FACTOR_FIELDS[(Method.LEC, residual)].items():
                cast(forms.Select, self.fields[name].widget).choices = lec_choices(factor)
            for factor, name in FACTOR_FIELDS[(Method.LS, residual)].items():
                cast(forms.Select, self.fields[name].widget).choices = ls_choices(factor)
        _set_choices(
            self.fields["criteria_item"],
            [("", _("None")), *((item.code, f"{item.article} {item.text_zh[:60]}".strip()) for item in criteria)],
        )

    @property
    def chosen_method(self) -> str:
        value = self.data.get("method") if self.is_bound else self.initial.get("method")
        return str(value) if value in Method.values else Method.LEC

    def service_data(self) -> tuple[dict[str, Any], dict[str, str]]:
        cleaned = self.cleaned_data
        method = cleaned["method"]
        data: dict[str, Any] = {
            "method": method,
            "inherent": factor_data(method, cleaned),
            "criteria_item": cleaned.get("criteria_item") or "",
            "major_hazard_source": bool(cleaned.get("major_hazard_source")),
            "override_reason": cleaned.get("override_reason") or "",
            "note": cleaned.get("note") or "",
            "version": cleaned.get("version"),
        }
        residual = factor_data(method, cleaned, residual=True)
        if any(residual.values()):
            data["residual"] = residual
        return data, factor_aliases(method)


# ---- control measures, re-assessment ---------------------------------------------------------------


class MeasureForm(TablerFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    description = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_post = forms.CharField(label=_("Responsible post"), max_length=64)
    responsible_name = forms.CharField(label=_("Person responsible"), max_length=64, required=False)
    frequency = forms.ChoiceField(label=_("Check frequency"))
    active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, measure: ControlMeasure | None = None, **kwargs: Any) -> None:
        if measure is not None:
            kwargs.setdefault("initial", {}).update(
                {
                    "kind": measure.kind,
                    "description": measure.description,
                    "responsible_post": measure.responsible_post,
                    "responsible_name": measure.responsible_name,
                    "frequency": measure.frequency,
                    "active": measure.active,
                }
            )
        super().__init__(*args, **kwargs)
        _set_choices(self.fields["kind"], [("", _("Choose the kind")), *MeasureKind.choices])
        _set_choices(self.fields["frequency"], [("", _("Choose the frequency")), *Frequency.choices])
        if measure is None:
            del self.fields["active"]

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ReassessForm(TablerFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Why re-assess"),
        widget=forms.RadioSelect,
        choices=[(r.value, r.label) for r in (ReassessReason.ACCIDENT, ReassessReason.CHANGE)],
    )
    note = forms.CharField(
        label=_("What happened"), max_length=200, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 200})
    )


# ---- band tables -----------------------------------------------------------------------------------


def _number_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class BandTableForm(TablerFormMixin, forms.Form):
    """One table's thresholds (closed lower bounds); the service checks they decrease."""

    title = forms.CharField(label=_("Title"), max_length=80)
    major_from = forms.CharField(label=_("Major risk from"), widget=_number_input())
    significant_from = forms.CharField(label=_("Significant risk from"), widget=_number_input())
    general_from = forms.CharField(label=_("General risk from"), widget=_number_input())
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices)
    source = forms.CharField(label=_("Source"), max_length=200, required=False)

    def __init__(self, *args: Any, table: RiskBandTable, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", table.code)
        kwargs.setdefault("initial", {}).update(
            {
                "title": table.title,
                "major_from": _plain(table.major_from),
                "significant_from": _plain(table.significant_from),
                "general_from": _plain(table.general_from),
                "confidence": table.confidence,
                "source": table.source,
            }
        )
        super().__init__(*args, **kwargs)
        self.table = table


class MethodSettingForm(TablerFormMixin, forms.Form):
    """Which table a method uses for one sector, or (no sector) for every sector without its own."""

    method = forms.ChoiceField(label=_("Method"), choices=Method.choices)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    table = forms.ChoiceField(label=_("Band table"), required=False)

    def __init__(self, *args: Any, sectors: Iterable[Sector], tables: Iterable[RiskBandTable], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "setting")
        super().__init__(*args, **kwargs)
        _set_choices(
            self.fields["sector"], [("", _("Default (every other sector)")), *((s.code, s.name) for s in sectors)]
        )
        _set_choices(
            self.fields["table"],
            [
                ("", _("The default table (remove the sector's own choice)")),
                *((t.code, f"{t.get_method_display()} · {t.title}") for t in tables),
            ],
        )
