"""Campaign creation and the return workflow: submit, approve, send back, reopen.

Every transition is one transaction. It re-reads the return, checks the actor's role, then moves
the status with a compare-and-set UPDATE (status and version must still be what the actor saw),
so two reviewers racing on the same return cannot both win. Each one records a ReturnEvent for
the history both sides see, an AuditEvent, and notifications that are emailed after commit.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from fedorg.dates import BASELINE_2016, CUTOFF_2016, DOC_NUMBER_2016, DUE_DATES_2016, TITLE_2016
from fedorg.dbrouting import read_from_primary
from members.models import Post, RuleSet
from members.rules import dated_units, evaluate_subtree, quota_for, reaches_quota
from orgtree.models import AuditEvent, Unit
from reports.defined import compute_defined
from reports.models import TableDefinition
from reports.tables import compute

from . import notifications, states
from .models import Campaign, CampaignForm, Return, ReturnEvent, ReturnSnapshot, SealImage, snapshot_digest

if TYPE_CHECKING:
    from .models import ReturnAttachment

# A frozen table: {"form", "unit", "as_of", "panels": [{"key", "rows": [{"key", "cells"}, ...]}, ...], ...}
Snapshot = dict[str, Any]

# Forms whose figures come from the rosters, so the composition rules apply to them.
# Composition rules gate 附表4 and 附表5, the figures of the expansion itself; 附表1–3 describe contacts
# and the district's own committee, which a village's shortfall says nothing about.
ROSTER_FORMS = {"4", "5"}
STATUS = Return.Status


# --- who may do what -------------------------------------------------------------------------


# The predicates live with the table of transitions (returns/states.py); named here for the views.
can_submit, can_review, can_reopen = states.can_submit, states.can_review, states.can_reopen


def _guard(ret: Return, action: str) -> None:
    """Refuse `action` unless the return's state allows it (returns/states.py), naming the return."""
    if not states.allowed(action, ret.status):
        raise ValidationError(f"{ret.unit.name}{ret.form.short_label}{states.refusal(action, ret.status)}")


# --- campaigns -------------------------------------------------------------------------------


def ensure_campaign_2016() -> Campaign:
    """The 2016 campaign with its due dates; idempotent (a fresh migrate seeds it, a flushed test DB may not)."""
    campaign, _ = Campaign.objects.get_or_create(
        doc_number=DOC_NUMBER_2016,
        defaults={"title": TITLE_2016, "baseline_date": BASELINE_2016, "cut_off_date": CUTOFF_2016},
    )
    for form_no, due in DUE_DATES_2016.items():
        CampaignForm.objects.get_or_create(campaign=campaign, form_no=form_no, defaults={"due_date": due})
    return campaign


CAMPAIGN_EARLIEST = datetime.date(1949, 10, 1)
CAMPAIGN_AHEAD = datetime.timedelta(days=2 * 366)  # a campaign is planned at most about two years ahead


