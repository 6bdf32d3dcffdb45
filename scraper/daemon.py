"""``pantau run``: the daemon (wiring, signals, reload, systemd notify); the reload itself is in
:mod:`scraper.daemon_reload`, the housekeeping jobs in :mod:`scraper.daemon_jobs`.

- SIGTERM / SIGINT: stop starting runs, give running account jobs a grace
  period, cancel the rest, close the browser, exit 0 -- all within
  :data:`STOP_DEADLINE` seconds. Every state write is atomic, so whatever is
  cut short is either fully on disk or not at all; a delivery cut short is
  re-sent on the next start (the outbox marks it interrupted).
- SIGHUP, or a change to the config, a watchlist or a lexicon file: reload.
  A broken file is rejected with a log line naming it and the last good
  version keeps running.
- systemd: READY=1 once jobs are scheduled, WATCHDOG=1 from the event loop
  while it turns, STATUS= with counts.
- Log lines written while an account runs name the account and its person.
"""
from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from alerts.problems import ProblemsError
from alerts.settings import parse_hhmm
from alerts.storage import DISK, is_disk_full
from alerts.timeutil import utc_now

from . import __version__
from .app import load_checked, open_runtime
from .config import Config
from .cycle import RunTotals, accounts_at_once, deliver
from .daemon_jobs import HousekeepingJobs
from .daemon_reload import ConfigReload
from .models import Account, Person
from .pipeline import AccountResult, process_account
from .schedule import Scheduler
from .status import PassTracker, in_force, record_daemon
from .systemd import notify, watchdog_interval

log = logging.getLogger(__name__)

STOP_GRACE = 4.0  # seconds running jobs get before they are cancelled
STOP_DEADLINE = 9.0  # seconds from SIGTERM to exit, whatever still runs
WATCH_EVERY = 5.0  # seconds between two looks at the watched files
TEMP_MAX_AGE = 3600.0  # leftover temp files of atomic writes older than this are removed
FLUSH_EVERY = 60.0  # seconds between two writes of the in-memory health book
CASES_EVERY = 60.0  # seconds between two looks at deadlines (reminders) and open cases (closer watch)

#: (account URL, person name) of the account job running in this task
_ACCOUNT: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("pantau_account", default=None)


def run_daemon(config_path: Path) -> int:
    daemon = Daemon(Path(config_path))
    code = asyncio.run(daemon.main())
    if daemon.abandoned_delivery:
        # A send to a hung server may take its whole timeout and the
        # interpreter would wait for it at exit. The outbox record still holds
        # the claim of a dead process, so the next start sends it again.
        log.warning("exiting while a delivery is still in flight; it is retried on the next start")
        logging.shutdown()
        os._exit(code)
    return code


