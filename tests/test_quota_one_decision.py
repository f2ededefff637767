"""达标 is decided once (members.rules.reaches_quota): the compliance page and 附表4 agree on the demo city."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from fedorg.dates import CUTOFF_2016
from members import rules
from orgtree.models import Unit, User
from reports import tables


@pytest.fixture
def small_demo(db):
    call_command("seed_demo", "--scale", "small", "--no-returns", stdout=io.StringIO())
    return Unit.objects.get(parent__isnull=True, code="2301")


def test_compliance_page_counts_the_same_units_as_form4(small_demo, client):
    client.force_login(User.objects.get(username="shi_shenhe"))
    response = client.get(reverse("members:compliance", args=[small_demo.pk]), {"on": CUTOFF_2016.isoformat()})
    assert response.status_code == 200
    page = {b.quota.block: (b.units, b.compliant) for b in response.context["blocks"]}

    form4 = tables.compute(4, unit=small_demo, as_of=CUTOFF_2016)
    total = next(row for row in form4["panels"][0]["rows"] if row["key"] == "total")
    cells = dict(zip([c["key"] for c in form4["panels"][0]["columns"]], total["cells"], strict=True))
    expected = {
        quota.block: (cells[f"b{number}_units"], cells[f"b{number}_done"])
        for number, quota in enumerate(rules.QUOTAS, start=1)
    }
    assert page == expected
    assert any(done for _units, done in page.values()), "the demo has units that reach the quota"
    assert any(units > done for units, done in page.values()), "and units that do not"


def test_the_sql_and_the_python_decisions_agree_at_the_edges():
    """reaches_quota_sql is generated from the same QUOTAS as reaches_quota: check it on every edge."""
    import sqlite3

    db = sqlite3.connect(":memory:")
    for number, quota in enumerate(rules.QUOTAS, start=1):
        for total in (quota.total_min - 1, quota.total_min, quota.total_max, quota.total_max + 1):
            for head in (0, 1, 2):
                for vice in (1, 2, 3):
                    sql = rules.reaches_quota_sql(str(number), total=str(total), head=str(head), vice=str(vice))
                    in_sql = bool(db.execute(f"SELECT {sql}").fetchone()[0])  # noqa: S608 - integers only
                    assert in_sql == rules.reaches_quota(quota, total=total, head=head, vice=vice)
