"""Shared template helpers: masking personal data, Chinese dates."""

from typing import Any

from django import template

from fedorg import dates
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