class AccountContext(logging.Filter):
    """Adds "(account URL, person)" to log lines written inside an account job."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _ACCOUNT.get()
        if ctx is not None:
            url, person = ctx
            message = record.getMessage()
            if url not in message:
                record.msg, record.args = f"{message} [account {url} ({person})]", ()
        return True


def sweep_temp_files(root: Path, now: float | None = None, max_age: float = TEMP_MAX_AGE) -> int:
    """Remove temp files a killed writer left behind (``.<name>.<random>.tmp``)."""
    now = time.time() if now is None else now
    removed = 0
    for path in Path(root).rglob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > max_age:
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


class Daemon(HousekeepingJobs, ConfigReload):
    def __init__(self, config_path: Path, clock: Callable[[], datetime] = utc_now):
        self.config_path = config_path
        self.clock = clock  # every time the daemon records (tests pass a fake clock)
        self.stop_event = asyncio.Event()
        self.wake = asyncio.Event()
        self.reload_requested = False
        self.stop_requested_at: float | None = None
        self.config: Config | None = None
        self.people: dict[str, tuple[Person, Account]] = {}
        self.runtime: Any = None
        self.scheduler = Scheduler()
        self.running: set[asyncio.Task] = set()
        self.background: set[asyncio.Task] = set()
        self.delivering = asyncio.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="deliver")
        self.abandoned_delivery = False
        self.totals = RunTotals()
        self.last_run: datetime | None = None
        self.passes = PassTracker()
        self._signature: dict[str, tuple[int, int]] = {}
        self._gate: asyncio.Semaphore | None = None
        self._log_filter = AccountContext()
        #: NIPs of people with an open case (closer watch; refreshed by the "cases" job)
        self.open_cases: set[str] = set()

    # -- start-up ------------------------------------------------------------
    async def main(self) -> int:
        # Signals first: a SIGTERM during start-up is a clean stop, not a kill.
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self._stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, self._stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, self._hup)
        try:
            config, people = load_checked(self.config_path)
        except ProblemsError as exc:
            for problem in exc.problems:
                log.error("config: %s", problem)
            log.error("not starting: %d problem(s); run `pantau check`", len(exc.problems))
            return 1
        await asyncio.sleep(0)  # let a signal that came during loading be handled
        if self.stop_event.is_set():
            log.info("stopped during start-up")
            return 0
        self.config = config
        for handler in logging.getLogger().handlers:
            handler.addFilter(self._log_filter)
        swept = sweep_temp_files(config.storage_dir) if config.storage_dir.exists() else 0
        if swept:
            log.info("removed %d temp file(s) left by an earlier crash", swept)
        stack = AsyncExitStack()
        try:
            rt = await stack.enter_async_context(open_runtime(config, people=people))
            self.runtime = rt
            if rt.services.browser is not None and not self.stop_event.is_set():
                try:
                    log.info("browser ready: Chromium %s", await rt.services.browser.smoke_test())
                except Exception as exc:
                    log.error("browser smoke test failed: %s (browser platforms will fail)", exc)
            self._set_gates(config)
            self._refresh_cases()
            self._apply_people(people)
            self._schedule_housekeeping()
            self.scheduler.start()
            self._signature = self._watched_signature()
            self._record(state="running", pid=os.getpid(), started=self.clock(), stopped=None,
                         next_cycle=self.scheduler.next_account_run(), accounts=len(self.people),
                         in_force=in_force(people, self.clock()), reload_rejected=None)
            log.info("Pantau %s running: %d accounts of %d people", __version__, len(self.people),
                     len({p.nip for p, _ in self.people.values()}))
            notify("READY=1")
            self._notify_status()
            await self._loop()
            await self._stop_jobs()
        finally:
            await self._close(stack)
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self._log_filter)
        return 0

    def _set_gates(self, config: Config) -> None:
        """``[schedule] concurrency`` page fetches at once; twice that many account runs in progress."""
        self.runtime.services.fetch_gate = asyncio.Semaphore(config.run_concurrency)
        self._gate = asyncio.Semaphore(accounts_at_once(config.run_concurrency))

    def _stop(self, name: str) -> None:
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
            log.info("%s received: stopping", name)
            notify("STOPPING=1")
        self.stop_event.set()
        self.wake.set()

    def _hup(self) -> None:
        log.info("SIGHUP received: reloading")
        self.reload_requested = True
        self.wake.set()

    def _remaining(self) -> float:
        if self.stop_requested_at is None:
            return STOP_DEADLINE
        return max(0.0, self.stop_requested_at + STOP_DEADLINE - time.monotonic())

    # -- main loop -----------------------------------------------------------
    async def _loop(self) -> None:
        interval = watchdog_interval()
        tick = min(interval or WATCH_EVERY, WATCH_EVERY)
        loop = asyncio.get_running_loop()
        next_watch = loop.time() + WATCH_EVERY
        while not self.stop_event.is_set():
            if interval:
                notify("WATCHDOG=1")  # the loop is turning: progress
            if loop.time() >= next_watch:
                next_watch = loop.time() + WATCH_EVERY
                if self._watched_signature() != self._signature:
                    log.info("a watched file changed: reloading")
                    self.reload_requested = True
            if self.reload_requested:
                self.reload_requested = False
                self._reload()
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), tick)
            except asyncio.TimeoutError:
                pass

    async def _stop_jobs(self) -> None:
        """No new runs; running ones get STOP_GRACE seconds, then are cancelled."""
        self.scheduler.pause()
        if self.running:
            _done, pending = await asyncio.wait(set(self.running), timeout=min(STOP_GRACE, self._remaining()))
            if pending:
                log.warning("cancelling %d account run(s) still going; they run again after the restart",
                            len(pending))
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending, timeout=min(1.5, self._remaining()))
        # a delivery in flight finishes its sends (each result is recorded) if time allows
        while self.delivering.locked() and self._remaining() > 2.0:
            await asyncio.sleep(0.05)
        self.abandoned_delivery = self.delivering.locked()
        self.scheduler.shutdown()

    async def _close(self, stack: AsyncExitStack) -> None:
        """Close the browser and HTTP client, bounded by the stop deadline."""
        self.scheduler.shutdown()
        try:
            await asyncio.wait_for(stack.aclose(), max(1.0, self._remaining() - 1.0))
        except asyncio.TimeoutError:
            log.warning("closing the browser took too long; leaving it to the service manager")
        except Exception:
            log.exception("closing the runtime failed")
        if self.config is not None:
            self._record(state="stopped", stopped=self.clock(), next_cycle=None, storage_problem=None)
        self.pool.shutdown(wait=False, cancel_futures=True)
        log.info("stopped")

    def _schedule_housekeeping(self) -> None:
        assert self.config is not None
        self.scheduler.every("deliver", self.config.schedule.delivery_interval.seconds, self.deliver)
        digest_time = getattr(self.config.alerts, "digest_time", "") or ""
        if digest_time:
            self.scheduler.daily_wita("digest", *parse_hhmm(digest_time), self.digest)
        self.scheduler.daily_wita("purge", *parse_hhmm(self.config.retention.run_at), self.purge)
        self.scheduler.every("status", 60, self._record_status)
        self.scheduler.every("flush", FLUSH_EVERY, self._flush_state)
        self.scheduler.every("cases", CASES_EVERY, self.cases)

    # -- jobs ----------------------------------------------------------------
    def _account_job(self, key: str):
        async def job() -> None:
            task = asyncio.current_task()
            if task is not None:
                self.running.add(task)
            try:
                await self.run_account(key)
            except asyncio.CancelledError:
                if not self.stop_event.is_set():
                    raise
                # cancelled by the shutdown: nothing of this run was stored, it runs again after the restart
            finally:
                if task is not None:
                    self.running.discard(task)
        return job

    def _background(self, coro: Any) -> None:
        """Run ``coro`` outside any account's log context; keep a reference."""
        task = asyncio.get_running_loop().create_task(coro, context=contextvars.Context())
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def run_account(self, key: str) -> AccountResult | None:
        entry = self.people.get(key)
        if entry is None or self._gate is None or self.stop_event.is_set():
            return None
        person, account = entry
        token = _ACCOUNT.set((account.url, person.name))
        try:
            async with self._gate:
                if self.stop_event.is_set():
                    return None
                result = await process_account(self.runtime.services, person, account)
        finally:
            _ACCOUNT.reset(token)
        self.last_run = self.clock()
        self.totals.add(result)
        finished = self.passes.add(key, result, self.last_run)
        if finished is not None:
            self._record_pass(finished)
        if (result.alerts or not result.ok) and not self.stop_event.is_set():
            self._background(self.deliver())
        return result

    def _flush_health(self) -> None:
        """Write the in-memory health book if it changed (a full disk: kept, logged once a minute)."""
        if self.runtime is not None:
            try:
                self.runtime.services.health.flush()
            except OSError as exc:
                log.error("cannot write the health book: %s", exc)

    async def _flush_state(self) -> None:
        self._flush_health()

    def _record(self, **fields: Any) -> None:
        """Write daemon facts to state.json; a full disk is logged once a minute by alerts.storage."""
        assert self.config is not None
        try:
            record_daemon(self.config.storage_dir, **fields)
        except OSError as exc:
            if not is_disk_full(exc):
                log.error("cannot write state.json: %s", exc)

    def _record_pass(self, finished: dict[str, Any]) -> None:
        self._flush_health()
        self._record(last_cycle=finished, next_cycle=self.scheduler.next_account_run())
        log.info("pass over all %d accounts finished: %d fetched, %d failed, %d new posts, %d findings",
                 finished["accounts"], finished["fetched"], finished["failed"], finished["new"], finished["findings"])

    async def deliver(self) -> int:
        """Send what is due in the outbox, in the delivery thread; how many were sent."""
        if self.delivering.locked() or self.runtime is None:
            return 0
        async with self.delivering:
            loop = asyncio.get_running_loop()
            try:
                sent = await deliver(self.runtime.services, lambda fn: loop.run_in_executor(self.pool, fn))
            except asyncio.CancelledError:
                raise
            except RuntimeError as exc:  # pool shut down while stopping
                log.debug("delivery not started: %s", exc)
                return 0
            except Exception:
                log.exception("outbox delivery failed")
                return 0
            self.totals.alerts_sent += sent
            self.passes.sent(sent)
            return sent

    async def _record_status(self) -> None:
        self._record(state="running", pid=os.getpid(), next_cycle=self.scheduler.next_account_run(),
                     last_run=self.last_run, totals=self._totals_json(), accounts=len(self.people),
                     storage_problem=DISK.problem())
        self._notify_status()

    def _totals_json(self) -> dict[str, int]:
        t = self.totals
        return {"runs": t.runs, "failed": t.failed, **t.figures()}

    def _notify_status(self) -> None:
        t = self._totals_json()
        try:
            pending = self.runtime.services.outbox.counts().get("pending", 0)
        except Exception:
            pending = "?"
        notify(f"STATUS={len(self.people)} akun; {t['runs']} pengambilan, {t['failed']} gagal; "
               f"{t['findings']} temuan; {t['alerts_sent']} peringatan terkirim; outbox {pending}")
