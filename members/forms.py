"""Roster forms: field-level parsing only; the rules live in members.validators via the services."""

import datetime
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError

from fedorg.dates import CountDateField, year_month
from orgtree.models import Unit
from orgtree.versions import form_on, form_spans

from . import validators
from .models import Person, Post
from .services import PERSON_FIELDS

if TYPE_CHECKING:
    from .rules import Rules


class BirthMonthField(forms.CharField):
    """出生年月 typed as 1975.03, 1975-3, 1975年3月 or 197503; shown back as 1975.03."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.date):
            return year_month(value)
        return value

    def __init__(self, *args: Any, max_length: int = 20, **kwargs: Any) -> None:
        # Checked in to_python, before parsing; CharField's own MaxLengthValidator would run on the date.
        super().__init__(*args, **kwargs)
        self.max_length = max_length
        self.widget.attrs.setdefault("maxlength", str(max_length))

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]  # a date, not CharField's str
        value = super().to_python(value)
        if not value:
            return None
        if (
            self.max_length is not None and len(value) > self.max_length
        ):  # before parsing: validators run only after to_python
            raise forms.ValidationError(f"出生年月不能超过 {self.max_length} 个字，例如 1975.03。")
        return validators.parse_birth_month(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonForm(forms.ModelForm):
    birth_date = BirthMonthField(label="出生年月", help_text="如 1975.03、1975-3、1975年3月。")
    # Wider than the stored 11 digits so "+86 138-1234-1234" reaches clean_mobile and is normalised.
    mobile = forms.CharField(
        label="手机号码",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "maxlength": 18}),
            "note": forms.TextInput(),
        }
        help_texts = {"id_number": "18 位，可不填；填写后会核对校验位和出生年月。"}

    # Fields a clerk must choose for a new person: they start empty, not at a plausible-looking
    # default (大学本科毕业, 其他) that would be saved unread.
    MUST_CHOOSE = ("education", "source")

    def __init__(self, *args: Any, autofocus: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if autofocus:
            self.fields["name"].widget.attrs["autofocus"] = True
        if self.instance.pk is None:
            for name in self.MUST_CHOOSE:
                if name in self.fields:
                    field = cast(forms.ChoiceField, self.fields[name])  # a choices field of the model
                    # A model field's choices: flat (value, label) pairs, never groups or a callable.
                    choices = cast("list[tuple[str, str]]", field.choices)
                    field.choices = [("", "请选择"), *[c for c in choices if c[0] != ""]]
                    field.required = True
                    self.initial[name] = ""

    def _post_clean(self) -> None:
        """Skip the model's full_clean: the services own validation (so the import and the API
        apply the same rules), and full_clean would report the unique ID without the helpful wording."""

    def clean_id_number(self) -> str:
        return self.cleaned_data.get("id_number") or ""


class PostForm(forms.ModelForm):
    """A post in one unit; the role list follows the unit's org form (妇联 or 妇代会), for a stored post
    the form on the post's start date."""

    class Meta:
        model = Post
        fields = [
            "role",
            "start_date",
            "mode",
            "method",
            "term",
            "two_committees",
            "note",
        ]
        widgets = {"start_date": DateInput(), "note": forms.TextInput()}

    def __init__(self, *args: Any, unit: "Unit", with_end: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        form = unit.org_form
        if self.instance.pk is not None and self.instance.start_date is not None:
            # A stored post is corrected under the form the unit had on its start date (before a 会改联: 妇代会).
            form = form_on(form_spans([unit.pk]).get(unit.pk, []), self.instance.start_date) or form
        allowed = Post.CONGRESS_ROLES if form == Unit.OrgForm.CONGRESS else Post.FEDERATION_ROLES
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [("", "请选择")] + [(r.value, r.label) for r in allowed]
        term = cast(forms.ModelChoiceField, self.fields["term"])
        term.queryset = unit.congresses.all()
        term.empty_label = "（不指定）"
        if not unit.is_village_level:
            del self.fields["two_committees"]
        if with_end:
            self.fields["end_date"] = forms.DateField(label="离任时间", required=False, widget=DateInput())
            self.fields["end_reason"] = forms.CharField(label="离任原因", max_length=200, required=False)

    def _post_clean(self) -> None:
        """Skip the model's full_clean: checks against the unit and the person's other posts are the services' job."""


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label="查找人员",
        max_length=50,
        help_text="姓名、拼音首字母（如 zxm），或完整的身份证号、手机号（不支持只输入其中几位）。",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "placeholder": "张秀梅 / zxm"}),
    )


