"""Forms of the grassroots registers: parsing only; the rules live in grassroots.services."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from members.forms import DateInput
from orgtree.models import Unit

from .models import FUNCTIONS, Organisation, TwoCommittees, WomenHome, WomenHomeActivity
from .services import HOME_FIELDS, ORGANISATION_FIELDS, TWO_COMMITTEE_FIELDS, people_of


class _ServiceValidated(forms.ModelForm):
    def _post_clean(self) -> None:
        """The service validates against the unit and the dates (grassroots.services)."""


def _dates(*names: str) -> dict[str, Any]:
    return {name: DateInput() for name in names}


class WomenHomeForm(_ServiceValidated):
    functions = forms.MultipleChoiceField(
        label="八位一体功能", choices=list(FUNCTIONS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    online_url = forms.URLField(label="网上妇女之家网址", max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = WomenHome
        fields = HOME_FIELDS
        widgets = {
            **_dates("opened_on", "closed_on", "place_on", "sign_on", "rules_on", "activities_on"),
            "note": forms.TextInput(),
        }

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = cast(forms.ModelChoiceField, self.fields["person"])
        person.queryset = people_of(unit)
        person.empty_label = "（从本组织名册中选择）"


class ActivityForm(_ServiceValidated):
    class Meta:
        model = WomenHomeActivity
        fields = ["held_on", "kind", "title", "attendance"]
        widgets = _dates("held_on")


class TwoCommitteesForm(_ServiceValidated):
    class Meta:
        model = TwoCommittees
        fields = TWO_COMMITTEE_FIELDS
        widgets = {**_dates("elected_on", "ended_on"), "note": forms.TextInput()}


class OrganisationForm(_ServiceValidated):
    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        widgets = {**_dates("women_org_on", "listed_on", "closed_on"), "note": forms.TextInput()}
