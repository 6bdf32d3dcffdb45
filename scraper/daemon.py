"""``pantau run``: the daemon (wiring, signals, reload, systemd notify).

- SIGTERM / SIGINT: stop scheduling, let running account jobs finish or
  cancel them after a grace period, close the browser, exit 0 (< 10 s).
- SIGHUP, or a change to the config, a watchlist or a lexicon file: reload.
  A broken file is rejected with a clear log line and the last good
  version keeps running.
- systemd: READY=1 once jobs are scheduled, WATCHDOG=1 from the event loop
  while it makes progress, STATUS= with counts.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts.problems import ProblemsError
from alerts.timeutil import iso, parse_duration, utc_now

from . import __version__
from .app import build_detector, check_everything, load_people, open_runtime
from .config import Config, load_config, parse_hhmm
from .models import Account, Person
from .pipeline import AccountResult, deliver, process_account
from .schedule import Scheduler
from .status import record_daemon
from .systemd import notify, watchdog_interval

log = logging.getLogger(__name__)

STOP_GRACE = 6.0  # seconds running jobs get before they are cancelled
WATCH_EVERY = 5.0  # seconds between two looks at the watched files


def run_daemon(config_path: Path) -> int:
    return asyncio.run(Daemon(Path(config_path)).main())


class Daemon:
    def __init__(self, config_path: Path):
        self.config_path = config_path
        self.stop_event = asyncio.Event()
        self.reload_event = asyncio.Event()
        self.config: Config | None = None
        self.people: dict[str, tuple[Person, Account]] = {}
        self.runtime: Any = None
        self.scheduler = Scheduler()
        self.running: set[asyncio.Task] = set()
        self.delivering = asyncio.Lock()
        self.totals = {"runs": 0, "failed": 0, "new": 0, "edited": 0, "deleted": 0, "findings": 0, "alerts_sent": 0}
        self.last_run: datetime | None = None
        self._signature: dict[str, float] = {}
        self._gate: asyncio.Semaphore | None = None

    # -- start-up ------------------------------------------------------------
    async def main(self) -> int:
        try:
            config = load_config(self.config_path)
            problems = check_everything(self.config_path)
            if problems:
                raise ProblemsError(problems)
            people = load_people(config)
        except ProblemsError as exc:
            for problem in exc.problems:
                log.error("config: %s", problem)
            log.error("not starting: %d problem(s); run `pantau check`", len(exc.problems))
            return 1
        self.config = config
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self._stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, self._stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, self.reload_event.set)
        async with open_runtime(config, people=people) as rt:
            self.runtime = rt
            if rt.services.browser is not None:
                try:
                    log.info("browser ready: Chromium %s", await rt.services.browser.smoke_test())
                except Exception as exc:
                    log.error("browser smoke test failed: %s (browser platforms will fail)", exc)
            self._gate = asyncio.Semaphore(config.schedule.concurrency)
            self._apply_people(people)
            self._schedule_housekeeping()
            self.scheduler.start()
            self._signature = self._watched_signature()
            record_daemon(config.storage_dir, state="running", pid=os.getpid(), started=utc_now(),
                          next_cycle=self.scheduler.next_account_run())
            log.info("Pantau %s running: %d accounts of %d people", __version__, len(self.people),
                     len({p.nip for p, _ in self.people.values()}))
            notify("READY=1")
            self._notify_status()
            try:
                await self._loop()
            finally:
                await self._shutdown()
        return 0

    def _stop(self, name: str) -> None:
        log.info("%s received: stopping", name)
        self.stop_event.set()

    # -- main loop -----------------------------------------------------------
    async def _loop(self) -> None:
        interval = watchdog_interval()
        tick = min(interval or WATCH_EVERY, WATCH_EVERY)
        next_watch = 0.0
        loop = asyncio.get_running_loop()
        while not self.stop_event.is_set():
            if interval:
                notify("WATCHDOG=1")  # the loop is turning: progress
            if loop.time() >= next_watch:
                next_watch = loop.time() + WATCH_EVERY
                signature = self._watched_signature()
                if signature != self._signature:
                    log.info("a watched file changed: reloading")
                    self.reload_event.set()
            if self.reload_event.is_set():
                self.reload_event.clear()
                self._reload()
            try:
                await asyncio.wait_for(self.stop_event.wait(), tick)
            except asyncio.TimeoutError:
                pass

    async def _shutdown(self) -> None:
        notify("STOPPING=1")
        self.scheduler.shutdown()
        if self.running:
            done, pending = await asyncio.wait(self.running, timeout=STOP_GRACE)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=2)
        if self.config is not None:
            record_daemon(self.config.storage_dir, state="stopped", stopped=utc_now())
        log.info("stopped")

    # -- reload --------------------------------------------------------------
    def _watched_files(self) -> list[Path]:
        files = [self.config_path]
        if self.config is not None:
            files += self.config.watchlist_files() + self.config.lexicon_files()
            templates = getattr(self.config.alerts, "templates_dir", "")
            if templates:
                files += sorted((self.config.base_dir / templates).glob("*"))
        return files

    def _watched_signature(self) -> dict[str, float]:
        sig = {}
        for f in self._watched_files():
            try:
                sig[str(f)] = f.stat().st_mtime_ns
            except FileNotFoundError:
                sig[str(f)] = -1
        return sig

    def _reload(self) -> None:
        """Load everything anew; on any problem keep the last good version."""
        self._signature = self._watched_signature()
        try:
            problems = check_everything(self.config_path)
            if problems:
                raise ProblemsError(problems)
            config = load_config(self.config_path)
            people = load_people(config)
            detector = build_detector(config)
        except ProblemsError as exc:
            for problem in exc.problems:
                log.error("reload rejected: %s", problem)
            log.error("reload rejected (%d problem(s)); the last good configuration keeps running",
                      len(exc.problems))
            return
        except Exception as exc:
            log.error("reload rejected: %s; the last good configuration keeps running", exc)
            return
        old = self.config
        assert old is not None
        if config.storage_dir != old.storage_dir or config.browser != old.browser:
            log.warning("[storage] and [browser] changes take effect after a restart")
        services = self.runtime.services
        services.detector = detector
        if config.alerts != old.alerts:
            from alerts.outbox import Outbox

            services.outbox = Outbox(Path(old.storage_dir) / "outbox", config.alerts)
        config.storage = old.storage  # see the warning above
        self.config = config
        self._gate = asyncio.Semaphore(config.schedule.concurrency)
        self._apply_people(people)
        self._schedule_housekeeping()
        log.info("reloaded: %d accounts of %d people", len(self.people), len(people))
        self._notify_status()

    def _apply_people(self, people: list[Person]) -> None:
        assert self.config is not None
        self.people = {a.key: (p, a) for p in people for a in p.accounts}
        self.runtime.people = people
        jitter = parse_duration(self.config.schedule.jitter)
        jobs = {}
        for key, (_person, account) in self.people.items():
            interval = self.config.interval_for(account.platform)
            if account.options.get("interval"):
                interval = parse_duration(str(account.options["interval"]))
            jobs[key] = (interval, min(jitter, interval / 2), self._account_job(key))
        self.scheduler.set_accounts(jobs, first_run_spread=min(jitter, 60.0))

    def _schedule_housekeeping(self) -> None:
        assert self.config is not None
        self.scheduler.every("deliver", parse_duration(self.config.schedule.delivery_interval), self.deliver)
        digest_time = getattr(self.config.alerts, "digest_time", "") or ""
        if digest_time:
            t = parse_hhmm(digest_time)
            self.scheduler.daily_wita("digest", t.hour, t.minute, self.digest)
        t = parse_hhmm(self.config.retention.run_at)
        self.scheduler.daily_wita("purge", t.hour, t.minute, self.purge)
        self.scheduler.every("status", 60, self._record_status)

    # -- jobs ----------------------------------------------------------------
    def _account_job(self, key: str):
        async def job() -> None:
            task = asyncio.current_task()
            if task is not None:
                self.running.add(task)
            try:
                await self.run_account(key)
            finally:
                if task is not None:
                    self.running.discard(task)
        return job

    async def run_account(self, key: str) -> AccountResult | None:
        entry = self.people.get(key)
        if entry is None or self._gate is None:
            return None
        person, account = entry
        async with self._gate:
            result = await process_account(self.runtime.services, person, account)
        self.last_run = utc_now()
        self.totals["runs"] += 1
        self.totals["failed"] += 0 if result.ok else 1
        for name in ("new", "edited", "deleted", "findings"):
            self.totals[name] += getattr(result, name)
        if result.alerts or not result.ok:
            asyncio.create_task(self.deliver())
        return result

    async def deliver(self) -> None:
        if self.delivering.locked():
            return
        async with self.delivering:
            try:
                self.totals["alerts_sent"] += await deliver(self.runtime.services)
            except Exception:
                log.exception("outbox delivery failed")

    async def digest(self) -> None:
        try:
            from alerts.digest import build_digest
        except ImportError:
            return
        from datetime import timedelta

        services = self.runtime.services
        now = utc_now()
        since = now - timedelta(days=1)
        findings = [f for f in services.findings.all() if f.get("first_seen", "") >= iso(since)]
        health = []
        for h in services.health.all():
            if h.state != "ok" and h.key in self.people:
                person, account = self.people[h.key]
                health.append({"account_url": account.url, "platform": account.platform,
                               "person": {"name": person.name, "nip": person.nip, "position": person.position,
                                          "unit": person.unit},
                               "state": h.state, "reason": h.reason, "since": iso(h.since), "failures": h.failures})
        alert = build_digest(findings, health, services.outbox.counts(), since, now)
        services.outbox.enqueue(alert)
        await self.deliver()

    async def purge(self) -> None:
        try:
            from .retention import purge
        except ImportError:
            return
        assert self.config is not None
        try:
            report = await asyncio.to_thread(purge, self.config, utc_now(), dry_run=False)
            log.info("daily purge: %s", report)
        except Exception:
            log.exception("daily purge failed")

    async def _record_status(self) -> None:
        assert self.config is not None
        record_daemon(self.config.storage_dir, state="running", pid=os.getpid(),
                      next_cycle=self.scheduler.next_account_run(),
                      last_run=self.last_run, totals=dict(self.totals), accounts=len(self.people))
        self._notify_status()

    def _notify_status(self) -> None:
        t = self.totals
        try:
            pending = self.runtime.services.outbox.counts().get("pending", 0)
        except Exception:
            pending = "?"
        notify(f"STATUS={len(self.people)} akun; {t['runs']} pengambilan, {t['failed']} gagal; "
               f"{t['findings']} temuan; {t['alerts_sent']} peringatan terkirim; outbox {pending}")
