"""Job workers on several machines (issue 22): separate `run_jobs` processes against one PostgreSQL database.

Two workers share a queue of 24 jobs; the one that takes the 12th is SIGKILLed in the middle of it and
a replacement started, as a supervisor would. Each job must finish exactly once (0 double runs, 0 lost),
and the killed worker's job must be run again once its lease (2 s here) has run out.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from jobs.models import Job
from tests.conftest import build_tree, make_persona

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several worker processes on one database: PostgreSQL (SQLite's test database is one process's file)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
JOBS = 24
STALL = 12  # the job (in queue order) whose worker is killed


def start_worker(log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "FEDORG_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "FEDORG_JOB_LEASE_SECONDS": "2",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    return subprocess.Popen(  # noqa: S603 - our own script, our own arguments
        [sys.executable, str(ROOT / "tests" / "jobworker.py"), str(log), "--poll", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until(condition, what: str, seconds: float = 120) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"waited {seconds:.0f} s for {what}")


def test_two_workers_run_each_job_once_and_a_killed_workers_job_again(tmp_path):
    tree = build_tree()
    user = make_persona("staff_a", tree)
    jobs = [
        Job.objects.create(
            kind="probe",
            title=f"probe {n}",
            requester=user,
            unit=tree.district_a,
            key=f"probe-{n}",
            params={"stall": n == STALL},
        )
        for n in range(1, JOBS + 1)
    ]
    stalled = jobs[STALL - 1]
    log = tmp_path / "runs.log"
    log.touch()
    workers = [start_worker(log), start_worker(log)]
    try:
        wait_until(lambda: Job.objects.filter(pk=stalled.pk, status="running").exists(), "the stalling job to start")
        stalled.refresh_from_db()
        victim = next(w for w in workers if stalled.worker.endswith(f":{w.pid}"))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        workers.append(start_worker(log))  # the supervisor starts another
        wait_until(lambda: not Job.objects.exclude(status="done").exists(), "every job to finish")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)

    lines = [line.split() for line in log.read_text().splitlines()]
    done = Counter(int(pk) for word, pk, _pid in lines if word == "done")
    started = Counter(int(pk) for word, pk, _pid in lines if word == "start")
    double_runs = sum(1 for count in done.values() if count > 1)
    lost = sum(1 for job in jobs if done[job.pk] == 0)
    print(f"{JOBS} jobs, 2 workers + 1 replacement: {double_runs} double runs, {lost} lost")
    assert (double_runs, lost) == (0, 0)
    assert started[stalled.pk] == 2  # the killed run, then the one after its lease ran out
    stalled.refresh_from_db()
    assert (stalled.status, stalled.attempts) == ("done", 2)
    assert victim.pid not in {int(pid) for word, _pk, pid in lines if word == "done" and int(_pk) == stalled.pk}
    # Both first workers took jobs from the one queue.
    ran_by = {int(pid) for word, _pk, pid in lines if word == "done"}
    assert {w.pid for w in workers[:2]} - {victim.pid} <= ran_by
    assert len({int(pid) for word, _pk, pid in lines if word == "start"} & {w.pid for w in workers[:2]}) == 2