@transaction.atomic
def create_campaign(
    *,
    actor: Any,
    doc_number: str,
    title: str,
    baseline_date: datetime.date,
    cut_off_date: datetime.date,
    due_dates: dict[str, datetime.date | None],
    rule_set: RuleSet | None = None,
) -> Campaign:
    """A new campaign run by the actor's unit; `due_dates` maps CampaignForm.FormNo, or the key of a table
    defined as data that the actor's unit may use (reports.TableDefinition.usable_by), to a date.

    `rule_set` (members.RuleSet) judges 达标 in its returns; None: the one in effect on the cut-off.
    """
    if not (actor.is_superuser or (actor.can_manage_tree and actor.unit is not None and actor.unit.runs_campaigns)):
        raise PermissionDenied("只有省、市（地）妇联管理员可以发布报送任务。")
    doc_number, title = doc_number.strip(), title.strip()
    errors: dict[str, str] = {}
    if Campaign.objects.filter(doc_number=doc_number).exists():
        errors["doc_number"] = f"文号“{doc_number}”已被使用。"
    earliest, latest = CAMPAIGN_EARLIEST, timezone.localdate() + CAMPAIGN_AHEAD
    for field, label, day in (
        ("baseline_date", "扩员基准日期", baseline_date),
        ("cut_off_date", "截止时间", cut_off_date),
    ):
        if not earliest <= day <= latest:
            errors[field] = f"{label} {day:%Y-%m-%d} 不合理，应在 {earliest:%Y-%m-%d} 到 {latest:%Y-%m-%d} 之间。"
    if baseline_date >= cut_off_date:
        errors["cut_off_date"] = "截止时间必须晚于扩员基准日期。"
    if rule_set is not None and not RuleSet.objects.applicable_to(actor.unit).filter(pk=rule_set.pk).exists():
        errors["rule_set"] = f"规则集“{rule_set.name}”不适用于{actor.unit.name if actor.unit else '本单位'}。"
    dated = {k: v for k, v in due_dates.items() if v}
    if not dated:
        errors["__all__"] = "请至少为一张报表设定报送期限。"
    defined: dict[str, TableDefinition] = {}
    usable = TableDefinition.objects.usable_by(actor.unit).latest_versions()
    for form_no in dated:
        if form_no not in CampaignForm.FormNo.values:
            found = usable.filter(key=form_no).first()
            if found is None:
                errors["__all__"] = f"没有可用的统计表“{form_no}”。"
            else:
                defined[form_no] = found
    labels = {**dict(CampaignForm.FormNo.choices), **{k: d.title for k, d in defined.items()}}
    for form_no, due in dated.items():
        # A form may be due before the cut-off (it is then counted on its due date, CampaignForm.as_of),
        # but it must come after the baseline, or 扩员前 and 扩员后 would be the same day or reversed.
        label = labels.get(form_no, form_no)
        if due <= baseline_date:
            errors[f"due_{form_no}"] = (
                f"{label}的报送期限 {due:%Y-%m-%d} 必须晚于扩员基准日期 {baseline_date:%Y-%m-%d}。"
            )
        elif due > latest:
            errors[f"due_{form_no}"] = f"{label}的报送期限 {due:%Y-%m-%d} 不合理，不能晚于 {latest:%Y-%m-%d}。"
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        doc_number=doc_number,
        title=title,
        unit=actor.unit,
        baseline_date=baseline_date,
        cut_off_date=cut_off_date,
        rule_set=rule_set,
        created_by=actor,
    )
    CampaignForm.objects.bulk_create(
        [
            CampaignForm(campaign=campaign, form_no=form_no, due_date=due, definition=defined.get(form_no))
            for form_no, due in dated.items()
        ]
    )
    AuditEvent.objects.record(
        actor=actor,
        action="campaign.create",
        unit=actor.unit,
        obj=campaign,
        changes={
            "doc_number": [None, doc_number],
            "cut_off_date": [None, str(cut_off_date)],
            "rule_set": [None, rule_set.name if rule_set else "按截止时间适用的规则集"],
            "forms": {labels[k]: str(v) for k, v in dated.items()},
        },
    )
    return campaign


# --- snapshots -------------------------------------------------------------------------------


@read_from_primary  # a return is always frozen from the primary, never from a standby that may lag
def build_snapshot(
    form: CampaignForm,
    unit: Unit,
    *,
    pilot_report: str = "",
    as_of: datetime.date | None = None,
    attachments: Iterable[dict[str, Any]] = (),
) -> Snapshot:
    """The table as it stands now, counted on `as_of` (default: the form's count date if submitted
    today, CampaignForm.count_date) against the campaign's baseline.

    Computed without a user, so nothing is masked: the return is the official record. Pages and
    exports mask personal data for whoever may not see it.
    """
    campaign = form.campaign
    as_of = as_of or form.count_date(timezone.localdate())
    if form.is_pilot_report:
        return pilot_snapshot(unit, as_of=as_of, report=pilot_report, baseline=campaign.baseline_date)
    if form.is_experience_report:
        return experience_snapshot(unit, as_of=as_of, report=pilot_report, attachments=attachments)

    if form.definition is not None:
        newest = form.definition.newest()
        definition = newest.compiled()
        rules = campaign.rules() if definition.uses_rules else None
        return compute_defined(
            definition, unit=unit, as_of=as_of, baseline=campaign.baseline_date, rules=rules, stored=newest.stored
        )
    rules = campaign.rules() if form.form_no == CampaignForm.FormNo.FORM_4 else None
    return compute(int(form.form_no), unit=unit, as_of=as_of, baseline=campaign.baseline_date, rules=rules)


def snapshot_count_date(data: Snapshot) -> datetime.date:
    """The day a snapshot counts on (its 截止时间). The one place the footer asks for it."""
    return datetime.date.fromisoformat(data["as_of"])


def unit_chair(unit: Unit, *, on: datetime.date) -> str:
    """The name of the federation's 主席 (a 妇代会's 主任) on `on`, or "" when the roster has none."""
    role = Post.Role.DIRECTOR if unit.is_congress else Post.Role.CHAIR
    post = (
        Post.objects.current(on=on)
        .filter(unit=unit, role=role)
        .select_related("person")
        .order_by("start_date", "pk")
        .first()
    )
    return post.person.name if post else ""


PILOT_COLUMNS = [
    {"key": "seq", "label": "序号", "number": "甲"},
    {"key": "name", "label": "示范点名称", "number": "乙"},
    {"key": "code", "label": "组织代码", "number": "丙"},
    {"key": "kind", "label": "类型", "number": "丁"},
    {"key": "org_form", "label": "组织形式", "number": "戊"},
    # The pilot's composition in figures (issue 11): before (the campaign's baseline) and on the
    # as-of date (the pilot form's due date, 6/25 in 2016: "率先完成"), and its own quota check.
    {"key": "before", "label": "扩员前人数", "number": "1"},
    {"key": "after", "label": "扩员后人数", "number": "2"},
    {"key": "head", "label": "主席（主任）", "number": "3"},
    {"key": "vice", "label": "副主席（副主任）", "number": "4"},
    {"key": "quota", "label": "方案人数", "number": "5"},
    {"key": "compliant", "label": "是否达标", "number": "6"},
]


