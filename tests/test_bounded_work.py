"""Bounded work per request: length caps on every form field, permission before parsing, linear parsers."""

import importlib
import pkgutil

import pytest
from counting import python_steps, regex_inputs
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returns import services
from returns.models import Return

APPS = ("fedorg", "orgtree", "members", "reports", "returns")
ATTACK = "a" + " " * 2000 + "b"


def all_form_classes():
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, app + "."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted({c for c in below(forms.BaseForm) if c.__module__.split(".")[0] in APPS}, key=str)


def test_every_text_field_of_every_form_has_a_length_cap():
    uncapped = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in all_form_classes()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.CharField) and field.max_length is None
    ]
    assert uncapped == []


def test_a_birth_month_field_refuses_a_megabyte_before_parsing_it(monkeypatch):
    from members import validators
    from members.forms import BirthMonthField

    monkeypatch.setattr(validators, "parse_birth_month", lambda *a: pytest.fail("parsed before the length check"))
    with pytest.raises(ValidationError, match="出生年月不能超过 20 个字"):
        BirthMonthField().clean("1975." + "0" * 1_000_000)


@pytest.fixture
def submitted(tree, campaign_2016, staff_a):
    return services.submit_return(
        form=campaign_2016.forms.get(form_no="2"),
        unit=tree.district_a,
        actor=staff_a,
        unit_leader="王丽",
        filled_by="李娜",
        phone="0451-84661234",
        explanation="测试",
    )


def test_a_viewer_posting_a_long_cells_field_is_refused_before_it_is_parsed(submitted, viewer_a, login, monkeypatch):
    """Issue 12: as a viewer, cells = "a" + 2,000 spaces + "b" burned 36 s before the 400."""
    monkeypatch.setattr(services, "parse_cells", lambda *a, **k: pytest.fail("parsed before the permission check"))
    response = login(viewer_a).post(
        reverse("returns:return_send_back", args=[submitted.pk]), {"reason": "x", "cells": ATTACK}
    )
    assert response.status_code == 403


def test_a_reviewers_long_cells_field_is_refused_by_length_at_once(submitted, city_reviewer, login, monkeypatch):
    with regex_inputs(services) as inputs:
        response = login(city_reviewer).post(
            reverse("returns:return_send_back", args=[submitted.pk]), {"reason": "请核对", "cells": ATTACK}
        )
    assert [length for _pattern, _how, text in inputs.seen if (length := len(text)) > services.MAX_PIN_TEXT] == []
    assert response.status_code == 400
    assert "标注内容不能超过 500 个字（现有 2002 个字）" in response.content.decode()
    assert Return.objects.get(pk=submitted.pk).status == Return.Status.SUBMITTED


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("兆麟街道 7", ("兆麟街道", "7")),
        ("兆麟街道7", ("兆麟街道", "7")),
        ("合计 第3栏", ("合计", "3")),
        ("合计第 3 栏", ("合计", "3")),
        ("合计 甲", ("合计", "甲")),
        ("道里区", ("道里区", None)),
        ("第一中队", ("第一中队", None)),
        ("12", ("12", None)),
        ("栏", ("栏", None)),
        ("a" + " " * 2000 + "b", ("a" + " " * 2000 + "b", None)),
    ],
)
def test_a_pin_entry_splits_into_row_and_column_in_one_pass(text, parsed):
    assert services.split_pin_entry(text) == parsed


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list(" \u3000\t,，、;\n第栏列甲0123456789兆麟街道合计ab/")), max_size=500))
def test_parse_cells_answers_any_short_text_quickly_with_refs_or_a_message(tree, campaign_2016, text):
    data = _snapshot(tree, campaign_2016)
    with regex_inputs(services) as inputs:
        outcome, steps = python_steps(services.parse_cells, text, data)
    if isinstance(outcome, ValidationError):
        assert "cells" in outcome.message_dict
    else:
        assert not isinstance(outcome, Exception), outcome
        assert all(isinstance(ref, str) and ref.count("/") in (1, 2) for ref in outcome)
    # Linear in the text (a cubic parser ran minutes at 500 characters): lines per character, with a
    # constant for walking the snapshot's rows and columns once.
    assert steps <= 20_000 + 200 * len(text), f"{steps} lines for {len(text)} characters"
    assert [p for p, length in inputs.risky() if length > 60] == []


_SNAPSHOTS = {}


def _snapshot(tree, campaign):
    key = (tree.district_a.pk, campaign.pk)
    if key not in _SNAPSHOTS:
        _SNAPSHOTS.clear()
        _SNAPSHOTS[key] = services.build_snapshot(campaign.forms.get(form_no="4"), tree.district_a)
    return _SNAPSHOTS[key]
