"""The one module that imports APScheduler.

Jobs live in the memory job store and are rebuilt from the watchlists at
start-up and on every reload (persistent job stores pickle jobs and silently
drop those they cannot unpickle). Each account is its own job: interval per
platform with jitter, never two runs of one job at once, a generous misfire
grace so a busy loop does not silently skip runs, and its own time limit
(enforced by the pipeline).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts.timeutil import WITA, utc_now

log = logging.getLogger(__name__)

ACCOUNT_PREFIX = "account:"

#: key -> (interval s, jitter s, coroutine function, label for log lines)
AccountJobs = dict[str, tuple[float, float, Callable[[], Awaitable[Any]], str]]


class Scheduler:
    def __init__(self) -> None:
        self._s = AsyncIOScheduler(timezone="UTC", job_defaults={
            "coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        self._s.add_listener(self._on_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
        #: job id -> what a log line calls it ("account URL (person)")
        self._labels: dict[str, str] = {}
        self._shut = False

    def _on_event(self, event: Any) -> None:
        label = self._labels.get(event.job_id, event.job_id)
        if event.code == EVENT_JOB_ERROR:
            log.error("job %s failed: %r", label, event.exception)
        elif event.code == EVENT_JOB_MISSED:
            log.warning("job %s missed its run at %s", label, event.scheduled_run_time)
        else:
            log.warning("job %s still running; this run was skipped", label)

    def start(self) -> None:
        self._s.start()

    def pause(self) -> None:
        """Start no new runs (running ones go on); used first when stopping."""
        if self._s.running:
            self._s.pause()

    def shutdown(self) -> None:
        """Stop the scheduler; coroutine jobs still running are cancelled. Idempotent."""
        # AsyncIOScheduler stops in a loop callback: ``running`` stays true until then.
        if self._s.running and not self._shut:
            self._shut = True
            self._s.shutdown(wait=False)

    def set_accounts(self, jobs: AccountJobs, *, first_run_spread: float = 0.0) -> None:
        """Make the account jobs exactly ``jobs``: key -> (interval s, jitter s, coroutine fn, label).

        Jobs that still exist keep their schedule; new ones run soon (spread
        over ``first_run_spread`` seconds so a big list does not start at once).
        """
        existing = {j.id: j for j in self._s.get_jobs() if j.id.startswith(ACCOUNT_PREFIX)}
        now = utc_now()
        new_keys = sorted(k for k in jobs if ACCOUNT_PREFIX + k not in existing)
        order = {k: i for i, k in enumerate(new_keys)}
        for key, (interval, jitter, fn, label) in sorted(jobs.items()):
            job_id = ACCOUNT_PREFIX + key
            self._labels[job_id] = label
            trigger = IntervalTrigger(seconds=max(interval, 1), jitter=int(jitter) or None, timezone="UTC")
            if job_id in existing:
                job = existing.pop(job_id)
                job.modify(func=fn, name=label)
                if getattr(job.trigger, "interval", None) != trigger.interval:
                    job.reschedule(trigger)
                continue
            delay = (first_run_spread * order[key] / max(len(new_keys), 1)) if first_run_spread else 0.0
            self._s.add_job(fn, trigger, id=job_id, name=label, next_run_time=now + timedelta(seconds=delay))
        for job_id in existing:
            self._s.remove_job(job_id)
            self._labels.pop(job_id, None)

    def every(self, job_id: str, seconds: float, fn: Callable[[], Awaitable[Any]], *, start_now: bool = False) -> None:
        extra = {"next_run_time": utc_now()} if start_now else {}
        self._s.add_job(fn, IntervalTrigger(seconds=max(seconds, 1), timezone="UTC"), id=job_id, name=job_id,
                        replace_existing=True, **extra)

    def daily_wita(self, job_id: str, hour: int, minute: int, fn: Callable[[], Awaitable[Any]]) -> None:
        self._s.add_job(fn, CronTrigger(hour=hour, minute=minute, timezone=WITA), id=job_id, name=job_id,
                        replace_existing=True)

    def account_count(self) -> int:
        return sum(1 for j in self._s.get_jobs() if j.id.startswith(ACCOUNT_PREFIX))

    def next_account_run(self) -> datetime | None:
        times = [j.next_run_time for j in self._s.get_jobs()
                 if j.id.startswith(ACCOUNT_PREFIX) and j.next_run_time is not None]
        return min(times) if times else None
