"""Forms of the selection path (register, candidates, vetting, meetings, 备案): parsing only; the
rules live in selection.services."""

from typing import Any, cast

from django import forms

from members import codes
from members.forms import BirthMonthField, DateInput
from members.models import Post
from orgtree.models import Unit

from .models import Filing, Meeting, RegisterEntry, WomenOrganisation
from .services import ENTRY_FIELDS, FILING_FIELDS, MEETING_FIELDS, ORGANISATION_FIELDS, candidate_roles_for


class RegisterEntryForm(forms.ModelForm):
    birth_date = BirthMonthField(label="出生年月", required=False, help_text="如 1975.03；填了身份证号可不填。")
    mobile = forms.CharField(label="联系电话", max_length=20, required=False)

    class Meta:
        model = RegisterEntry
        fields = ENTRY_FIELDS
        widgets = {"note": forms.TextInput(), "id_number": forms.TextInput(attrs={"maxlength": 18})}

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        organisation = cast(forms.ModelChoiceField, self.fields["organisation"])  # the ForeignKey's form field
        organisation.queryset = WomenOrganisation.objects.filter(unit=unit).order_by("name")
        organisation.empty_label = "（不是社会组织负责人）"
        self.fields["source"].required = False

    def clean_source(self) -> str:
        return self.cleaned_data.get("source") or codes.SOURCE_OTHER

    def _post_clean(self) -> None:
        """The service validates (ID checksum, birth month, unique ID in the unit)."""


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = WomenOrganisation
        fields = ORGANISATION_FIELDS
        widgets = {"note": forms.TextInput()}

    def _post_clean(self) -> None:
        """The service validates."""


class RegisterSearchForm(forms.Form):
    q = forms.CharField(
        label="查找档案",
        max_length=50,
        required=False,
        help_text="姓名、拼音首字母（如 zxm），或完整的身份证号、手机号（不支持只输入其中几位）。",
    )


class ProposeForm(forms.Form):
    role = forms.ChoiceField(label="拟任职务")
    method = forms.ChoiceField(label="产生方式", choices=Post.Method.choices)
    mode = forms.ChoiceField(label="任职方式", choices=Post.Mode.choices, initial=Post.Mode.PART_TIME)
    proposed_on = forms.DateField(label="提名日期", widget=DateInput())

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [(r.value, r.label) for r in candidate_roles_for(unit)]


class VetForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="考核结果",
        choices=[("1", "合格"), ("0", "不合格")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    vetted_on = forms.DateField(label="考核日期", widget=DateInput())
    # Required, as the service requires it: the form marks it before the round trip (issue 26).
    body = forms.CharField(
        label="考核单位",
        max_length=100,
        help_text="例如 街道党工委、区妇联。",
        error_messages={"required": "请填写考核单位，例如 街道党工委、区妇联。"},
    )
    note = forms.CharField(label="考核意见", max_length=200, required=False)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        widgets = {"held_on": DateInput(), "note": forms.TextInput()}

    def _post_clean(self) -> None:
        """The service validates."""


class FilingForm(forms.ModelForm):
    class Meta:
        model = Filing
        fields = FILING_FIELDS
        widgets = {"party_filed_on": DateInput(), "parent_filed_on": DateInput(), "note": forms.TextInput()}

    def _post_clean(self) -> None:
        """The service validates."""


class IssueForm(forms.Form):
    issued_on = forms.DateField(label="发证日期", widget=DateInput())
