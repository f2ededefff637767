"""`manage.py run_jobs`: the background worker. Run one or more next to the web server.

    manage.py run_jobs              # poll for jobs until stopped (SIGTERM/SIGINT finish cleanly)
    manage.py run_jobs --once       # run every queued job, then exit (tests, cron)

Run as many as wanted, on as many machines, against one database: each job runs once. A job
interrupted by SIGTERM goes back to the queue and starts again from the beginning on the next
worker; a worker that died without a word stops renewing its job's lease, and after
JOB_LEASE_SECONDS any worker puts the job back in the queue (failed after jobs.services.MAX_ATTEMPTS).
"""

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from jobs import services


class Command(BaseCommand):
    help = "运行后台任务（导出、导入、报表）：不断领取排队的任务并执行，Ctrl-C 或 SIGTERM 停止。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="执行完当前排队的任务后退出")
        parser.add_argument("--poll", type=float, default=1.0, help="队列为空时每隔几秒查看一次（默认 1）")
        parser.add_argument("--max-jobs", type=int, default=0, help="执行这么多个任务后退出（0 为不限）")

    def handle(self, *args: Any, once: bool, poll: float, max_jobs: int, **options: Any) -> None:
        self.stopping = False
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        worker = services.worker_name()
        ran = 0
        last_sweep = last_requeue = 0.0
        requeue_every = services.lease().total_seconds() / 2
        while not self.stopping:
            if time.monotonic() - last_requeue > requeue_every:  # one indexed UPDATE: cheap
                services.requeue_stale()
                last_requeue = time.monotonic()
            if time.monotonic() - last_sweep > 600:
                services.sweep_old()
                last_sweep = time.monotonic()
            job = services.claim_next(worker)
            if job is None:
                if once:
                    break
                close_old_connections()
                time.sleep(poll)
                continue
            job = services.run_job(job, should_stop=lambda: self.stopping)
            ran += 1
            self.stdout.write(f"任务 {job.pk}（{job.title}）：{job.get_status_display()} {job.message}".rstrip())
            if max_jobs and ran >= max_jobs:
                break
        if once:
            self.stdout.write(f"共执行 {ran} 个任务。")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
