"""Shared template helpers: masking personal data, Chinese dates."""

from django import template

from fedorg.masking import mask_id_number, mask_mobile

register = template.Library()


@register.simple_tag(takes_context=True)
def id_number(context, person):
    return person.id_number if context.get("show_personal_data") else mask_id_number(person.id_number)


@register.simple_tag(takes_context=True)
def mobile(context, person):
    return person.mobile if context.get("show_personal_data") else mask_mobile(person.mobile)


@register.filter
def cn_date(value):
    """2016-08-31 -> 2016年8月31日."""
    if not value:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def year_month(value):
    """出生年月 as 1975.03."""
    if not value:
        return ""
    return f"{value.year}.{value.month:02d}"