def pilot_snapshot(
    unit: Unit, *, as_of: datetime.date, report: str, baseline: datetime.date = BASELINE_2016
) -> Snapshot:
    """示范点情况报告: the district's pilot units (示范点) with their members before and after, against
    their quota (members.rules.reaches_quota), and the report text the district wrote.

    Shaped like a reports.tables snapshot (panels of keyed rows), so cell refs, the diff and the
    upload check work the same way for it. Three queries: the flagged units and one dated walk per date.
    """
    # The subtree as it stood on the count date (kinds, 妇联/妇代会, names of that day, as 附表4 reads it);
    # 扩员前 counts the baseline's posts in those same units.
    now = dated_units(unit, on=as_of)
    then = dated_units(unit, on=as_of, posts_on=baseline)
    flagged = set(Unit.objects.filter(is_pilot=True).values_list("pk", flat=True))  # a few per district
    rows: list[dict[str, Any]] = []
    for i, p in enumerate((u for u in now.values() if u.pk in flagged), start=1):
        quota = quota_for(p)
        before, after = then[p.pk].tally, p.tally
        compliant = reaches_quota(quota, total=after.total, head=after.head, vice=after.vice)
        rows.append(
            {
                "key": f"u{p.pk}",
                "label": p.name,
                "kind": "unit",
                "unit_id": p.pk,
                "cells": [
                    i,
                    p.name,
                    p.code,
                    p.kind_label,
                    p.org_form_label,
                    before.total,
                    after.total,
                    after.head,
                    after.vice,
                    quota.total_range if quota else "—",
                    ("是" if compliant else "否") if quota else "—",
                ],
            }
        )
    return text_report_snapshot(
        "pilot", "示范点情况报告", "扩大基层妇联组织成员工作示范点情况报告", unit, as_of, PILOT_COLUMNS, rows, report
    )


def text_report_snapshot(
    form_no: str,
    label: str,
    title: str,
    unit: Unit,
    as_of: datetime.date,
    columns: list[dict[str, str]],
    rows: list[dict[str, Any]],
    report: str,
) -> Snapshot:
    """A written deliverable's snapshot (the pilot report, 经验材料): one panel of keyed rows beside the
    text, shaped like a reports.tables snapshot so that cell refs, the diff, pins and /verify/ work alike."""
    panel = {
        "key": "main",
        "label": label,
        "title": title,
        "subtitle": "",
        "columns": columns,
        "column_numbers": [c["number"] for c in columns],
        "rows": rows,
    }
    return {
        "form": form_no,
        "label": label,
        "title": title,
        # "federation": the name it signs with (道里区妇联), as in reports.tables snapshots.
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name, "federation": unit.federation_name},
        "as_of": as_of.isoformat(),
        "panels": [panel],
        "columns": columns,
        "rows": rows,
        "report": report.strip(),
        "masked": False,
        "checks": [],
    }


EXPERIENCE_COLUMNS = [
    {"key": "seq", "label": "序号", "number": "甲"},
    {"key": "name", "label": "附件名称", "number": "乙"},
    {"key": "type", "label": "类型", "number": "丙"},
    {"key": "size", "label": "大小（KB）", "number": "1"},
    {"key": "sha256", "label": "SHA-256 摘要", "number": "丁"},
]


def experience_snapshot(
    unit: Unit, *, as_of: datetime.date, report: str, attachments: Iterable[dict[str, Any]] = ()
) -> Snapshot:
    """经验材料: the district's text and the list of its attachments (ReturnAttachment.as_listed), frozen.

    Shaped like the pilot report (one panel of keyed rows, one row per attachment), so the reviewer
    can pin an attachment when sending the return back, and the export and /verify/ read it alike.
    """
    rows = [
        {
            "key": f"a{a['id']}",
            "label": a["name"],
            "kind": "attachment",
            "attachment": a,
            "cells": [i, a["name"], a["type"].upper(), round(a["size"] / 1024, 1), a["sha256"]],
        }
        for i, a in enumerate(attachments, start=1)
    ]
    return text_report_snapshot(
        "experience", "经验材料", "扩大基层妇联组织成员工作经验材料", unit, as_of, EXPERIENCE_COLUMNS, rows, report
    )


