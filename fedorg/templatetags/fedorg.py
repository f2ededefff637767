"""Shared template helpers: masking personal data, Chinese dates."""

from django import template

from fedorg import dates
from fedorg.masking import mask_id_number, mask_mobile

register = template.Library()


@register.simple_tag(takes_context=True)
def id_number(context, person):
    return person.id_number if context.get("show_personal_data") else mask_id_number(person.id_number)


@register.simple_tag(takes_context=True)
def mobile(context, person):
    return person.mobile if context.get("show_personal_data") else mask_mobile(person.mobile)


register.filter("cn_date", dates.cn_date)
register.filter("year_month", dates.year_month)
