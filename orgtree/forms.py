from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import timezone

from fedorg.forms import xlsx_file_input

from .access import visible_paths, visible_units
from .models import UNIT_CODE_MAX_LENGTH, Contact, Unit, User, validate_unit_code


class UnitCodeField(forms.CharField):
    """A unit chosen by its 组织代码, or by its name when that is unique, looked up only inside the
    user's subtree. The page's picker (static/fedorg/picker.js) searches as the user types and
    fills in the code; without the script a typed name still works."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("help_text", "输入名称、组织代码或拼音首字母，从列表中选择。")
        super().__init__(*args, **kwargs)
        self.user: Any = None

    def clean(self, value: Any) -> Unit | None:
        text = super().clean(value)
        if not text:
            return None
        text = text.strip()
        units = visible_units(self.user)
        unit = units.filter(code=text).first()
        if unit is not None:
            return unit
        named = list(units.active().filter(name=text).order_by("tree_id", "lft")[:6])
        if len(named) == 1:
            return named[0]
        if named:
            paths = visible_paths(self.user, named)
            choices = "；".join(f"{paths[u.pk]}（{u.code}）" for u in named)
            raise ValidationError(f"名为“{text}”的组织不止一个：{choices}。请从列表中选择，或填写组织代码。")
        raise ValidationError(f"找不到组织代码为 {text} 的组织，或它不在您的管辖范围内。")


class ScopedFormMixin:
    """Gives every UnitCodeField the acting user, so lookups stay inside her subtree, and its picker."""

    fields: dict[str, forms.Field]  # the form's, which this mixin comes before

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, UnitCodeField):
                field.user = user
                field.widget.attrs.update(
                    {
                        "data-picker": reverse("orgtree:pick"),
                        "data-pick": "code",
                        "placeholder": "名称、代码或拼音首字母",
                    }
                )


class UnitCreateForm(forms.Form):
    name = forms.CharField(label="组织名称", max_length=100)
    code = forms.CharField(
        label="组织代码",
        max_length=UNIT_CODE_MAX_LENGTH,
        validators=[validate_unit_code],
        help_text="统计用区划代码：2、4、6、9 或 12 位数字，例如 230102001001；"
        "新领域妇联为上级组织代码加“-”和 2–3 位数字，例如 2301-01。",
    )
    kind = forms.ChoiceField(label="类型")
    org_form = forms.ChoiceField(label="组织形式", choices=Unit.OrgForm.choices, initial=Unit.OrgForm.FEDERATION)
    is_pilot = forms.BooleanField(label="示范点", required=False)
    founded_on = forms.DateField(
        label="成立日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="新成立的组织填成立日期，按更早日期统计的报表不计入它；补录早已存在的组织请清空此项。",
    )

    def __init__(self, *args: Any, parent: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["founded_on"].initial = timezone.localdate()
        kinds = Unit.child_kinds_of(parent.kind)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, Unit.Kind(k).label) for k in kinds]
        if parent.tier is None or parent.tier < 3:
            cast(forms.ChoiceField, self.fields["org_form"]).choices = [
                (Unit.OrgForm.FEDERATION, Unit.OrgForm.FEDERATION.label)
            ]


class UnitRenameForm(forms.Form):
    name = forms.CharField(label="组织名称", max_length=100)
    code = forms.CharField(label="组织代码", max_length=UNIT_CODE_MAX_LENGTH, validators=[validate_unit_code])


class UnitMoveForm(ScopedFormMixin, forms.Form):
    new_parent = UnitCodeField(label="新上级组织")


class UnitMergeForm(ScopedFormMixin, forms.Form):
    target = UnitCodeField(
        label="并入组织",
        help_text="输入名称、组织代码或拼音首字母，从列表中选择。本组织的下级组织和在任人员将转入该组织，本组织随后撤销。",
    )
    reason = forms.CharField(label="原因", max_length=200, required=False)


class UnitArchiveForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)
    end_posts = forms.BooleanField(
        label="同时让在任人员今天离任",
        required=False,
        help_text="撤销后附表不再统计这个组织。仍有在任人员时，须先让她们离任或转到其他组织，或勾选此项一并离任。",
    )


class ConvertForm(forms.Form):
    effective_date = forms.DateField(label="改建日期", widget=forms.DateInput(attrs={"type": "date"}))


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "office_phone", "mobile", "email_qq"]

    def clean_mobile(self) -> str:
        mobile = self.cleaned_data["mobile"].strip()
        if mobile and not (len(mobile) == 11 and mobile.isdigit() and mobile.startswith("1")):
            raise ValidationError("手机号码应为 11 位数字，以 1 开头。")
        return mobile


class SealForm(forms.Form):
    image = forms.ImageField(
        label="公章图片（PNG）",
        help_text=(
            "好的公章图片：在白纸上盖一个清晰、端正的章，按 300 dpi 扫描（约 4 厘米的章即约 470×470 像素，"
            "不小于 300×300 像素），裁去四周空白，去掉白底后存为 PNG：红色印文、透明背景，不超过 2 MB。"
            "打印的报表把它盖在“填报单位（盖章）”和落款处；白底或灰底的图片会盖住下面的文字。"
        ),
    )

    def clean_image(self) -> UploadedFile:
        image = self.cleaned_data["image"]
        if getattr(image, "image", None) is not None and image.image.format != "PNG":
            raise ValidationError("公章图片须为 PNG 格式（建议透明背景）。")
        if image.size > 2 * 1024 * 1024:
            raise ValidationError("公章图片不能超过 2 MB。")
        return image


class AccountForm(ScopedFormMixin, forms.ModelForm):
    unit = UnitCodeField(label="所属组织")
    password = forms.CharField(
        label="密码",
        max_length=128,
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="新建账号必填；修改账号时留空表示不改密码。至少 10 个字符，不能包含用户名，不能是常见密码或纯数字。",
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "role", "phone", "is_active"]
        labels = {"is_active": "启用"}
        help_texts = {"is_active": "取消勾选即停用：停用的账号不能登录，它的操作记录仍然保留。"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["unit"] = self.instance.unit.code if self.instance.unit else ""
        if not self.instance.pk:
            self.fields["password"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # a ModelForm's clean() returns its cleaned_data
        password = cleaned.get("password")
        if password:
            # The same rules as the password-change page, checked against the username and name as
            # typed in this form (the instance does not have them yet when creating an account).
            candidate = User(
                username=cleaned.get("username") or self.instance.username,
                full_name=cleaned.get("full_name") or self.instance.full_name,
                phone=cleaned.get("phone") or self.instance.phone,
            )
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as e:
                self.add_error("password", e)
        return cleaned

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]
        if role == User.Role.ADMIN and not self.user.can_manage_tree:
            raise ValidationError("您不能创建管理员账号。")
        return role

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.unit = self.cleaned_data["unit"]
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user


def _account_label(a: Any) -> str:
    return f"{a.username}（{a.full_name or '未填姓名'}，{a.unit.name}，{a.get_role_display()}）"


class ApiTokenForm(ScopedFormMixin, forms.Form):
    name = forms.CharField(label="令牌名称", max_length=100, help_text="写明用途，例如“道里区名册同步脚本”。")
    account = forms.ModelChoiceField(
        label="代表账号",
        queryset=User.objects.none(),
        help_text="令牌以该账号的身份和角色操作，操作记录记在该账号名下。",
    )
    unit = UnitCodeField(label="限定组织", help_text="令牌只能看到和修改该组织及其下级，须在代表账号的范围之内。")
    can_write = forms.BooleanField(
        label="允许写入", required=False, help_text="不勾选则只能读取（拉取报表、同步名册数据）。"
    )
    expires_on = forms.DateField(
        label="有效期至", widget=forms.DateInput(attrs={"type": "date"}), help_text="最长一年，到期当天零点失效。"
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        account = cast(forms.ModelChoiceField, self.fields["account"])
        account.queryset = (
            User.objects.filter(unit__in=visible_units(user), is_active=True)
            .select_related("unit")
            .order_by("username")
        )
        account.label_from_instance = _account_label  # type: ignore[assignment]  # this field's labels only
        if not self.is_bound:
            self.initial.setdefault("expires_on", timezone.localdate() + datetime.timedelta(days=90))
            if user.unit is not None:
                self.initial.setdefault("unit", user.unit.code)


class CongressForm(forms.Form):
    """A 届 as the clerk enters it; orgtree/congresses.py checks it (the same checks as the API and import)."""

    number = forms.IntegerField(label="届次", min_value=1, max_value=99)
    held_on = forms.DateField(label="召开时间", widget=forms.DateInput(attrs={"type": "date"}))
    term_years = forms.IntegerField(label="任期（年）", min_value=1, max_value=10, initial=5)
    expires_on = forms.DateField(
        label="届满时间",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="不填按召开时间和任期推算。",
    )
    next_planned_on = forms.DateField(
        label="计划换届时间", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    delegates_total = forms.IntegerField(label="代表总数", required=False, min_value=0, max_value=9999)
    delegates_women_workers = forms.IntegerField(
        label="其中专职妇女工作者",
        required=False,
        min_value=0,
        max_value=9999,
        help_text="其余代表计为各族各界优秀代表。",
    )
    delegates_frontline = forms.IntegerField(label="其中基层一线", required=False, min_value=0, max_value=9999)
    delegates_party = forms.IntegerField(label="其中中共党员", required=False, min_value=0, max_value=9999)
    delegates_minority = forms.IntegerField(label="其中少数民族", required=False, min_value=0, max_value=9999)
    delegates_young = forms.IntegerField(label="其中35岁及以下", required=False, min_value=0, max_value=9999)
    executives_elected = forms.IntegerField(label="当选执委（委员）人数", required=False, min_value=0, max_value=9999)
    standing_elected = forms.IntegerField(
        label="当选常委人数", required=False, min_value=0, max_value=9999, help_text="妇代会不设常委。"
    )
    vice_chairs_elected = forms.IntegerField(
        label="当选副主席（副主任）人数", required=False, min_value=0, max_value=9999
    )
    chair_name = forms.CharField(label="当选主席（主任）", required=False, max_length=50)
    timing_reason = forms.CharField(
        label="提前或延期换届原因",
        required=False,
        max_length=200,
        help_text="比上一届届满时间提前或推迟超过 3 个月召开时必填。",
    )
    note = forms.CharField(label="备注", required=False, max_length=200)


class CongressUploadForm(forms.Form):
    file = forms.FileField(label="换届记录文件（.xlsx）", widget=xlsx_file_input())