def snapshot_cells(snapshot: Snapshot) -> dict[str, Any]:
    """{"<panel>/<row>/<column number>": value} for every cell, as reports.tables.cell_values."""
    values: dict[str, Any] = {}
    for panel in snapshot.get("panels", []):
        for row in panel["rows"]:
            for number, value in zip(panel["column_numbers"], row["cells"], strict=False):
                values[f"{panel['key']}/{row['key']}/{number}"] = "" if value is None else value
    return values


def _column_label(panel: dict[str, Any], number: str) -> str:
    """The header path above a column, e.g. 乡镇（街道）妇联·成员数·扩员后合计."""
    index = panel["column_numbers"].index(number) if number in panel["column_numbers"] else None
    if index is None:
        return ""
    if panel.get("header"):
        parts = [
            h["text"]
            for row in panel["header"]
            for h in row
            if h["col"] <= index < h["col"] + h["colspan"] and h["text"] not in ("其中", "其中：")
        ]
        return "·".join(parts)
    return panel["columns"][index].get("label", "")


def describe_ref(snapshot: Snapshot, ref: str) -> str:
    """附表4“兆麟街道”行第5栏（…） for a cell ref, 附表4“兆麟街道”行 for a row ref."""
    panel_key, _, rest = ref.partition("/")
    row_key, _, number = rest.partition("/")
    for panel in snapshot.get("panels", []):
        if panel["key"] != panel_key:
            continue
        for row in panel["rows"]:
            if row["key"] == row_key:
                where = f"{panel['label']}“{row['label'].strip()}”行"
                if not number:
                    return where
                label = _column_label(panel, number)
                return f"{where}第{number}栏" + (f"（{label}）" if label else "")
    return ref


def snapshot_diff(old: Snapshot, new: Snapshot) -> list[tuple[str, str, Any, Any]]:
    """Cell-by-cell changes between two snapshots, in the new one's reading order.

    Returns [(ref, description, old value, new value)]; a row that appeared or vanished shows
    its cells against None.
    """
    old_cells, new_cells = snapshot_cells(old), snapshot_cells(new)
    order = list(new_cells) + [ref for ref in old_cells if ref not in new_cells]
    return [
        (ref, describe_ref(new if ref in new_cells else old, ref), old_cells.get(ref), new_cells.get(ref))
        for ref in order
        if old_cells.get(ref) != new_cells.get(ref)
    ]


@dataclass(frozen=True)
class Problem:
    """One thing standing in the way of a submission: its kind, the text shown, where to fix it."""

    kind: str  # "table_check", "rule", "pilot_report_missing", "no_pilot" or "pilot_quota"
    text: str
    unit: Unit | None = None
    fix_url: str = ""
    path: str = ""  # the unit with its parents below the submitting unit: 道里区 / 兆麟街道 / 康乐社区
    detail: str = ""  # the text without the unit's name, shown after the linked path

    def __str__(self) -> str:
        return self.text


def submission_problems(form: CampaignForm, unit: Unit, snapshot: Snapshot) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) standing in the way of submitting `snapshot` for `unit`.

    Errors are failed table checks and error-level composition rules anywhere in the district's
    subtree; warnings may be overridden with a written 上报说明.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for check in snapshot.get("checks", []):
        if not check.get("ok"):
            where = f"（{check['cell']}）" if check.get("cell") else ""
            errors.append(Problem("table_check", f"表内校验未通过{where}：{check['message']}"))
    # The snapshot's own count date (CampaignForm.count_date at submission).
    on = datetime.date.fromisoformat(snapshot["as_of"]) if snapshot.get("as_of") else form.as_of
    if form.form_no in ROSTER_FORMS:
        findings = evaluate_subtree(unit, on=on, rules=form.campaign.rules())
        paths = Unit.objects.subtree_paths(unit) if findings else {}
        for finding in findings:
            name = finding.unit.name
            path = paths.get(finding.unit.pk, (name, ""))[0]
            detail = finding.detail or finding.message.removeprefix(name).lstrip("：:")
            text = f"{path}：{detail}"
            problem = Problem("rule", text, unit=finding.unit, fix_url=finding.fix_url, path=path, detail=detail)
            if finding.severity == "error":
                errors.append(problem)
            elif finding.severity == "warning":
                warnings.append(problem)
    if form.is_experience_report and not snapshot.get("report"):
        errors.append(Problem("pilot_report_missing", "请填写经验材料正文：工作中好的做法、经验和成效。"))
    if form.is_pilot_report:
        if not snapshot.get("report"):
            errors.append(Problem("pilot_report_missing", "请填写示范点情况报告正文。"))
        if not snapshot["rows"]:
            warnings.append(Problem("no_pilot", f"{unit.name}尚未设立示范点。", unit=unit))
        for row in snapshot["rows"]:
            if row["cells"][-1] == "否":  # the pilot's own quota check on the form's date ("率先完成")
                warnings.append(
                    Problem("pilot_quota", f"示范点{row['label']}在 {on:%Y-%m-%d} 未达标（{row['cells'][6]} 人）。")
                )
    return errors, warnings


