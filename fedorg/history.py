"""History panels: an AuditEvent's changes as people read them.

Services record changes with field names and raw values ({"status": [None, "待审核"]}); a page
must show Chinese labels, choice labels, 是/否, "—" for nothing, and mask personal data for
users who may not see it. The unit page and the person page both go through here, so a
person's ID number is masked on both.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, ForeignObjectRel, Model

from .masking import PERSONAL_FIELDS, mask_id_number, mask_mobile

# Keys that are not model fields, or whose verbose_name would read wrong in a history row.
FIELD_LABELS = {
    "parent": "上级组织",
    "archived": "已撤销",
    "merged_into": "并入",
    "merged_from": "合并自",
    "children": "转入的下级组织数",
    "posts_moved": "转入的任职数",
    "effective_date": "生效日期",
    "created": "新建组织数",
    "recoded": "重新编码的组织数",
    "password": "密码",
    "doc_number": "文号",
    "cut_off_date": "截止时间",
    "forms": "报表",
    "person": "人员",
    "unit": "组织",
    # Post.certificate_no/certificate_date were fields until members 0005 moved the number to
    # selection.Certificate; events recorded before then still carry these keys.
    "certificate_no": "证书编号",
    "certificate_date": "发证日期",
    "filename": "文件名",
    "history": "含已离任的任职",
    "ip": "IP 地址",
    "posts_converted": "改换职务的任职数",
    "request": "请求",
    "revoked": "已停用",
    "attachment": "附件",
    # Bookkeeping columns that many models share, labelled once here.
    "id": "编号",
    "created_at": "录入时间",
    "updated_at": "修改时间",
    "created_by": "录入人",
    "recorded_by": "录入人",
    "recorded_at": "录入时间",
}
# The same key means different things on different objects.
OBJECT_FIELD_LABELS = {
    "returns.return": {
        "form": "报表",
        "status": "状态",
        "snapshot": "上报次数",
        "code": "验证码",
        "cells": "标注的单元格",
    },
}
# Looked up by label so that this helper layer imports no app above it.
FALLBACK_MODELS = ("members.Person", "members.Post", "orgtree.Unit", "orgtree.User")


class _Event(Protocol):
    """What change_rows reads of an audit event (orgtree.AuditEvent, which this helper may not import)."""

    object_type: str
    changes: dict[str, Any] | None


def _models_for(object_type: str) -> list[type[Model]]:
    """The event's own model first (a unit's "name" is 组织名称, a person's 姓名), then the others."""
    try:
        own = [apps.get_model(object_type)] if object_type else []
    except (LookupError, ValueError):
        own = []
    return own + [m for m in map(apps.get_model, FALLBACK_MODELS) if m not in own]


def _model_field(field: str, object_type: str) -> Field[Any, Any] | ForeignObjectRel | GenericForeignKey | None:
    for model in _models_for(object_type):
        try:
            return model._meta.get_field(field)
        except FieldDoesNotExist:
            continue
    return None


def field_label(field: str, object_type: str = "") -> str:
    label = OBJECT_FIELD_LABELS.get(object_type, {}).get(field) or FIELD_LABELS.get(field)
    if label:
        return label
    model_field = _model_field(field, object_type)
    if model_field is not None and hasattr(model_field, "verbose_name"):
        return str(model_field.verbose_name)
    return field


def display_value(field: str, value: Any, show_personal_data: bool, object_type: str = "") -> str:
    """One recorded value as people read it: choice labels, masked personal data, 是/否, "—"."""
    if value is None or value == "":
        return "—"
    if field in PERSONAL_FIELDS and not show_personal_data:
        return mask_id_number(value) if field == "id_number" else mask_mobile(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if field == "birth_date" and isinstance(value, str) and len(value) == 10:
        return value[:7].replace("-", ".")
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    model_field = _model_field(field, object_type)
    # Only a concrete field has choices: "merged_from" names a reverse relation (ManyToOneRel), which has none.
    choices = dict(model_field.flatchoices) if isinstance(model_field, Field) and model_field.choices else {}
    return str(choices.get(value, value))


def change_rows(event: _Event, *, show_personal_data: bool) -> list[tuple[str, str | None, str]]:
    """[(label, old, new)] for an event; old is None when the value was set for the first time."""
    kind = event.object_type
    rows: list[tuple[str, str | None, str]] = []
    for field, change in (event.changes or {}).items():
        label = field_label(field, kind)
        if field == "cells" and isinstance(change, list):
            rows.append((label, None, f"{len(change)} 处"))
        elif isinstance(change, list) and len(change) == 2 and not isinstance(change[0], list):
            old, new = change
            shown_old = None if old is None else display_value(field, old, show_personal_data, kind)
            rows.append((label, shown_old, display_value(field, new, show_personal_data, kind)))
        else:
            rows.append((label, None, display_value(field, change, show_personal_data, kind)))
    return rows
