"""Forms of the campaign and return pages; the services do the real checking."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms

from members.models import RuleSet
from reports.models import TableDefinition

from .models import Campaign, CampaignForm

if TYPE_CHECKING:
    from orgtree.models import Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignCreateForm(forms.Form):
    doc_number = forms.CharField(label="文号", max_length=50, help_text="按本单位发文字号填写，例如 某妇发〔2017〕3号")
    title = forms.CharField(label="名称", max_length=200)
    baseline_date = forms.DateField(label="扩员基准日期", widget=DATE_INPUT, help_text="“扩员前”按这一天统计。")
    cut_off_date = forms.DateField(label="截止时间", widget=DATE_INPUT, help_text="报表按这一天统计。")
    rule_set = forms.ModelChoiceField(
        label="配额规则集",
        queryset=RuleSet.objects.none(),
        required=False,
        empty_label="按截止时间适用的规则集",
        help_text="达标按这一规则集判定。",
    )

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule_set = self.fields["rule_set"]
        assert isinstance(rule_set, forms.ModelChoiceField)  # noqa: S101 - narrows the type for mypy
        rule_set.queryset = RuleSet.objects.applicable_to(unit)
        # The example is the issuer's own last 文号 (哈妇发 for Harbin, 黑妇发 for the province), never another's.
        last = Campaign.objects.filter(unit=unit).order_by("-created_at", "-id").first() if unit else None
        if last is not None:
            self.fields["doc_number"].help_text = f"本单位上次发文：{last.doc_number}"
        # One optional due date per form: a form without a date is not part of the campaign.
        for value, label in CampaignForm.FormNo.choices:
            self.fields[f"due_{value}"] = forms.DateField(
                label=f"{label} 报送期限", required=False, widget=DATE_INPUT, help_text="不需要报送此表则留空。"
            )
        # The tables defined as data this unit may ask for (its own, a unit's above, the shared ones).
        self.defined = list(TableDefinition.objects.usable_by(unit).latest_versions().order_by("key"))
        for definition in self.defined:
            self.fields[f"due_t_{definition.key}"] = forms.DateField(
                label=f"{definition.title}（自定义统计表 {definition.key}）报送期限",
                required=False,
                widget=DATE_INPUT,
                help_text="不需要报送此表则留空。",
            )

    def due_dates(self) -> dict[str, datetime.date | None]:
        dates = {value: self.cleaned_data.get(f"due_{value}") for value in CampaignForm.FormNo.values}
        dates.update({d.key: self.cleaned_data.get(f"due_t_{d.key}") for d in self.defined})
        return dates


class SubmitForm(forms.Form):
    unit_leader = forms.CharField(label="单位负责人", max_length=50)
    filled_by = forms.CharField(label="填表人", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=30)
    explanation = forms.CharField(
        label="上报说明",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="有提醒项时必须填写：说明为什么这些情况属实或暂时无法改正。随报表一起报送。",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        pilot: bool = False,
        experience: bool = False,
        explanation_required: bool = False,
        chair: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if chair:
            # 单位负责人 is the federation's 主席 on the count date, from the roster; the service signs with her.
            field = self.fields["unit_leader"]
            field.disabled = True
            field.initial = chair
            field.help_text = "截止时间在任的本级妇联主席（来自名册），如有误请先在名册中改正。"
        else:
            self.fields["unit_leader"].help_text = "名册中截止时间没有在任主席，请填写本级妇联负责人。"
        if explanation_required:
            # The pre-submit check found warnings: the service refuses an empty 上报说明, so the
            # form marks it required and says why before the round trip.
            field = self.fields["explanation"]
            field.required = True
            field.error_messages["required"] = (
                "本表有提醒项，请在“上报说明”中写明原因：这些情况属实，或为什么暂时无法改正。"
            )
        if pilot:
            self.fields["pilot_report"] = forms.CharField(
                label="示范点情况报告",
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 10}),
                help_text="示范点的工作做法、扩员进展和经验，报送后不能再改。",
            )
        if experience:
            self.fields["pilot_report"] = forms.CharField(
                label="经验材料正文",
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 12}),
                help_text="本区在扩大基层妇联组织成员工作中好的做法、经验和成效；附件在下方上传。",
            )


class AttachmentForm(forms.Form):
    # Not marked required: attachments of a 经验材料 are optional, and a star beside 附件 read as if one had to be
    # uploaded (issue 26). Choosing no file and pressing 上传 still gets a message.
    file = forms.FileField(
        label="附件",
        required=False,
        help_text="可选。PDF、Word（.docx）、Excel（.xlsx）、JPG 或 PNG，按文件内容判断类型；全部附件合计不超过 10 MB。",
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data.get("file")
        if not file:
            raise forms.ValidationError("请先选择要上传的文件。")
        return file


class SendBackForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    cells = forms.CharField(
        label="或写出要标注的位置",
        required=False,
        max_length=500,
        error_messages={"max_length": "标注内容不能超过 %(limit_value)d 个字（现有 %(show_value)d 个字）。"},
        help_text="可选。一般直接点下方报表中的单元格即可；也可以写行名称加栏号，如“兆麟街道 7”“合计 3”，整行只写行名称，多处用逗号分隔。",
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="重新打开的原因", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label="导出的 Excel 文件（.xlsx）")
