"""A `manage.py run_jobs` worker with one more job kind, "probe", for tests/test_job_workers.py.

    python tests/jobworker.py LOGFILE [run_jobs options]

A probe job appends "start <job> <pid>" and "done <job> <pid>" to LOGFILE (O_APPEND: whole lines from
several processes); one with params {"stall": true} hangs on its first attempt, for the test to kill
its worker there.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from jobs.registry import JobOutcome, register  # noqa: E402

LOG = sys.argv[1]


def note(word, job):
    with open(LOG, "a") as f:
        f.write(f"{word} {job.pk} {os.getpid()}\n")


@register("probe")
def probe(job, progress, out):
    note("start", job)
    if job.params.get("stall") and job.attempts == 1:
        time.sleep(3600)  # killed here
    progress(0, 1, force=True)
    time.sleep(0.05)
    progress(1, 1, force=True)
    note("done", job)
    return JobOutcome(message="ok")


call_command("run_jobs", *sys.argv[2:])
