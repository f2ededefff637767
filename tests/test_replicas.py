"""Reads on a real PostgreSQL streaming standby (fedorg.dbrouting; issue 22).

`make standby` (and .ci/run) start a hot standby of the local primary on port 5433; with
DATABASE_REPLICA_URL pointing at it, the `replica` alias is a second, real connection to the standby's
copy of the test database (TEST MIRROR only copies the database's NAME, not its server). Data written in
a test's transaction never reaches a standby, so these tests commit (transaction=True) and wait until the
standby has replayed the primary's WAL. Every statement records `pg_is_in_recovery()` asked on the very
connection that ran it: true only on the standby.

Without DATABASE_REPLICA_URL they skip on SQLite and on a developer's PostgreSQL; CI sets
FEDORG_REQUIRE_STANDBY=1, where a missing standby fails instead.
"""

import logging
import os
import socket
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import OperationalError, connections

from fedorg import dbrouting
from tests.conftest import build_tree, make_persona
from tests.test_people import add_form

if "replica" not in settings.DATABASES:
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and os.environ.get("FEDORG_REQUIRE_STANDBY"):
        raise RuntimeError(
            "FEDORG_REQUIRE_STANDBY is set but DATABASE_REPLICA_URL is not: start a standby (make standby) and set it"
        )
    pytestmark = pytest.mark.skip(
        reason="no read replica: DATABASE_REPLICA_URL is unset (SQLite has none; on PostgreSQL run `make standby` "
        "and set DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<db>)"
    )
else:
    pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, databases=["default", "replica"])]

ADD_PERSON = add_form(**{"p-name": "新来的委员"})


def wait_for_replay() -> None:
    """Until the standby has replayed everything the primary has written so far (committed data included)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    for _ in range(600):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    pytest.fail(f"the standby did not replay up to {lsn} within 30 s")


class Served:
    """Every statement on either connection, with pg_is_in_recovery() of the connection that ran it."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, bool]] = []

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204 - Django's wrapper protocol
        # A cursor of the driver's connection under the one about to run `sql` (through Django's it would
        # recurse; the statement's own may be a named, server-side cursor that runs once).
        with context["connection"].connection.cursor() as raw:
            raw.execute("SELECT pg_is_in_recovery()")
            self.statements.append((sql, raw.fetchone()[0]))
        return execute(sql, params, many, context)

    def on(self, marker: str) -> set[bool]:
        """{True} when every statement naming `marker` ran on the standby, {False} when all on the primary."""
        return {standby for sql, standby in self.statements if marker in sql}


@pytest.fixture
def reads_on_replica(settings) -> Iterator[None]:
    settings.REPLICA_READS = True
    dbrouting._down_until = 0.0
    dbrouting._lag_cache = (0.0, 0.0)
    yield
    dbrouting._down_until = 0.0
    dbrouting._lag_cache = (0.0, 0.0)


@pytest.fixture
def served() -> Iterator[Served]:
    record = Served()
    with connections["default"].execute_wrapper(record), connections["replica"].execute_wrapper(record):
        yield record


@pytest.fixture
def replicated_tree(reads_on_replica):
    tree = build_tree()
    tree.staff = make_persona("staff_a", tree)
    wait_for_replay()
    return tree


def test_the_replica_is_a_standby_of_the_test_database():
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database()")
        in_recovery, name = cursor.fetchone()
    assert in_recovery is True
    assert name == connections["default"].settings_dict["NAME"]


def test_tables_dashboard_and_compliance_are_read_from_the_standby(client, replicated_tree, served):
    client.force_login(replicated_tree.staff)  # no POST: nothing pins this browser to the primary
    district = replicated_tree.district_a
    for url in (f"/units/{district.pk}/reports/4/", f"/units/{district.pk}/", f"/units/{district.pk}/compliance/"):
        served.statements.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        # The facts statements and the tree walk of the as-of tree (orgtree_unitversion) ran on the standby only.
        assert served.on("members_post") == {True}, url
        assert served.on("orgtree_unitversion") == {True}, url
    # Sessions stay on the primary, whatever the page.
    assert served.on("django_session") == {False}
    # Caught up: no notice of lag.
    assert "落后主库" not in response.content.decode()


def test_a_lagging_standby_is_named_on_the_page(client, replicated_tree, monkeypatch):
    monkeypatch.setattr(dbrouting, "replica_lag_seconds", lambda: 42.0)
    client.force_login(replicated_tree.staff)
    page = client.get(f"/units/{replicated_tree.district_a.pk}/reports/4/").content.decode()
    assert "本页统计数据读自只读副本，约落后主库 42 秒" in page


def test_the_lag_is_zero_once_replayed_even_on_an_idle_primary(replicated_tree):
    # now() - pg_last_xact_replay_timestamp() grows while nothing is committed; positions say "caught up".
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT now() - pg_last_xact_replay_timestamp() >= interval '0'")
        assert cursor.fetchone()[0] is True
    # The WAL is the cluster's: another test worker writing to its own test database moves the primary's
    # position between the replay and the reading. So read again after each replay until one reading falls
    # between two writes; a standby that never reads 0 once caught up fails.
    lags = []
    for _ in range(50):
        wait_for_replay()
        dbrouting._lag_cache = (0.0, 0.0)  # measured afresh, not the reading of a moment ago
        lags.append(dbrouting.replica_lag_seconds())
        if lags[-1] == 0.0:
            break
    assert lags[-1] == 0.0, lags