# --- transitions -----------------------------------------------------------------------------


def _fresh_return(ret: Return) -> Return:
    return Return.objects.select_related("form", "campaign", "unit", "snapshot").get(pk=ret.pk)


def _conflict(ret: Return) -> ValidationError:
    current = Return.objects.filter(pk=ret.pk).values_list("status", flat=True).first()
    label = STATUS(current).label if current else "已删除"
    # code="conflict": the API answers 409 (fedorg.restapi), the pages show the message like any other.
    return ValidationError(
        f"该报表刚刚已被他人处理（当前状态：{label}），您的操作没有执行，请刷新页面后再看。", code="conflict"
    )


def _check_version(ret: Return, expected_version: int | str | None) -> None:
    if expected_version is not None and int(expected_version) != ret.version:
        raise _conflict(ret)


def _move(ret: Return, action: str, **fields: Any) -> tuple[Return, str, str]:
    """Take transition `action` (returns/states.py) only if nobody has moved `ret` since we read it.

    Returns (the fresh return, the state it left, the state it entered)."""
    source, target = ret.status, states.transition(action).target
    if not states.allowed(action, source):
        raise _conflict(ret)
    updated = Return.objects.filter(pk=ret.pk, status=source, version=ret.version).update(
        status=target, version=ret.version + 1, updated_at=timezone.now(), **fields
    )
    if updated != 1:
        raise _conflict(ret)
    return _fresh_return(ret), source, target


