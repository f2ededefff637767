"""Two reviewers act on the same submitted return at the same moment: exactly one wins."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from returns import services
from returns.models import Return, ReturnEvent

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approve_and_send_back_racing_on_one_return_leave_exactly_one_winner(
    tree, campaign_2016, staff_a, city_reviewer, city_admin
):
    """Both threads read the same version, wait at a barrier, then transition: one commits, the
    other gets the Chinese conflict message, and the history holds exactly one review event."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with one lock; the race needs PostgreSQL")
    form = campaign_2016.forms.get(form_no="2")
    ret = services.submit_return(form=form, unit=tree.district_a, actor=staff_a, **FOOTER)
    version = ret.version
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(name, transition):
        try:
            barrier.wait(timeout=10)
            transition(ret=Return.objects.get(pk=ret.pk), expected_version=version)
            outcomes[name] = "won"
        except ValidationError as error:
            outcomes[name] = " ".join(error.messages)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("approve", lambda **kw: services.approve_return(actor=city_reviewer, **kw))),
        threading.Thread(
            target=act,
            args=("send_back", lambda **kw: services.send_back(actor=city_admin, reason="数字有误", **kw)),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = next(name for name in outcomes if name not in winners)
    assert "该报表刚刚已被他人处理" in outcomes[loser] or "只有“待审核”的报表可以" in outcomes[loser]
    final = Return.objects.get(pk=ret.pk)
    assert final.status == ("approved" if winners == ["approve"] else "returned")
    assert final.version == version + 1
    assert ReturnEvent.objects.filter(ret=ret).exclude(action="submit").count() == 1