class EndPostForm(forms.Form):
    end_date = forms.DateField(label="离任时间", widget=DateInput(attrs={"autofocus": True}))
    # Not required here: the service checks it, so a missing reason and a bad date show together.
    reason = forms.CharField(
        label="离任原因",
        max_length=200,
        required=False,
        help_text="例如 换届、调离、退休、辞职。",
        widget=forms.TextInput(attrs={"list": "end-reasons"}),
    )


class AsOfForm(forms.Form):
    # The count date's bounds and message are fedorg.dates', the same on every page and in the API.
    on = CountDateField(label="日期", required=False, widget=DateInput())


class RuleSetForm(forms.Form):
    """A new rule set: a name, its source, from when it applies, and per block the six figures (or none)."""

    name = forms.CharField(label="名称", max_length=100, help_text="例如 2017年村妇联配额")
    source = forms.CharField(label="依据", max_length=200, required=False, help_text="文件文号和条款")
    effective_from = forms.DateField(
        label="起用日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="此日及以后的统计（没有指定规则集的报送任务）按本规则集判定达标。",
    )  # fmt: skip

    LABELS = {
        "total_min": "成员总数下限",
        "total_max": "成员总数上限",
        "heads": "主席（主任）人数",
        "vice_min": "副主席（副主任）至少",
        "member_min": "执委（委员）下限",
        "member_max": "执委（委员）上限",
    }

    def __init__(self, *args: Any, initial_rules: "Rules | None" = None, **kwargs: Any) -> None:
        from . import rules
        from .models import QuotaRule

        super().__init__(*args, **kwargs)
        base = initial_rules or rules.DEFAULT_RULES
        for block, label in QuotaRule.Block.choices:
            quota = base.by_block(block)
            self.fields[f"{block}_on"] = forms.BooleanField(
                label=f"{label}：设定配额", required=False, initial=quota is not None
            )
            for key, text in self.LABELS.items():
                self.fields[f"{block}_{key}"] = forms.IntegerField(
                    label=f"{label}：{text}", min_value=0, max_value=999, required=False,
                    initial=getattr(quota or rules.DEFAULT_RULES.by_block(block), key),
                )  # fmt: skip

    HEAD_FIELDS = ("name", "source", "effective_from")

    def head_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.HEAD_FIELDS]

    def quota_rows(self) -> list[tuple[str, forms.BoundField, list[forms.BoundField]]]:
        """[(block label, its 设定配额 box, its six figures)]: the page lays the quotas out as a grid, a row per block."""
        from .models import QuotaRule

        return [
            (label, self[f"{block}_on"], [self[f"{block}_{key}"] for key in self.LABELS])
            for block, label in QuotaRule.Block.choices
        ]

    def quotas(self) -> dict[str, dict[str, Any] | None]:
        from .models import QuotaRule

        result: dict[str, dict[str, Any] | None] = {}
        for block in QuotaRule.Block.values:
            if not self.cleaned_data.get(f"{block}_on"):
                result[block] = None
                continue
            values = {key: self.cleaned_data.get(f"{block}_{key}") for key in self.LABELS}
            missing = [self.LABELS[k] for k, v in values.items() if v is None]
            if missing:
                raise ValidationError({f"{block}_{k}": "请填写。" for k, v in values.items() if v is None})
            result[block] = values
        return result