def _record(
    ret: Return,
    *,
    actor: Any,
    action: str,
    from_status: str,
    to_status: str,
    reason: str = "",
    cells: list[str] | None = None,
    snapshot: ReturnSnapshot | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    ReturnEvent.objects.create(
        ret=ret,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        cells=cells or [],
        snapshot=snapshot,
    )
    AuditEvent.objects.record(
        actor=actor,
        action=f"return.{action}",
        unit=ret.unit,
        obj=ret,
        # The history names the 附表 the event is about (附表4 of 哈妇发〔2016〕8号), not just "上报报表".
        changes={
            "form": [None, f"{ret.form.campaign.doc_number} {ret.form.short_label}"],
            "status": [STATUS(from_status).label, STATUS(to_status).label],
            **(changes or {}),
        },
        reason=reason,
    )


REPEAT_WINDOW = datetime.timedelta(minutes=2)


def _repeats_current_submission(
    ret: Return,
    actor: Any,
    unit_leader: str,
    filled_by: str,
    phone: str,
    explanation: str | None,
    pilot_report: str | None,
) -> bool:
    """The same user sent the same submission again moments after it went through: same result."""
    snapshot = ret.snapshot
    return (
        ret.status == STATUS.SUBMITTED
        and snapshot is not None
        and snapshot.created_by_id == getattr(actor, "pk", None)
        and timezone.now() - snapshot.created_at < REPEAT_WINDOW
        and (snapshot.unit_leader, snapshot.filled_by, snapshot.phone, snapshot.explanation)
        == (unit_leader.strip(), filled_by.strip(), phone.strip(), (explanation or "").strip())
        and (snapshot.data.get("report") or "").strip() == (pilot_report or "").strip()
    )


@transaction.atomic
def submit_return(
    *,
    form: CampaignForm,
    unit: Unit,
    actor: Any,
    unit_leader: str,
    filled_by: str,
    phone: str,
    explanation: str = "",
    pilot_report: str = "",
    expected_version: int | str | None = None,
    now: datetime.datetime | None = None,
) -> Return:
    """Freeze the table for `unit` and send it to the city; errors block, warnings need a 上报说明.

    The table is counted on the form's count date for a submission at `now` (default: this
    moment; the demo back-dates its story): the reference date, never later than the day of
    submission, which is the 报出日期.

    单位负责人 is the federation's 主席 on the count date when the roster has one (`unit_leader` is
    then ignored); 填表人 and 联系电话 are as typed.
    """
    if not can_submit(actor, unit):
        raise PermissionDenied("只有本区或上级的填报员、管理员可以上报。")
    unit = Unit.objects.get(pk=unit.pk)
    if unit.tier != 2:
        raise ValidationError(f"“{unit.name}”不是区、县（市）妇联，报表由区、县（市）妇联上报。")
    errors: dict[str, str] = {}
    for field, value, label in (
        ("unit_leader", unit_leader, "单位负责人"),
        ("filled_by", filled_by, "填表人"),
        ("phone", phone, "联系电话"),
    ):
        if not (value or "").strip():
            errors[field] = f"请填写{label}，它会印在报表的表尾。"
    if errors:
        raise ValidationError(errors)
    ret, _ = Return.objects.get_or_create(form=form, unit=unit, defaults={"campaign": form.campaign})
    # One submitter at a time per return: two submits at once (a double click) used to number
    # the same snapshot twice and fail on snapshot_unique_number with a 500 (issue 12).
    list(Return.objects.select_for_update().filter(pk=ret.pk).values_list("pk", flat=True))
    ret = _fresh_return(ret)
    if _repeats_current_submission(ret, actor, unit_leader, filled_by, phone, explanation, pilot_report):
        return ret
    _check_version(ret, expected_version)
    _guard(ret, "submit")
    now = now or timezone.now()
    as_of = form.count_date(timezone.localdate(now))
    attachments = [a.as_listed() for a in ret.attachments.current()] if form.is_experience_report else ()
    data = build_snapshot(form, unit, pilot_report=pilot_report, as_of=as_of, attachments=attachments)
    unit_leader = unit_chair(unit, on=snapshot_count_date(data)) or unit_leader
    problems, warnings = submission_problems(form, unit, data)
    if problems:
        raise ValidationError(["以下问题必须先改正，才能上报：", *map(str, problems)])
    explanation = explanation.strip()
    if warnings and not explanation:
        raise ValidationError(
            {"explanation": ["存在以下提醒，如确认无误，请在“上报说明”中写明原因后再上报：", *map(str, warnings)]}
        )
    number = ret.snapshots.count() + 1
    envelope = {"campaign": form.campaign.doc_number, "form": form.form_no, "unit": unit.code, "number": number}
    sha256, code = snapshot_digest({**envelope, "table": data})
    snapshot = ReturnSnapshot.objects.create(
        ret=ret,
        number=number,
        data=data,
        code=code,
        sha256=sha256,
        explanation=explanation,
        unit_leader=unit_leader.strip(),
        filled_by=filled_by.strip(),
        phone=phone.strip(),
        report_date=timezone.localdate(now),
        as_of=as_of,
        # The seal as it is at this moment, frozen: a later replacement never changes this return.
        seal=SealImage.objects.freeze(unit.seal_bytes()),
        created_at=now,
        created_by=actor,
    )
    ret, previous, current = _move(
        ret,
        "submit",
        snapshot=snapshot,
        explanation=explanation,
        submitted_at=now,
        submitted_by=actor,
        first_submitted_at=ret.first_submitted_at or now,
    )
    _record(
        ret,
        actor=actor,
        action=ReturnEvent.Action.SUBMIT,
        from_status=previous,
        to_status=current,
        reason=explanation,
        snapshot=snapshot,
        changes={"snapshot": [number - 1 or None, number], "code": [None, snapshot.code]},
    )
    notifications.notify(
        users=notifications.reviewers_above(unit),
        text=f"{unit.name}上报了{form.campaign.doc_number} {form.short_label}（第{number}次上报），请审核。",
        url=ret.get_absolute_url(),
    )
    return ret


def _review_preamble(ret: Return, actor: Any, expected_version: int | str | None, action: str) -> Return:
    ret = _fresh_return(ret)
    if not can_review(actor, ret.unit):
        raise PermissionDenied("只有上级妇联的审核员或管理员可以审核。")
    _check_version(ret, expected_version)
    _guard(ret, action)
    return ret


@transaction.atomic
def approve_return(*, ret: Return, actor: Any, note: str = "", expected_version: int | str | None = None) -> Return:
    """Accept the submitted snapshot; from now on the return is locked."""
    ret = _review_preamble(ret, actor, expected_version, "approve")
    ret, previous, current = _move(ret, "approve", reviewed_at=timezone.now(), reviewed_by=actor)
    _record(
        ret,
        actor=actor,
        action=ReturnEvent.Action.APPROVE,
        from_status=previous,
        to_status=current,
        reason=note.strip(),
        snapshot=ret.snapshot,
    )
    notifications.notify(
        users=notifications.district_users(ret.unit),
        text=f"{ret.form.campaign.doc_number} {ret.form.short_label}已审核通过。",
        url=ret.get_absolute_url(),
    )
    return ret


PIN_SPLIT = re.compile(r"[,，;；、\n]+")
PIN_NUMBER_CHARS = frozenset("0123456789甲乙丙丁戊己庚辛壬癸")
MAX_PIN_TEXT = 500  # characters of the send-back form's cells field (SendBackForm caps it too)
MAX_PIN_ENTRIES = 100


def split_pin_entry(text: str) -> tuple[str, str | None]:
    """(row label, column number or None): "兆麟街道 5" -> ("兆麟街道", "5"), "合计第3栏" -> ("合计", "3").

    One pass from the end, linear in the length (a backtracking regex here took 36 s on 2,000
    spaces, issue 12). A trailing 栏/列 belongs to a number; "第" before the number is dropped.
    """
    text = text.strip()
    core = text
    if core[-1:] in ("栏", "列"):
        core = core[:-1].rstrip()
    end = len(core)
    start = end
    while start > 0 and core[start - 1] in PIN_NUMBER_CHARS:
        start -= 1
    label = core[:start].rstrip()
    if label.endswith("第"):
        label = label[:-1].rstrip()
    if start == end or not label:
        return text, None
    return label, core[start:end]


def parse_cells(text: str | None, snapshot: Snapshot, *, clicked: Sequence[str] = ()) -> list[str]:
    """The rows and cells a reviewer names, as refs into the snapshot.

    Each entry is a row name with an optional column number ("兆麟街道 5", "合计 3", "道里区"),
    or a raw ref ("main/u12/5"). A name that appears in several panels (附表4 and 附表4（续）)
    means the first, unless the entry starts with the panel's label ("附表4（续） 兆麟街道 3").
    Unknown entries are refused with the list of row names to choose from. Linear in the text,
    which is capped at MAX_PIN_TEXT characters.

    `clicked` are the refs of the cells the reviewer clicked in the table (the checkboxes of the
    send-back form); each must be a cell of this snapshot. They come first, the typed ones after.
    """
    text = text or ""
    if len(text) > MAX_PIN_TEXT:
        raise ValidationError({"cells": f"标注内容不能超过 {MAX_PIN_TEXT} 个字（现有 {len(text)} 个字）。"})
    entries = [e.strip() for e in PIN_SPLIT.split(text) if e.strip()]
    clicked = list(dict.fromkeys(clicked))
    if len(entries) + len(clicked) > MAX_PIN_ENTRIES:
        raise ValidationError(
            {"cells": f"一次最多标注 {MAX_PIN_ENTRIES} 处（现有 {len(entries) + len(clicked)} 处）。"}
        )
    cells = snapshot_cells(snapshot)
    if any(ref not in cells for ref in clicked):
        raise ValidationError({"cells": "所点的单元格已不在这份报表中（报表可能刚刚重新上报），请刷新页面后重新点选。"})
    row_refs = {ref.rsplit("/", 1)[0] for ref in cells}
    rows: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for panel in snapshot.get("panels", []):
        for row in panel["rows"]:
            if row.get("kind") != "section":
                rows.setdefault(row["label"].strip(), []).append((panel, row))
    refs, unknown = list(clicked), []
    for entry in entries:
        if entry in cells or entry in row_refs:
            refs.append(entry)
            continue
        # A panel label in front ("附表4（续） 兆麟街道 3") picks that panel; longest label first.
        only_panel = None
        for panel in sorted(snapshot.get("panels", []), key=lambda p: -len(p["label"])):
            if entry.startswith(panel["label"]) and entry != panel["label"]:
                only_panel, entry_rest = panel["key"], entry[len(panel["label"]) :].strip(" ：:")
                break
        else:
            entry_rest = entry
        label, number = split_pin_entry(entry_rest)
        found = None
        for panel, row in rows.get(label, []):
            if only_panel is not None and panel["key"] != only_panel:
                continue
            if number is None:
                found = f"{panel['key']}/{row['key']}"
            elif number in panel["column_numbers"]:
                found = f"{panel['key']}/{row['key']}/{number}"
            if found:
                break  # the first panel that has the cell, unless a panel was named
        if found:
            refs.append(found)
        else:
            unknown.append(entry)
    if unknown:
        names = "、".join(list(rows)[:12])
        raise ValidationError(
            {
                "cells": f"报表中找不到：{'、'.join(unknown)}。请写行名称加栏号，如“{next(iter(rows), '合计')} 3”；可用的行：{names}。"
            }
        )
    return list(dict.fromkeys(refs))


@transaction.atomic
def send_back(
    *,
    ret: Return,
    actor: Any,
    reason: str | None,
    cells: Sequence[str] = (),
    expected_version: int | str | None = None,
) -> Return:
    """Return the submission to the district with a required reason, optionally pinning cells."""
    ret = _review_preamble(ret, actor, expected_version, "send_back")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时必须写明原因，区妇联才知道要改什么。"})
    cells = list(cells)
    ret, previous, current = _move(ret, "send_back", reviewed_at=timezone.now(), reviewed_by=actor, pinned_cells=cells)
    snapshot = ret.snapshot
    assert snapshot is not None  # only a submitted return is sent back, and it has its snapshot
    _record(
        ret,
        actor=actor,
        action=ReturnEvent.Action.SEND_BACK,
        from_status=previous,
        to_status=current,
        reason=reason,
        cells=cells,
        snapshot=snapshot,
        changes={"cells": [describe_ref(snapshot.data, c) for c in cells]} if cells else None,
    )
    # Name the cells as a clerk reads them (附表1“道里区”行第辛栏（…）), never as internal refs.
    pinned = f"（标注：{'、'.join(describe_ref(snapshot.data, c) for c in cells)}）" if cells else ""
    notifications.notify(
        users=notifications.district_users(ret.unit),
        text=f"{ret.form.campaign.doc_number} {ret.form.short_label}被退回修改：{reason}{pinned}",
        url=ret.get_absolute_url(),
    )
    return ret


@transaction.atomic
def reopen_return(*, ret: Return, actor: Any, reason: str | None, expected_version: int | str | None = None) -> Return:
    """Unlock an approved return so the district can correct it; its approved snapshot stays on record."""
    ret = _fresh_return(ret)
    if not can_reopen(actor, ret.unit):
        raise PermissionDenied("只有市妇联管理员可以重新打开已通过的报表。")
    _check_version(ret, expected_version)
    _guard(ret, "reopen")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "重新打开已通过的报表必须写明原因。"})
    ret, previous, current = _move(ret, "reopen", pinned_cells=[])
    _record(
        ret,
        actor=actor,
        action=ReturnEvent.Action.REOPEN,
        from_status=previous,
        to_status=current,
        reason=reason,
        snapshot=ret.snapshot,
    )
    notifications.notify(
        users=notifications.district_users(ret.unit),
        text=f"{ret.form.campaign.doc_number} {ret.form.short_label}已被市妇联重新打开：{reason}",
        url=ret.get_absolute_url(),
    )
    return ret


