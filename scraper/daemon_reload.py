"""The daemon's reload: which files are watched, loading them anew, applying the people.

A mixin of :class:`scraper.daemon.Daemon` (kept apart so the daemon module stays under
~400 lines). A broken file is rejected with a log line naming it and the last good
version keeps running. The mixin uses the daemon's ``config_path``, ``config``,
``runtime``, ``people``, ``passes``, ``scheduler``, ``open_cases``, ``clock``,
``_record()``, ``_account_job()``, ``_schedule_housekeeping()`` and ``_notify_status()``.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from alerts.problems import ProblemsError

from .app import alert_renderer, build_detector, load_checked
from .cases import case_interval
from .models import Person
from .status import in_force, rejected

log = logging.getLogger("scraper.daemon")


class ConfigReload:
    """Reloading the config, watchlists, lexicons and templates (see ``Daemon._loop``)."""

    config_path: Path
    config: Any
    runtime: Any
    people: dict[str, Any]
    open_cases: set[str]


    def _watched_files(self) -> list[Path]:
        files = [self.config_path]
        if self.config is not None:
            files += self.config.watchlist_files() + self.config.lexicon_files()
            templates = getattr(self.config.alerts, "templates_dir", "")
            if templates:
                files += sorted((self.config.base_dir / templates).glob("*"))
        return files

    def _watched_signature(self) -> dict[str, tuple[int, int]]:
        sig = {}
        for f in self._watched_files():
            try:
                st = f.stat()
                sig[str(f)] = (st.st_mtime_ns, st.st_size)
            except OSError:
                sig[str(f)] = (-1, -1)
        return sig

    def _reload(self) -> bool:
        """Load everything anew; on any problem keep the last good version."""
        self._signature = self._watched_signature()
        try:
            config, people = load_checked(self.config_path)
            detector = build_detector(config)
        except ProblemsError as exc:
            for problem in exc.problems:
                log.error("reload rejected: %s", problem)
            log.error("reload rejected (%d problem(s)); the last good configuration keeps running",
                      len(exc.problems))
            self._record_reload(rejected(exc.problems, self.clock()))
            return False
        except Exception as exc:
            log.error("reload rejected: %s: %s; the last good configuration keeps running",
                      type(exc).__name__, exc)
            self._record_reload(rejected([f"{type(exc).__name__}: {exc}"], self.clock()))
            return False
        old = self.config
        assert old is not None
        if config.storage_dir != old.storage_dir or config.browser != old.browser or config.cluster != old.cluster:
            log.warning("[storage], [browser] and [cluster] changes take effect after a restart")
        services = self.runtime.services
        services.detector = detector
        if config.ocr != old.ocr and getattr(services, "ocr", None) is not None:
            services.ocr.configure(config.ocr)  # [ocr] (on/off, platforms, limits) applies at once
        services.run_timeout = config.schedule.run_timeout.seconds
        if config.alerts != old.alerts:
            # same queue, new channels and renderer; results a full disk refused stay remembered
            services.outbox.reconfigure(config.alerts, renderer=alert_renderer(config))
        config.storage = old.storage  # see the warning above
        config.browser = old.browser
        config.cluster = old.cluster  # the fetcher (local or the workers) is built at start
        self.config = config
        self._set_gates(config)
        self._apply_people(people)
        self._schedule_housekeeping()
        log.info("reloaded: %d accounts of %d people", len(self.people), len(people))
        self._record_reload(None, in_force=in_force(people, self.clock()), accounts=len(self.people))
        self._notify_status()
        return True

    def _record_reload(self, rejection: dict | None, **fields: Any) -> None:
        """state.json: the rejected reload (or None after a good one) for ``pantau status``."""
        self._record(reload_rejected=rejection, **fields)

    def _apply_people(self, people: list[Person]) -> None:
        assert self.config is not None
        self.people = {a.key: (p, a) for p in people for a in p.accounts}
        self.runtime.people = people
        self.passes.set_keys(set(self.people))
        jitter = self.config.schedule.jitter.seconds
        case_seconds = self.config.schedule.case_interval.seconds
        jobs = {}
        for key, (person, account) in self.people.items():
            interval = self.config.interval_for(account.platform)
            if account.interval is not None:
                interval = account.interval.seconds
            interval = case_interval(interval, case_seconds, person.nip, self.open_cases)
            jobs[key] = (interval, min(jitter, interval / 2), self._account_job(key),
                         f"{account.url} ({person.name})")
        self.scheduler.set_accounts(jobs, first_run_spread=min(jitter, 60.0))
