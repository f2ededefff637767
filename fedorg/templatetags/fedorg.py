"""Shared template helpers: masking personal data, Chinese dates."""

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html

from fedorg import dates, dbrouting
from fedorg.masking import mask_id_number, mask_mobile

register = template.Library()


@register.simple_tag(takes_context=True)
def id_number(context: template.Context, person: Any) -> str:
    return person.id_number if context.get("show_personal_data") else mask_id_number(person.id_number)


@register.simple_tag(takes_context=True)
def mobile(context: template.Context, person: Any) -> str:
    return person.mobile if context.get("show_personal_data") else mask_mobile(person.mobile)


register.filter("cn_date", dates.cn_date)
register.filter("year_month", dates.year_month)


@register.simple_tag
def replica_lag_notice() -> str:
    """Under the page: how far behind the read-only copy it was read from is, when noticeably (fedorg.dbrouting).

    After the content in base.html, so that parts computed while rendering (the dashboard) are counted."""
    lag = dbrouting.lag_seen()
    if lag < settings.REPLICA_LAG_NOTICE_SECONDS:
        return ""
    return format_html(
        '<p class="replica-lag" role="status">本页统计数据读自只读副本，约落后主库 {} 秒；刚保存的修改可能稍后才计入。</p>',
        round(lag),
    )