def test_a_clerk_reads_her_own_write_at_once(client, replicated_tree, served):
    client.force_login(replicated_tree.staff)
    community = replicated_tree.community_a
    response = client.post(f"/units/{community.pk}/roster/add/", ADD_PERSON)
    assert response.status_code == 302
    assert dbrouting.PIN_COOKIE in response.cookies
    served.statements.clear()
    assert "新来的委员" in client.get(f"/units/{community.pk}/roster/").content.decode()
    # Within the pin window even the pages otherwise read from the standby read the primary.
    served.statements.clear()
    assert client.get(f"/units/{community.pk}/reports/4/").status_code == 200
    assert served.on("members_post") == {False}
    # Once the window has passed (the cookie expires), the standby serves the table again.
    client.cookies.pop(dbrouting.PIN_COOKIE)
    wait_for_replay()
    # The table counted on the primary above is kept for this data version (fedorg.freshness): empty the caches
    # so that this view counts again, and show where it counts.
    from django.core.cache import cache

    from fedorg import freshness

    cache.clear()
    freshness._memory.clear()
    served.statements.clear()
    assert client.get(f"/units/{community.pk}/reports/4/").status_code == 200
    assert served.on("members_post") == {True}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_stopped_standby_fails_over_to_the_primary_with_a_log_line(client, replicated_tree, served, caplog):
    """The standby is shared by every test worker, so it is not stopped here: the replica alias is pointed
    at a port where no server listens, which is what a stopped standby is to a client (refused)."""
    replica = connections["replica"]
    replica.close()
    port = replica.settings_dict["PORT"]
    replica.settings_dict["PORT"] = str(_closed_port())
    client.force_login(replicated_tree.staff)
    try:
        with caplog.at_level(logging.WARNING, logger="fedorg.dbrouting"):
            response = client.get(f"/units/{replicated_tree.district_a.pk}/reports/4/")
            again = client.get(f"/units/{replicated_tree.district_a.pk}/")
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port
    assert response.status_code == 200 and again.status_code == 200
    assert served.on("members_post") == {False}
    lines = [r.getMessage() for r in caplog.records if r.name == "fedorg.dbrouting"]
    # One line: the second page did not try the standby again within REPLICA_RETRY_SECONDS.
    assert len(lines) == 1 and lines[0].startswith("read replica unavailable, reading from the primary")


def test_a_standby_lost_half_way_through_a_page_reruns_it_on_the_primary(client, replicated_tree, served, caplog):
    def lost_at_the_facts(execute, sql, params, many, context):
        if "members_post" in sql:
            context["connection"].connection.close()  # the standby went away under the statement
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    client.force_login(replicated_tree.staff)
    with (
        caplog.at_level(logging.WARNING, logger="fedorg.dbrouting"),
        connections["replica"].execute_wrapper(lost_at_the_facts),
    ):
        response = client.get(f"/units/{replicated_tree.district_a.pk}/reports/4/")
    assert response.status_code == 200
    assert False in served.on("members_post")  # counted again, on the primary
    assert any(r.getMessage().startswith("read replica unavailable") for r in caplog.records)


def _queue_export(tree) -> "object":
    from django.utils import timezone

    from jobs.services import start_job
    from members.background import roster_export_params, roster_export_title

    as_of = timezone.localdate()
    job, _created = start_job(
        kind="roster_export",
        requester=tree.staff,
        unit=tree.community_a,
        params=roster_export_params(as_of=as_of, history=False, unmasked=True),
        title=roster_export_title(tree.community_a, as_of, False),
    )
    return job


def _exported_names(job) -> set[str]:
    from openpyxl import load_workbook

    from jobs.services import files_dir

    with (files_dir() / job.result_file).open("rb") as file:
        ws = load_workbook(file, read_only=True).worksheets[0]
        return {str(cell) for row in ws.iter_rows(values_only=True) for cell in row if cell}


@pytest.fixture
def replay_paused() -> Iterator[None]:
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def test_an_export_queued_behind_a_lagging_standby_reads_the_primary(
    client, replicated_tree, served, replay_paused, settings
):
    """The job was queued after the clerk's write: a standby that has not replayed it is not read (issue 21)."""
    from jobs.services import QUEUED_AT_WAL, claim_next, run_job

    settings.REPLICA_WAIT_SECONDS = 0.3
    client.force_login(replicated_tree.staff)
    community = replicated_tree.community_a
    assert client.post(f"/units/{community.pk}/roster/add/", ADD_PERSON).status_code == 302
    job = _queue_export(replicated_tree)
    assert job.params[QUEUED_AT_WAL]
    served.statements.clear()
    done = run_job(claim_next("test-worker"))
    assert done.status == "done", done.message
    assert served.on("members_post") == {False}
    assert "新来的委员" in _exported_names(done)


def test_an_export_queued_behind_a_standby_that_catches_up_reads_the_standby(client, replicated_tree, served):
    from jobs.services import claim_next, run_job

    client.force_login(replicated_tree.staff)
    community = replicated_tree.community_a
    assert client.post(f"/units/{community.pk}/roster/add/", ADD_PERSON).status_code == 302
    _queue_export(replicated_tree)
    served.statements.clear()
    done = run_job(claim_next("test-worker"))  # waits (up to REPLICA_WAIT_SECONDS) for the standby to replay the write
    assert done.status == "done", done.message
    assert served.on("members_post") == {True}
    assert "新来的委员" in _exported_names(done)