# --- attachments of a 经验材料 return ----------------------------------------------------------------

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # all of a return's attachments together (issue 11)
MAX_ATTACHMENTS = 20


def _editable_return(form: CampaignForm, unit: Unit, actor: Any) -> Return:
    """The district's return of `form`, created as a draft if need be, locked; refused unless it may change."""
    if not can_submit(actor, unit):
        raise PermissionDenied("只有本区或上级的填报员、管理员可以上传附件。")
    if not form.is_experience_report:
        raise ValidationError(f"{form.short_label}没有附件。")
    if unit.tier != 2:
        raise ValidationError(f"“{unit.name}”不是区、县（市）妇联，经验材料由区、县（市）妇联上报。")
    ret, _ = Return.objects.get_or_create(form=form, unit=unit, defaults={"campaign": form.campaign})
    ret = Return.objects.select_for_update().select_related("form", "campaign", "unit").get(pk=ret.pk)
    if ret.state.locked:
        raise ValidationError(f"经验材料当前状态为“{ret.state.label}”，不能再增删附件。")
    return ret


@transaction.atomic
def add_attachment(*, form: CampaignForm, unit: Unit, name: str | None, data: bytes, actor: Any) -> ReturnAttachment:
    """Attach a file to the district's 经验材料: its type checked by content (fedorg.uploads.sniff_attachment),
    all attachments together at most MAX_ATTACHMENT_BYTES. Nothing is stored when it is refused."""
    import hashlib
    import posixpath

    from django.core.files.base import ContentFile

    from fedorg.uploads import ATTACHMENT_TYPES, UploadRefused, sniff_attachment

    from .models import ReturnAttachment

    ret = _editable_return(form, unit, actor)
    name = posixpath.basename((name or "").replace("\\", "/")).strip()[:200] or "附件"
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": f"“{name}”有 {len(data) / 1048576:.1f} MB，经验材料的附件合计不能超过 10 MB。"})
    current = list(ret.attachments.current().values_list("size", flat=True))
    if len(current) >= MAX_ATTACHMENTS:
        raise ValidationError({"file": f"附件最多 {MAX_ATTACHMENTS} 个，请合并后再上传。"})
    if sum(current) + len(data) > MAX_ATTACHMENT_BYTES:
        used = sum(current) / 1048576
        raise ValidationError(
            {
                "file": f"附件合计不能超过 10 MB：已有 {used:.1f} MB，加上“{name}”（{len(data) / 1048576:.1f} MB）就超过了。"
            }
        )
    try:
        extension = sniff_attachment(data, what=f"“{name}”")
    except UploadRefused as e:
        raise ValidationError({"file": str(e)}) from e
    attachment = ReturnAttachment(
        ret=ret,
        name=name,
        extension=extension,
        content_type=ATTACHMENT_TYPES[extension],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save("upload", ContentFile(data), save=False)
    # The file is written before the row: if the row cannot be saved, the file goes again.
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    AuditEvent.objects.record(
        actor=actor,
        action="return.attachment_add",
        unit=unit,
        obj=ret,
        changes={"attachment": [None, name], "size": [None, len(data)], "sha256": [None, attachment.sha256[:12]]},
    )
    return attachment


@transaction.atomic
def remove_attachment(*, attachment: ReturnAttachment, actor: Any) -> bool:
    """Take an attachment off the next submission; a snapshot that listed it can still open it."""
    ret = _editable_return(attachment.ret.form, attachment.ret.unit, actor)
    updated = (
        type(attachment)
        .objects.filter(pk=attachment.pk, ret=ret, removed_at__isnull=True)
        .update(removed_at=timezone.now())
    )
    if updated:
        AuditEvent.objects.record(
            actor=actor,
            action="return.attachment_remove",
            unit=ret.unit,
            obj=ret,
            changes={"attachment": [attachment.name, None]},
        )
    return updated == 1
