"""The one table of return states and transitions (returns/states.py, issue 20): the model's choices,
the services' guards, the pages' buttons and badges and the dashboard all read it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from returns import services, states
from returns.models import Return, ReturnEvent


def test_the_table_and_the_stored_choices_agree():
    assert [(s.value, s.label) for s in states.STATES] == list(Return.Status.choices)
    assert [s.name for s in states.STATES] == list(Return.Status.names)
    assert {t.action for t in states.TRANSITIONS} == set(ReturnEvent.Action.values)
    for t in states.TRANSITIONS:
        assert t.target in states.BY_VALUE and t.sources <= set(states.BY_VALUE)


def test_every_state_is_reachable_from_draft_and_every_state_but_draft_can_be_left():
    reached, frontier = {"draft"}, ["draft"]
    while frontier:
        here = frontier.pop()
        for t in states.TRANSITIONS:
            if here in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(states.BY_VALUE)
    assert all(any(s.value in t.sources for t in states.TRANSITIONS) for s in states.STATES)


@pytest.fixture
def submitted(tree, campaign_2016, staff_a):
    return services.submit_return(
        form=campaign_2016.forms.get(form_no="2"),
        unit=tree.district_a,
        actor=staff_a,
        unit_leader="王丽",
        filled_by="李娜",
        phone="0451-84661234",
    )


def test_a_refused_transition_names_the_state_and_the_states_it_needs(submitted, city_admin):
    with pytest.raises(ValidationError, match="当前状态为“待审核”，只有“已通过”的报表可以重新打开"):
        services.reopen_return(ret=submitted, actor=city_admin, reason="核对")
    approved = services.approve_return(ret=submitted, actor=city_admin)
    with pytest.raises(ValidationError, match="当前状态为“已通过”，只有“待审核”的报表可以退回修改"):
        services.send_back(ret=approved, actor=city_admin, reason="核对")
    events = list(approved.events.values_list("action", "from_status", "to_status"))
    assert events == [("submit", "draft", "submitted"), ("approve", "submitted", "approved")]


def test_the_return_page_offers_what_the_table_allows_the_persona(submitted, login, city_reviewer, staff_a, staff_b):
    url = reverse("returns:return", args=[submitted.pk])
    review = login(city_reviewer).get(url)
    assert review.context["can_review"] and not review.context["can_submit"] and not review.context["can_reopen"]
    assert '<span class="badge wait">待审核</span>' in review.content.decode()
    own = login(staff_a).get(url)
    assert not own.context["can_review"] and not own.context["can_submit"]
    assert login(staff_b).get(url).status_code == 404
